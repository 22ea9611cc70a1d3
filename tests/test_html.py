"""pipeline.reporting.html: the self-contained HTML report of an evaluation run (no browser)."""

from __future__ import annotations

import re

import pytest
from report_records import XSS, gold_as_predictions, page_data, scored_run

from pipeline.reporting import ReportError, render_report


@pytest.fixture()
def run():
    return scored_run()


def test_report_is_one_self_contained_file(run):
    html = render_report(*run)
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # nothing fetched: no external script, style sheet, image or font
    assert not re.search(r"""<(script|img|iframe)[^>]*\ssrc=""", html)
    assert not re.search(r"""<link[^>]*rel=["']stylesheet""", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert html.count("<style>") == 1 and html.count("<script>") == 1


def test_report_summary_headline_and_charts(run):
    metrics = run[0]
    html = render_report(*run)
    assert "tests/tiny.jsonl" in html and "2026-01-02T03:04:05Z" in html
    assert metrics["pipeline_version"] in html
    assert metrics["rules_hash"][:12] in html and metrics["rules_hash"] in html
    assert "3 in 2 trial(s)" in html
    # headline cards with the F1 figures
    for key in ("entities", "relations", "constraints", "negation"):
        assert f'data-metric="{key}"' in html
    assert f'{metrics["entities"]["f1"]:.3f}' in html
    # one bar group per label in the charts, three bars (P, R, F1) each
    chart = re.search(r'<svg class="chart prf-chart" id="chart-entities".*?</svg>', html, re.S).group(0)
    labels = sorted(metrics["entities"]["per_label"])
    assert re.findall(r'class="bar-group" data-name="([^"]+)"', chart) == labels
    assert chart.count('class="bar bar-f1"') == len(labels)
    assert 'id="chart-relations"' in html and 'id="chart-constraints"' in html
    assert 'id="table-entities"' in html and 'id="table-constraints"' in html


def test_report_constraint_error_kinds_and_rules_by_false_positives(run):
    metrics = run[0]
    html = render_report(*run)
    assert metrics["constraints"]["errors"] == {"unit_wrong": 1, "spurious": 1}
    kinds = re.search(r'id="chart-constraint-errors".*?</svg>', html, re.S).group(0)
    assert re.findall(r'data-name="([^"]+)"', kinds) == ["subject_missed", "bound_wrong", "unit_wrong", "spurious"]
    table = re.search(r'<table id="table-rules">.*?</table>', html, re.S).group(0)
    order = re.findall(r'data-filter="rule" data-value="([^"]+)"|<tr><td>([\w.]+)</td>', table)
    names = [a or b for a, b in order]
    fps = [metrics["rules"][n].get("fp", 0) + metrics["rules"][n].get("constraint_fp", 0) for n in names]
    assert fps == sorted(fps, reverse=True) and fps[0] > 0
    assert set(names) == set(metrics["rules"])


def test_report_errors_each_in_its_criterion_with_gold_and_predicted_spans(run):
    metrics, errors, gold, preds = run
    data = page_data(render_report(*run))
    assert len(data["errors"]) == len(errors)
    assert len(data["criteria"]) == 3
    by_kind = {}
    for e in data["errors"]:
        by_kind.setdefault(e["kind"], []).append(e)
    unit = by_kind["constraint_unit_wrong"][0]
    crit = data["criteria"][unit["c"]]
    assert crit["id"] == "NCT1-inc-01" and crit["trial"] == "NCT1"
    assert unit["label"] == "constraint:lab"
    assert unit["rules"] == ["meas.hb", "cmp.ge", "value.number", "unit.gl"]
    assert "g/L" in unit["desc"] and "mg/dL" in unit["desc"]
    assert unit["fg"] == [[0, 10]] and unit["fp"] == [[0, 10]]
    assert [0, 10, "MEASUREMENT"] in crit["g"] and [16, 19, "UNIT", "unit.gl"] in crit["p"]
    missed = by_kind["entity_fn"]
    assert {e["label"] for e in missed} == {"entity:CONDITION"}
    hiv = next(e for e in missed if data["criteria"][e["c"]]["id"] == "NCT2-exc-01")
    # a strict miss with an overlapping prediction of the same label names that prediction's rule
    assert hiv["rules"] == ["cond.hiv"] and "other offsets" in hiv["desc"]
    spurious = by_kind["constraint_spurious"][0]
    assert spurious["label"] == "constraint:age" and spurious["rules"] == ["meas.age", "value.number"]
    assert data["colors"]["CONDITION"].startswith("#")


def test_report_text_cannot_break_out_of_the_page(run):
    html = render_report(*run)
    assert XSS not in html
    assert "window.__pwned" in html  # still there, as JSON-escaped data
    assert any(XSS in c["text"] for c in page_data(html)["criteria"])
    # exactly one closing tag for each of our two scripts
    assert html.count("</script>") == 2


def test_report_filters_list_every_label_kind_rule_and_trial(run):
    html = render_report(*run)
    for select in ("f-label", "f-kind", "f-rule", "f-trial"):
        assert f'id="{select}"' in html
    kind_select = re.search(r'<select id="f-kind">.*?</select>', html, re.S).group(0)
    assert 'value="constraint_unit_wrong"' in kind_select and 'value="entity_fp"' in kind_select
    rule_select = re.search(r'<select id="f-rule">.*?</select>', html, re.S).group(0)
    assert 'value="cond.bad"' in rule_select and 'value="(no rule)"' in rule_select
    trial_select = re.search(r'<select id="f-trial">.*?</select>', html, re.S).group(0)
    assert re.findall(r'option value="(NCT\d)"', trial_select) == ["NCT1", "NCT2"]
    label_select = re.search(r'<select id="f-label">.*?</select>', html, re.S).group(0)
    assert '<optgroup label="entity">' in label_select and 'value="constraint:lab"' in label_select


def test_report_without_records_still_places_errors_in_their_text(run):
    metrics, errors, _, _ = run
    data = page_data(render_report(metrics, errors))
    assert len(data["errors"]) == len(errors)
    assert all(c["g"] == [] and c["p"] == [] for c in data["criteria"])
    fp = next(e for e in data["errors"] if e["kind"] == "entity_fp")
    text = data["criteria"][fp["c"]]["text"]
    assert text[fp["fp"][0][0]:fp["fp"][0][1]] in ("history", "18")


def test_report_of_a_run_without_errors(run):
    metrics, _, gold, _ = run
    html = render_report(metrics, [], gold, gold_as_predictions(gold))
    assert page_data(html)["errors"] == [] and "Errors (0)" in html


def test_report_refuses_unaligned_records(run):
    metrics, errors, gold, preds = run
    with pytest.raises(ReportError, match="aligned"):
        render_report(metrics, errors, gold, preds[:1])
