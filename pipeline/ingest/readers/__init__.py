"""Input readers: files and folders → :class:`InputDoc` records (or :class:`Problem` records).

Every record read is yielded either as a document or as a problem naming the file and line, so no
input is silently dropped: one item per input record. Formats (each also as ``.gz``, read as a
stream):

- plain text (``.txt``): one trial per file (``textfiles``);
- ClinicalTrials.gov API v2 JSON (``.json``): one study, a list of studies, or a page
  ``{"studies": [...], "nextPageToken": ...}`` (``ctgov``);
- JSON Lines (``.jsonl``, ``.ndjson``): ``{"id": ..., "text": ...}`` or one study (or page) per
  line (``jsonl``);
- CSV/TSV (``.csv``, ``.tsv``) with an id and a text column (``csvfile``);
- the AACT flat-file export ``eligibilities.txt`` (pipe-delimited, quoted multi-line fields),
  recognised by its name or its header (``aact``);
- Parquet (``.parquet``, ``.pq``, not ``.gz``) with an id and a text column (``parquet``).

Folders are read recursively in sorted order; files of other types in a folder are skipped.
Readers stream: only a single ``.txt`` or ``.json`` document is read whole. Control characters in
a text (NUL, ESC, ...) are replaced by spaces and reported as a warning attached to the document. A
record whose id, text or structured fields hold a lone surrogate (a JSON ``\\ud800`` escape without
its pair: not Unicode) is not read: it becomes a Problem naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Iterator, List, Optional, Tuple, Union

from pipeline.core.problems import Problem
from pipeline.core.surrogates import describe_surrogate, escape_surrogates, find_surrogate

NCT_RE = re.compile(r"NCT\d{8}")
#: the formats a file can be read as (``--format``); ``auto`` picks by file name and header
FORMATS = ("auto", "text", "ctgov", "jsonl", "csv", "tsv", "aact", "parquet")
_SUFFIX_FORMATS = {".txt": "text", ".json": "ctgov", ".jsonl": "jsonl", ".ndjson": "jsonl",
                   ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class InputDoc:
    """One trial's criteria text and where it came from."""

    trial_id: str
    text: str
    source: str
    line: Optional[int] = None
    #: the eligibility fields of a study record, with ClinicalTrials.gov names: minimumAge,
    #: maximumAge ("18 Years"), sex ("ALL"/"FEMALE"/"MALE"), healthyVolunteers (bool)
    structured: dict = field(default_factory=dict)
    #: problems that did not stop the document from being read (e.g. control characters replaced)
    warnings: List[Problem] = field(default_factory=list)


Item = Union[InputDoc, Problem]


@dataclass
class ReadOptions:
    """Reader settings: the id and text column (CSV/TSV, JSON Lines) and a forced format."""

    id_column: Optional[str] = None
    text_column: Optional[str] = None
    format: str = "auto"


def json_type(value) -> str:
    """The JSON name of a value's type, with the value (``true`` → ``"a boolean (true)"``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "an array"


def json_id(value, name: str) -> Tuple[Optional[str], Optional[str]]:
    """``(id, None)`` for a JSON id that is a string or an integer (written in decimal), else
    ``(None, message)`` saying which types an id may have (``name`` names the field)."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value), None
    return None, f"{name} must be a string or an integer, not {json_type(value)}"


def trial_id_for(path: Path, text: str) -> str:
    """The file name when it is an NCT id, else the first NCT id in the text, else the file name."""
    from pipeline.ingest.readers.streams import logical_stem

    stem = logical_stem(path)
    if NCT_RE.fullmatch(stem):
        return stem
    m = NCT_RE.search(text)
    return m.group() if m else stem


def file_format(path: Path, options: ReadOptions) -> Optional[str]:
    """The format to read ``path`` as, or ``None`` when it is not an input type."""
    from pipeline.ingest.readers import aact
    from pipeline.ingest.readers.streams import logical_name, logical_suffix

    if options.format != "auto":
        return options.format
    fmt = _SUFFIX_FORMATS.get(logical_suffix(path))
    if fmt == "text" and (logical_name(path) == aact.FILE_NAME or aact.looks_like_aact(path)):
        return "aact"
    return fmt


def iter_files(path: Path) -> Iterator[Path]:
    """Files under a folder, recursively, in sorted order (hidden files and folders skipped)."""
    for child in sorted(path.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from iter_files(child)
        elif child.is_file():
            yield child


def read_file(file: Path, fmt: str, options: ReadOptions) -> Iterator[Item]:
    """Documents and problems of one file read as ``fmt``."""
    from pipeline.ingest.readers import aact, csvfile, ctgov, jsonl, parquet, textfiles

    if fmt == "text":
        return textfiles.read_text_file(file)
    if fmt == "ctgov":
        return ctgov.read_study_file(file)
    if fmt == "jsonl":
        return jsonl.read_jsonl_file(file, options)
    if fmt in ("csv", "tsv"):
        return csvfile.read_csv_file(file, options, delimiter="\t" if fmt == "tsv" else ",")
    if fmt == "aact":
        return aact.read_aact_file(file)
    if fmt == "parquet":
        return parquet.read_parquet_file(file, options)
    raise ValueError(f"unknown input format {fmt!r} (expected one of {', '.join(FORMATS)})")


def _line_of(item: InputDoc, fmt: str, offset: int) -> Optional[int]:
    """The file line of character ``offset`` of a document's text."""
    if fmt in ("jsonl", "ctgov") and item.line is not None:
        return item.line  # the text is one JSON string: its record's line
    return (item.line or 1) + item.text.count("\n", 0, offset)  # the text's own lines are the file's


def _strings(value, where: str) -> Iterator[Tuple[str, str]]:
    """``(where, string)`` for every string in a structured field value (nested ones too)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from _strings(key, where)
            yield from _strings(sub, where)
    elif isinstance(value, (list, tuple)):
        for sub in value:
            yield from _strings(sub, where)


def surrogate_problem(item: InputDoc, fmt: str) -> Optional[Problem]:
    """The Problem of a document whose id, text or structured fields hold a lone surrogate (not
    Unicode, see :mod:`pipeline.core.surrogates`): the record fails, named by file and line."""
    fields = [("the id", item.trial_id), ("the text", item.text)]
    for name, value in item.structured.items():
        fields.extend(_strings(value, f"the field {name!r}"))
    for where, value in fields:
        at = find_surrogate(value)
        if at is not None:
            line = _line_of(item, fmt, at) if value is item.text else item.line
            return Problem(item.source, line, f"{where} holds {describe_surrogate(value, at)}; record not read",
                           record=escape_surrogates(item.trial_id))
    return None


def _printable(problem: Problem) -> Problem:
    """The problem with any lone surrogate in its record id or message escaped (so that it can be
    written as UTF-8)."""
    record = problem.record if problem.record is None else escape_surrogates(problem.record)
    message = escape_surrogates(problem.message)
    if record == problem.record and message == problem.message:
        return problem
    return Problem(problem.path, problem.line, message, record=record, kind=problem.kind)


def checked_items(items: Iterable[Item], file: Path, fmt: str) -> Iterator[Item]:
    """Refuse documents holding lone surrogates, clean control characters out of the others (with a
    warning); turn an unexpected reader failure into a Problem for the file instead of an aborted
    run."""
    from pipeline.ingest.readers.streams import clean_text, describe_controls

    try:
        for item in items:
            if isinstance(item, Problem):
                item = _printable(item)
            else:
                bad = surrogate_problem(item, fmt)
                if bad is not None:
                    yield bad
                    continue
                text, where = clean_text(item.text)
                if where:
                    item.warnings.append(Problem(item.source, _line_of(item, fmt, where[0]),
                                                 describe_controls(item.text, where),
                                                 record=item.trial_id, kind="warning"))
                    item.text = text
            yield item
    except Exception as exc:  # a reader bug must not end the whole run
        yield Problem(str(file), None, f"reading stopped: {type(exc).__name__}: {exc}")


def input_files(paths: Iterable[Union[str, Path]], options: Optional[ReadOptions] = None,
                exclude: Collection[Union[str, Path]] = ()) -> Iterator[Union[tuple, Problem]]:
    """``(file, format)`` for every input file under ``paths`` (files or folders), or a Problem for
    a path that is missing or of an unsupported type; ``exclude`` as for :func:`read_inputs`."""
    options = options or ReadOptions()
    if options.format not in FORMATS:
        raise ValueError(f"unknown input format {options.format!r} (expected one of {', '.join(FORMATS)})")
    skip = {Path(p).resolve() for p in exclude}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield Problem(str(path), None, "no such file or folder")
            continue
        in_folder = path.is_dir()
        files = iter_files(path) if in_folder else iter([path])
        for file in files:
            if skip and file.resolve() in skip:
                continue
            fmt = file_format(file, options)
            if fmt is None:
                if not in_folder:
                    yield Problem(str(file), None, f"unsupported input type '{file.suffix or file.name}' "
                                                  "(expected .txt, .json, .jsonl, .ndjson, .csv, .tsv, "
                                                  "AACT eligibilities.txt, or any of these .gz; .parquet)")
                continue
            yield file, fmt


def read_inputs(paths: Iterable[Union[str, Path]], options: Optional[ReadOptions] = None,
                exclude: Collection[Union[str, Path]] = ()) -> Iterator[Item]:
    """Yield documents and problems for every input path (files or folders).

    ``exclude``: files never read as input (the run's own output files, when they sit in an input
    folder).
    """
    options = options or ReadOptions()
    for entry in input_files(paths, options, exclude):
        if isinstance(entry, Problem):
            yield entry
        else:
            file, fmt = entry
            yield from checked_items(read_file(file, fmt, options), file, fmt)
