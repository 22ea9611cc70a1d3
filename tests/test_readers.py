"""Input readers: every format (and its .gz), streaming, and bad input reported by file and line."""

from __future__ import annotations

import gzip
import inspect
import json
from pathlib import Path

import pytest

from pipeline.core.problems import Problem
from pipeline.ingest.readers import InputDoc, ReadOptions, read_inputs
from pipeline.ingest.readers.aact import read_aact_file
from pipeline.ingest.readers.jsonl import read_jsonl_file
from pipeline.extraction.structured import parse_age, parse_bool, parse_sex, structured_constraints, structured_record

CRITERIA = "Inclusion Criteria:\n\n* Age 18 to 65 years\n* Hemoglobin >= 9 g/dL\n\nExclusion Criteria:\n\n* Pregnancy\n"


def study(nct: str, text=CRITERIA, **elig) -> dict:
    module = {"eligibilityCriteria": text, **elig} if text is not None else dict(elig)
    return {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": "t"},
                                "eligibilityModule": module}}


def write(path: Path, data, gz: bool = False) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def read(*paths, **options):
    return list(read_inputs(paths, ReadOptions(**options)))


def docs(items):
    return [i for i in items if isinstance(i, InputDoc)]


def problems(items):
    return [i for i in items if isinstance(i, Problem)]


# ---------------------------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_text_file(tmp_path, gz):
    path = write(tmp_path / "NCT01234567.txt", CRITERIA, gz)
    [doc] = read(path)
    assert doc.trial_id == "NCT01234567" and doc.text == CRITERIA and doc.source == str(path)


def test_text_folder_sorted_recursive_and_other_files_skipped(tmp_path):
    write(tmp_path / "b" / "NCT00000002.txt", CRITERIA)
    write(tmp_path / "a" / "NCT00000001.txt.gz", CRITERIA, gz=False)  # a .gz name that is not gzip
    write(tmp_path / "a" / "NCT00000003.txt", CRITERIA, gz=True)
    write(tmp_path / "README.md", "not an input")
    write(tmp_path / "x.ann", "T1\tVALUE 0 1\t1")
    items = read(tmp_path)
    assert [d.trial_id for d in docs(items)] == ["NCT00000003", "NCT00000002"]
    [bad] = problems(items)  # the fake .gz is reported, not skipped
    assert bad.path.endswith("NCT00000001.txt.gz") and "gzip" in bad.message


def test_trial_id_from_text_when_file_name_is_not_an_id(tmp_path):
    path = write(tmp_path / "trial.txt", "NCT ID: NCT07654321\n" + CRITERIA)
    assert read(path)[0].trial_id == "NCT07654321"


@pytest.mark.parametrize("gz", [False, True])
def test_ctgov_single_study_with_structured_fields(tmp_path, gz):
    s = study("NCT01111111", minimumAge="18 Years", maximumAge="65 Years", sex="ALL", healthyVolunteers=False,
              stdAges=["ADULT"])
    path = write(tmp_path / "NCT01111111.json", json.dumps(s, indent=2), gz)
    [doc] = read(path)
    assert doc.trial_id == "NCT01111111" and doc.text == CRITERIA
    assert doc.structured == {"minimumAge": "18 Years", "maximumAge": "65 Years", "sex": "ALL",
                              "healthyVolunteers": False}
    assert doc.line == 4  # the line of its nctId in the pretty-printed file


def test_ctgov_page_list_and_folder_of_pages(tmp_path):
    page1 = {"studies": [study("NCT00000011"), study("NCT00000012", text="  ")], "nextPageToken": "abc"}
    page2 = {"studies": [study("NCT00000013")]}
    write(tmp_path / "pages" / "page1.json", json.dumps(page1))
    write(tmp_path / "pages" / "page2.json", json.dumps(page2), gz=True)
    write(tmp_path / "list.json", json.dumps([study("NCT00000014")]))
    items = read(tmp_path / "pages", tmp_path / "list.json")
    assert [d.trial_id for d in docs(items)] == ["NCT00000011", "NCT00000013", "NCT00000014"]
    [bad] = problems(items)
    assert bad.record == "NCT00000012" and bad.line == 1 and "studies[1]" in bad.message
    assert "without eligibilityCriteria" in bad.message


def test_ctgov_study_without_criteria_or_module(tmp_path):
    path = write(tmp_path / "p.json", json.dumps({"studies": [
        study("NCT00000021", text=None, minimumAge="18 Years"),
        {"protocolSection": {"identificationModule": {"nctId": "NCT00000022"}}},
        {"protocolSection": {"eligibilityModule": {"eligibilityCriteria": "x"}}},
        "not an object",
    ]}, indent=1))
    items = read(path)
    assert len(items) == 4 and not docs(items)
    assert [p.record for p in items] == ["NCT00000021", "NCT00000022", None, None]
    assert all(p.path == str(path) and p.line for p in items)


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_ids_texts_and_studies(tmp_path, gz):
    lines = [json.dumps({"id": "T1", "text": CRITERIA}), "",
             json.dumps({"trial_id": 7, "text": "Age >= 18 years"}),
             json.dumps(study("NCT00000031", sex="FEMALE")),
             json.dumps({"studies": [study("NCT00000032"), study("NCT00000033")], "nextPageToken": None})]
    path = write(tmp_path / "in.jsonl", "\n".join(lines) + "\n", gz)
    items = read(path)
    assert [(d.trial_id, d.line) for d in items] == [("T1", 1), ("7", 3), ("NCT00000031", 4),
                                                     ("NCT00000032", 5), ("NCT00000033", 5)]
    assert items[2].structured == {"sex": "FEMALE"}


def test_jsonl_chosen_columns(tmp_path):
    path = write(tmp_path / "in.ndjson", json.dumps({"nct": "N1", "body": "Age >= 18 years"}) + "\n")
    [doc] = read(path, id_column="nct", text_column="body")
    assert (doc.trial_id, doc.text) == ("N1", "Age >= 18 years")
    [bad] = read(path)
    assert bad.line == 1 and "needs 'id' and 'text'" in bad.message


@pytest.mark.parametrize("gz", [False, True])
def test_csv_chosen_columns_and_multiline_field(tmp_path, gz):
    text = 'nct,title,body\nN1,"A, b","Inclusion:\n- Age >= 18 years\n- ""quoted"" word"\nN2,t,Hemoglobin >= 9 g/dL\n'
    path = write(tmp_path / "in.csv", text, gz)
    items = read(path, id_column="NCT", text_column="body")
    assert [(d.trial_id, d.line) for d in items] == [("N1", 2), ("N2", 5)]
    assert items[0].text == 'Inclusion:\n- Age >= 18 years\n- "quoted" word'


def test_csv_default_columns_tsv_and_missing_column(tmp_path):
    tsv = write(tmp_path / "in.tsv", "trial_id\tcriteria\nA\tAge >= 18 years\n")
    assert [(d.trial_id, d.text) for d in read(tsv)] == [("A", "Age >= 18 years")]
    csvp = write(tmp_path / "in.csv", "id,text\nA,x\n")
    [bad] = read(csvp, text_column="criteria")
    assert bad.line == 1 and "no text column 'criteria'" in bad.message and "id, text" in bad.message


def test_csv_bad_rows_are_reported_and_the_rest_is_read(tmp_path):
    data = b"id,text\nA,Age >= 18 years\n,no id\nC,\nD\nE,caf\xe9 au lait\nF,Hemoglobin >= 9 g/dL\n"
    path = write(tmp_path / "in.csv", data)
    items = read(path)
    # an empty text is a trial with no criteria (written with a warning), not a bad row
    assert [(d.trial_id, d.text) for d in docs(items)] == [("A", "Age >= 18 years"), ("C", ""),
                                                           ("F", "Hemoglobin >= 9 g/dL")]
    got = {(p.line, p.record): p.message for p in problems(items)}
    assert got[(3, None)] == "row without an id"
    assert (4, "C") not in got
    assert "row has 1 field(s)" in got[(5, "D")]
    assert got[(6, "E")].startswith("not valid UTF-8 (byte 0xe9)")


AACT_HEADER = ("id|nct_id|sampling_method|gender|minimum_age|maximum_age|healthy_volunteers|population|criteria|"
               "gender_description|gender_based|adult|child|older_adult\n")


def aact_text() -> str:
    return (AACT_HEADER
            + '1|NCT00000041||All|18 Years|N/A|No||"Inclusion Criteria:\n\n  - Age >= 18 years\n  - '
              'a ""quoted"" word | and a pipe\n\nExclusion Criteria:\n\n  - Pregnancy"||f|t|f|t\n'
            + '2|NCT00000042||Female|6 Months|17 Years|Accepts Healthy Volunteers||Hemoglobin >= 9 g/dL||f|f|t|f\n'
            + '3|NCT00000043||All|||||""||f|t|t|t\n')


def test_parquet_rows_read_as_jsonl_objects_are(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"NCT_ID": [12345, 2, None, 4], "Criteria": ["Age >= 18", None, "ECOG 0-1", "  "],
                      "other": ["x", "y", "z", "w"]})
    pq.write_table(table, tmp_path / "t.parquet")
    items = read(tmp_path / "t.parquet", id_column="nct_id", text_column="criteria")
    assert [(d.trial_id, d.text, d.line) for d in docs(items)] == [("12345", "Age >= 18", 1), ("4", "  ", 4)]
    assert [(p.line, p.record, p.message.split(" (")[0]) for p in problems(items)] == [
        (2, "2", "a line needs 'NCT_ID' and 'Criteria'"), (3, None, "'NCT_ID' must be a string or an integer, not null")]
    assert read(tmp_path / "t.parquet") == items  # the default columns match without regard to case
    pq.write_table(pa.table({"x": [1], "y": ["Age >= 18"]}), tmp_path / "xy.parquet")
    missing = read(tmp_path / "xy.parquet")
    assert len(missing) == 1 and "needs columns 'id' and 'text' (it has x, y)" in missing[0].message
    broken = write(tmp_path / "b.parquet", b"not parquet")
    assert "cannot read as Parquet" in read(broken)[0].message


@pytest.mark.parametrize("gz", [False, True])
def test_aact_quoted_multiline_fields_and_structured_columns(tmp_path, gz):
    path = write(tmp_path / "eligibilities.txt", aact_text(), gz)
    items = read(path)
    first, second, third = items
    assert (first.trial_id, first.line) == ("NCT00000041", 2)
    assert first.text.startswith("Inclusion Criteria:\n\n  - Age >= 18 years\n  - a \"quoted\" word | and a pipe")
    assert first.text.endswith("- Pregnancy")
    assert first.structured == {"sex": "All", "minimumAge": "18 Years", "maximumAge": "N/A", "healthyVolunteers": "No"}
    assert (second.trial_id, second.line) == ("NCT00000042", 10)
    assert second.structured["healthyVolunteers"] == "Accepts Healthy Volunteers"
    # empty criteria: a trial with no criteria (written with a warning), its structured fields kept
    assert isinstance(third, InputDoc) and (third.trial_id, third.line, third.text) == ("NCT00000043", 11, "")
    assert third.structured == {"sex": "All"}


def test_aact_recognised_by_header_under_another_name(tmp_path):
    path = write(tmp_path / "export" / "elig_2024.txt", aact_text())
    assert [d.trial_id for d in docs(read(path))] == ["NCT00000041", "NCT00000042", "NCT00000043"]


def test_aact_bad_utf8_row_is_a_problem_and_later_rows_are_read(tmp_path):
    data = (AACT_HEADER + '1|NCT00000051||All|||||"line one\nline \xff two"||||\n'
            + '2|NCT00000052||All|||||Age >= 18 years||||\n').encode("latin-1")
    path = write(tmp_path / "eligibilities.txt", data)
    items = list(read_aact_file(path))
    assert isinstance(items[0], Problem) and (items[0].line, items[0].record) == (3, "NCT00000051")
    assert "not valid UTF-8 (byte 0xff)" in items[0].message
    assert items[1].trial_id == "NCT00000052"


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------

def test_not_utf8_text_file_names_the_line(tmp_path):
    path = write(tmp_path / "NCT00000061.txt", b"Inclusion Criteria:\n- Age \xe9 18\n")
    [bad] = read(path)
    assert (bad.path, bad.line, bad.record) == (str(path), 2, "NCT00000061")
    assert "not valid UTF-8 (byte 0xe9" in bad.message


def test_jsonl_bad_lines_are_problems_and_the_rest_runs(tmp_path):
    data = b"\n".join([
        json.dumps({"id": "A", "text": "Age >= 18 years"}).encode(),
        b'{"id": "B", "text": "unterminated',
        b'{"id": "C", "text": "caf\xe9"}',
        json.dumps({"id": "D", "text": "   "}).encode(),
        json.dumps([1, 2]).encode(),
        json.dumps({"id": "E", "text": 5}).encode(),
        json.dumps({"id": "F", "text": "Hemoglobin >= 9 g/dL"}).encode(),
    ]) + b"\n"
    path = write(tmp_path / "in.jsonl", data)
    items = read(path)
    assert [d.trial_id for d in docs(items)] == ["A", "D", "F"]  # D: no criteria, written with a warning
    got = [(p.line, p.record, p.message.split(":")[0]) for p in problems(items)]
    assert got == [(2, None, "malformed JSON"), (3, None, "not valid UTF-8 (byte 0xe9)"),
                   (5, None, "each line must be a JSON object"),
                   (6, "E", "'text' must be a string")]
    assert all(p.path == str(path) for p in problems(items))


def test_empty_text_file_and_malformed_json_file(tmp_path):
    empty = write(tmp_path / "NCT00000071.txt", "  \n\n")
    broken = write(tmp_path / "page.json", '{"studies": [\n{"protocolSection": }\n]}')
    [e, b] = read(empty, broken)
    assert (e.line, e.record, e.message) == (1, "NCT00000071", "empty file (no text)")
    assert b.line == 2 and b.message.startswith("malformed JSON")
    blank = write(tmp_path / "blank.jsonl", "\n  \n")
    assert [(p.line, p.message) for p in read(blank)] == [(1, "empty file (no records)")]


def test_nul_and_control_characters_are_replaced_with_a_warning(tmp_path):
    lines = [json.dumps({"id": "A", "text": "Age \u0000>= 18 years\u001b"}),
             json.dumps({"id": "B", "text": "Hemoglobin >= 9 g/dL"})]
    path = write(tmp_path / "in.jsonl", "\n".join(lines) + "\n")
    a, b = read(path)
    assert a.text == "Age  >= 18 years " and len(a.text) == len("Age \u0000>= 18 years\u001b")
    [warning] = a.warnings
    assert (warning.kind, warning.line, warning.record, warning.path) == ("warning", 1, "A", str(path))
    assert "U+0000" in warning.message and "U+001B" in warning.message
    assert not b.warnings
    txt = write(tmp_path / "NCT00000081.txt", "Inclusion Criteria:\n- ok\n- bad\x00byte\n")
    [doc] = read(txt)
    assert doc.text == "Inclusion Criteria:\n- ok\n- bad byte\n" and doc.warnings[0].line == 3


@pytest.mark.parametrize("value,shown", [(True, "a boolean (true)"), (1.5, "a number (1.5)"),
                                         ({"a": 1}, "an object"), (None, "null"), ([1], "an array")])
def test_an_id_must_be_a_string_or_an_integer(tmp_path, value, shown):
    path = write(tmp_path / "in.jsonl", "\n".join([
        json.dumps({"id": value, "text": "Age >= 18 years"}),
        json.dumps({"nct": value, "text": "Age >= 18 years"}),
        json.dumps(study(value)),
        json.dumps({"id": 12, "text": "Age >= 18 years"}),
    ]) + "\n")
    page = write(tmp_path / "page.json", json.dumps({"studies": [study(value), study("NCT00000095")]}))
    items = read(path, page) + read(path, id_column="nct")[1:2]
    assert [d.trial_id for d in docs(items)] == ["12", "NCT00000095"]
    expected = [(str(path), 1, f"'id' must be a string or an integer, not {shown}"),
                (str(path), 2, "a line needs 'id' and 'text'"),  # no id key at all
                (str(path), 3, "protocolSection.identificationModule.nctId"),
                (str(page), 1, "protocolSection.identificationModule.nctId"),
                (str(path), 2, f"'nct' must be a string or an integer, not {shown}")]
    got = problems(items)
    assert [(p.path, p.line) for p in got] == [e[:2] for e in expected]
    for p, (_, _, part) in zip(got, expected):
        assert part in p.message and p.record is None
    assert got[3].message.startswith("studies[0]: ")
    if value is not None:  # a null nctId is a missing one
        assert all(f"must be a string or an integer, not {shown}" in p.message for p in got[2:4])


def test_json_python_cannot_hold_is_a_problem_and_the_rest_is_read(tmp_path):
    """Valid JSON that Python refuses (an integer of 5,000 digits, arrays nested 100,000 deep) is a
    problem of its line, not the end of the file."""
    path = write(tmp_path / "in.jsonl", "\n".join([
        '{"id": "A", "text": "Age >= 18 years", "n": ' + "1" * 5000 + "}",
        '{"id": "B", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"id": "C", "text": "Hemoglobin >= 9 g/dL"})]) + "\n")
    deep = write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000)
    items = read(path, deep)
    assert [d.trial_id for d in docs(items)] == ["C"]
    assert [(p.path, p.line, p.message) for p in problems(items)] == [
        (str(path), 1, "cannot read the JSON: Exceeds the limit (4300 digits) for integer string conversion: "
                       "value has 5000 digits"),
        (str(path), 2, "cannot read the JSON: nested too deeply"),
        (str(deep), None, "cannot read the JSON: nested too deeply")]


def test_lone_surrogates_fail_their_record_only(tmp_path):
    """A JSON \\ud800 escape without its pair is valid JSON but not Unicode: in the text, the id or a
    structured field it fails that record (file and line named) and the next records are read."""
    path = write(tmp_path / "in.jsonl", "\n".join([
        '{"id": "S1", "text": "hemoglobin >= 9 g/dL \\ud800 x"}',
        '{"id": "S\\udc00", "text": "platelets > 100"}',
        json.dumps(study("NCT00000091", minimumAge="18 \ud800Years")),
        '{"id": "ok", "text": "age >= 18 \\ud83d\\ude00"}',  # a pair: one emoji, read
        '{"id": "S\\udc01", "text": 5}',
    ]) + "\n")
    page = write(tmp_path / "page.json", '{"studies": [\n' + json.dumps(study("NCT00000092", text="x \ud801"))
                 + ',\n' + json.dumps(study("NCT00000093")) + "]}")
    items = read(path, page)
    assert [(d.trial_id, d.text) for d in docs(items)] == [("ok", "age >= 18 \U0001F600"), ("NCT00000093", CRITERIA)]
    got = [(p.path, p.line, p.record, p.message.split(" (")[0]) for p in problems(items)]
    assert got == [(str(path), 1, "S1", "the text holds a lone surrogate U+D800 at character 21"),
                   (str(path), 2, "S\\udc00", "the id holds a lone surrogate U+DC00 at character 1"),
                   (str(path), 3, "NCT00000091", "the field 'minimumAge' holds a lone surrogate U+D800 at character 3"),
                   (str(path), 5, "S\\udc01", "'text' must be a string"),
                   (str(page), 2, "NCT00000092", "the text holds a lone surrogate U+D801 at character 2")]
    for p in problems(items):
        json.dumps(p.to_dict(), ensure_ascii=False).encode("utf-8")  # printable: no surrogate left
    assert all(p.message.endswith("record not read") for p in problems(items)[:3])


def test_damaged_gzip_is_a_problem_with_the_line_reached(tmp_path):
    good = gzip.compress(("\n".join(json.dumps({"id": str(i), "text": "Age >= 18 years"})
                                    for i in range(200)) + "\n").encode())
    path = write(tmp_path / "in.jsonl.gz", good[: len(good) // 2])
    items = read(path)
    assert docs(items) and isinstance(items[-1], Problem)
    assert "gzip" in items[-1].message and items[-1].line == len(docs(items)) + 1


def test_missing_path_unsupported_file_and_unknown_format(tmp_path):
    other = write(tmp_path / "x.xml", "<a/>")
    missing, unsupported = read(tmp_path / "nope", other)
    assert missing.message == "no such file or folder"
    assert "unsupported input type '.xml'" in unsupported.message
    with pytest.raises(ValueError):
        read(other, format="xml")


def test_forced_format_and_excluded_files(tmp_path):
    path = write(tmp_path / "data.dat", json.dumps({"id": "A", "text": "x"}) + "\n")
    assert [d.trial_id for d in read(path, format="jsonl")] == ["A"]
    out = write(tmp_path / "out.jsonl", json.dumps({"id": "B", "text": "y"}) + "\n")
    assert [d.trial_id for d in read(tmp_path)] == ["B"]  # data.dat: not an input type in a folder
    assert list(read_inputs([tmp_path], exclude=[out])) == []


def test_readers_stream(tmp_path):
    path = write(tmp_path / "in.jsonl", "".join(json.dumps({"id": str(i), "text": "t"}) + "\n" for i in range(1000)))
    items = read_inputs([path])
    assert inspect.isgenerator(items) and inspect.isgenerator(read_jsonl_file(path))
    first = next(items)
    assert first.trial_id == "0"
    items.close()


# ---------------------------------------------------------------------------------------------
# structured fields
# ---------------------------------------------------------------------------------------------

def test_parse_structured_values():
    assert parse_age("18 Years") == (18, "a") and parse_age("6 Months") == (6, "mo")
    assert parse_age("2 Weeks") == (2, "wk") and parse_age("28 days") == (28, "d") and parse_age("1 Year") == (1, "a")
    assert parse_age("N/A") is None and parse_age(None) is None and parse_age("") is None
    with pytest.raises(ValueError):
        parse_age("eighteen")
    assert parse_sex("ALL") == "all" and parse_sex("Female") == "female" and parse_sex(None) is None
    assert parse_bool(True) is True and parse_bool("No") is False and parse_bool("Accepts Healthy Volunteers")


@pytest.mark.parametrize("text,age", [
    ("18 Years", (18, "a")), ("1 Year", (1, "a")), ("6 Months", (6, "mo")), ("2 Weeks", (2, "wk")),
    ("28 days", (28, "d")), ("12 Hours", (12, "h")), ("30 Minutes", (30, "min")), ("2.5 Years", (2.5, "a")),
    ("18 yrs", (18, "a")),
    # not an age: a unit that is not of kind time in configs/units.json, or no unit
    ("18 kg", None), ("18 ULN", None), ("18 Decades", None), ("18", None), ("Years 18", None),
])
def test_parse_age_reads_time_units_of_units_json(text, age):
    if age is None:
        with pytest.raises(ValueError, match="cannot read the age"):
            parse_age(text)
    else:
        assert parse_age(text) == age


def test_structured_constraints():
    out, messages = structured_constraints({"minimumAge": "18 Years", "maximumAge": "65 Years", "sex": "FEMALE",
                                            "healthyVolunteers": True})
    assert not messages
    age, sex, hv = out
    assert (age["subject"], age["unit"], age["lower"], age["upper"]) == (
        "age", "a", {"value": 18, "inclusive": True}, {"value": 65, "inclusive": True})
    assert (sex["subject"], sex["value"], hv["subject"], hv["value"]) == ("sex", "female", "healthy_volunteers", True)
    assert all(c["origin"] == "structured" for c in out)
    # different units: one constraint per limit; an unreadable field is reported, not guessed
    out, messages = structured_constraints({"minimumAge": "28 Days", "maximumAge": "17 Years", "sex": "?"})
    assert [(c["lower"], c["upper"], c["unit"]) for c in out] == [
        ({"value": 28, "inclusive": True}, None, "d"), (None, {"value": 17, "inclusive": True}, "a")]
    assert messages == ["sex: cannot read the sex '?' (expected ALL, FEMALE or MALE)"]


def test_structured_record():
    doc = InputDoc("NCT00000091", CRITERIA, "s.json", 3, structured={"minimumAge": "18 Years", "sex": "ALL"})
    record, warnings = structured_record(doc)
    assert not warnings
    assert (record["criterion_id"], record["section"], record["origin"], record["line"]) == (
        "NCT00000091-structured", None, "structured", 3)
    assert record["text"] == "minimumAge: 18 Years; sex: ALL"
    assert [c["subject"] for c in record["constraints"]] == ["age", "sex"]
    assert structured_record(InputDoc("X", "t", "s")) == (None, [])
