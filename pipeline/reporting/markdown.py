"""``eligex evaluate --markdown``: the figures as GitHub-flavoured Markdown, for CI logs and terminals."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from pipeline.reporting.common import check_metrics, fmt, short_hash
from pipeline.reporting.errors_view import CONSTRAINT_KINDS
from pipeline.reporting.terminal import anchored_line, scored_note


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[object]], right_from: int = 1) -> List[str]:
    """A Markdown table; columns from ``right_from`` on are right-aligned (numbers)."""
    out = ["| " + " | ".join(_cell(h) for h in header) + " |",
           "|" + "|".join(":---" if i < right_from else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _prf_row(name: str, m: dict, extra: Sequence[object] = ()) -> list:
    if not m.get("tp", 0) + m.get("fp", 0) + m.get("fn", 0):  # nothing counted: no figure
        return [name, "—", "—", "—", 0, 0, 0, *extra]
    return [name, fmt(m.get("precision")), fmt(m.get("recall")), f"**{fmt(m.get('f1'))}**",
            m.get("tp", 0), m.get("fp", 0), m.get("fn", 0), *extra]


PRF = ("P", "R", "F1", "tp", "fp", "fn")


def render_markdown(metrics: dict, top_rules: int = 10, title: Optional[str] = None) -> str:
    """Summary, headline figures, per-label tables, constraint error kinds, the worst rules."""
    from pipeline.reporting.html import headlines, rule_rows

    check_metrics(metrics)
    gold = metrics.get("gold") or {}
    lines = [f"# {title or 'eligex evaluation'}", ""]
    lines += [f"- corpus: `{gold.get('path', '?')}` ({gold.get('format', '?')}), {metrics['documents']} criteria",
              f"- eligex {metrics.get('pipeline_version', '?')}, rules `{short_hash(metrics.get('rules_hash'))}`, "
              f"metrics version {metrics.get('version')}",
              f"- date: {metrics.get('date', '?')}", ""]
    lines += ["## Headline", ""]
    lines += table(["", *PRF], (_prf_row(name, m) for _, name, m in headlines(metrics)))
    neg, con = metrics["negation"], metrics["constraints"]
    st = con.get("score_thresholds") or {}
    lines += ["", f"Negated-flag accuracy {fmt(neg.get('accuracy'))} over {neg.get('targets', 0)} targets; "
                  f"score thresholds right {st.get('right', 0)}/{st.get('total', 0)}; constraints counted in bounds.",
              ""]
    ov = metrics["entities"]["overlap"]["per_label"]
    lines += ["## Entities per label", ""]
    lines += table(["label", *PRF, "overlap F1"],
                   (_prf_row(k, m, [fmt(ov.get(k, {}).get("f1"))]) for k, m in metrics["entities"]["per_label"].items()))
    lines += ["", "## Relations per type", ""]
    lines += table(["type", *PRF], (_prf_row(k, m) for k, m in metrics["relations"]["per_label"].items()))
    lines += ["", "## Constraints per category (bounds)", ""]
    lines += table(["category", *PRF], (_prf_row(k, m) for k, m in con.get("per_category", {}).items()))
    lines += ["", anchored_line(con).capitalize() + scored_note(con) + "."]
    if con.get("parts"):
        lines += [""]
        lines += table(["constraint part", *PRF], (_prf_row(k, m) for k, m in con["parts"].items()))
    agree = con.get("unit_agreement") or {}
    if agree.get("total"):
        lines += ["", f"Unit agreement on matched bounds: {agree['accuracy']} ({agree['right']}/{agree['total']}: "
                      "bounds right on subject, side, value and inclusiveness whose unit is right too)."]
    kinds = con.get("errors") or {}
    lines += ["", "## Constraint errors by kind", ""]
    lines += table(["kind", "bounds"], [(k, kinds.get(k, 0)) for k in CONSTRAINT_KINDS]
                   + [(k, v) for k, v in sorted(kinds.items()) if k not in CONSTRAINT_KINDS])
    rows = rule_rows(metrics)[:top_rules]
    if rows:
        lines += ["", f"## Rules with the most false positives (top {len(rows)})", ""]
        lines += table(["rule", "tp", "fp", "constraint tp", "constraint fp"],
                       ([f"`{r}`", c.get("tp", 0), c.get("fp", 0), c.get("constraint_tp", 0),
                         c.get("constraint_fp", 0)] for r, c in rows))
    return "\n".join(lines) + "\n"
