"""``eligex explain``: why the pipeline read a criterion the way it did.

An *explanation* is a plain JSON-serialisable dict built by the pure function
:func:`build_explanation` from one output record, the Doc's tokens and the ConText modifiers:
the tokens (with indices), every entity span with the rule that made it and that rule's
``file:line``, spans a rule matched but that did not reach the output (lost in overlap resolution
or dropped as orphans by constraint assembly), the ConText modifiers (cue, rule, scope, targets),
the abbreviations and the assembled constraints with the rules behind each.

:func:`trace` runs a pipeline over one text component by component to collect those inputs;
:func:`render_text` and :func:`render_html` (displaCy spans plus tables, self-contained) render an
explanation; :func:`write_atomic` writes a file via a temporary file and ``os.replace``.
"""

from __future__ import annotations

import copy
import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pipeline.reporting.terminal import format_bound

#: rule ids not defined in configs/ and where they come from
BUILTIN_RULES = {"shape.np_comparator_value": "built-in: pipeline/components/shapes.py"}
ABBREV_PREFIX = "abbrev."
#: shown for a rule id defined nowhere in configs/ (made in code, or a model built from other rules)
NO_SOURCE = "not in configs/"
ENTITY_FLAGS = ("negated", "uncertain", "historical", "hypothetical", "family", "exception", "result")
LABEL_COLORS = {
    "MEASUREMENT": "#7aecec", "SCORE": "#bfeeb7", "CONDITION": "#feca74", "VALUE": "#e4e7d2",
    "UNIT": "#c887fb", "COMPARATOR": "#ffeb80", "TEMPORAL": "#bfe1d9", "CUE": "#ddd",
    "NEGATION": "#ff8197", "NEGATED_EXISTENCE": "#ff8197", "POSSIBLE_EXISTENCE": "#f0d0ff",
    "HISTORICAL": "#aa9cfc", "HYPOTHETICAL": "#9cc9cc", "FAMILY": "#c7ebff", "EXCEPTION": "#ffd1a6",
    "RESULT_POSITIVE": "#b7f0a0", "RESULT_NEGATIVE": "#f0b0a0", "PSEUDO": "#e0e0e0", "TERMINATE": "#cccccc",
}


# ----------------------------------------------------------------------------------------------
# rule sources
# ----------------------------------------------------------------------------------------------

def display_path(source: str) -> str:
    """``/repo/configs/x.jsonl:3`` → ``configs/x.jsonl:3`` when under the working directory."""
    path, sep, line = source.rpartition(":")
    if not sep:
        return source
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return source
    return f"{rel if not rel.startswith('..') else path}:{line}"


def rule_sources(configs: Optional[Path] = None) -> Dict[str, str]:
    """Rule id → ``file:line`` for every entity and ConText rule under ``configs``.

    Loading is lenient: rules with problems are left out (``eligex rules validate`` reports them).
    """
    from pipeline.core.paths import configs_dir
    from pipeline.rules.loading import RULE_KINDS, load_rules

    configs = Path(configs or configs_dir())
    out: Dict[str, str] = {}
    for kind in ("entity", "context"):
        rules, _ = load_rules(configs / RULE_KINDS[kind][1], kind)
        for rule in rules:
            out.setdefault(rule["id"], display_path(rule["_source"]))
    return out


def source_of(rule_id: Optional[str], sources: Dict[str, str]) -> Optional[str]:
    """Where ``rule_id`` is defined; ``abbrev.X`` (a short form lent X's label) points at X."""
    if not rule_id:
        return None
    if rule_id in sources:
        return sources[rule_id]
    if rule_id in BUILTIN_RULES:
        return BUILTIN_RULES[rule_id]
    if rule_id.startswith(ABBREV_PREFIX):
        inner = source_of(rule_id[len(ABBREV_PREFIX):], sources)
        return f"short form of {inner}" if inner else "abbreviation (pipeline/components/abbreviations.py)"
    return None


# ----------------------------------------------------------------------------------------------
# building an explanation (pure)
# ----------------------------------------------------------------------------------------------

def token_rows(doc) -> List[dict]:
    """The tokens of a Doc as ``{i, text, start, end, sent_start}``."""
    return [{"i": t.i, "text": t.text, "start": t.idx, "end": t.idx + len(t.text),
             "sent_start": bool(t.is_sent_start) or t.i == 0} for t in doc]


def token_span(tokens: Sequence[dict], start: int, end: int) -> Optional[List[int]]:
    """The token range ``[first, last + 1)`` covering characters ``[start, end)``."""
    idx = [t["i"] for t in tokens if t["start"] < end and start < t["end"]]
    return [idx[0], idx[-1] + 1] if idx else None


def _rule_ref(rule_id: Optional[str], sources: Dict[str, str]) -> dict:
    return {"id": rule_id, "source": source_of(rule_id, sources)}


def _entity_view(ent: dict, text: str, tokens: Sequence[dict], sources: Dict[str, str]) -> dict:
    view = {
        "id": ent.get("id"),
        "label": ent["label"],
        "start": ent["start"],
        "end": ent["end"],
        "tokens": token_span(tokens, ent["start"], ent["end"]),
        "text": ent.get("text", text[ent["start"]:ent["end"]]),
        "rule": ent.get("rule"),
        "source": source_of(ent.get("rule"), sources),
        "norm": ent.get("norm"),
        "category": ent.get("category"),
        "flags": {k: ent[k] for k in ENTITY_FLAGS if ent.get(k)},
    }
    if ent.get("attrs"):
        view["attrs"] = dict(ent["attrs"])
    if ent.get("target"):  # a negation cue whose target is a phrase, not an entity
        a, b = ent["target"][0], ent["target"][1]
        view["target"] = {"start": a, "end": b, "text": ent.get("target_text") or text[a:b]}
    return view


def _key(ent: dict) -> Tuple:
    return ent["start"], ent["end"], ent["label"], ent.get("rule")


def build_explanation(record: dict, tokens: Sequence[dict], modifiers: Sequence[dict] = (),
                      sources: Optional[Dict[str, str]] = None, matched: Sequence[dict] = (),
                      overridden: Sequence[dict] = ()) -> dict:
    """The explanation of one processed criterion.

    ``record`` is an output record (:func:`pipeline.extraction.records.doc_to_record`); ``tokens`` come from
    :func:`token_rows`; ``modifiers`` are ``doc._.eligex["context"]``; ``sources`` maps rule ids
    to ``file:line``; ``matched`` are the entities before constraint assembly (those not in the
    output were dropped); ``overridden`` are rule matches that lost overlap resolution, each with
    ``lost_to`` (the rule id of the span that won).
    """
    sources = sources or {}
    text = record["text"]

    def span_text(a: int, b: int) -> str:
        return text[a:b]

    entities = [_entity_view(e, text, tokens, sources) for e in record.get("entities", [])]
    by_id = {e["id"]: e for e in entities if e.get("id") is not None}
    out_keys = {_key(e) for e in record.get("entities", [])}
    dropped = [dict(_entity_view(e, text, tokens, sources), reason="not used in a constraint")
               for e in matched if _key(e) not in out_keys]
    lost = []
    for e in overridden:
        view = _entity_view(e, text, tokens, sources)
        view["reason"] = f"overlaps {e['lost_to']} (higher priority or longer)" if e.get("lost_to") else "overlap"
        view["lost_to"] = e.get("lost_to")
        lost.append(view)

    mods = []
    for m in modifiers:
        scope = m.get("scope")
        mods.append({
            "category": m["category"],
            "direction": m.get("direction"),
            "cue": m["cue"],
            "start": m["start"],
            "end": m["end"],
            "tokens": token_span(tokens, m["start"], m["end"]),
            "rule": m.get("rule"),
            "source": source_of(m.get("rule"), sources),
            "scope": list(scope) if scope else None,
            "scope_text": span_text(*scope) if scope else None,
            "targets": [{"start": a, "end": b, "text": span_text(a, b)} for a, b in m.get("targets", [])],
        })

    abbreviations = [{"short_text": a["short_text"], "long_text": a["long_text"],
                      "short": list(a["short"]), "long": list(a["long"])}
                     for a in record.get("abbreviations", [])]

    constraints = []
    for c in record.get("constraints", []):
        subj = by_id.get(c.get("subject_id"))
        span = c.get("span")
        constraints.append({
            "subject": c.get("subject"),
            "subject_text": c.get("subject_text"),
            "subject_span": [subj["start"], subj["end"]] if subj else None,
            "category": c.get("category"),
            "bound": format_bound(c.get("lower"), c.get("upper")),
            "lower": c.get("lower"),
            "upper": c.get("upper"),
            "unit": c.get("unit"),
            "unit_text": c.get("unit_text"),
            "scale_max": c.get("scale_max"),
            "condition": c.get("condition"),
            "negated": bool(c.get("negated")),
            "context": c.get("context") or {},
            "span": list(span) if span else None,
            "span_text": span_text(*span) if span else None,
            "rules": [_rule_ref(r, sources) for r in c.get("rules", [])],
        })

    relations = []
    for r in record.get("relations", []):
        a, b = by_id.get(r.get("from")), by_id.get(r.get("to"))
        if a and b:
            relations.append({"type": r["type"], "from": a["text"], "from_id": a["id"],
                              "to": b["text"], "to_id": b["id"]})

    return {
        "trial_id": record.get("trial_id"),
        "criterion_id": record.get("criterion_id"),
        "section": record.get("section"),
        "text": text,
        "tokens": [dict(t) for t in tokens],
        "entities": entities,
        "dropped": dropped,
        "overridden": lost,
        "modifiers": mods,
        "abbreviations": abbreviations,
        "relations": relations,
        "constraints": constraints,
        "notes": [],
    }


# ----------------------------------------------------------------------------------------------
# running the pipeline stage by stage
# ----------------------------------------------------------------------------------------------

@dataclass
class Trace:
    """What one run of the pipeline over one text leaves behind, for :func:`build_explanation`."""

    doc: object
    tokens: List[dict]
    modifiers: List[dict]
    matched: List[dict] = field(default_factory=list)
    overridden: List[dict] = field(default_factory=list)


def component_factory(nlp, name: str) -> str:
    try:
        return nlp.get_pipe_meta(name).factory
    except Exception:  # pragma: no cover - a component added without meta
        return name


def trace(nlp, text: str) -> Trace:
    """Run ``nlp`` over ``text`` one component at a time, keeping the entity rule matches that
    lost overlap resolution and the entities as they stood before constraint assembly."""
    from pipeline.core import extensions
    from pipeline.components.entities import match_candidates, resolve_overlaps

    doc = nlp.make_doc(text)
    matched: List[dict] = []
    overridden: List[dict] = []
    for name, proc in nlp.pipeline:
        factory = component_factory(nlp, name)
        if factory == "eligex_entities" and getattr(proc, "_compiled", None) is not None:
            cands = match_candidates(doc, proc._compiled)
            kept = resolve_overlaps(cands)
            kept_set = set(kept)
            seen = set()
            for c in sorted(set(cands), key=lambda c: (c.start, c.end, c.rule)):
                if c in kept_set or (c.start, c.end, c.label, c.rule) in seen:
                    continue
                seen.add((c.start, c.end, c.label, c.rule))
                winner = next((k for k in kept if k.start < c.end and c.start < k.end), None)
                if winner is not None and winner.rule == c.rule and winner.start <= c.start and c.end <= winner.end:
                    continue  # a shorter phrase of the same rule inside its own longer match
                overridden.append({"label": c.label, "start": c.start_char, "end": c.end_char,
                                   "text": text[c.start_char:c.end_char], "rule": c.rule,
                                   "lost_to": winner.rule if winner else None})
        if factory == "eligex_constraints":
            matched = copy.deepcopy(extensions.state(doc)["entities"])
        doc = proc(doc)
    data = doc._.eligex or {}
    return Trace(doc, token_rows(doc), list(data.get("context", [])), matched, overridden)


def process(nlp, text: str, criterion: Optional[dict] = None) -> Tuple[dict, Trace]:
    """The output record of ``text`` (ids and section from ``criterion``) and its :class:`Trace`."""
    from pipeline.core.reflow import pipeline_text
    from pipeline.extraction.records import doc_to_record
    from pipeline.ingest.sections import Criterion

    tr = trace(nlp, pipeline_text(text))  # a multi-line criterion is read reflowed
    criterion = criterion or {}
    crit = Criterion(text=text, offset=criterion.get("offset", 0) or 0, section=criterion.get("section"),
                     line=criterion.get("line", 1) or 1,
                     criterion_id=criterion.get("criterion_id") or "text-001",
                     trial_id=criterion.get("trial_id") or "")
    return doc_to_record(crit, tr.doc._.eligex or {}), _trace_on(tr, text)


def _trace_on(tr: Trace, text: str) -> Trace:
    """``tr`` (of the reflowed text) with its offsets moved to ``text``, as the record's are."""
    from pipeline.core.reflow import OffsetMap, has_breaks, remap_eligex

    if not has_breaks(text):
        return tr
    omap = OffsetMap(text)
    tokens = [{**t, "start": omap.start(t["start"]), "end": omap.end(t["end"])} for t in tr.tokens]
    moved = remap_eligex({"context": tr.modifiers, "entities": tr.matched + tr.overridden}, text)
    n = len(tr.matched)
    return Trace(tr.doc, tokens, moved["context"], moved["entities"][:n], moved["entities"][n:])


def explain_text(nlp, text: str, sources: Optional[Dict[str, str]] = None,
                 criterion: Optional[dict] = None) -> dict:
    """Run ``nlp`` over ``text`` and explain the result; ``criterion`` supplies ids/section."""
    record, tr = process(nlp, text, criterion)
    return build_explanation(record, tr.tokens, tr.modifiers, sources, tr.matched, tr.overridden)


def compare_constraints(stored: Sequence[dict], current: Sequence[dict]) -> List[str]:
    """Differences between the constraints of a stored record and of a fresh run (as notes)."""
    def view(c: dict) -> Tuple:
        return (c.get("subject"), format_bound(c.get("lower"), c.get("upper")), c.get("unit"),
                c.get("scale_max"), c.get("condition"), bool(c.get("negated")))

    a = [view(c) for c in stored]
    b = [view(c) for c in current]
    notes = []
    for v in a:
        if v not in b:
            notes.append(f"stored record has {v[0]} {v[1]} {v[2] or ''}".rstrip() + ", the current rules do not")
    for v in b:
        if v not in a:
            notes.append(f"the current rules give {v[0]} {v[1]} {v[2] or ''}".rstrip() + ", the stored record does not")
    return notes


# ----------------------------------------------------------------------------------------------
# text rendering
# ----------------------------------------------------------------------------------------------

def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> List[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    fmt = lambda cells: indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def _short(s: Optional[str], n: int = 40) -> str:
    s = (s or "").replace("\n", "⏎")
    return s if len(s) <= n else s[: n - 1] + "…"


def _toks(t: Optional[Sequence[int]]) -> str:
    if not t:
        return "-"
    return str(t[0]) if t[1] - t[0] == 1 else f"{t[0]}-{t[1] - 1}"


def _norm_cat(e: dict) -> str:
    parts = [p for p in (e.get("norm"), e.get("category")) if p]
    return " / ".join(parts)


def _entity_rows(ents: Sequence[dict], extra: Optional[str] = None) -> List[List[str]]:
    rows = []
    for e in ents:
        row = [_toks(e["tokens"]), f"{e['start']}-{e['end']}", e["label"], _short(e["text"]), e["rule"] or "",
               _norm_cat(e), e["source"] or NO_SOURCE]
        if extra:
            row.append(e.get(extra) or "")
        rows.append(row)
    return rows


def render_text(expl: dict, width: int = 100) -> str:
    """A readable terminal view of an explanation."""
    out: List[str] = []
    head = " ".join(x for x in (expl.get("criterion_id"), f"({expl['section']})" if expl.get("section") else None) if x)
    if head:
        out.append(f"criterion {head}")
    out.append(f"text: {expl['text']}")
    for note in expl.get("notes", []):
        out.append(f"note: {note}")

    out += ["", f"tokens ({len(expl['tokens'])})"]
    line = " "
    for t in expl["tokens"]:
        cell = f" {'|' if t['sent_start'] and t['i'] else ''}{t['i']}:{t['text'].replace(chr(10), '⏎')}"
        if len(line) + len(cell) > width and line.strip():
            out.append(line)
            line = " "
        line += cell
    if line.strip():
        out.append(line)
    if any(t["sent_start"] and t["i"] for t in expl["tokens"]):
        out.append("  (| marks a sentence start)")

    header = ["tokens", "chars", "label", "text", "rule", "norm / category", "source"]
    out += ["", f"entities ({len(expl['entities'])}): which rule matched which span"]
    if expl["entities"]:
        out += _table(header, _entity_rows(expl["entities"]))
        flagged = [e for e in expl["entities"] if e["flags"] or e.get("attrs") or e.get("target")]
        for e in flagged:
            bits = [f"{k}={v}" if v is not True else k for k, v in e["flags"].items()]
            bits += [f"{k}={v}" for k, v in (e.get("attrs") or {}).items()]
            if e.get("target"):
                bits.append(f"negates the phrase {e['target']['text']!r} [{e['target']['start']}:{e['target']['end']}]")
            out.append(f"  · {e['text']!r} ({e['rule']}): {', '.join(bits)}")
    else:
        out.append("  none")
    if expl.get("dropped"):
        out += ["", f"matched but dropped from the output ({len(expl['dropped'])}): not used in a constraint"]
        out += _table(header, _entity_rows(expl["dropped"]))
    if expl.get("overridden"):
        out += ["", f"matched but lost overlap resolution ({len(expl['overridden'])})"]
        out += _table(header + ["lost to"], _entity_rows(expl["overridden"], extra="lost_to"))

    out += ["", f"ConText modifiers ({len(expl['modifiers'])})"]
    if expl["modifiers"]:
        for m in expl["modifiers"]:
            out.append(f"  {m['category']:<18} cue {m['cue']!r} [{m['start']}:{m['end']}] tokens {_toks(m['tokens'])}"
                       + (f" {m['direction']}" if m.get("direction") else "")
                       + f"  rule {m['rule']} ({m['source'] or NO_SOURCE})")
            scope = f"{m['scope_text']!r} [{m['scope'][0]}:{m['scope'][1]}]" if m["scope"] else "-"
            out.append(f"      scope: {_short(scope, width - 14)}")
            targets = ", ".join(f"{t['text']!r} [{t['start']}:{t['end']}]" for t in m["targets"]) or "none"
            out.append(f"      targets: {targets}")
    else:
        out.append("  none")

    out += ["", f"abbreviations ({len(expl['abbreviations'])})"]
    if expl["abbreviations"]:
        for a in expl["abbreviations"]:
            out.append(f"  {a['short_text']} = {a['long_text']}  [{a['short'][0]}:{a['short'][1]}] ← "
                       f"[{a['long'][0]}:{a['long'][1]}]")
    else:
        out.append("  none")

    if expl.get("relations"):
        out += ["", f"relations ({len(expl['relations'])})"]
        for r in expl["relations"]:
            out.append(f"  {r['from']!r} -{r['type']}-> {r['to']!r}")

    out += ["", f"constraints ({len(expl['constraints'])})"]
    if expl["constraints"]:
        for n, c in enumerate(expl["constraints"], start=1):
            out.append(f"  {n}. {c['subject']}  {c['bound']}" + (f" {c['unit']}" if c["unit"] else ""))
            out.append(f"     subject {c['subject_text']!r}" + (f" [{c['subject_span'][0]}:{c['subject_span'][1]}]"
                                                            if c["subject_span"] else "")
                       + f", category {c['category']}, unit text {c['unit_text']!r}")
            out.append(f"     lower {_bound(c['lower'])}, upper {_bound(c['upper'])}, scale_max {c['scale_max']}, "
                       f"condition {c['condition']}, negated {'yes' if c['negated'] else 'no'}"
                       + (f", context {', '.join(c['context'])}" if c["context"] else ""))
            if c["span_text"] is not None:
                out.append(f"     span {c['span_text']!r} [{c['span'][0]}:{c['span'][1]}]")
            out.append("     rules:")
            for r in c["rules"]:
                out.append(f"       {r['id']}  ({r['source'] or NO_SOURCE})")
    else:
        out.append("  none")

    ev = expl.get("evaluation")
    if ev is not None:
        out += ["", f"against gold ({ev.get('gold', 'gold')}): {len(ev['errors'])} difference(s)"]
        for e in ev["errors"]:
            out.append("  " + describe_error(e))
    return "\n".join(out)


def _bound(b: Optional[dict]) -> str:
    if not b:
        return "-"
    return f"{b['value']} ({'inclusive' if b['inclusive'] else 'exclusive'})"


def describe_error(e: dict) -> str:
    """One line for one error record of :func:`pipeline.evaluation.metrics.evaluate_records`."""
    kind = e.get("kind", "")
    rule = e.get("rule")
    rule_s = f"  rule {', '.join(rule) if isinstance(rule, list) else rule}" if rule else ""
    if kind.startswith("entity_"):
        what = "missed (in gold, not predicted)" if kind == "entity_fn" else "spurious or wrong boundary"
        return f"{kind}: {e['label']} {e['span_text']!r} [{e['span'][0]}:{e['span'][1]}] {what}{rule_s}"
    if kind.startswith("relation_"):
        return f"{kind}: {e['from']!r} -{e['type']}-> {e['to']!r}{rule_s}"
    if kind.startswith("negation_"):
        return f"{kind}: cue {e['cue']!r} → {e['target']!r}{rule_s}"
    if kind.startswith("constraint_"):
        def bv(b):
            if not b:
                return "-"
            op = {"lower": "≥" if b["inclusive"] else ">", "upper": "≤" if b["inclusive"] else "<"}[b["side"]]
            return f"{b['subject_text']!r} {op} {b['value']:g} {b['unit'] or ''}".rstrip()
        parts = []
        if e.get("gold"):
            parts.append(f"gold {bv(e['gold'])}")
        if e.get("pred"):
            parts.append(f"predicted {bv(e['pred'])}")
        return f"{kind}: {'; '.join(parts)}{rule_s}"
    return f"{kind}: {e}"


# ----------------------------------------------------------------------------------------------
# HTML rendering
# ----------------------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
.text { white-space: pre-wrap; background: #fafafa; padding: 0.6em; border: 1px solid #eee; }
.note { color: #a15c00; }
.spans { border: 1px solid #eee; padding: 0.5em 1em; }
.tok { display: inline-block; margin: 2px; padding: 1px 4px; background: #f3f3f3; border-radius: 3px; }
.tok sub { color: #888; }
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw``."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else _e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def displacy_spans(expl: dict) -> str:
    """displaCy ``span`` markup: every entity (label, rule id) and every ConText cue (category, rule id)."""
    from spacy import displacy

    spans = []
    for e in expl["entities"]:
        if e["tokens"]:
            spans.append({"start_token": e["tokens"][0], "end_token": e["tokens"][1], "label": _e(e["label"]),
                          "kb_id": _e(e["rule"] or ""), "kb_url": "#"})
    for m in expl["modifiers"]:
        if m["tokens"]:
            spans.append({"start_token": m["tokens"][0], "end_token": m["tokens"][1], "label": _e(m["category"]),
                          "kb_id": _e(m["rule"] or ""), "kb_url": "#"})
    data = {"text": expl["text"], "tokens": [t["text"] for t in expl["tokens"]], "spans": spans}
    return displacy.render(data, style="span", manual=True, page=False, jupyter=False,
                           options={"colors": LABEL_COLORS})


def render_html(expl: dict) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external resources)."""
    title = expl.get("criterion_id") or "eligex explain"
    parts = [f"<h1>eligex explain: {_e(title)}</h1>"]
    for note in expl.get("notes", []):
        parts.append(f'<p class="note">{_e(note)}</p>')
    parts.append(f'<div class="text">{_e(expl["text"])}</div>')
    parts.append("<h2>Spans (entity label / rule id; ConText category / rule id)</h2>")
    parts.append(displacy_spans(expl))

    header = ["tokens", "chars", "label", "text", "rule", "norm / category", "source", "flags"]

    def ent_rows(ents, extra=None):
        rows = []
        for e in ents:
            flags = ", ".join(k if v is True else f"{k}={v}" for k, v in e["flags"].items())
            if e.get("target"):
                flags = ", ".join(x for x in (flags, f"negates {e['target']['text']!r}") if x)
            row = [_toks(e["tokens"]), f"{e['start']}-{e['end']}", e["label"], e["text"], e["rule"] or "",
                   _norm_cat(e), e["source"] or NO_SOURCE, flags]
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
        rules = "<br>".join(f"<code>{_e(r['id'])}</code> <small>{_e(r['source'] or NO_SOURCE)}</small>" for r in c["rules"])
        rows.append([_e(c["subject"]), _e(c["subject_text"]), _e(c["category"]), _e(c["bound"]),
                     _e(_bound(c["lower"])), _e(_bound(c["upper"])), _e(c["unit"] or ""),
                     _e("" if c["scale_max"] is None else c["scale_max"]), _e(c["condition"] or ""),
                     "yes" if c["negated"] else "no", rules])
    parts.append(_html_table(["subject", "subject text", "category", "bound", "lower", "upper", "unit",
                              "scale_max", "condition", "negated", "rules"], rows, raw=True))

    ev = expl.get("evaluation")
    if ev is not None:
        parts.append(f"<h2>Against gold ({len(ev['errors'])} difference(s))</h2>")
        parts.append("<ul>" + "".join(f"<li>{_e(describe_error(e))}</li>" for e in ev["errors"]) + "</ul>")

    parts.append(f"<h2>Tokens ({len(expl['tokens'])})</h2><p>")
    parts.append(" ".join(f'<span class="tok">{_e(t["text"])}<sub>{t["i"]}</sub></span>' for t in expl["tokens"]))
    parts.append("</p>")
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def write_atomic(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def iter_jsonl(path: Path) -> Iterable[Tuple[int, dict]]:
    """(line number, record) for every parseable JSON object line of ``path``."""
    import json

    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict):
                yield lineno, rec
