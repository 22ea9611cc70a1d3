#!/usr/bin/env python3
"""Validate gold annotation JSONL files against annotations/GUIDELINE.md.

Usage: python scripts/check_gold.py [--root REPO_ROOT] FILE.jsonl [FILE.jsonl ...]

Checks, for every line: valid JSON object with the required keys; `text` is exactly
source[offset:offset+len(text)] (source read as UTF-8 relative to the repo root, offsets in
code points); entity ids unique, labels in the guideline set, offsets inside `text`;
relation ids unique, types in the guideline set, both ends exist and have the labels the
guideline allows; constraints have the required keys, subject_span inside `text` (and on a
MEASUREMENT/SCORE entity for the measurement categories), category in the guideline set, bounds
well-formed and lower <= upper, `anchor`/`direction` (normalised) on temporal constraints only;
`annotated` entries are "entities", "constraints" or "constraints:<category>".
Problems are printed as `file:line: message`; exit status 1 if any error was found.
Warnings (overlapping entity spans, units not listed in docs/UNITS.md) do not fail the run.
Standard library only.
"""
import argparse
import json
import os
import re
import sys

LABELS = {"MEASUREMENT", "SCORE", "COMPARATOR", "VALUE", "UNIT", "NEGATION", "TEMPORAL", "CONDITION"}
RELATIONS = {  # type -> (allowed from labels, allowed to labels)
    "has_value": ({"MEASUREMENT", "SCORE"}, {"VALUE"}),
    "has_comparator": ({"VALUE"}, {"COMPARATOR"}),
    "has_unit": ({"VALUE"}, {"UNIT"}),
    "negates": ({"NEGATION"}, {"MEASUREMENT", "SCORE", "CONDITION"}),
    "has_temporal": ({"MEASUREMENT", "SCORE", "CONDITION"}, {"TEMPORAL"}),
    "for_condition": ({"SCORE", "MEASUREMENT"}, {"CONDITION"}),
}
MEASUREMENT_CATEGORIES = {"lab", "vital", "measurement", "score", "age"}
#: time windows, durations, counts and grades (issue #13): their subject need not be an entity
TIME_COUNT_CATEGORIES = {"temporal", "duration", "count", "grade"}
CATEGORIES = MEASUREMENT_CATEGORIES | TIME_COUNT_CATEGORIES
REGISTRY_CATEGORIES = CATEGORIES
#: the normalised anchors and directions of a temporal constraint (GUIDELINE.md; null: not annotated)
ANCHORS = {"screening", "enrollment", "randomization", "first dose", "infusion", "baseline", "consent", "now"}
DIRECTIONS = {"before", "after"}
#: optional keys of a line and of a constraint-only gold constraint
OPTIONAL_LINE_KEYS = ["annotated"]
CONSTRAINT_ONLY_KEYS = ["subject", "subject_span", "category", "lower", "upper", "unit", "negated"]
CONSTRAINT_ONLY_OPTIONAL = ["scale_max", "condition", "population", "note", "anchor", "direction"]
LINE_KEYS = ["trial_id", "criterion_id", "section", "source", "offset", "text",
             "entities", "relations", "constraints"]
ENTITY_KEYS = ["id", "label", "start_offset", "end_offset"]
RELATION_KEYS = ["id", "from_id", "to_id", "type"]
CONSTRAINT_KEYS = ["subject", "subject_span", "category", "lower", "upper", "unit",
                   "scale_max", "condition", "negated"]
SECTION_OF = {"inc": "inclusion", "exc": "exclusion"}


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def canonical_units(root):
    """Canonical unit strings from the first column of the table in docs/UNITS.md (or None)."""
    path = os.path.join(root, "docs", "UNITS.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    units = set()
    for line in text.splitlines():
        m = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
        if m:
            units.add(m.group(1))
    return units or None


class Checker:
    def __init__(self, root):
        self.root = root
        self.sources = {}
        self.units = canonical_units(root)
        self.errors = 0
        self.warnings = 0

    def source(self, rel):
        """The text of ``rel``: a file, or ``FILE.jsonl#ID``, the ``text`` of the record whose ``id`` is ID."""
        if rel not in self.sources:
            file_part, _, record_id = rel.partition("#")
            path = os.path.join(self.root, file_part)
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    text = f.read()
                if record_id:
                    texts = [r.get("text") for r in map(json.loads, filter(str.strip, text.splitlines()))
                             if r.get("id") == record_id]
                    text = texts[0] if texts else OSError(f"no record with id {record_id!r} in {file_part}")
                self.sources[rel] = text
            except (OSError, UnicodeDecodeError, ValueError) as e:
                self.sources[rel] = e
        return self.sources[rel]

    def check_file(self, path):
        seen_ids = {}
        try:
            f = open(path, encoding="utf-8")
        except OSError as e:
            self.error(path, 0, f"cannot open: {e}")
            return
        with f:
            for n, raw in enumerate(f, 1):
                if not raw.strip():
                    self.error(path, n, "empty line")
                    continue
                errs, warns = [], []
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as e:
                    self.error(path, n, f"invalid JSON: {e}")
                    continue
                self.check_line(obj, errs, warns, seen_ids, n)
                for m in errs:
                    self.error(path, n, m)
                for m in warns:
                    self.warn(path, n, m)

    def error(self, path, n, msg):
        self.errors += 1
        print(f"{path}:{n}: error: {msg}")

    def warn(self, path, n, msg):
        self.warnings += 1
        print(f"{path}:{n}: warning: {msg}")

    def check_line(self, obj, errs, warns, seen_ids, n):
        if not isinstance(obj, dict):
            errs.append("line is not a JSON object")
            return
        missing = [k for k in LINE_KEYS if k not in obj]
        if missing:
            errs.append(f"missing keys: {', '.join(missing)}")
            return
        extra = sorted(set(obj) - set(LINE_KEYS) - set(OPTIONAL_LINE_KEYS))
        if extra:
            warns.append(f"unexpected keys: {', '.join(extra)}")
        text, offset = obj["text"], obj["offset"]
        if not isinstance(text, str) or not text:
            errs.append("text must be a non-empty string")
            return
        if text != text.strip():
            errs.append("text has leading/trailing whitespace")

        # identifiers
        tid, cid = obj["trial_id"], obj["criterion_id"]
        m = re.fullmatch(r"(.+)-(inc|exc|txt)-(\d{2,})", cid) if isinstance(cid, str) else None
        if not m:
            errs.append(f"criterion_id {cid!r} is not <trial_id>-<inc|exc|txt>-<NN>")
        else:
            if m.group(1) != tid:
                errs.append(f"criterion_id {cid!r} does not start with trial_id {tid!r}")
            want = SECTION_OF.get(m.group(2))
            if want and obj["section"] != want:
                errs.append(f"section {obj['section']!r} does not match criterion_id ({want!r})")
        if cid in seen_ids:
            errs.append(f"duplicate criterion_id {cid!r} (first on line {seen_ids[cid]})")
        else:
            seen_ids[cid] = n

        # text against source
        src = self.source(obj["source"]) if isinstance(obj["source"], str) else None
        if not is_int(offset) or offset < 0:
            errs.append(f"offset {offset!r} is not a non-negative integer")
        elif src is None:
            errs.append("source must be a path string")
        elif isinstance(src, Exception):
            errs.append(f"cannot read source {obj['source']!r}: {src}")
        elif src[offset:offset + len(text)] != text:
            found = src.find(text)
            hint = f" (text found at offset {found})" if found >= 0 else " (text not found in source)"
            errs.append(f"text != source[{offset}:{offset + len(text)}]{hint}")

        # entities
        ents = {}
        if not isinstance(obj["entities"], list):
            errs.append("entities must be a list")
        else:
            spans = []
            for e in obj["entities"]:
                if not isinstance(e, dict) or any(k not in e for k in ENTITY_KEYS):
                    errs.append(f"entity {e!r} lacks keys {ENTITY_KEYS}")
                    continue
                eid, lab, s, t = e["id"], e["label"], e["start_offset"], e["end_offset"]
                if not is_int(eid):
                    errs.append(f"entity id {eid!r} is not an integer")
                if eid in ents:
                    errs.append(f"duplicate entity id {eid!r}")
                if lab not in LABELS:
                    errs.append(f"entity {eid}: unknown label {lab!r}")
                if not (is_int(s) and is_int(t) and 0 <= s < t <= len(text)):
                    errs.append(f"entity {eid}: span [{s}, {t}] not inside text (len {len(text)})")
                else:
                    span_text = text[s:t]
                    if span_text != span_text.strip():
                        errs.append(f"entity {eid}: span {span_text!r} has leading/trailing whitespace")
                    spans.append((s, t, eid))
                ents[eid] = e
            spans.sort()
            for (s1, t1, i1), (s2, t2, i2) in zip(spans, spans[1:]):
                if s2 < t1:
                    warns.append(f"entities {i1} and {i2} overlap")

        # relations
        if not isinstance(obj["relations"], list):
            errs.append("relations must be a list")
        else:
            rids, pairs = set(), set()
            for r in obj["relations"]:
                if not isinstance(r, dict) or any(k not in r for k in RELATION_KEYS):
                    errs.append(f"relation {r!r} lacks keys {RELATION_KEYS}")
                    continue
                rid, fr, to, ty = r["id"], r["from_id"], r["to_id"], r["type"]
                if rid in rids:
                    errs.append(f"duplicate relation id {rid!r}")
                rids.add(rid)
                if (fr, to, ty) in pairs:
                    errs.append(f"relation {rid}: duplicate of an earlier relation")
                pairs.add((fr, to, ty))
                if ty not in RELATIONS:
                    errs.append(f"relation {rid}: unknown type {ty!r}")
                    continue
                for end, name in ((fr, "from_id"), (to, "to_id")):
                    if end not in ents:
                        errs.append(f"relation {rid}: {name} {end!r} is not an entity id")
                if fr in ents and to in ents:
                    lf, lt = ents[fr]["label"], ents[to]["label"]
                    allowed_from, allowed_to = RELATIONS[ty]
                    if lf not in allowed_from or lt not in allowed_to:
                        errs.append(f"relation {rid}: {ty} not allowed from {lf} to {lt}")

        # constraints
        if not isinstance(obj["constraints"], list):
            errs.append("constraints must be a list")
            return
        subject_spans = {(e["start_offset"], e["end_offset"]) for e in ents.values()
                         if e.get("label") in ("MEASUREMENT", "SCORE")}
        annotated = obj.get("annotated")
        constraints_only = annotated is not None and "entities" not in annotated
        annotated_cats = None
        if annotated is not None:
            bad = [a for a in annotated if a not in ("entities", "constraints")
                   and not (isinstance(a, str) and a.startswith("constraints:") and a[12:] in CATEGORIES)]
            if bad:
                errs.append(f"annotated: unknown entries {bad!r} (entities, constraints, constraints:<category>)")
            if "constraints" not in annotated:
                annotated_cats = {a[12:] for a in annotated if isinstance(a, str) and a.startswith("constraints:")}
        required = CONSTRAINT_ONLY_KEYS if constraints_only else CONSTRAINT_KEYS
        for i, c in enumerate(obj["constraints"], 1):
            if isinstance(c, dict) and constraints_only:
                unknown = sorted(set(c) - set(CONSTRAINT_ONLY_KEYS) - set(CONSTRAINT_ONLY_OPTIONAL))
                if unknown:
                    errs.append(f"constraint {i}: unknown keys {', '.join(unknown)}")
                c = {"scale_max": None, "condition": None, **c}
            if not isinstance(c, dict) or any(k not in c for k in required):
                missing = [k for k in required if not isinstance(c, dict) or k not in c]
                errs.append(f"constraint {i}: missing keys {', '.join(missing)}")
                continue
            if not isinstance(c["subject"], str) or not c["subject"]:
                errs.append(f"constraint {i}: subject must be a non-empty string")
            sp = c["subject_span"]
            if not (isinstance(sp, list) and len(sp) == 2 and all(is_int(x) for x in sp)
                    and 0 <= sp[0] < sp[1] <= len(text)):
                errs.append(f"constraint {i}: subject_span {sp!r} not inside text (len {len(text)})")
            elif not constraints_only and c.get("category") in MEASUREMENT_CATEGORIES \
                    and tuple(sp) not in subject_spans:
                errs.append(f"constraint {i}: subject_span {sp!r} ({text[sp[0]:sp[1]]!r}) "
                            "is not a MEASUREMENT/SCORE entity span")
            if c["category"] not in CATEGORIES:
                errs.append(f"constraint {i}: unknown category {c['category']!r}")
            elif annotated_cats is not None and c["category"] not in annotated_cats:
                errs.append(f"constraint {i}: category {c['category']!r} is not in this record's annotated list")
            if c["category"] == "temporal":
                if c.get("anchor") is not None and c["anchor"] not in ANCHORS:
                    errs.append(f"constraint {i}: anchor {c['anchor']!r} is not one of {', '.join(sorted(ANCHORS))}")
                if c.get("direction") is not None and c["direction"] not in DIRECTIONS:
                    errs.append(f"constraint {i}: direction {c['direction']!r} is not before or after")
                if not constraints_only and ("anchor" not in c or "direction" not in c):
                    errs.append(f"constraint {i}: a temporal constraint needs anchor and direction (null: not annotated)")
            elif "anchor" in c or "direction" in c:
                errs.append(f"constraint {i}: anchor/direction only on temporal constraints")
            bounds = {}
            for side in ("lower", "upper"):
                b = c[side]
                if b is None:
                    continue
                if (not isinstance(b, dict) or set(b) != {"value", "inclusive"}
                        or not is_num(b["value"]) or not isinstance(b["inclusive"], bool)):
                    errs.append(f"constraint {i}: {side} must be null or "
                                f"{{'value': number, 'inclusive': bool}}, got {b!r}")
                    continue
                bounds[side] = b
            if not bounds and c["lower"] is None and c["upper"] is None:
                errs.append(f"constraint {i}: both lower and upper are null")
            if len(bounds) == 2:
                lo, up = bounds["lower"], bounds["upper"]
                if lo["value"] > up["value"]:
                    errs.append(f"constraint {i}: lower {lo['value']} > upper {up['value']}")
                elif lo["value"] == up["value"] and not (lo["inclusive"] and up["inclusive"]):
                    errs.append(f"constraint {i}: equal bounds must both be inclusive")
            if c["unit"] is not None and not isinstance(c["unit"], str):
                errs.append(f"constraint {i}: unit must be a string or null")
            elif c["unit"] is not None and self.units is not None and c["unit"] not in self.units:
                warns.append(f"constraint {i}: unit {c['unit']!r} is not a canonical unit of docs/UNITS.md")
            if c["scale_max"] is not None and not is_num(c["scale_max"]):
                errs.append(f"constraint {i}: scale_max must be a number or null")
            if c["condition"] is not None and not isinstance(c["condition"], str):
                errs.append(f"constraint {i}: condition must be a string or null")
            if not isinstance(c["negated"], bool):
                errs.append(f"constraint {i}: negated must be a boolean")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="gold JSONL file(s)")
    ap.add_argument("--root", default=os.path.dirname(here),
                    help="repository root that `source` paths are relative to (default: parent of scripts/)")
    args = ap.parse_args(argv)
    ck = Checker(args.root)
    for path in args.files:
        ck.check_file(path)
    print(f"{ck.errors} error(s), {ck.warnings} warning(s)", file=sys.stderr)
    return 1 if ck.errors else 0


if __name__ == "__main__":
    sys.exit(main())
