"""Reading BRAT standoff annotation (``.ann`` beside its ``.txt``).

Pure functions and frozen dataclasses, standard library only. The reader never raises on bad
input: every line it cannot accept is skipped and reported as a :class:`~pipeline.core.problems.Problem`
with the ``.ann`` path and the 1-based line number. Blank lines carry no annotation and are
ignored.

Line types (https://brat.nlplab.org/standoff.html)::

    T1<TAB>Type 0 5;9 12<TAB>text         text-bound annotation, possibly discontinuous
    E1<TAB>Type:T1 Role:T2 Role2:E3       event: trigger, then role:argument pairs
    A1<TAB>Type E1 [Value]                attribute (binary or valued); M is the old prefix
    R1<TAB>Type Arg1:T1 Arg2:T2           binary relation
    *<TAB>Type T1 T2 ...                  equivalence
    #1<TAB>Type T1<TAB>note               annotator note
    N1<TAB>Type T1 Resource:Entry<TAB>txt normalisation

References are checked after the whole file is read, so forward references are fine. An
annotation that refers to an unknown id, or to an annotation that was itself skipped, is skipped
in turn (and reported), so what is returned is always internally consistent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Callable, Iterator, Optional, Union

from pipeline.core.problems import Problem

PathLike = Union[str, Path]

_ID_RE = re.compile(r"^[TEARMN#]\w+$")
_OFFSETS_RE = re.compile(r"^\d+ \d+(?:;\d+ \d+)*$")
_ROLE_ARG_RE = re.compile(r"^([^:\s]+):(\S+)$")
_CONF_SECTION_RE = re.compile(r"^\[(\w+)\]\s*$")


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` in the document text."""

    start: int
    end: int


@dataclass(frozen=True)
class TextBound:
    """A ``T`` line: a typed annotation over one or more character ranges."""

    id: str
    type: str
    spans: tuple[Span, ...]
    text: str
    line: int

    @property
    def start(self) -> int:
        """Start of the first fragment."""
        return min(s.start for s in self.spans)

    @property
    def end(self) -> int:
        """End of the last fragment."""
        return max(s.end for s in self.spans)

    @property
    def is_discontinuous(self) -> bool:
        """True when the annotation has more than one fragment."""
        return len(self.spans) > 1


@dataclass(frozen=True)
class Event:
    """An ``E`` line: a trigger (a ``T`` id) and ``(role, argument id)`` pairs in file order.

    Roles are kept exactly as written, numeric suffixes included (``Value2``); a role may repeat.
    """

    id: str
    type: str
    trigger: str
    arguments: tuple[tuple[str, str], ...]
    line: int

    def args(self, role: str) -> list[str]:
        """Argument ids whose role is exactly ``role``, in file order."""
        return [arg for r, arg in self.arguments if r == role]


@dataclass(frozen=True)
class Attribute:
    """An ``A`` (or legacy ``M``) line; ``value`` is ``None`` for a binary attribute."""

    id: str
    type: str
    target: str
    value: Optional[str]
    line: int


@dataclass(frozen=True)
class Relation:
    """An ``R`` line: a typed binary relation, arguments as ``(role, id)`` (``Arg1``, ``Arg2``)."""

    id: str
    type: str
    arguments: tuple[tuple[str, str], ...]
    line: int


@dataclass(frozen=True)
class Equivalence:
    """A ``*`` line: the listed annotations are equivalent."""

    type: str
    ids: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Note:
    """A ``#`` line: a free-text note on an annotation."""

    id: str
    type: str
    target: str
    text: str
    line: int


@dataclass(frozen=True)
class Normalization:
    """An ``N`` line: a link from an annotation to an entry of an external resource."""

    id: str
    type: str
    target: str
    resource: str
    entry: str
    text: str
    line: int


@dataclass
class BratDocument:
    """One ``.ann`` file (and its ``.txt`` when found): the accepted annotations by id.

    ``text`` is ``None`` when the ``.txt`` is missing or unreadable; spans are then unchecked.
    """

    doc_id: str
    ann_path: str
    txt_path: Optional[str]
    text: Optional[str]
    textbounds: dict[str, TextBound] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    equivalences: list[Equivalence] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)
    normalizations: dict[str, Normalization] = field(default_factory=dict)

    def attributes_of(self, target: str) -> dict[str, Optional[str]]:
        """``{attribute type: value}`` of the annotation ``target`` (``None`` for binary ones)."""
        return {a.type: a.value for a in self.attributes.values() if a.target == target}

    def span_of(self, ann_id: str) -> Optional[TextBound]:
        """The text-bound annotation of ``ann_id``: itself for a ``T``, the trigger for an ``E``."""
        if ann_id in self.textbounds:
            return self.textbounds[ann_id]
        event = self.events.get(ann_id)
        return self.textbounds.get(event.trigger) if event else None

    def type_of(self, ann_id: str) -> Optional[str]:
        """The type of a ``T``, ``E`` or ``R`` annotation, or ``None`` when unknown."""
        for table in (self.textbounds, self.events, self.relations):
            if ann_id in table:
                return table[ann_id].type
        return None


@dataclass(frozen=True)
class AnnotationConf:
    """The type names declared in a BRAT ``annotation.conf``."""

    entities: frozenset[str]
    events: frozenset[str]
    relations: frozenset[str]
    attributes: frozenset[str]

    @property
    def span_types(self) -> frozenset[str]:
        """Types a ``T`` line may have: entity types and event (trigger) types."""
        return self.entities | self.events


def read_annotation_conf(path: PathLike) -> AnnotationConf:
    """Read the declared type names of a BRAT ``annotation.conf``.

    Each non-comment line of a section contributes its first token; ``!`` (abstract type) is
    stripped, ``<...>`` macros and ``<OVERLAP>`` lines are ignored.
    """
    sections: dict[str, set[str]] = {"entities": set(), "events": set(), "relations": set(),
                                     "attributes": set()}
    current: Optional[str] = None
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        heading = _CONF_SECTION_RE.match(line)
        if heading:
            current = heading.group(1).lower()
            continue
        if current not in sections:
            continue
        name = line.split()[0].lstrip("!")
        if name and not name.startswith("<"):
            sections[current].add(name)
    return AnnotationConf(*(frozenset(sections[k]) for k in
                            ("entities", "events", "relations", "attributes")))


class _Reader:
    """Parses one ``.ann`` text into a :class:`BratDocument`, collecting problems."""

    def __init__(self, doc: BratDocument, allowed_types: Optional[AbstractSet[str]]) -> None:
        self.doc = doc
        self.allowed = allowed_types
        self.problems: list[Problem] = []
        self.seen_ids: dict[str, int] = {}
        self.rejected: dict[str, int] = {}  # id -> line, for every skipped annotation

    def problem(self, line: Optional[int], message: str, kind: str = "error") -> None:
        self.problems.append(Problem(path=self.doc.ann_path, line=line, message=message,
                                     record=self.doc.doc_id, kind=kind))

    # -- one line -------------------------------------------------------------------------------

    def read_line(self, number: int, raw: str) -> None:
        line = raw.rstrip("\r\n")
        if not line.strip():
            return
        head, sep, rest = line.partition("\t")
        if not sep:
            self.problem(number, f"malformed line (no tab after the id): {line[:60]!r}")
            return
        parsers = {"T": self.read_textbound, "E": self.read_event, "A": self.read_attribute,
                   "M": self.read_attribute, "R": self.read_relation, "*": self.read_equivalence,
                   "#": self.read_note, "N": self.read_normalization}
        parser = parsers.get(head[:1])
        if parser is None:
            self.problem(number, f"unknown line type {head[:1]!r}: {line[:60]!r}")
            return
        if head != "*" and not _ID_RE.match(head):
            self.problem(number, f"malformed id {head!r}")
            return
        if head != "*" and head in self.seen_ids:
            self.problem(number, f"duplicate id {head} (first defined on line "
                                 f"{self.seen_ids[head]})")
            return
        accepted = parser(number, head, rest)
        if head == "*":
            return
        if accepted:
            self.seen_ids[head] = number
        else:
            self.rejected.setdefault(head, number)

    def read_textbound(self, number: int, ann_id: str, rest: str) -> bool:
        fields = rest.split("\t", 1)
        if len(fields) != 2:
            self.problem(number, f"malformed text-bound annotation {ann_id}: expected "
                                 "'Type start end<TAB>text'")
            return False
        type_and_offsets, text = fields
        ann_type, _, offsets = type_and_offsets.partition(" ")
        if not ann_type or not _OFFSETS_RE.match(offsets.strip()):
            self.problem(number, f"malformed offsets in {ann_id}: {type_and_offsets!r}")
            return False
        spans = tuple(Span(*map(int, part.split())) for part in offsets.strip().split(";"))
        if any(s.start >= s.end for s in spans):
            self.problem(number, f"empty or reversed span in {ann_id}: {offsets.strip()!r}")
            return False
        if self.allowed is not None and ann_type not in self.allowed:
            self.problem(number, f"type {ann_type!r} of {ann_id} is not declared in the "
                                 "annotation configuration")
            return False
        if self.doc.text is not None and not self.check_span_text(number, ann_id, spans, text):
            return False
        self.doc.textbounds[ann_id] = TextBound(ann_id, ann_type, spans, text, number)
        return True

    def check_span_text(self, number: int, ann_id: str, spans: tuple[Span, ...],
                        text: str) -> bool:
        doc_text = self.doc.text or ""
        bad = [s for s in spans if s.end > len(doc_text)]
        if bad:
            self.problem(number, f"offsets of {ann_id} out of range: {bad[0].start}-{bad[0].end} "
                                 f"but the text has {len(doc_text)} characters")
            return False
        covered = " ".join(doc_text[s.start:s.end] for s in spans)
        if covered != text:
            self.problem(number, f"text of {ann_id} differs from the .txt: .ann has {text!r}, "
                                 f".txt has {covered!r}")
            return False
        return True

    def read_event(self, number: int, ann_id: str, rest: str) -> bool:
        pairs = self.role_pairs(number, ann_id, rest.split())
        if not pairs:
            if pairs == []:
                self.problem(number, f"malformed event {ann_id}: no 'Type:Trigger'")
            return False
        (ann_type, trigger), arguments = pairs[0], tuple(pairs[1:])
        if self.allowed is not None and ann_type not in self.allowed:
            self.problem(number, f"type {ann_type!r} of {ann_id} is not declared in the "
                                 "annotation configuration")
            return False
        self.doc.events[ann_id] = Event(ann_id, ann_type, trigger, arguments, number)
        return True

    def role_pairs(self, number: int, ann_id: str,
                   tokens: list[str]) -> Optional[list[tuple[str, str]]]:
        """``role:id`` tokens as pairs; ``None`` (after reporting) when one is malformed."""
        pairs = []
        for token in tokens:
            match = _ROLE_ARG_RE.match(token)
            if not match:
                self.problem(number, f"malformed argument {token!r} in {ann_id} "
                                     "(expected Role:Id)")
                return None
            pairs.append((match.group(1), match.group(2)))
        return pairs

    def read_attribute(self, number: int, ann_id: str, rest: str) -> bool:
        tokens = rest.split()
        if len(tokens) not in (2, 3):
            self.problem(number, f"malformed attribute {ann_id}: expected 'Type Target [Value]'")
            return False
        value = tokens[2] if len(tokens) == 3 else None
        self.doc.attributes[ann_id] = Attribute(ann_id, tokens[0], tokens[1], value, number)
        return True

    def read_relation(self, number: int, ann_id: str, rest: str) -> bool:
        tokens = rest.split()
        if len(tokens) != 3:
            self.problem(number, f"malformed relation {ann_id}: expected 'Type Arg1:Id Arg2:Id'")
            return False
        pairs = self.role_pairs(number, ann_id, tokens[1:])
        if pairs is None:
            return False
        self.doc.relations[ann_id] = Relation(ann_id, tokens[0], tuple(pairs), number)
        return True

    def read_equivalence(self, number: int, _ann_id: str, rest: str) -> bool:
        tokens = rest.split()
        if len(tokens) < 3:
            self.problem(number, "malformed equivalence: expected 'Type Id Id [...]'")
            return False
        self.doc.equivalences.append(Equivalence(tokens[0], tuple(tokens[1:]), number))
        return True

    def read_note(self, number: int, ann_id: str, rest: str) -> bool:
        head, _, text = rest.partition("\t")
        tokens = head.split()
        if len(tokens) != 2:
            self.problem(number, f"malformed note {ann_id}: expected 'Type Target<TAB>text'")
            return False
        self.doc.notes[ann_id] = Note(ann_id, tokens[0], tokens[1], text, number)
        return True

    def read_normalization(self, number: int, ann_id: str, rest: str) -> bool:
        head, _, text = rest.partition("\t")
        tokens = head.split()
        if len(tokens) != 3 or ":" not in tokens[2]:
            self.problem(number, f"malformed normalisation {ann_id}: expected "
                                 "'Type Target Resource:Entry<TAB>text'")
            return False
        resource, _, entry = tokens[2].partition(":")
        self.doc.normalizations[ann_id] = Normalization(ann_id, tokens[0], tokens[1], resource,
                                                        entry, text, number)
        return True

    # -- references -----------------------------------------------------------------------------

    def resolve_references(self) -> None:
        """Drop (and report) annotations whose references do not resolve, until none is left."""
        changed = True
        while changed:
            changed = False
            for table, refs in self.reference_checks():
                for ann_id, item in list(table.items()):
                    bad = self.first_bad_reference(refs(item))
                    if bad is None:
                        continue
                    ref, why = bad
                    self.problem(item.line, f"{ann_id} refers to {ref}, {why}")
                    del table[ann_id]
                    self.rejected[ann_id] = item.line
                    changed = True
        kept = []
        for eq in self.doc.equivalences:
            bad = self.first_bad_reference([(i, "T") for i in eq.ids])
            if bad is None:
                kept.append(eq)
            else:
                self.problem(eq.line, f"equivalence refers to {bad[0]}, {bad[1]}")
        self.doc.equivalences = kept

    def reference_checks(self) -> list[tuple[dict, Callable[..., list[tuple[str, str]]]]]:
        """``(table, item -> [(referenced id, allowed id kinds)])`` for every table with refs."""
        doc = self.doc
        return [
            (doc.events, lambda e: [(e.trigger, "T")] + [(a, "TE") for _, a in e.arguments]),
            (doc.relations, lambda r: [(a, "TE") for _, a in r.arguments]),
            (doc.attributes, lambda a: [(a.target, "TER")]),
            (doc.normalizations, lambda n: [(n.target, "TER")]),
            (doc.notes, lambda n: [(n.target, "TERAN")]),
        ]

    def first_bad_reference(self, refs: list[tuple[str, str]]) -> Optional[tuple[str, str]]:
        """The first reference that does not resolve, and why, or ``None`` when all do."""
        doc = self.doc
        tables = {"T": doc.textbounds, "E": doc.events, "R": doc.relations,
                  "A": doc.attributes, "N": doc.normalizations}
        for ref, kinds in refs:
            if any(ref in tables[k] for k in kinds):
                continue
            if ref in self.rejected:
                return ref, f"which was skipped (line {self.rejected[ref]})"
            if any(ref in table for table in tables.values()):
                return ref, "which is not an annotation of a kind allowed here"
            return ref, "which is not defined"
        return None

    def check_triggers(self) -> None:
        """Report (and drop) events whose trigger has a different type than the event."""
        for ann_id, event in list(self.doc.events.items()):
            trigger = self.doc.textbounds.get(event.trigger)
            if trigger is not None and trigger.type != event.type:
                self.problem(event.line, f"event {ann_id} of type {event.type!r} has trigger "
                                         f"{event.trigger} of type {trigger.type!r}")
                del self.doc.events[ann_id]
                self.rejected.setdefault(ann_id, event.line)


def _read_text(path: Path, reader: _Reader, what: str) -> Optional[str]:
    """A file's text (offsets are Unicode code points, newlines untranslated) or ``None``."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as err:
        reader.problem(None, f"{what} {path} is not valid UTF-8 ({err.reason} at byte "
                             f"{err.start})")
    except OSError as err:
        reader.problem(None, f"cannot read {what} {path}: {err.strerror}")
    return None


def read_brat(ann_path: PathLike, txt_path: Optional[PathLike] = None,
              allowed_types: Optional[AbstractSet[str]] = None
              ) -> tuple[BratDocument, list[Problem]]:
    """Read one ``.ann`` file and its ``.txt`` (by default the same path with ``.txt``).

    ``allowed_types`` (e.g. :attr:`AnnotationConf.span_types`) makes a ``T`` or ``E`` line of
    an undeclared type a problem. Returns the document with every acceptable annotation and the
    problems found, one per skipped line (plus file-level problems with ``line=None``).
    """
    ann = Path(ann_path)
    txt = Path(txt_path) if txt_path is not None else ann.with_suffix(".txt")
    doc = BratDocument(doc_id=ann.stem, ann_path=str(ann), txt_path=str(txt), text=None)
    reader = _Reader(doc, allowed_types)
    if txt.is_file():
        doc.text = _read_text(txt, reader, "text file")
    else:
        doc.txt_path = None
        reader.problem(None, f"no text file {txt} for this .ann: spans are not checked")
    content = _read_text(ann, reader, "annotation file")
    if content is None:
        return doc, reader.problems
    for number, raw in enumerate(content.split("\n"), start=1):
        reader.read_line(number, raw)
    reader.resolve_references()
    reader.check_triggers()
    reader.resolve_references()
    return doc, reader.problems


def read_brat_dir(path: PathLike, allowed_types: Optional[AbstractSet[str]] = None
                  ) -> Iterator[tuple[BratDocument, list[Problem]]]:
    """Read every document under ``path`` (recursively), in sorted relative-path order.

    A ``.txt`` without an ``.ann`` is yielded as an empty document with a warning.
    """
    root = Path(path)
    stems = sorted({p.relative_to(root).with_suffix("").as_posix()
                    for pattern in ("*.ann", "*.txt") for p in root.rglob(pattern)
                    if p.is_file()})
    for stem in stems:
        ann, txt = root / f"{stem}.ann", root / f"{stem}.txt"
        if ann.is_file():
            yield read_brat(ann, txt, allowed_types)
            continue
        doc = BratDocument(doc_id=txt.stem, ann_path=str(ann), txt_path=str(txt), text=None)
        reader = _Reader(doc, allowed_types)
        doc.text = _read_text(txt, reader, "text file")
        reader.problem(None, f"no annotation file for {txt}: read as unannotated", "warning")
        yield doc, reader.problems
