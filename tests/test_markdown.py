"""pipeline.reporting.markdown: the Markdown summary of an evaluation run."""

from __future__ import annotations

import re

import pytest
from report_records import scored_run

from pipeline.reporting import render_markdown


@pytest.fixture()
def run():
    return scored_run()


def test_markdown_summary(run):
    metrics = run[0]
    md = render_markdown(metrics)
    assert md.startswith("# eligex evaluation\n")
    assert f"rules `{metrics['rules_hash'][:12]}`" in md
    assert "| Entities (strict) |" in md and "## Entities per label" in md
    assert "| unit_wrong | 1 |" in md and "| spurious | 1 |" in md
    assert "| `cond.bad` | 0 | 1 |" in md
    # every table row has as many cells as its header
    for block in re.findall(r"(?:^\|.*\|\n)+", md, re.M):
        rows = block.strip().split("\n")
        assert len({r.count(" | ") for r in rows if not r.startswith("|:")}) == 1, block
