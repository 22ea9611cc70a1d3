"""Writing output files: one atomic writer for every report, export and table eligex writes.

:func:`write_atomic` writes to a temporary file beside the target and renames it over the target,
so a reader never sees a half-written file and a failure leaves any earlier file untouched.
:func:`check_target` says, before any slow work, whether a path can be written at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """A file cannot be written where asked; the message says why, for a person to read."""


def check_target(path: Path, what: str = "report", parents: bool = False) -> Path:
    """Raise :class:`OutputError` when ``path`` cannot be written: it is a folder, or its folder is
    missing (created when ``parents``) or not writable."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if parents and not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{what} {path}: cannot create folder {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise OutputError(f"{what} {path}: folder {folder} does not exist (create it first)")
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a folder, not a file")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{what} {path}: folder {folder} is not writable")
    return path


def write_atomic(path: Path, text: str, what: str = "report", parents: bool = False) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` via a temporary file and ``os.replace``.

    ``what`` names the file in errors (an option name such as ``--report``); ``parents`` creates
    missing folders. The file gets the mode a plain ``open(path, "w")`` would give.
    """
    path = check_target(path, what, parents)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_lines_atomic(path: Path, lines, what: str = "file", parents: bool = False) -> Path:
    """:func:`write_atomic` of ``lines``, each followed by a newline (JSONL files, say)."""
    return write_atomic(path, "".join(line + "\n" for line in lines), what, parents)


def _file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give (mkstemp makes 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
