"""The annotators' loop against a real doccano 1.8.4 (scripts/doccano-server); no mocks."""

from __future__ import annotations

import copy
import json
import secrets
import shutil
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.annotation import agreement as ag
from pipeline.annotation.doccano import client as dclient
from pipeline.annotation.doccano import convert
from pipeline.annotation.doccano import errors as doccano_errors
from pipeline.annotation.doccano import merge as merging
from pipeline.rules import labels as labels_mod
from pipeline.core.jsonl import read_jsonl
from pipeline.cli.doccano import app as doccano_app

pytestmark = pytest.mark.doccano

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "doccano_gold.jsonl"


@pytest.fixture
def project_name():
    return f"eligex-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cli_env(doccano_server, monkeypatch):
    for key, value in doccano_server.env.items():
        monkeypatch.setenv(key, value)
    return doccano_server.env


def by_id(records):
    return {r["criterion_id"]: r for r in records}


def examples_by_criterion(client, project_id):
    return {ex.meta["criterion_id"]: ex for ex in client.list_examples(project_id)}


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


# ------------------------------------------------------------------ the server


def test_server_listens_on_loopback_only_and_serves_the_ui(doccano_server):
    port = int(doccano_server.url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                listening.append(local.rsplit(":", 1)[0])
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else

    assert http_status(doccano_server.url + "/v1/projects")[0] == 403
    status, page = http_status(doccano_server.url + "/")
    assert status == 200
    script = page.decode().split('src="/static/_nuxt/', 1)[1].split('"', 1)[0]
    assert http_status(f"{doccano_server.url}/static/_nuxt/{script}")[0] == 200


# ------------------------------------------------------------------ project and login


def test_ensure_project_is_idempotent(doccano_client, project_name):
    pid = dclient.ensure_project(doccano_client, project_name)
    assert dclient.ensure_project(doccano_client, project_name) == pid
    assert [p.id for p in doccano_client.list_projects() if p.name == project_name] == [pid]
    project = doccano_client.find_project_by_id(pid)
    assert project.use_relation and project.allow_overlapping and not project.collaborative_annotation
    labels = labels_mod.load_labels()
    spans = doccano_client.list_label_types(pid, "span")
    assert sorted(lt.text for lt in spans) == sorted(labels.span_names)
    assert {lt.text: lt.background_color for lt in spans}["MEASUREMENT"] == "#7aa6ff"
    assert sorted(lt.text for lt in doccano_client.list_label_types(pid, "relation")) == sorted(labels.relation_names)
    assert project.guideline.startswith("# eligex annotation guideline")

    # a label lost (say, a half-finished creation) is added back
    unit = next(lt for lt in spans if lt.text == "UNIT")
    doccano_client.delete_label_type(pid, unit.id, "span")
    assert dclient.ensure_project(doccano_client, project_name) == pid
    assert sorted(lt.text for lt in doccano_client.list_label_types(pid, "span")) == sorted(labels.span_names)


def test_project_with_other_labels_is_refused(doccano_client, project_name, cli_env, tmp_path):
    pid = dclient.ensure_project(doccano_client, project_name)
    doccano_client.create_label_type(pid, "span", "DRUG", color="#123456")
    with pytest.raises(
        doccano_errors.LabelMismatch,
        match=r"span labels of doccano project .* differ from configs/labels.json \(not in configs/labels.json: DRUG\)",
    ):
        dclient.ensure_project(doccano_client, project_name)
    with pytest.raises(doccano_errors.LabelMismatch):
        dclient.project_id_for(doccano_client, project_name)
    result = CliRunner().invoke(doccano_app, ["pull", "--project", project_name, "--exports", str(tmp_path)])
    assert result.exit_code == 1 and "DRUG" in result.output


def test_project_with_wrong_settings_is_refused(doccano_client, project_name):
    doccano_client.create_project(
        name=project_name, project_type="SequenceLabeling", description="x", use_relation=False
    )
    with pytest.raises(doccano_errors.DoccanoError, match="relation labeling is off; overlapping spans are not allowed"):
        dclient.ensure_project(doccano_client, project_name)


def test_wrong_password_is_a_clear_error(doccano_server, monkeypatch):
    env = {**doccano_server.env, "DOCCANO_PASSWORD": "not-the-password"}
    with pytest.raises(doccano_errors.DoccanoError, match="refused the login of user 'admin': wrong username or password"):
        dclient.connect(env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(doccano_app, ["push", str(FIXTURE), "--project", "never-created"])
    assert result.exit_code == 1
    assert "wrong username or password" in result.output


# ------------------------------------------------------------------ push and pull


def test_push_pull_round_trip(doccano_client, project_name, gold, tmp_path):
    pid = dclient.ensure_project(doccano_client, project_name)
    summary = dclient.push(doccano_client, pid, gold)
    ids = [r["criterion_id"] for r in gold]
    assert summary.created == ids and summary.confirmed == ids
    assert summary.labelled == [r["criterion_id"] for r in gold if r["entities"]]
    assert (summary.spans, summary.relations) == (19, 14)

    examples = examples_by_criterion(doccano_client, pid)
    meta = examples["NCT09990001-inc-01"].meta
    assert {k: meta[k] for k in ("trial_id", "criterion_id", "section", "source", "offset")} == {
        "trial_id": "NCT09990001",
        "criterion_id": "NCT09990001-inc-01",
        "section": "inclusion",
        "source": "annotations/seeds/NCT09990001.txt",
        "offset": 120,
    }

    pulled = dclient.pull(doccano_client, pid, exports_dir=tmp_path / "exports")
    assert list(pulled) == ["admin"]
    back = pulled["admin"]
    assert [r["criterion_id"] for r in back] == ids  # the heading, with nothing to annotate, too
    for original, returned in zip(gold, back):
        assert convert.span_set(returned) == convert.span_set(original)
        assert convert.relation_set(returned) == convert.relation_set(original)
        assert returned == original  # ids, order, metadata and constraints included
    saved, _, _ = read_jsonl(tmp_path / "exports" / "admin.jsonl")
    assert saved == back
    assert (tmp_path / "exports" / "raw" / "admin.jsonl").is_file()

    # pushing again changes nothing
    again = dclient.push(doccano_client, pid, gold)
    assert again.created == [] and again.existing == ids
    assert again.already_labelled == [r["criterion_id"] for r in gold if r["entities"]]
    assert again.spans == 0 and again.confirmed == []
    assert len(list(doccano_client.list_examples(pid))) == 4
    assert dclient.pull(doccano_client, pid)["admin"] == back

    # merging the round trip into the gold changes nothing either
    target = tmp_path / "seeds.jsonl"
    shutil.copy(FIXTURE, target)
    summary = merging.merge(target, back)
    assert summary.unchanged == ids and not summary.written
    assert target.read_bytes() == FIXTURE.read_bytes()


def test_overlapping_spans_survive(doccano_client, project_name):
    pid = dclient.ensure_project(doccano_client, project_name)
    rec = {
        "criterion_id": "NCT09990004-inc-01",
        "text": "Health Assessment Questionnaire (HAQ) disability index ≤1.5",
        "entities": [
            {"id": 1, "label": "SCORE", "start_offset": 0, "end_offset": 54},
            {"id": 2, "label": "SCORE", "start_offset": 33, "end_offset": 36},
            {"id": 3, "label": "COMPARATOR", "start_offset": 55, "end_offset": 56},
            {"id": 4, "label": "VALUE", "start_offset": 56, "end_offset": 59},
        ],
        "relations": [
            {"id": 1, "from_id": 1, "to_id": 4, "type": "has_value"},
            {"id": 2, "from_id": 4, "to_id": 3, "type": "has_comparator"},
        ],
    }
    dclient.push(doccano_client, pid, [rec])
    (back,) = dclient.pull(doccano_client, pid)["admin"]
    assert convert.annotation_key(back) == convert.annotation_key(rec)


def test_push_eligex_output_as_pre_annotation(doccano_client, project_name):
    pid = dclient.ensure_project(doccano_client, project_name)
    output = {
        "trial_id": "NCT09990003",
        "criterion_id": "NCT09990003-inc-01",
        "section": "inclusion",
        "text": "ECOG 0~1 score",
        "entities": [
            {"id": 11, "label": "SCORE", "start": 0, "end": 4, "text": "ECOG", "rule": "scores"},
            {"id": 12, "label": "VALUE", "start": 5, "end": 6, "text": "0", "rule": "numbers"},
            {"id": 13, "label": "COMPARATOR", "start": 6, "end": 7, "text": "~", "rule": "ranges"},
            {"id": 14, "label": "VALUE", "start": 7, "end": 8, "text": "1", "rule": "numbers"},
        ],
        "relations": [
            {"from": 11, "to": 12, "type": "has_value"},
            {"from": 11, "to": 14, "type": "has_value"},
            {"from": 12, "to": 13, "type": "has_comparator"},
            {"from": 14, "to": 13, "type": "has_comparator"},
        ],
        "constraints": [{"subject": "ECOG"}],
    }
    summary = dclient.push(doccano_client, pid, [output])
    assert summary.labelled == ["NCT09990003-inc-01"] and summary.confirmed == []  # an annotator must review it
    ex = examples_by_criterion(doccano_client, pid)["NCT09990003-inc-01"]
    assert "constraints" not in ex.meta and not ex.is_confirmed
    (back,) = dclient.pull(doccano_client, pid)["admin"]
    assert back["entities"] == [
        {"id": 1, "label": "SCORE", "start_offset": 0, "end_offset": 4},
        {"id": 2, "label": "VALUE", "start_offset": 5, "end_offset": 6},
        {"id": 3, "label": "COMPARATOR", "start_offset": 6, "end_offset": 7},
        {"id": 4, "label": "VALUE", "start_offset": 7, "end_offset": 8},
    ]
    assert convert.relation_set(back) == convert.relation_set(convert.normalize(output))
    assert "constraints" not in back

    bad = copy.deepcopy(output)
    bad["criterion_id"] = "NCT09990003-inc-02"
    bad["entities"][0]["text"] = "ECOG score"
    with pytest.raises(doccano_errors.ValidationFailed, match="nothing pushed"):
        dclient.push(doccano_client, pid, [bad])
    assert len(list(doccano_client.list_examples(pid))) == 1


def test_two_annotators_agreement_and_merge(doccano_server, doccano_client, project_name, gold, tmp_path, cli_env):
    pid = dclient.ensure_project(doccano_client, project_name)
    dclient.push(doccano_client, pid, gold, labels=False)  # texts only: each annotator annotates blind
    assert dclient.pull(doccano_client, pid) == {"admin": []}

    ann = f"ann{uuid.uuid4().hex[:6]}"
    password = secrets.token_urlsafe(12)
    doccano_client.create_user(ann, password)
    dclient.add_annotator(doccano_client, pid, ann)
    dclient.add_annotator(doccano_client, pid, ann)  # idempotent
    ann_client = dclient.connect({**doccano_server.env, "DOCCANO_USERNAME": ann, "DOCCANO_PASSWORD": password})

    # admin annotates like the gold; the annotator too, then drops the "×109/L" unit
    dclient.push(doccano_client, pid, gold)
    summary = dclient.push(ann_client, pid, gold)
    assert summary.created == [] and len(summary.labelled) == 3 and len(summary.confirmed) == 4
    ex = examples_by_criterion(ann_client, pid)["NCT09990001-inc-01"]
    unit = next(s for s in ann_client.list_spans(pid, ex.id) if (s.start_offset, s.end_offset) == (37, 43))
    ann_client.span.delete(pid, ex.id, unit.id)  # doccano drops its has_unit relation with it

    pulled = dclient.pull(doccano_client, pid)
    assert sorted(pulled) == sorted(["admin", ann])
    assert by_id(pulled["admin"]) == by_id(gold)
    rep = ag.agreement(pulled["admin"], pulled[ann])
    assert rep.criteria == 4
    assert (rep.spans.a, rep.spans.b, rep.spans.both) == (19, 18, 18)
    assert (rep.relations.a, rep.relations.b, rep.relations.both) == (14, 13, 13)
    assert rep.disagreements[0]["spans_only_a"] == [{"start": 37, "end": 43, "label": "UNIT", "text": "×109/L"}]

    target = tmp_path / "gold" / "seeds.jsonl"
    target.parent.mkdir()
    shutil.copy(FIXTURE, target)
    runner = CliRunner()
    exports = tmp_path / "exports"
    result = runner.invoke(
        doccano_app, ["pull", "--project", project_name, "--into", str(target), "--exports", str(exports)]
    )
    assert result.exit_code == 1 and "several annotators" in result.output and "--annotator" in result.output
    assert target.read_bytes() == FIXTURE.read_bytes()
    (folder,) = list(exports.iterdir())
    assert sorted(p.name for p in folder.glob("*.jsonl")) == sorted(["admin.jsonl", f"{ann}.jsonl"])

    result = runner.invoke(
        doccano_app,
        ["pull", "--project", project_name, "--into", str(target), "--exports", str(exports), "--annotator", ann],
    )
    assert result.exit_code == 0, result.output
    assert "0 added, 1 changed, 3 unchanged" in result.output
    assert "check the constraints of" in result.output and "NCT09990001-inc-01" in result.output
    merged = by_id(read_jsonl(target)[0])
    assert len(merged["NCT09990001-inc-01"]["entities"]) == 7
    assert merged["NCT09990001-inc-01"]["constraints"] == gold[0]["constraints"]
    (backup,) = list(target.parent.glob("seeds.jsonl.*.bak"))
    assert backup.read_bytes() == FIXTURE.read_bytes()


def test_cli_push_then_pull_into_new_gold(project_name, gold, tmp_path, cli_env):
    runner = CliRunner()
    result = runner.invoke(doccano_app, ["push", str(FIXTURE), "--project", project_name])
    assert result.exit_code == 0, result.output
    assert "4 criteria created" in result.output
    target = tmp_path / "new.jsonl"
    result = runner.invoke(
        doccano_app, ["pull", "--project", project_name, "--into", str(target), "--exports", str(tmp_path / "ex")]
    )
    assert result.exit_code == 0, result.output
    assert "4 added, 0 changed, 0 unchanged" in result.output
    assert read_jsonl(target)[0] == gold


def test_pull_with_span_off_the_text_leaves_gold_untouched(doccano_client, project_name, gold, tmp_path, cli_env):
    pid = dclient.ensure_project(doccano_client, project_name)
    dclient.push(doccano_client, pid, gold)
    examples = examples_by_criterion(doccano_client, pid)
    value = {lt.text: lt.id for lt in doccano_client.list_label_types(pid, "span")}["VALUE"]
    heading = examples["NCT09990001-inc-02"]
    # doccano accepts a span past the end of the text; the pull must not
    doccano_client.span.create(pid, heading.id, 30, len(heading.text) + 5, value)
    # and an edited text moves every span off its words
    sledai = examples["NCT09990001-inc-03"]
    doccano_client.update_example(
        pid, sledai.id, text="SLEDAI score ≥8 for SLE patients within 1 week prior to screening;"
    )

    target = tmp_path / "seeds.jsonl"
    shutil.copy(FIXTURE, target)
    mtime = target.stat().st_mtime_ns
    pulled = dclient.pull(doccano_client, pid)["admin"]
    with pytest.raises(doccano_errors.ValidationFailed) as exc:
        merging.merge(target, pulled)
    text = str(exc.value)
    assert f"outside the text (length {len(heading.text)})" in text and "NCT09990001-inc-02" in text
    assert "text differs from the source record's" in text and "NCT09990001-inc-03" in text
    assert target.read_bytes() == FIXTURE.read_bytes() and target.stat().st_mtime_ns == mtime

    result = CliRunner().invoke(
        doccano_app, ["pull", "--project", project_name, "--into", str(target), "--exports", str(tmp_path / "ex")]
    )
    assert result.exit_code == 1
    assert "left untouched" in result.output and "outside the text" in result.output
    assert target.read_bytes() == FIXTURE.read_bytes() and target.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex", "seeds.jsonl"]
    # the annotator's export is kept for inspection
    (folder,) = list((tmp_path / "ex").iterdir())
    exported = [json.loads(line) for line in (folder / "admin.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(exported) == 4
