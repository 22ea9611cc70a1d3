"""Rule files: loading and validation.

Every rule an annotator edits lives in ``configs/`` as data: JSON Lines files with one rule per
line, so an error can name the file, the line and the rule id. Each kind of rule has a JSON schema
in ``pipeline/rules/schemas/``; unknown keys, bad regular expressions, duplicate ids and labels outside
the schema are errors. Loaders return the rules and a list of :class:`~pipeline.core.problems.Problem`;
``strict=True`` raises :class:`RuleError` on the first file with problems instead.

The JSON config files (``tokenizer.json``, ``units.json``, ``labels.json``, ...) are read by
:func:`load_json_config`, which checks each against its schema (:data:`CONFIG_SCHEMAS`): a
misspelt key is an error naming the file, the line of the key and the rule it is in, both in
``eligex rules validate`` and when a component loads the file at ``initialize``.
"""

from __future__ import annotations

import json
import regex
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from jsonschema import Draft202012Validator

from pipeline.core.jsonl import decode_line
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
    # "format": "regex" in a schema is checked (a regex Python's re module cannot compile is an error)
    return Draft202012Validator(json.loads(text), format_checker=Draft202012Validator.FORMAT_CHECKER)


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
        rule = decode_line(stripped, str(path), lineno)
        if isinstance(rule, Problem):
            problems.append(rule)
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


def flagged_rules(rules: Iterable[dict], flag: str) -> List[str]:
    """The ids of the entity rules whose ``flags`` list ``flag`` (facts other components test,
    so that no code tests a rule by its id)."""
    return [r["id"] for r in rules if flag in r.get("flags", ())]


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


#: JSON config files under configs/ → their schema in ``pipeline/rules/schemas/``
CONFIG_SCHEMAS = {
    "time.json": "time_config.json",
    "tokenizer.json": "tokenizer_config.json",
    "units.json": "units_config.json",
    "labels.json": "labels_config.json",
    "shapes.json": "shapes_config.json",
    "lct.json": "lct_config.json",
    "context_flags.json": "context_flags_config.json",
    "coverage.json": "coverage_config.json",
    "constraints.json": "constraints_config.json",
    "segmentation.json": "segmentation_config.json",
    "counts.json": "counts_config.json",
    "grades.json": "grades_config.json",
}


def _key_line(text: str, key: str) -> Optional[int]:
    """The first line of ``text`` where the JSON key ``key`` is written (for error messages)."""
    needle = json.dumps(key, ensure_ascii=False) + ":"
    for lineno, line in enumerate(text.splitlines(), start=1):
        if needle in line.replace('" :', '":'):
            return lineno
    return None


def _schema_problems(path: Path, text: str, data, schema_file: str) -> List[Problem]:
    """One problem per schema violation of ``data``: the JSON path of the key, the rule it is in
    (the ``id``/``canonical``/``name`` of the enclosing list item) and the line of the key."""
    problems = []
    for err in sorted(_validator(schema_file).iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "top level"
        record, node = None, data
        for step in err.absolute_path:
            node = node[step]
            if isinstance(node, dict):
                record = next((str(node[k]) for k in ("id", "canonical", "name") if isinstance(node.get(k), str)),
                              record)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            patterns = [regex.compile(p) for p in err.schema.get("patternProperties", {})]
            keys = [k for k in err.instance if k not in err.schema.get("properties", {})
                    and not any(p.search(k) for p in patterns)]
        elif isinstance(node, dict) and isinstance(err.instance, str) and err.instance in node:
            keys = [err.instance]  # a key name that is not allowed (propertyNames)
        else:
            keys = []
        strings = [str(p) for p in err.absolute_path if isinstance(p, str)]
        line = _key_line(text, keys[0]) if keys else (_key_line(text, strings[-1]) if strings else None)
        problems.append(Problem(str(path), line, f"{where}: {err.message}", record=record))
    return problems


def load_json_config(path: Path | str, schema: Optional[str] = None) -> dict:
    """Load a JSON config file, naming the file and line in the error when it is malformed.

    ``schema`` is a schema file in ``pipeline/rules/schemas/`` (see :data:`CONFIG_SCHEMAS`): unknown
    or misspelt keys and values of the wrong type raise :class:`RuleError` naming the file, the line
    of the key and the rule it is in.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError([Problem(str(path), exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError([Problem(str(path), None, f"cannot read: {exc}")]) from None
    if schema is not None:
        problems = _schema_problems(path, text, data, schema)
        if problems:
            raise RuleError(problems)
    return data


def validate_configs(configs: Path | str = "configs") -> List[Problem]:
    """Validate every rule file under ``configs`` (used by ``eligex rules validate``)."""
    configs = Path(configs)
    problems: List[Problem] = []
    for kind, (_, location) in RULE_KINDS.items():
        _, p = load_rules(configs / location, kind)
        problems += p
    for name, schema in CONFIG_SCHEMAS.items():
        try:
            load_json_config(configs / name, schema)
        except RuleError as exc:
            problems += exc.problems
    return problems
