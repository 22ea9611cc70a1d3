"""Problems found in input: reported by file and line, never raised past the record they concern."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional


@dataclass(frozen=True)
class Problem:
    """One problem with one input record.

    ``path`` is the file (or ``"<stdin>"``), ``line`` the 1-based line where the problem is (``None``
    when it concerns the whole file), ``record`` the record id when one is known, and ``message``
    a sentence a person can act on.
    """

    path: str
    line: Optional[int]
    message: str
    record: Optional[str] = None
    kind: str = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        rec = f" [{self.record}]" if self.record else ""
        return f"{where}{rec}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)
