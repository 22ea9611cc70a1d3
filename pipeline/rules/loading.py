"""Rule files: loading and validation.

Every rule an annotator edits lives in ``configs/`` as data: JSON Lines files with one rule per
line, so an error can name the file, the line and the rule id. Each kind of rule has a JSON schema
in ``pipeline/rules/schemas/``; unknown keys, bad regular expressions, duplicate ids and labels outside
the schema are errors. Loaders return the rules and a list of :class:`~pipeline.core.problems.Problem`;
``strict=True`` raises :class:`RuleError` on the first file with problems instead.
"""

from __future__ import annotations

import json
import regex
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from jsonschema import Draft202012Validator

from pipeline.core.problems import Problem

#: Rule kinds → (schema file, default location under configs/)
RULE_KINDS = {
    "entity": ("entity_rule.json", "entities"),
    "context": ("context_rule.json", "context.jsonl"),
    "section": ("section_rule.json", "sections.jsonl"),
}


class RuleError(ValueError):
    """Raised when a rule file has problems and the caller asked for strict loading."""

    def __init__(self, problems: List[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@lru_cache(maxsize=None)
def _validator(schema_file: str) -> Draft202012Validator:
    text = resources.files("pipeline.rules").joinpath("schemas", schema_file).read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _check_regexes(rule: dict) -> List[str]:
    errors = []
    for key in ("regex",):
        if key in rule and isinstance(rule[key], str):
            try:
                regex.compile(rule[key])
            except regex.error as exc:
                errors.append(f"bad regex in '{key}': {exc}")
    if isinstance(rule.get("pattern"), str):
        try:
            regex.compile(rule["pattern"])
        except regex.error as exc:
            errors.append(f"bad regex in 'pattern': {exc}")
    return errors


def read_jsonl_rules(path: Path, kind: str) -> Tuple[List[dict], List[Problem]]:
    """Read one JSONL rule file of ``kind``; blank lines and lines starting with ``//`` are skipped.

    Each returned rule carries ``_source`` (``"file:line"``) for tracing.
    """
    schema_file, _ = RULE_KINDS[kind]
    validator = _validator(schema_file)
    rules: List[dict] = []
    problems: List[Problem] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(str(path), None, f"cannot read rule file: {exc}")]
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        try:
            rule = json.loads(stripped)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), lineno, f"not valid JSON: {exc.msg} (column {exc.colno})"))
            continue
        rid = rule.get("id") if isinstance(rule, dict) else None
        errors = [
            f"{'/'.join(str(p) for p in err.absolute_path) or 'rule'}: {err.message}"
            for err in sorted(validator.iter_errors(rule), key=lambda e: list(e.absolute_path))
        ]
        if isinstance(rule, dict):
            errors += _check_regexes(rule)
        if errors:
            for msg in errors:
                problems.append(Problem(str(path), lineno, msg, record=rid))
            continue
        rule["_source"] = f"{path}:{lineno}"
        rules.append(rule)
    return rules, problems


def _check_duplicates(rules: List[dict]) -> List[Problem]:
    seen: Dict[str, str] = {}
    problems = []
    for rule in rules:
        rid = rule["id"]
        if rid in seen:
            path, _, line = rule["_source"].rpartition(":")
            problems.append(
                Problem(path, int(line), f"duplicate rule id (first defined at {seen[rid]})", record=rid)
            )
        else:
            seen[rid] = rule["_source"]
    return problems


def _files(path: Path) -> List[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    return [path]


def load_rules(path: Path | str, kind: str, strict: bool = False) -> Tuple[List[dict], List[Problem]]:
    """Load every rule of ``kind`` from a file or a folder of ``*.jsonl`` files."""
    rules: List[dict] = []
    problems: List[Problem] = []
    files = _files(Path(path))
    if not files or not all(f.exists() for f in files):
        problems.append(Problem(str(path), None, f"no {kind} rule file found"))
    for file in files:
        if file.exists():
            r, p = read_jsonl_rules(file, kind)
            rules += r
            problems += p
    problems += _check_duplicates(rules)
    if strict and problems:
        raise RuleError(problems)
    return rules, problems


def load_json_config(path: Path | str, required: Iterable[str] = ()) -> dict:
    """Load a JSON config file, naming the file and line in the error when it is malformed."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RuleError([Problem(str(path), exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    except OSError as exc:
        raise RuleError([Problem(str(path), None, f"cannot read: {exc}")]) from None
    missing = [k for k in required if k not in data]
    if missing:
        raise RuleError([Problem(str(path), None, f"missing keys: {', '.join(missing)}")])
    return data


def check_json_config(path: Path | str, data: dict, schema_file: str) -> List[Problem]:
    """Problems of a JSON config against its schema in ``pipeline/rules/schemas/``, each naming
    the file, the line of the offending key and the key (a misspelt key is an error)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    problems = []
    for err in sorted(_validator(schema_file).iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = list(err.absolute_path)
        key = where[0] if where else None
        if key is None and err.validator == "additionalProperties":
            quoted = regex.findall(r"'([^']+)'", err.message)  # the unknown key(s), quoted
            key = next((k for k in quoted if k in data), None)
        line = next((n for n, text in enumerate(lines, 1) if f'"{key}"' in text), None) if key else None
        name = "/".join(str(p) for p in where) or (key or "config")
        problems.append(Problem(str(path), line, f"{name}: {err.message}"))
    return problems


def load_tokenizer_rules(path: Path) -> dict:
    """``{"keep_whole": [...], "split_hyphenated": [...]}`` from ``configs/tokenizer.json``."""
    data = load_json_config(path, required=["keep_whole"])
    for key in ("keep_whole", "split_hyphenated"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise RuleError([Problem(str(path), None, f"'{key}' must be a list of strings")])
    return {"keep_whole": data["keep_whole"], "split_hyphenated": data.get("split_hyphenated", [])}


def validate_configs(configs: Path | str = "configs") -> List[Problem]:
    """Validate every rule file under ``configs`` (used by ``eligex rules validate``)."""
    configs = Path(configs)
    problems: List[Problem] = []
    for kind, (_, location) in RULE_KINDS.items():
        _, p = load_rules(configs / location, kind)
        problems += p
    for name, required in (
        ("tokenizer.json", ["keep_whole"]),
        ("units.json", ["units"]),
        ("constraints.json", []),
        ("labels.json", ["span_labels", "relation_types"]),
    ):
        try:
            data = load_json_config(configs / name, required)
        except RuleError as exc:
            problems += exc.problems
            continue
        if name == "constraints.json":
            problems += check_json_config(configs / name, data, "constraints.json")
    return problems
