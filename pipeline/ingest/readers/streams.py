"""Byte streams for the readers: plain or gzip files, line by line, with UTF-8 problems reported.

Every reader gets its bytes through here, so a ``.gz`` version of any format is read the same way,
as a stream (nothing is decompressed to disk or into memory as a whole, except by the readers that
read one whole document: ``.txt`` and ``.json``). Decoding is strict: a line that is not UTF-8 is
reported with its number and the offending byte, and the lines after it are still read.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator, List, Optional, Tuple

from pipeline.core.problems import Problem

#: errors a damaged gzip stream raises while being read
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
#: control characters (Unicode category Cc) other than tab, LF and CR: these are replaced
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def logical_name(path: Path) -> str:
    """The file name without a ``.gz`` suffix, lower-cased (``Studies.JSON.gz`` → ``studies.json``)."""
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def logical_suffix(path: Path) -> str:
    """The format suffix, ignoring ``.gz`` (``a.jsonl.gz`` → ``.jsonl``)."""
    return Path(logical_name(path)).suffix


def logical_stem(path: Path) -> str:
    """The file name without format suffix and ``.gz`` (``NCT01.txt.gz`` → ``NCT01``), case kept."""
    name = path.name[:-3] if is_gzip(path) else path.name
    return Path(name).stem


def open_binary(path: Path) -> BinaryIO:
    """The file's (decompressed) bytes as a stream."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_error(path: Path, exc: BaseException, line: Optional[int] = None) -> Problem:
    """A Problem for an I/O or decompression error."""
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and exc.strerror:
        return Problem(str(path), line, f"cannot read: {exc.strerror}")
    kind = "damaged gzip stream" if is_gzip(path) else "cannot read"
    return Problem(str(path), line, f"{kind}: {exc or type(exc).__name__}")


def read_all(path: Path) -> Tuple[Optional[bytes], Optional[Problem]]:
    """All (decompressed) bytes of a file, or the Problem that stopped reading it."""
    try:
        with open_binary(path) as fh:
            return fh.read(), None
    except (OSError,) + GZIP_ERRORS as exc:
        return None, read_error(path, exc)


def decode_utf8(data: bytes, path: str) -> Tuple[Optional[str], Optional[Problem]]:
    """Decode UTF-8 (a BOM is dropped) or return a Problem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")


class Lines:
    """Decoded lines of a file, numbered from 1, as a stream.

    Iterating yields ``(number, text)``; a line that is not valid UTF-8 is yielded decoded with
    replacement characters and its number and message are kept in ``bad`` (so a reader can report
    the record it belongs to). A read or decompression error ends the stream and is kept in
    ``error``. ``number`` is the number of the last line read.
    """

    def __init__(self, path: Path):
        self.path = path
        self.number = 0
        self.bad: dict = {}
        self.error: Optional[Problem] = None

    def __iter__(self) -> Iterator[Tuple[int, str]]:
        try:
            fh = open_binary(self.path)
        except OSError as exc:
            self.error = read_error(self.path, exc)
            return
        with fh:
            while True:
                try:
                    raw = fh.readline()
                except (OSError,) + GZIP_ERRORS as exc:
                    self.error = read_error(self.path, exc, self.number + 1)
                    return
                if not raw:
                    return
                self.number += 1
                try:
                    text = raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    self.bad[self.number] = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
                    text = raw.decode("utf-8", errors="replace")
                yield self.number, text

    def text_lines(self) -> Iterator[str]:
        """Only the texts (for ``csv.reader``)."""
        for _, text in self:
            yield text

    def bad_between(self, first: int, last: int) -> Optional[Tuple[int, str]]:
        """The first undecodable line in ``[first, last]`` with its message, if any."""
        if not self.bad:
            return None
        for number in range(first, last + 1):
            if number in self.bad:
                return number, self.bad.pop(number)
        return None


def control_characters(text: str) -> List[int]:
    """Offsets of control characters other than tab and line ends (NUL, ESC, DEL, C1...)."""
    return [m.start() for m in CONTROL_RE.finditer(text)]


def clean_text(text: str) -> Tuple[str, List[int]]:
    """Replace every control character except tab/CR/LF by a space (offsets stay the same);
    return the new text and the offsets replaced."""
    where = control_characters(text)
    if not where:
        return text, []
    return CONTROL_RE.sub(" ", text), where


def describe_controls(text: str, where: List[int]) -> str:
    shown = sorted({f"U+{ord(text[i]):04X}" for i in where})
    return (f"{len(where)} control character(s) ({', '.join(shown[:5])}{', ...' if len(shown) > 5 else ''}) "
            "replaced by spaces")
