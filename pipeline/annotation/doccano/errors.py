"""What goes wrong in the annotators' loop, said so that a person can act on it."""

from __future__ import annotations

from typing import Sequence

from pipeline.core.problems import Problem


class DoccanoError(RuntimeError):
    """A problem talking to doccano, said so that a person can act on it."""


class LabelMismatch(DoccanoError):
    """The doccano project's label set is not the one of configs/labels.json."""


class ValidationFailed(DoccanoError):
    """Records failed :func:`validate`; nothing was written or uploaded."""

    def __init__(self, message: str, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [message] + [f"  {p}" for p in self.problems if p.kind == "error"][:50]
        more = sum(p.kind == "error" for p in self.problems) - 50
        if more > 0:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))
