"""The HTML view of an explanation (``eligex explain --html``): displaCy spans plus tables, one
self-contained page styled by the reporting style sheet and coloured by the one label palette."""

from __future__ import annotations

from typing import Sequence

from pipeline.explain.text import describe_error, norm_category, token_range
from pipeline.reporting.assets import CSS, EXPLAIN_CSS
from pipeline.reporting.bounds import format_side
from pipeline.reporting.common import esc
from pipeline.rules.labels import display_colors
from pipeline.rules.sources import NO_SOURCE


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw``."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def displacy_spans(expl: dict) -> str:
    """displaCy ``span`` markup: every entity (label, rule id) and every ConText cue (category, rule id)."""
    from spacy import displacy

    spans = []
    for e in expl["entities"]:
        if e["tokens"]:
            spans.append({"start_token": e["tokens"][0], "end_token": e["tokens"][1], "label": esc(e["label"]),
                          "kb_id": esc(e["rule"] or ""), "kb_url": "#"})
    for m in expl["modifiers"]:
        if m["tokens"]:
            spans.append({"start_token": m["tokens"][0], "end_token": m["tokens"][1], "label": esc(m["category"]),
                          "kb_id": esc(m["rule"] or ""), "kb_url": "#"})
    data = {"text": expl["text"], "tokens": [t["text"] for t in expl["tokens"]], "spans": spans}
    return displacy.render(data, style="span", manual=True, page=False, jupyter=False,
                           options={"colors": display_colors()})


def render_html(expl: dict) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external resources)."""
    title = expl.get("criterion_id") or "eligex explain"
    parts = [f"<h1>eligex explain: {esc(title)}</h1>"]
    for note in expl.get("notes", []):
        parts.append(f'<p class="warn">{esc(note)}</p>')
    parts.append(f'<div class="text">{esc(expl["text"])}</div>')
    parts.append("<h2>Spans (entity label / rule id; ConText category / rule id)</h2>")
    parts.append(displacy_spans(expl))

    header = ["tokens", "chars", "label", "text", "rule", "norm / category", "source", "flags"]

    def ent_rows(ents, extra=None):
        rows = []
        for e in ents:
            flags = ", ".join(k if v is True else f"{k}={v}" for k, v in e["flags"].items())
            if e.get("target"):
                flags = ", ".join(x for x in (flags, f"negates {e['target']['text']!r}") if x)
            row = [token_range(e["tokens"]), f"{e['start']}-{e['end']}", e["label"], e["text"], e["rule"] or "",
                   norm_category(e), e["source"] or NO_SOURCE, flags]
            if extra:
                row.append(e.get(extra) or "")
            rows.append(row)
        return rows

    parts.append(f"<h2>Entities ({len(expl['entities'])})</h2>")
    parts.append(_html_table(header, ent_rows(expl["entities"])))
    if expl.get("dropped"):
        parts.append(f"<h2>Matched but dropped: not used in a constraint ({len(expl['dropped'])})</h2>")
        parts.append(_html_table(header, ent_rows(expl["dropped"])))
    if expl.get("overridden"):
        parts.append(f"<h2>Matched but lost overlap resolution ({len(expl['overridden'])})</h2>")
        parts.append(_html_table(header + ["lost to"], ent_rows(expl["overridden"], "lost_to")))

    parts.append(f"<h2>ConText modifiers ({len(expl['modifiers'])})</h2>")
    parts.append(_html_table(
        ["category", "direction", "cue", "chars", "rule", "source", "scope", "targets"],
        [[m["category"], m.get("direction") or "", m["cue"], f"{m['start']}-{m['end']}", m["rule"] or "", m["source"] or NO_SOURCE,
          m["scope_text"] or "", "; ".join(t["text"] for t in m["targets"])] for m in expl["modifiers"]]))

    parts.append(f"<h2>Abbreviations ({len(expl['abbreviations'])})</h2>")
    parts.append(_html_table(["short form", "long form"],
                             [[a["short_text"], a["long_text"]] for a in expl["abbreviations"]]))

    parts.append(f"<h2>Constraints ({len(expl['constraints'])})</h2>")
    rows = []
    for c in expl["constraints"]:
        rules = "<br>".join(f"<code>{esc(r['id'])}</code> <small>{esc(r['source'] or NO_SOURCE)}</small>" for r in c["rules"])
        rows.append([esc(c["subject"]), esc(c["subject_text"]), esc(c["category"]), esc(c["bound"]),
                     esc(format_side(c["lower"])), esc(format_side(c["upper"])), esc(c["unit"] or ""),
                     esc("" if c["scale_max"] is None else c["scale_max"]), esc(c["condition"] or ""),
                     "yes" if c["negated"] else "no", rules])
    parts.append(_html_table(["subject", "subject text", "category", "bound", "lower", "upper", "unit",
                              "scale_max", "condition", "negated", "rules"], rows, raw=True))

    ev = expl.get("evaluation")
    if ev is not None:
        parts.append(f"<h2>Against gold ({len(ev['errors'])} difference(s))</h2>")
        parts.append("<ul>" + "".join(f"<li>{esc(describe_error(e))}</li>" for e in ev["errors"]) + "</ul>")

    parts.append(f"<h2>Tokens ({len(expl['tokens'])})</h2><p>")
    parts.append(" ".join(f'<span class="tok">{esc(t["text"])}<sub>{t["i"]}</sub></span>' for t in expl["tokens"]))
    parts.append("</p>")
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f"<style>{CSS}{EXPLAIN_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")
