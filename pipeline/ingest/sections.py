"""Split a document into inclusion/exclusion sections and single criteria.

Works on ClinicalTrials.gov ``eligibilityCriteria`` text and on raw page dumps in which the
criteria sit between other page text: a section starts at an inclusion/exclusion heading and stops
at the next known heading. Headings are rules in ``configs/sections.jsonl``. A criterion is one
line of a section (numbered items ``1.``, ``1\\.``, ``2,``, ``①``, bullets ``*``, ``-``, sub-items,
or plain lines); its enumerator is not part of its text. Pure functions, no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence

#: enumerator at the start of a line: 1. 1) 1\. 2, (1) ① a. a) * - • · ○ ▪
ENUMERATOR_RE = re.compile(
    r"""^(?:
        \(?\d{1,3}\\?[.)、,，:](?!\d)      # 1.  1)  1\.  2,
      | \(\d{1,3}\)                         # (1)
      | [\u2460-\u2473\u24f5-\u24fe\u2776-\u277f]  # ① .. ⑳, ❶ ..
      | \(?[a-zA-Z]\\?[.)](?=\s)            # a.  b)
      | [*\-•·○▪◦‣–—]                       # bullets
    )\s*""",
    re.VERBOSE,
)

SECTION_ABBR = {"inclusion": "inc", "exclusion": "exc", None: "txt"}


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

    def to_dict(self) -> dict:
        return {
            "trial_id": self.trial_id,
            "criterion_id": self.criterion_id,
            "section": self.section,
            "offset": self.offset,
            "line": self.line,
            "marker": self.marker,
            "text": self.text,
        }


@dataclass
class HeadingRule:
    id: str
    section: str
    regex: re.Pattern = field(repr=False)


def compile_heading_rules(rules: Iterable[dict]) -> List[HeadingRule]:
    """Compile section rules (``configs/sections.jsonl``) to full-line, case-insensitive patterns."""
    return [
        HeadingRule(r["id"], r["section"], re.compile(rf"^(?:{r['regex']})$", re.IGNORECASE))
        for r in rules
    ]


def classify_heading(line: str, rules: Sequence[HeadingRule]) -> Optional[HeadingRule]:
    """The heading rule a (stripped) line matches in full, or ``None``."""
    stripped = line.strip().strip("#*_ ").strip()
    if not stripped or len(stripped) > 80:
        return None
    for rule in rules:
        if rule.regex.match(stripped):
            return rule
    return None


def _lines(text: str):
    """Yield (line_number, start_offset, line_text) for every line, keeping offsets exact."""
    pos = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        yield number, pos, body
        pos += len(line)


def split_criteria(text: str, rules: Sequence[HeadingRule], trial_id: str = "") -> List[Criterion]:
    """Split ``text`` into criteria.

    If the text has inclusion/exclusion headings, only the lines inside those sections are criteria
    (each section ends at the next heading of any kind). If it has none, every non-empty line is a
    criterion with section ``None``.
    """
    lines = list(_lines(text))
    headings = {n: classify_heading(body, rules) for n, _, body in lines}
    has_sections = any(h is not None and h.section != "stop" for h in headings.values())
    criteria: List[Criterion] = []
    section: Optional[str] = None
    active = not has_sections
    counters = {"inclusion": 0, "exclusion": 0, None: 0}
    for number, start, body in lines:
        heading = headings[number]
        if heading is not None:
            if heading.section == "stop":
                active = not has_sections
                section = None
            else:
                section = heading.section
                active = True
            continue
        if not active:
            continue
        crit = _criterion_from_line(body, start, number, section)
        if crit is None:
            continue
        counters[section] += 1
        crit.index = counters[section]
        crit.trial_id = trial_id
        crit.criterion_id = f"{trial_id}-{SECTION_ABBR[section]}-{crit.index:02d}"
        criteria.append(crit)
    return criteria


def _criterion_from_line(body: str, start: int, number: int, section: Optional[str]) -> Optional[Criterion]:
    lead = len(body) - len(body.lstrip())
    rest = body[lead:]
    marker = ""
    m = ENUMERATOR_RE.match(rest)
    if m and m.end() < len(rest.rstrip()):
        marker = m.group().strip()
        rest_start = lead + m.end()
    else:
        rest_start = lead
    content = body[rest_start:]
    stripped = content.strip()
    if not stripped:
        return None
    inner = rest_start + (len(content) - len(content.lstrip()))
    return Criterion(text=stripped, offset=start + inner, section=section, line=number, marker=marker)
