"""Reading JSON Lines: one parser for every JSONL file eligex reads (gold files, extraction output,
doccano exports, rule files, input documents).

A line that is not JSON, or (for records) not a JSON object, becomes a :class:`Problem` naming the
file and the 1-based line; it is never dropped silently and never stops the lines after it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Tuple, Union

from pipeline.core.problems import Problem

NOT_AN_OBJECT = "each line must be a JSON object"


def loads(text: str, strict: bool = True) -> Tuple[object, Optional[Tuple[Optional[int], str]]]:
    """``(value, None)``, or ``(None, (line, message))`` for text that cannot be read as JSON:
    malformed (``line`` is the line of the error within ``text``), nested too deeply, or with an
    integer too long for Python (over 4,300 digits). ``strict=False`` lets raw control characters
    through inside strings (the input readers clean and report them later)."""
    try:
        return json.loads(text, strict=strict), None
    except json.JSONDecodeError as exc:
        return None, (exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion..."
        return None, (None, f"cannot read the JSON: {str(exc).split(';')[0]}")
    except RecursionError:
        return None, (None, "cannot read the JSON: nested too deeply")


def decode_line(line: str, path: str, lineno: int, strict: bool = True) -> Union[object, Problem]:
    """The JSON value on one line, or a Problem naming the line when it cannot be read (:func:`loads`)."""
    value, error = loads(line, strict)
    return value if error is None else Problem(path, lineno, error[1])


def parse_record(line: str, path: str, lineno: int, strict: bool = True) -> Union[dict, Problem]:
    """The JSON object on one line, or a Problem when it is not JSON or not an object."""
    value = decode_line(line, path, lineno, strict)
    if isinstance(value, Problem) or isinstance(value, dict):
        return value
    return Problem(path, lineno, NOT_AN_OBJECT)


def iter_records(lines: Iterable[Tuple[int, str]], path: str) -> Iterator[Tuple[int, Union[dict, Problem]]]:
    """``(line number, record or Problem)`` for every non-blank line of numbered ``lines``."""
    for lineno, raw in lines:
        if raw.strip():
            yield lineno, parse_record(raw, path, lineno)


def split_records(items: Iterable[Tuple[int, Union[dict, Problem]]]) -> Tuple[List[dict], List[int], List[Problem]]:
    """Records, their line numbers and the problems, from :func:`iter_records`."""
    records: List[dict] = []
    lines: List[int] = []
    problems: List[Problem] = []
    for lineno, item in items:
        if isinstance(item, Problem):
            problems.append(item)
        else:
            records.append(item)
            lines.append(lineno)
    return records, lines, problems


def read_jsonl(path: Path) -> Tuple[List[dict], List[int], List[Problem]]:
    """Records of a JSONL file, their 1-based line numbers, and a Problem per unreadable line
    (not JSON, or not a JSON object). Blank lines are skipped. ``OSError`` and
    ``UnicodeDecodeError`` (the whole file cannot be read) are the caller's to report."""
    with open(path, encoding="utf-8") as fh:
        return split_records(iter_records(enumerate(fh, start=1), str(path)))


def read_jsonl_text(text: str, path: str) -> Tuple[List[dict], List[int], List[Problem]]:
    """:func:`read_jsonl` of JSONL already in memory (a member of a zip archive, say)."""
    return split_records(iter_records(enumerate(text.splitlines(), start=1), path))
