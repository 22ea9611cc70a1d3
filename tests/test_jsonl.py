"""pipeline.core.jsonl: the one JSONL parser; bad lines are Problems with file and line."""

from pipeline.core.jsonl import read_jsonl, read_jsonl_text


def test_read_jsonl_reports_bad_lines(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text('{"a": 1}\n\nnot json\n[1, 2]\n{"b": 2}\n', encoding="utf-8")
    records, lines, problems = read_jsonl(p)
    assert records == [{"a": 1}, {"b": 2}] and lines == [1, 5]
    assert [pr.line for pr in problems] == [3, 4]
    assert [pr.message.split(":")[0] for pr in problems] == ["malformed JSON", "each line must be a JSON object"]
    assert all(pr.path == str(p) for pr in problems)


def test_read_jsonl_text_numbers_lines_like_a_file():
    records, lines, problems = read_jsonl_text('{"a": 1}\n{oops\n\n{"b": 2}\n', "export.zip:admin.jsonl")
    assert records == [{"a": 1}, {"b": 2}] and lines == [1, 4]
    assert [(p.path, p.line) for p in problems] == [("export.zip:admin.jsonl", 2)]
