"""Hand-written inline SVG charts: nothing to install, nothing fetched, readable without script."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from pipeline.reporting.common import esc

P_COLOR, R_COLOR, F_COLOR = "#4e79a7", "#f28e2b", "#59a14f"
GOOD, BAD, NEUTRAL = "#2e7d32", "#c62828", "#9e9e9e"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'

LABEL_W = 150   # room for the row names
PLOT_W = 420    # the 0..1 axis
VALUE_W = 50    # room for the value after a bar
BAR_H = 9
BAR_GAP = 2
GROUP_GAP = 12
TOP = 34        # legend + axis labels


def _clip(name: str, n: int = 24) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _id_attr(chart_id: str) -> str:
    return f'id="{esc(chart_id)}"' if chart_id else ""


def _legend(items: Sequence[Tuple[str, str]], x: float = LABEL_W, y: float = 12) -> List[str]:
    out = []
    for label, color in items:
        out.append(f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + 14:.0f}" y="{y:.0f}" font-size="11">{esc(label)}</text>')
        x += 22 + 7 * len(label)
    return out


def prf_chart(rows: Sequence[Tuple[str, dict]], title: str, overlap: Optional[dict] = None,
              chart_id: str = "") -> str:
    """Grouped horizontal bars of precision, recall and F1 per row (0..1); ``overlap`` maps row
    names to an overlap F1 drawn as a black tick on the F1 bar."""
    if not rows:
        return f'<p class="empty">{esc(title)}: nothing to chart.</p>'
    group_h = 3 * BAR_H + 2 * BAR_GAP
    height = TOP + len(rows) * (group_h + GROUP_GAP) + 8
    width = LABEL_W + PLOT_W + VALUE_W
    out = [f'<svg class="chart prf-chart" {_id_attr(chart_id)} '
           f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="img" aria-label="{esc(title)}" {FONT}>',
           f"<title>{esc(title)}</title>"]
    legend = [("precision", P_COLOR), ("recall", R_COLOR), ("F1", F_COLOR)]
    if overlap:
        legend.append(("overlap F1 (tick)", "#222"))
    out += _legend(legend)
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        x = LABEL_W + t * PLOT_W
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="#e0e0e0"/>'
                   f'<text x="{x:.1f}" y="{TOP - 9}" font-size="10" text-anchor="middle" fill="#666">{t:g}</text>')
    y = TOP
    for name, m in rows:
        out.append(f'<g class="bar-group" data-name="{esc(name)}">'
                   f'<text x="{LABEL_W - 8}" y="{y + group_h / 2 + 4:.1f}" font-size="12" text-anchor="end">'
                   f'<title>{esc(name)}</title>{esc(_clip(name))}</text>')
        tick = overlap.get(name) if overlap else None
        for i, (key, color) in enumerate((("precision", P_COLOR), ("recall", R_COLOR), ("f1", F_COLOR))):
            v = float(m.get(key) or 0.0)
            by = y + i * (BAR_H + BAR_GAP)
            w = max(v * PLOT_W, 0.5)
            tx = LABEL_W + max(w, float(tick) * PLOT_W + 2 if key == "f1" and tick is not None else 0) + 4
            tip = (f"{name} {key} {v:.3f} (tp {m.get('tp', 0)}, fp {m.get('fp', 0)}, fn {m.get('fn', 0)})")
            out.append(f'<rect class="bar bar-{key}" x="{LABEL_W}" y="{by:.1f}" width="{w:.1f}" height="{BAR_H}" '
                       f'fill="{color}"><title>{esc(tip)}</title></rect>'
                       f'<text x="{tx:.1f}" y="{by + BAR_H - 1:.1f}" font-size="9" fill="#333">'
                       f'{v:.3f}</text>')
        if tick is not None:
            ox = LABEL_W + float(tick) * PLOT_W
            fy = y + 2 * (BAR_H + BAR_GAP)
            out.append(f'<line class="overlap-tick" x1="{ox:.1f}" y1="{fy - 2:.1f}" x2="{ox:.1f}" '
                       f'y2="{fy + BAR_H + 2:.1f}" stroke="#222" stroke-width="2">'
                       f'<title>{esc(name)} overlap F1 {float(tick):.3f}</title></line>')
        out.append("</g>")
        y += group_h + GROUP_GAP
    out.append("</svg>")
    return "".join(out)


def count_chart(rows: Sequence[Tuple[str, int]], title: str, color: str = "#c62828", chart_id: str = "") -> str:
    """Horizontal bars of counts (e.g. the constraint error kinds)."""
    if not rows:
        return f'<p class="empty">{esc(title)}: nothing to chart.</p>'
    top = 10
    bar_h, gap = 16, 8
    height = top + len(rows) * (bar_h + gap) + 4
    width = LABEL_W + PLOT_W + VALUE_W
    biggest = max((c for _, c in rows), default=0) or 1
    out = [f'<svg class="chart count-chart" {_id_attr(chart_id)} '
           f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="img" aria-label="{esc(title)}" {FONT}>', f"<title>{esc(title)}</title>"]
    y = top
    for name, count in rows:
        w = max(count / biggest * PLOT_W, 0.5 if count else 0)
        out.append(f'<g class="bar-group" data-name="{esc(name)}">'
                   f'<text x="{LABEL_W - 8}" y="{y + bar_h - 4}" font-size="12" text-anchor="end">{esc(_clip(name))}</text>'
                   f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                   f'<title>{esc(name)}: {count}</title></rect>'
                   f'<text x="{LABEL_W + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">{count}</text></g>')
        y += bar_h + gap
    out.append("</svg>")
    return "".join(out)


def delta_chart(rows: Sequence[Tuple[str, float]], title: str, chart_id: str = "", label_w: int = 290) -> str:
    """Diverging bars around zero: F1 after minus F1 before, red to the left, green to the right."""
    if not rows:
        return f'<p class="empty">{esc(title)}: nothing to chart.</p>'
    bar_h, gap = 12, 6
    half = PLOT_W / 2
    height = TOP + len(rows) * (bar_h + gap) + 4
    width = label_w + PLOT_W + VALUE_W
    biggest = max((abs(d) for _, d in rows), default=0) or 1.0
    zero = label_w + half
    out = [f'<svg class="chart delta-chart" {_id_attr(chart_id)} '
           f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="img" aria-label="{esc(title)}" {FONT}>', f"<title>{esc(title)}</title>",
           f'<line x1="{zero}" y1="{TOP - 8}" x2="{zero}" y2="{height}" stroke="#888"/>',
           f'<text x="{zero}" y="{TOP - 12}" font-size="10" text-anchor="middle" fill="#666">0</text>',
           f'<text x="{zero - half + 48}" y="{TOP - 12}" font-size="10" text-anchor="middle" fill="#666">'
           f'−{biggest:.3f}</text>',
           f'<text x="{zero + half - 48}" y="{TOP - 12}" font-size="10" text-anchor="middle" fill="#666">'
           f'+{biggest:.3f}</text>']
    y = TOP
    for name, d in rows:
        w = abs(d) / biggest * (half - 48)  # leave room for the figure beside the longest bar
        x = zero if d >= 0 else zero - w
        color = GOOD if d > 0 else BAD if d < 0 else NEUTRAL
        tx, anchor = (zero + w + 4, "start") if d >= 0 else (zero - w - 4, "end")
        out.append(f'<g class="bar-group" data-name="{esc(name)}">'
                   f'<text x="{label_w - 8}" y="{y + bar_h - 2}" font-size="11" text-anchor="end">'
                   f'<title>{esc(name)}</title>{esc(_clip(name, 44))}</text>'
                   f'<rect class="bar" x="{x:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" fill="{color}">'
                   f'<title>{esc(name)}: {d:+.4f}</title></rect>'
                   f'<text x="{tx:.1f}" y="{y + bar_h - 2}" font-size="9" text-anchor="{anchor}">{d:+.3f}</text></g>')
        y += bar_h + gap
    out.append("</svg>")
    return "".join(out)


def mini_bar(tp: int, fp: int, scale: int, width: int = 140) -> str:
    """A small stacked bar (true positives green, false positives red) for a table cell."""
    scale = scale or 1
    wt = tp / scale * width
    wf = fp / scale * width
    return (f'<svg class="mini" xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" '
            f'viewBox="0 0 {width} 10" role="img" aria-label="tp {tp}, fp {fp}">'
            f'<rect x="0" y="0" width="{wt:.1f}" height="10" fill="{GOOD}"/>'
            f'<rect x="{wt:.1f}" y="0" width="{wf:.1f}" height="10" fill="{BAD}"/></svg>')
