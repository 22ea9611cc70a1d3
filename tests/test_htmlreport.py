"""Evaluation reports: rule-set hash, HTML page, Markdown, run comparison, bad input (fast, no browser).

The records are made here and scored with the real ``evaluate_records``, so the metrics and error
lines have exactly the shape ``eligex evaluate`` writes.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.evaluation.metrics import METRICS_VERSION, evaluate_records
from pipeline.reporting import (ReportError, check_metrics, compare_lines, compare_metrics, load_metrics,
                                render_compare_html, render_markdown, render_report, stamp_metrics)
from pipeline.reporting.errors_view import build_error_view
from pipeline.rules.hashing import rule_files, rules_hash

REPO = Path(__file__).resolve().parents[1]
XSS = "</script><script>window.__pwned=1</script><b>"


def span(text: str, frag: str, start: int = 0) -> list:
    i = text.index(frag, start)
    return [i, i + len(frag)]


def gold_ent(i: int, label: str, s: list) -> dict:
    return {"id": i, "label": label, "start_offset": s[0], "end_offset": s[1]}


def pred_ent(i: int, label: str, s: list, text: str, rule: str) -> dict:
    return {"id": i, "label": label, "start": s[0], "end": s[1], "text": text[s[0]:s[1]], "rule": rule,
            "negated": False}


def make_records() -> tuple[list, list]:
    """Three criteria: a unit error + a missed condition; a wrong condition (and markup in the text);
    a spurious bound + a spurious value."""
    t1 = "Hemoglobin ≥ 60 g/L and SLE"
    hb, ge, v60, gl, sle = (span(t1, x) for x in ("Hemoglobin", "≥", "60", "g/L", "SLE"))
    g1 = {"trial_id": "NCT1", "criterion_id": "NCT1-inc-01", "section": "inclusion", "text": t1,
          "entities": [gold_ent(1, "MEASUREMENT", hb), gold_ent(2, "COMPARATOR", ge), gold_ent(3, "VALUE", v60),
                       gold_ent(4, "UNIT", gl), gold_ent(5, "CONDITION", sle)],
          "relations": [{"id": 1, "from_id": 1, "to_id": 3, "type": "has_value"},
                        {"id": 2, "from_id": 3, "to_id": 2, "type": "has_comparator"},
                        {"id": 3, "from_id": 3, "to_id": 4, "type": "has_unit"}],
          "constraints": [{"subject": "hemoglobin", "subject_span": hb, "category": "lab",
                           "lower": {"value": 60, "inclusive": True}, "upper": None, "unit": "g/L"}]}
    p1 = {"trial_id": "NCT1", "criterion_id": "NCT1-inc-01", "section": "inclusion", "text": t1,
          "entities": [pred_ent(1, "MEASUREMENT", hb, t1, "meas.hb"), pred_ent(2, "COMPARATOR", ge, t1, "cmp.ge"),
                       pred_ent(3, "VALUE", v60, t1, "value.number"), pred_ent(4, "UNIT", gl, t1, "unit.gl")],
          "relations": [{"id": 1, "from": 1, "to": 3, "type": "has_value"},
                        {"id": 2, "from": 3, "to": 2, "type": "has_comparator"},
                        {"id": 3, "from": 3, "to": 4, "type": "has_unit"}],
          "constraints": [{"subject": "hemoglobin", "subject_text": "Hemoglobin", "category": "lab",
                           "lower": {"value": 60, "inclusive": True}, "upper": None, "unit": "mg/dL",
                           "span": [hb[0], gl[1]], "subject_id": 1,
                           "rules": ["meas.hb", "cmp.ge", "value.number", "unit.gl"]}]}
    t2 = f"No history of HIV infection {XSS}"
    hiv, hist = span(t2, "HIV infection"), span(t2, "history")
    g2 = {"trial_id": "NCT2", "criterion_id": "NCT2-exc-01", "section": "exclusion", "text": t2,
          "entities": [gold_ent(1, "CONDITION", hiv)], "relations": [], "constraints": []}
    p2 = {"trial_id": "NCT2", "criterion_id": "NCT2-exc-01", "section": "exclusion", "text": t2,
          "entities": [pred_ent(1, "CONDITION", hist, t2, "cond.bad"),
                       pred_ent(2, "CONDITION", span(t2, "HIV"), t2, "cond.hiv")],
          "relations": [], "constraints": []}
    t3 = "Age 18 years or older"
    age, v18 = span(t3, "Age"), span(t3, "18")
    g3 = {"trial_id": "NCT2", "criterion_id": "NCT2-inc-01", "section": "inclusion", "text": t3,
          "entities": [], "relations": [], "constraints": []}
    p3 = {"trial_id": "NCT2", "criterion_id": "NCT2-inc-01", "section": "inclusion", "text": t3,
          "entities": [pred_ent(1, "MEASUREMENT", age, t3, "meas.age"), pred_ent(2, "VALUE", v18, t3, "value.number")],
          "relations": [],
          "constraints": [{"subject": "age", "subject_text": "Age", "category": "age",
                           "lower": {"value": 18, "inclusive": True}, "upper": None, "unit": "a",
                           "span": [0, v18[1]], "subject_id": 1, "rules": ["meas.age", "value.number"]}]}
    return [g1, g2, g3], [p1, p2, p3]


@pytest.fixture()
def run():
    gold, preds = make_records()
    metrics, errors = evaluate_records(gold, preds, lambda u: u)
    metrics = stamp_metrics(metrics, date="2026-01-02T03:04:05Z")
    metrics["gold"] = {"path": "tests/tiny.jsonl", "format": "jsonl", "problems": 0}
    return metrics, errors, gold, preds


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="eligex-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


# ----------------------------------------------------------------------------------------------
# rule-set hash and run stamp
# ----------------------------------------------------------------------------------------------

def test_rules_hash_is_stable_and_sees_edits_renames_and_new_files(tmp_path):
    (tmp_path / "entities").mkdir()
    (tmp_path / "a.json").write_text('{"x": 1}')
    (tmp_path / "entities" / "b.jsonl").write_text('{"id": "r1"}\n')
    (tmp_path / "notes.txt").write_text("not a rule file")
    (tmp_path / ".hidden.json").write_text("{}")
    h = rules_hash(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert h == rules_hash(tmp_path)
    assert [p.name for p in rule_files(tmp_path)] == ["a.json", "b.jsonl"]
    (tmp_path / "notes.txt").write_text("changed, still not a rule file")
    assert rules_hash(tmp_path) == h
    (tmp_path / "entities" / "b.jsonl").write_text('{"id": "r2"}\n')
    edited = rules_hash(tmp_path)
    assert edited != h
    (tmp_path / "entities" / "b.jsonl").rename(tmp_path / "entities" / "c.jsonl")
    assert rules_hash(tmp_path) != edited
    (tmp_path / "d.cfg").write_text("[x]")
    assert len({h, edited, rules_hash(tmp_path)}) == 3


def test_rules_hash_of_the_repository_configs_and_a_missing_folder(tmp_path):
    files = rule_files(REPO / "configs")
    assert any(p.name == "eligex.cfg" for p in files) and any(p.parent.name == "entities" for p in files)
    assert rules_hash(REPO / "configs") == rules_hash(REPO / "configs")
    with pytest.raises(FileNotFoundError, match="no such rules folder"):
        rules_hash(tmp_path / "nope")


def test_stamp_puts_version_pipeline_version_hash_and_date_first():
    from pipeline import __version__

    stamped = stamp_metrics({"version": METRICS_VERSION, "documents": 3, "entities": {}})
    assert list(stamped)[:5] == ["version", "pipeline_version", "rules_hash", "date", "documents"]
    assert stamped["pipeline_version"] == __version__
    assert stamped["rules_hash"] == rules_hash()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamped["date"])


# ----------------------------------------------------------------------------------------------
# the HTML page
# ----------------------------------------------------------------------------------------------

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


def gold_as_predictions(gold: list) -> list:
    return [{"text": g["text"], "entities": [{"id": e["id"], "label": e["label"], "start": e["start_offset"],
                                              "end": e["end_offset"], "rule": "r"} for e in g["entities"]],
             "relations": [], "constraints": []} for g in gold]


def test_report_refuses_unaligned_records(run):
    metrics, errors, gold, preds = run
    with pytest.raises(ReportError, match="aligned"):
        render_report(metrics, errors, gold, preds[:1])


def test_error_view_relations_and_negations_found_in_the_text():
    text = "No HIV, hemoglobin > 9"
    errors = [{"criterion_id": "c1", "trial_id": "T", "text": text, "kind": "relation_fn", "type": "has_value",
               "from": "hemoglobin", "to": "9"},
              {"criterion_id": "c1", "trial_id": "T", "text": text, "kind": "negation_fp", "cue": "No",
               "target": "HIV", "rule": "neg.no"}]
    view = build_error_view(errors)
    rel, neg = view["errors"]
    assert rel["label"] == "relation:has_value" and rel["fg"] == [[8, 18], [21, 22]]
    assert neg["label"] == "negation" and neg["rules"] == ["neg.no"] and neg["fp"] == [[0, 2], [3, 6]]
    assert len(view["criteria"]) == 1


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


# ----------------------------------------------------------------------------------------------
# comparing runs
# ----------------------------------------------------------------------------------------------

def worse(metrics: dict) -> dict:
    """The same run with CONDITION F1 down, VALUE F1 up and one more false positive for cond.bad."""
    m = copy.deepcopy(metrics)
    m["entities"]["per_label"]["CONDITION"]["f1"] = round(m["entities"]["per_label"]["CONDITION"]["f1"] - 0.1, 4)
    m["entities"]["per_label"]["VALUE"]["f1"] = min(1.0, m["entities"]["per_label"]["VALUE"]["f1"] + 0.05)
    m["rules"]["cond.bad"]["fp"] += 1
    m["rules"]["cond.hiv"]["tp"] = m["rules"]["cond.hiv"].get("tp", 0) + 1
    m["rules"]["unit.gl"] = {"tp": 2}
    return m


def test_compare_lists_regressions_first(run):
    before = run[0]
    cmp = compare_metrics(before, worse(before))
    assert cmp["regressions"] == 1 and cmp["improvements"] == 1
    first = cmp["f1"][0]
    assert (first["status"], first["section"], first["name"]) == ("regression", "entity label", "CONDITION")
    assert first["delta"] == pytest.approx(-0.1)
    assert cmp["f1"][1]["status"] == "improvement"
    rules = {r["rule"]: r for r in cmp["rules"]}
    assert cmp["rules"][0]["rule"] == "cond.bad" and rules["cond.bad"]["status"] == "worse"
    assert rules["cond.hiv"]["status"] == "better" and rules["unit.gl"]["status"] == "better"
    assert rules["meas.age"]["status"] == "same"
    lines = compare_lines(cmp)
    assert lines.index("REGRESSIONS (F1 dropped): 1") < next(i for i, l in enumerate(lines) if "IMPROVEMENTS" in l)
    assert lines[-1] == "1 F1 figure(s) dropped"
    assert cmp["same_rules"] and not cmp["warnings"]


def test_compare_tolerance_and_identical_runs(run):
    before = run[0]
    assert compare_metrics(before, before)["regressions"] == 0
    assert compare_metrics(before, worse(before), tolerance=0.2)["regressions"] == 0


def test_compare_warns_when_the_gold_sets_differ(run):
    before = run[0]
    after = copy.deepcopy(before)
    after["documents"] = 99
    assert "different gold sets" in compare_metrics(before, after)["warnings"][0]


def test_compare_html(run):
    before = run[0]
    html = render_compare_html(compare_metrics(before, worse(before)))
    assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in html and "<script" not in html
    assert "1 F1 figure(s) dropped" in html and 'id="chart-delta"' in html
    rows = re.findall(r'<tr class="(\w*)"><td>(\w+)</td>', re.search(r'id="table-f1".*?</table>', html, re.S).group(0))
    assert rows[0] == ("regression", "regression")


@pytest.mark.parametrize("bad, message", [
    ([1, 2], "not an eligex metrics file"),
    ({"documents": 3}, 'no "version"'),
    ({"version": METRICS_VERSION + 1, "documents": 3}, f"metrics version {METRICS_VERSION + 1}"),
    ({"version": METRICS_VERSION, "documents": 3}, "missing entities"),
])
def test_bad_metrics_are_refused_with_a_reason(bad, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        check_metrics(bad, "x.json")


def test_empty_evaluation_is_refused(run):
    metrics = copy.deepcopy(run[0])
    metrics["documents"] = 0
    with pytest.raises(ReportError, match="no gold records"):
        check_metrics(metrics)
    with pytest.raises(ReportError, match="no gold records"):
        render_report(run[0], [], [], [])


def test_load_metrics_bad_files(tmp_path):
    with pytest.raises(ReportError, match="no such file"):
        load_metrics(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{nope")
    with pytest.raises(ReportError, match="not JSON"):
        load_metrics(tmp_path / "broken.json")


# ----------------------------------------------------------------------------------------------
# the commands
# ----------------------------------------------------------------------------------------------

@pytest.fixture()
def cli():
    return CliRunner()


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_cli_compare_exit_codes_and_html(run, cli, tmp_path):
    before = write_json(tmp_path / "before.json", run[0])
    after = write_json(tmp_path / "after.json", worse(run[0]))
    res = cli.invoke(app, ["report", "compare", str(before), str(after)])
    assert res.exit_code == 0, res.output
    assert "REGRESSIONS (F1 dropped): 1" in res.output and "entity label CONDITION" in res.output
    res = cli.invoke(app, ["report", "compare", str(before), str(after), "--fail-on-regression",
                           "--html", str(tmp_path / "diff.html")])
    assert res.exit_code == 1
    assert (tmp_path / "diff.html").read_text().startswith("<!DOCTYPE html>")
    res = cli.invoke(app, ["report", "compare", str(before), str(before), "--fail-on-regression"])
    assert res.exit_code == 0 and "no F1 dropped" in res.output


def test_cli_compare_bad_input(run, cli, tmp_path):
    good = write_json(tmp_path / "good.json", run[0])
    other = write_json(tmp_path / "other.json", {**run[0], "version": 99})
    res = cli.invoke(app, ["report", "compare", str(other), str(good)])
    assert res.exit_code == 2 and "metrics version 99" in res.output
    res = cli.invoke(app, ["report", "compare", str(good), str(good), "--html", str(tmp_path / "no" / "d.html")])
    assert res.exit_code == 2 and "does not exist" in res.output
    assert not (tmp_path / "no").exists()


def test_cli_evaluate_refuses_a_report_in_a_missing_folder_before_running(cli, tmp_path):
    res = cli.invoke(app, ["evaluate", "--gold", str(REPO / "annotations/gold/seeds.jsonl"),
                           "--report", str(tmp_path / "missing" / "r.html"), "--model", str(tmp_path / "no-model")])
    assert res.exit_code == 2
    assert "--report" in res.output and "does not exist" in res.output
    assert list(tmp_path.iterdir()) == []


def test_cli_evaluate_empty_gold_writes_no_report(cli, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = cli.invoke(app, ["evaluate", "--gold", str(empty), "--report", str(tmp_path / "r.html"),
                           "--markdown", str(tmp_path / "r.md")])
    assert res.exit_code == 2 and "no gold records" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]


MODEL = REPO / "models" / "eligex"


@pytest.mark.skipif(not (MODEL / "config.cfg").exists(), reason="models/eligex not built (make model)")
def test_cli_evaluate_report_markdown_and_stamped_json(cli, tmp_path):
    gold = REPO / "annotations/gold/seeds.jsonl"
    plain = cli.invoke(app, ["evaluate", "--gold", str(gold)])
    res = cli.invoke(app, ["evaluate", "--gold", str(gold), "--json", str(tmp_path / "m.json"),
                           "--errors", str(tmp_path / "e.jsonl"), "--report", str(tmp_path / "r.html"),
                           "--markdown", str(tmp_path / "m.md")])
    assert res.exit_code == 0, res.output
    # the terminal summary is unchanged by the new options
    assert res.stdout == plain.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert list(metrics)[:4] == ["version", "pipeline_version", "rules_hash", "date"]
    assert metrics["rules_hash"] == rules_hash()
    html = (tmp_path / "r.html").read_text()
    n_errors = len((tmp_path / "e.jsonl").read_text().splitlines())
    assert len(page_data(html)["errors"]) == n_errors
    assert metrics["rules_hash"] in html
    assert (tmp_path / "m.md").read_text().startswith("# eligex evaluation")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl", "m.json", "m.md", "r.html"]
    res = cli.invoke(app, ["evaluate", "--gold", str(gold), "--markdown", "-"])
    assert res.exit_code == 0 and res.stdout.startswith(plain.stdout) and "## Headline" in res.stdout
