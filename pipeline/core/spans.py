"""Character spans as ``(start, end)`` pairs (end exclusive), shared by evaluation and reporting."""

from __future__ import annotations

from typing import Sequence


def overlaps(a: Sequence[int], b: Sequence[int]) -> bool:
    """True when spans ``a`` and ``b`` share at least one character."""
    return a[0] < b[1] and b[0] < a[1]
