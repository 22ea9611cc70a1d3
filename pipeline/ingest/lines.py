"""The lines of a criteria text as the segmenter sees them, and whether a line break is a wrap.

Registry text (the ClinicalTrials.gov ``textblock`` that AACT, TREC and most snapshots carry) is
hard-wrapped at a fixed width (99 columns in the 2021 snapshot) with hanging indentation::

          -  Heparin, enoxaparin allergy or hypersensitivity known to heparin, enoxaparin, but not
             restrict to thrombocytopenia ...

A :class:`Line` knows its indentation (in columns, tabs expanded), its enumerator and where its
text starts. :func:`wrap_width` estimates the width a document was wrapped at, and
:func:`is_wrap` decides whether the break after one line was made by the wrapper (the next
line's first word would not have fitted) rather than by the author. Text that is not wrapped
(one criterion per line, Markdown bullets) has no wrap width, so nothing in it is joined. Pure
functions, no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence

#: enumerator at the start of a line: 1. 1) 1\. 2, (1) ① a. a) * - • · ○ ▪
ENUMERATOR_RE = re.compile(
    r"""^(?:
        \(?\d{1,3}\\?[.)、,，:](?!\d)      # 1.  1)  1\.  2,
      | \(\d{1,3}\)                         # (1)
      | [\u2460-\u2473\u24f5-\u24fe\u2776-\u277f]  # ① .. ⑳, ❶ ..
      | \(?[a-zA-Z]\\?[.)](?=\s)            # a.  b)
      | \(?(?:i{1,3}|iv|vi{0,3}|ix|x)[.)](?=\s)  # i.  iv)  (ii)
      | [a-z]-(?=\s)                         # a-
      | o(?=\s+[A-Z(])                        # o  (a bullet typed as a letter)
      | [*\-•·○▪◦‣–—]                       # bullets
    )\s*""",
    re.VERBOSE,
)

#: characters ``str.splitlines`` breaks at (besides ``\n``)
LINE_ENDS = "\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"
#: a document whose longest line is longer than this was not wrapped by a fixed-width wrapper
MAX_WRAP_WIDTH = 160
#: columns of tolerance in the wrap test (wrappers that break after a hyphen, a trailing space)
WRAP_SLACK = 2
TAB_SIZE = 8


@dataclass
class Line:
    """One line (or a part of a line split at an inline heading) of the source text.

    ``start`` is the offset of ``body`` in the source; ``body`` has no line end. ``lead`` is the
    index in ``body`` where the content starts (after indentation), ``text_start`` where the text
    starts (after the enumerator, if any), ``end`` the index after the last non-space character.
    """

    number: int
    start: int
    body: str
    lead: int
    text_start: int
    end: int
    marker: str
    indent: int  # columns, tabs expanded
    width: int  # columns up to ``end``
    cut: bool = False  # the text after a cut inside a line (never a heading of its own)
    text_col: int = 0  # the column the text starts at (a hanging indent lines up with it)

    @property
    def blank(self) -> bool:
        return self.end <= self.lead

    @property
    def content(self) -> str:
        """The line without indentation and trailing space (enumerator included)."""
        return self.body[self.lead:self.end]

    @property
    def text(self) -> str:
        """The line's text without indentation, enumerator and trailing space."""
        return self.body[self.text_start:self.end]

    def first_word(self) -> str:
        text = self.body[self.lead:self.end]
        return text.split(None, 1)[0] if text.split() else ""


def _columns(s: str) -> int:
    return len(s.expandtabs(TAB_SIZE))


def make_line(number: int, start: int, body: str) -> Line:
    """The :class:`Line` of ``body`` found at offset ``start`` of the source."""
    end = len(body.rstrip())
    lead = len(body) - len(body.lstrip())
    if lead > end:
        lead = end
    marker = ""
    text_start = lead
    m = ENUMERATOR_RE.match(body[lead:end]) if lead < end else None
    if m and lead + m.end() < end:
        marker = m.group().strip()
        text_start = lead + m.end()
    return Line(number, start, body, lead, text_start, end, marker,
                _columns(body[:lead]), _columns(body[:end]), text_col=_columns(body[:text_start]))


def physical_lines(text: str) -> Iterator[Line]:
    """Every line of ``text`` (``\\n``, ``\\r\\n``, ``\\r`` and the other Unicode line ends), with
    exact offsets."""
    pos = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        body = raw.rstrip(LINE_ENDS)
        yield make_line(number, pos, body)
        pos += len(raw)


@dataclass
class Wrapping:
    """How a text was wrapped: the ``width`` (its longest line), and whether the evidence is
    ``strong`` (at least :data:`STRONG_EVIDENCE` breaks look made by the wrapper)."""

    width: int
    strong: bool


#: breaks that look made by a wrapper before every such break is taken for one
STRONG_EVIDENCE = 3
#: a line ending with one of these goes on in the next line even on weak evidence
_OPEN_END = re.compile(r"(?:[,(/\-–]|\b(?:and|or|of|the|a|an|to|with|in|for|by|on|at|from|than|as|who|which|that|is|are|be|not))$",
                       re.IGNORECASE)


def wrap_width(lines: Sequence[Line]) -> Optional[Wrapping]:
    """How the text was wrapped, or ``None`` if it does not look wrapped: its longest line is
    longer than :data:`MAX_WRAP_WIDTH`, or it has a single line. A full line counts as evidence
    also before a line that starts with what looks like an enumerator (a wrapper puts "- (4)" of
    "(2) - (4)" at a line start as readily as a word)."""
    widths = [ln.width for ln in lines if not ln.blank]
    if len(widths) < 2:
        return None
    width = max(widths)
    if width > MAX_WRAP_WIDTH:
        return None
    fits = Wrapping(width, False)
    breaks = sum(1 for a, b in zip(lines, lines[1:]) if _fills(a, b, fits, marked=True))
    return Wrapping(width, breaks >= STRONG_EVIDENCE)


def _fills(prev: Line, nxt: Line, wrapping: Wrapping, marked: bool = False) -> bool:
    """The wrap test proper: ``nxt`` has no enumerator (unless ``marked``) and its first word
    would not have fitted on ``prev``."""
    if prev.blank or nxt.blank or (nxt.marker and not marked):
        return False
    glue = 0 if prev.body[prev.end - 1] in "-/" else 1
    return prev.width + glue + len(nxt.first_word()) > wrapping.width - WRAP_SLACK


def is_wrap(prev: Line, nxt: Line, wrapping: Optional[Wrapping], first_indent: Optional[int] = None) -> bool:
    """Whether the break between ``prev`` and ``nxt`` was made by a wrapper: the next line has no
    enumerator and its first word would not have fitted on ``prev``. A line ending with ``:``
    opens a list and is closed, unless the next line goes on in lower case. On weak evidence
    (a short text with a long line), a break before a capital letter is the author's unless
    ``prev`` ends with a comma, a hyphen or a function word."""
    if wrapping is None or not _fills(prev, nxt, wrapping):
        return False
    word = nxt.first_word()
    if prev.body[prev.end - 1] in ":：" and not word[:1].islower() and not (
            wrapping.strong and first_indent is not None and nxt.indent > first_indent):
        return False
    if wrapping.strong:
        return True
    return not word[:1].isupper() or bool(_OPEN_END.search(prev.body[:prev.end]))


#: bullets never continue a wrapped sentence; numbers and letters may ("… of Visit ⏎ 1, whichever")
_BULLETS = set("*-•·○▪◦‣–—o")


def is_wrapped_enumerator(prev: Line, nxt: Line, wrapping: Optional[Wrapping], first: Line) -> bool:
    """Whether ``nxt`` starts with what looks like an enumerator (``1,``, ``(c)``, ``2.``, ``②``)
    but goes on the criterion that starts at line ``first``: ``prev`` was full, and ``nxt`` sits
    at the criterion's hanging indent (an inline item the wrapper put at a line start: "…
    weakness; ⏎ ②Characteristic …"; a bullet only in clearly wrapped text: "… of (2) ⏎ - (4)"), or, in clearly wrapped text and when ``prev`` is not closed
    by ``.`` ``;`` ``:``, is indented deeper than ``first`` or goes on in lower case."""
    if wrapping is None or not nxt.marker or prev.blank or not _fills(prev, nxt, wrapping, marked=True):
        return False
    if first.text_col > first.indent and nxt.indent == first.text_col and (
            wrapping.strong or nxt.marker[0] not in _BULLETS):
        return True
    if nxt.marker[0] in _BULLETS:
        return False
    if not wrapping.strong or prev.body[prev.end - 1] in ".;:；：。":
        return False
    return nxt.indent > first.indent or nxt.text[:1].islower()


def split_line(line: Line, cuts: Sequence[int]) -> List[Line]:
    """``line`` cut at the body indices ``cuts`` (ascending, inside the body) into parts that keep
    the line number and exact offsets."""
    parts: List[Line] = []
    bounds = [0, *cuts, len(line.body)]
    for a, b in zip(bounds, bounds[1:]):
        if b > a:
            part = make_line(line.number, line.start + a, line.body[a:b])
            if a:
                part.cut = True
                part.indent = line.indent
                part.width += _columns(line.body[:a])
            parts.append(part)
    return parts
