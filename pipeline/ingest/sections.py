"""Split a document into inclusion/exclusion sections and single criteria.

Works on ClinicalTrials.gov ``eligibilityCriteria`` text (the API's Markdown and the classic,
hard-wrapped ``textblock``) and on raw page dumps in which the criteria sit between other page
text: a section starts at an inclusion/exclusion heading and stops at the next known heading.
Headings are rules in ``configs/sections.jsonl``: ``inclusion``/``exclusion``/``stop`` section
headings, and sub-headings inside a section: ``population`` (cohort and part headings: "Healthy
Volunteers", "Part A:", "For subjects enrolled in the extension:"), ``group`` (NCI's "PATIENT
CHARACTERISTICS:"), ``subject`` (NCI's "Age:", "Hepatic:") and ``note`` (a "NOTES:" line over
explanatory paragraphs: not a criterion, and the headings in force stay). A sub-heading is a line without
enumerator that ends with ``:`` or stands alone (a blank or an enumerated line follows it). A
subject heading whose rule has ``subject_items`` names the subject of the items under it that name
none ("Age:" then "15 to 65"): such a criterion's ``lead`` ("Age: ") is read before its text.

A criterion runs from its enumerator (``1.``, ``1\\.``, ``2,``, ``①``, ``*``, ``-``, ...) or the
start of a paragraph to the next enumerator, blank line or heading; a line break made by a
wrapper (:func:`pipeline.ingest.lines.is_wrap`) does not end it, so a criterion's ``text`` may
contain line breaks and indentation: it is always ``source[offset:offset + len(text)]``. Its
enumerator is not part of its text. An enumeration inside one criterion
(:mod:`pipeline.ingest.inline`) becomes sub-criteria ``<id>.1``, ``<id>.2``, ...; criteria that open
a list get their sub-items as children (:mod:`pipeline.ingest.nesting`). Pure functions, no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from pipeline.ingest.inline import InlineSplit, inline_items
from pipeline.ingest.lines import Line, is_wrap, is_wrapped_enumerator, physical_lines, split_line, wrap_width
from pipeline.ingest.segconfig import SEGMENTATION
from pipeline.ingest.nesting import Item, assign_parents, marker_style, marker_value

#: a section's part of a criterion id ("NCT…-inc-03"; ``None``: no section headings in the text)
SECTION_ABBR = dict(SEGMENTATION.criterion_id_sections)
SECTIONS = ("inclusion", "exclusion", "stop")
SUBHEADINGS = ("population", "group", "subject", "note")
#: enumerations inside enumerations inside a criterion are split this deep
MAX_INLINE_DEPTH = SEGMENTATION.max_inline_depth
#: an item indented this much deeper than the item before it is that item's sub-item
SUB_ITEM_INDENT = SEGMENTATION.sub_item_indent
#: a heading is a short line
MAX_HEADING_CHARS = SEGMENTATION.max_heading_chars
#: the colons that end a heading or a list's opener (":", full-width "：")
COLONS = SEGMENTATION.heading_colons
#: what a heading's text ends with and records leave off: its colon, dashes, spaces
HEADING_TRIM = "".join(COLONS) + "-–— "


@dataclass
class Criterion:
    """One criterion: ``text`` is ``source[offset:offset + len(text)]``."""

    text: str
    offset: int
    section: Optional[str]
    line: int
    marker: str = ""
    index: int = 0
    criterion_id: str = ""
    trial_id: str = ""
    population: Optional[str] = None
    heading: Optional[str] = None
    heading_group: Optional[str] = None
    parent: Optional[str] = None
    indent: int = field(default=0, repr=False)
    #: read before the text by the pipeline when the heading names the subject ("Age: " before
    #: "15 to 65"; :func:`pipeline.core.reflow.pipeline_text`), and the heading rule's id
    lead: str = field(default="", repr=False)
    lead_rule: Optional[str] = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {
            "trial_id": self.trial_id,
            "criterion_id": self.criterion_id,
            "section": self.section,
            "offset": self.offset,
            "line": self.line,
            "marker": self.marker,
            "text": self.text,
            "population": self.population,
            "heading": self.heading,
            "heading_group": self.heading_group,
            "parent": self.parent,
        }


@dataclass
class HeadingRule:
    id: str
    section: str
    regex: re.Pattern = field(repr=False)
    inline: Optional[re.Pattern] = field(default=None, repr=False)
    enumerated: bool = False
    subject_items: Optional[re.Pattern] = field(default=None, repr=False)


def compile_heading_rules(rules: Iterable[dict]) -> List[HeadingRule]:
    """Compile heading rules (``configs/sections.jsonl``) to full-line patterns, case-insensitive
    unless ``case_sensitive``; ``inline`` patterns find a section heading inside a line."""
    out = []
    for r in rules:
        flags = 0 if r.get("case_sensitive") else re.IGNORECASE
        inline = re.compile(rf"(?:{r['inline']})", re.IGNORECASE) if r.get("inline") else None
        out.append(HeadingRule(r["id"], r["section"], re.compile(rf"^(?:{r['regex']})$", flags), inline,
                               bool(r.get("enumerated")),
                               re.compile(rf"(?:{r['subject_items']})", re.IGNORECASE) if r.get("subject_items") else None))
    return out


def _heading_text(line: str) -> str:
    return line.strip().strip("#*_ ").strip()


def match_heading(line: str, rules: Sequence[HeadingRule], kinds: Sequence[str] = SECTIONS):
    """``(rule, match)`` of the first heading rule of one of ``kinds`` a line matches in full, or
    ``(None, None)``."""
    stripped = _heading_text(line)
    if stripped and len(stripped) <= MAX_HEADING_CHARS:
        for rule in rules:
            if rule.section in kinds:
                m = rule.regex.match(stripped)
                if m:
                    return rule, m
    return None, None


def classify_heading(line: str, rules: Sequence[HeadingRule], kinds: Sequence[str] = SECTIONS
                     ) -> Optional[HeadingRule]:
    """The first heading rule of one of ``kinds`` a line matches in full, or ``None``."""
    return match_heading(line, rules, kinds)[0]


def _qualifier(m) -> Optional[str]:
    """The population a section heading names in its groups ``group`` ("Resident Inclusion
    Criteria:") and ``population`` ("Inclusion Criteria for Part 2 Only:"), joined by ": " when it
    names both ("Part I: Inclusion criteria for good responders")."""
    if m is None:
        return None
    found = {}
    for name in ("group", "population"):
        if name in m.re.groupindex and m.group(name):
            value = normalise_heading(m.group(name))
            if any(ch.isalnum() for ch in value):  # not the bullet of "-  INCLUSION CRITERIA:"
                found[name] = value
    if "group" in found and "population" in found:  # both only for a label: "Part I: Inclusion …"
        labelled = m.string[m.end("group"):m.end("group") + 1] in COLONS
        return f"{found['group']}: {found['population']}" if labelled else found["population"]
    return found.get("population") or found.get("group")


def normalise_heading(text: str) -> str:
    """A sub-heading as records carry it: no markup, final ``:`` or dashes, single spaces, lower case."""
    return " ".join(_heading_text(text).rstrip(HEADING_TRIM).split()).lower()


def _inline_heading_cuts(line: Line, rules: Sequence[HeadingRule]) -> List[int]:
    """Body indices at which to cut a line around section headings written inside it ("Inclusion
    criteria Healthy volunteers", a whole trial on one line)."""
    cuts: List[int] = []
    body = line.body
    for rule in rules:
        if rule.inline is None:
            continue
        for m in rule.inline.finditer(body, line.lead, line.end):
            at_start = m.start() == line.lead
            colon = m.group().rstrip().endswith(COLONS)
            if not at_start and not (body[m.start() - 1].isspace() and colon):
                continue
            if at_start and not colon and not (body[m.start()].isupper() and body[m.end():m.end() + 1].isupper()):
                continue  # "exclusion criteria apply" goes on a sentence; "Inclusion criteria Healthy ..." does not
            if m.end() >= line.end and at_start:
                continue  # the whole line: an ordinary heading
            cuts.extend([m.start(), m.end()])
    return sorted(c for c in set(cuts) if 0 < c < len(body))


def _lines(text: str, rules: Sequence[HeadingRule]) -> List[Line]:
    out: List[Line] = []
    for line in physical_lines(text):
        if not line.blank and classify_heading(line.body, rules) is None:
            cuts = _inline_heading_cuts(line, rules)
            if cuts:
                out.extend(split_line(line, cuts))
                continue
        out.append(line)
    return out


def _is_subheading(lines: List[Line], i: int, rules: Sequence[HeadingRule]) -> Optional[HeadingRule]:
    line = lines[i]
    if line.blank or line.cut or line.body[line.end - 1] in SEGMENTATION.sentence_end:  # a sentence is no heading
        return None
    if line.marker:  # "-  Non-small cell cancer cohort:": only rules that allow an enumerator
        rule = classify_heading(line.text, rules, SUBHEADINGS) if line.text.endswith(COLONS) else None
        return rule if rule is not None and rule.enumerated else None
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    standalone = line.content.endswith(COLONS) or nxt is None or nxt.blank or bool(nxt.marker)
    if not standalone:
        return None
    return classify_heading(line.content, rules, SUBHEADINGS)


@dataclass
class _Block:
    lines: List[Line]
    section: Optional[str]
    population: Optional[str]
    heading: Optional[str]
    group: Optional[str]
    run: int  # criteria of one run (same section and headings) nest among themselves
    lead: Optional[Tuple[str, str, "re.Pattern"]] = None  # (text read before an item, rule id, items it fits)


def _blocks(lines: List[Line], rules: Sequence[HeadingRule]) -> List[_Block]:
    width = wrap_width(lines)
    found = [(None, None) if ln.blank else match_heading(ln.body, rules) for ln in lines]
    for i in range(len(lines) - 1):  # a long heading wrapped over two lines
        if found[i][0] is None and not lines[i].marker and is_wrap(lines[i], lines[i + 1], width):
            joined = match_heading(f"{lines[i].content} {lines[i + 1].content}", rules)
            if joined[0] is not None and joined[0].section != "stop":
                found[i] = found[i + 1] = joined
    headings = [rule for rule, _ in found]
    has_sections = any(h is not None and h.section != "stop" for h in headings)
    blocks: List[_Block] = []
    section: Optional[str] = None
    active = not has_sections
    population = heading = group = None
    lead = None
    run = 0
    current: Optional[_Block] = None
    for i, line in enumerate(lines):
        rule = headings[i]
        if rule is not None and current is not None and line.content[:1].islower() and \
                is_wrap(current.lines[-1], line, width, current.lines[0].indent):
            rule = None  # "… meet the following ⏎ conditions:" goes on a sentence, it is no heading
        if rule is not None:
            current = None
            run += 1
            population, heading, group = _qualifier(found[i][1]), None, None
            lead = None
            if rule.section == "stop":
                active = not has_sections
                section = None
            else:
                section = rule.section
                active = True
            continue
        if not active:
            continue
        if line.blank:
            current = None
            continue
        if current is not None and line.indent >= current.lines[0].indent and (
                is_wrap(current.lines[-1], line, width, current.lines[0].indent)
                or is_wrapped_enumerator(current.lines[-1], line, width, current.lines[0])):
            current.lines.append(line)
            continue
        sub = _is_subheading(lines, i, rules)
        if sub is not None and sub.section == "note":  # "NOTES:" over a paragraph: nothing changes
            current = None
            continue
        if sub is not None:
            current = None
            run += 1
            name = normalise_heading(line.text)  # without an enumerator, if written as a list item
            lead = None
            if sub.section == "population":
                population, heading, group = name, None, None
            elif sub.section == "group":
                heading, group = None, name
            else:
                heading = name
                if sub.subject_items is not None:  # "Age:" then "15 to 65": read as "Age: 15 to 65"
                    lead = (_heading_text(line.text).rstrip(HEADING_TRIM) + ": ", sub.id, sub.subject_items)
            continue
        current = _Block([line], section, population, heading, group, run, lead)
        blocks.append(current)
    return blocks


def _block_criterion(block: _Block) -> Optional[Criterion]:
    first, last = block.lines[0], block.lines[-1]
    start = first.start + first.text_start
    end = last.start + last.end
    body = first.body[first.text_start:] + "".join(ln.body for ln in block.lines[1:])
    if end <= start or not any(ch.isalnum() for ch in body):
        return None  # nothing but an enumerator or punctuation ("-" alone on its line)
    crit = Criterion(text="", offset=start, section=block.section, line=first.number, marker=first.marker,
                     population=block.population, heading=block.heading, heading_group=block.group,
                     indent=first.indent)
    if block.lead is not None and block.lead[2].match(first.body, first.text_start):
        crit.lead, crit.lead_rule = block.lead[0], block.lead[1]
    return crit


def split_criteria(text: str, rules: Sequence[HeadingRule], trial_id: str = "") -> List[Criterion]:
    """Split ``text`` into criteria.

    If the text has inclusion/exclusion headings, only the lines inside those sections are criteria
    (each section ends at the next section heading of any kind). If it has none, every paragraph
    or item is a criterion with section ``None``.
    """
    lines = _lines(text, rules)
    criteria: List[Criterion] = []
    counters = {"inclusion": 0, "exclusion": 0, None: 0}
    runs: dict = {}
    for block in _blocks(lines, rules):
        crit = _block_criterion(block)
        if crit is None:
            continue
        last = block.lines[-1]
        crit.text = text[crit.offset:last.start + last.end]
        counters[block.section] += 1
        crit.index = counters[block.section]
        crit.trial_id = trial_id
        crit.criterion_id = f"{trial_id}-{SECTION_ABBR[block.section]}-{crit.index:02d}"
        split, subs = _inline_parts(crit)
        criteria.extend(([crit] if split.head else []) + subs)
        runs.setdefault(block.run, []).append((crit, split, subs))
    for members in runs.values():
        # a criterion opens a list when it ends with ':' (its items not inside it) or when the
        # next criterion is an item indented deeper ("8. … as followings" ⏎ "     -  Uncontrolled …")
        items = []
        last_value: dict = {}  # enumerator style → the last value seen in this run
        for k, (c, _, subs) in enumerate(members):
            nxt = members[k + 1][0] if k + 1 < len(members) else None
            deeper = nxt is not None and bool(c.marker and nxt.marker) and nxt.indent >= c.indent + SUB_ITEM_INDENT \
                and not _continues_numbering(nxt.marker, last_value)
            if c.marker and marker_value(c.marker) is not None:
                last_value[marker_style(c.marker)] = marker_value(c.marker)
            # "The following laboratory values must be obtained." over enumerated items, deeper or
            # after a paragraph, announces them as its list (configs/segmentation.json)
            announces = nxt is not None and bool(nxt.marker) and (not c.marker or nxt.indent > c.indent) \
                and SEGMENTATION.list_announcement_re.search(c.text) is not None
            items.append(Item(c.criterion_id, c.marker, c.indent,
                              (c.text.rstrip().endswith(COLONS) or deeper or announces) and not subs))
        assign_parents(items)
        for (c, split, subs), item in zip(members, items):
            c.parent = item.parent
            for sub in subs:  # an enumeration's items belong to the text before it, else to its parent
                if sub.parent is None:
                    sub.parent = c.criterion_id if split.head and not split.continues else item.parent
    return criteria


def _continues_numbering(marker: str, last_value: dict) -> bool:
    """Whether ``marker`` goes on a numbering already open in the run ("2." after "1. … of the
    following:" and its bullets, however deep it is indented): a sibling, not a sub-item."""
    value = marker_value(marker)
    return value is not None and value > 1 and last_value.get(marker_style(marker)) == value - 1


def _inline_parts(crit: Criterion, depth: int = 1) -> Tuple[InlineSplit, List[Criterion]]:
    """The enumeration inside ``crit`` and its items as sub-criteria ``<id>.1``, ``<id>.2``, ...
    (an item's own enumeration, when text comes before it, gives ``<id>.1.1``, ...); ``crit``'s
    text is cut to the text before the enumeration."""
    split = inline_items(crit.text, crit.marker)
    items, head = split.items, split.head
    if not items:
        return InlineSplit((0, len(crit.text)), []), []
    subs = [Criterion(text=crit.text[item.start:item.end], offset=crit.offset + item.start,
                      section=crit.section, line=crit.line + crit.text.count("\n", 0, item.start),
                      marker=item.marker, index=crit.index, criterion_id=f"{crit.criterion_id}.{k}",
                      trial_id=crit.trial_id, population=crit.population, heading=crit.heading,
                      heading_group=crit.heading_group, indent=crit.indent, lead=crit.lead,
                      lead_rule=crit.lead_rule)
            for k, item in enumerate(items, start=1)]
    if head is not None:
        crit.text = crit.text[head[0]:head[1]]
    if depth < MAX_INLINE_DEPTH:
        nested: List[Criterion] = []
        for sub in subs:  # "c.) Objective evidence … of the following: i. … ii. …"
            nested.append(sub)
            inner = inline_items(sub.text, sub.marker)
            if inner.items and inner.head and not inner.continues:
                _, items_of_sub = _inline_parts(sub, depth + 1)
                for item in items_of_sub:
                    item.parent = item.parent or sub.criterion_id
                nested.extend(items_of_sub)
        subs = nested
    return split, subs
