"""Reports about evaluation runs: a self-contained HTML page, a Markdown summary, run comparisons."""

from pipeline.reporting.common import ReportError, check_metrics, load_metrics, stamp_metrics
from pipeline.reporting.compare import compare_lines, compare_metrics, render_compare_html
from pipeline.reporting.html import render_report
from pipeline.reporting.markdown import render_markdown

__all__ = ["ReportError", "check_metrics", "load_metrics", "stamp_metrics",
           "render_report", "render_markdown", "compare_metrics", "compare_lines", "render_compare_html"]
