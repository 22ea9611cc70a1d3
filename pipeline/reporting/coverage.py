"""The coverage report (``eligex coverage``): terminal lines and one self-contained HTML page."""

from __future__ import annotations

from typing import List, Optional, Sequence

from pipeline.evaluation.coverage import CoverageReport
from pipeline.reporting.assets import CSS
from pipeline.reporting.common import esc

#: characters of context shown on each side of an example expression
CONTEXT_CHARS = 60


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def headline_lines(report: CoverageReport) -> List[str]:
    return [
        f"criteria: {report.criteria:,}; with a comparison: {report.with_comparison:,}; "
        f"covered (>= 1 constraint): {report.covered:,} = {_pct(report.coverage)}",
        f"comparisons: {report.expressions:,}; inside a constraint's span: {report.matched:,} = "
        f"{_pct(report.expression_coverage)}",
    ]


def _snippet(text: str, span: Sequence[int], width: int = CONTEXT_CHARS) -> tuple:
    start, end = span
    left = max(0, start - width)
    right = min(len(text), end + width)
    return (("…" if left else "") + text[left:start], text[start:end], text[end:right] + ("…" if right < len(text) else ""))


def coverage_lines(report: CoverageReport, top: int = 20) -> List[str]:
    """The headline, then the ``top`` shapes of uncovered criteria, biggest first, one example each."""
    lines = headline_lines(report)
    groups = report.ranked()[:top]
    if not groups:
        return lines
    lines.append("")
    lines.append(f"uncovered criteria by shape (top {len(groups)} of {len(report.shapes):,}):")
    width = max(len(g.shape) for g in groups)
    for g in groups:
        ex = g.examples[0]
        before, hit, after = _snippet(ex["text"], ex["span"], 30)
        example = " ".join(f"{before}[{hit}]{after}".split())
        lines.append(f"{g.criteria:>7,}  {g.shape:<{width}}  {example}")
    return lines


def render_coverage_html(report: CoverageReport, title: str = "eligex coverage", sources: Sequence[str] = (),
                         top: int = 200) -> str:
    """One HTML file: headline cards, then a table of shapes with every kept example in context."""
    rows = []
    for g in report.ranked()[:top]:
        examples = []
        for ex in g.examples:
            before, hit, after = _snippet(ex["text"], ex["span"])
            examples.append(f"<div class=\"ex\"><code>{esc(ex['criterion_id'])}</code> {esc(before)}"
                            f"<mark>{esc(hit)}</mark>{esc(after)}</div>")
        rows.append(f"<tr><td><code>{esc(g.shape)}</code></td><td class=\"num\">{g.criteria:,}</td>"
                    f"<td class=\"num\">{g.expressions:,}</td><td>{''.join(examples)}</td></tr>")
    cards = [("criteria", f"{report.criteria:,}", ""),
             ("with a comparison", f"{report.with_comparison:,}", ""),
             ("covered", _pct(report.coverage), f"{report.covered:,} with a constraint"),
             ("comparisons in a constraint", _pct(report.expression_coverage),
              f"{report.matched:,} of {report.expressions:,}")]
    card_html = "".join(f"<div class=\"card\"><div class=\"name\">{esc(n)}</div><div class=\"big\">{esc(v)}</div>"
                        f"<div class=\"small\">{esc(s)}</div></div>" for n, v, s in cards)
    shown = min(top, len(report.shapes))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{esc(title)}</title><style>{CSS}
mark {{ background: #fff3b0; }} .ex {{ margin: 2px 0; }}</style></head>
<body><header class="top"><h1>{esc(title)}</h1>
<div class="sub">{esc(', '.join(sources))}</div></header>
<main>
<section><h2>Coverage</h2><div class="cards">{card_html}</div>
<p class="note">A comparison is a comparator word or sign near a number (<code>configs/coverage.json</code>).
A criterion is covered when it produced at least one constraint. The table groups the comparisons of
uncovered criteria by the shape of their phrase: <code>CMP</code> comparator, <code>NUM</code> number,
<code>NUM-word</code> number written as a word, <code>UNIT</code> a unit eligex knows, <code>UNIT?</code>
a unit-like token it does not, <code>TIME</code> a time word, <code>SUBJ</code> a measurement or score
eligex knows, <code>WORD</code> other words; connecting words are kept as they are.</p></section>
<section><h2>Uncovered criteria by shape ({shown:,} of {len(report.shapes):,} shapes)</h2>
<table><thead><tr><th>shape</th><th class="num">criteria</th><th class="num">comparisons</th><th>examples</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></section>
</main></body></html>
"""
