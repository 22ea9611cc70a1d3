"""ClinicalTrials.gov API v2 study JSON: a single study or a page ``{"studies": [...]}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Optional

from pipeline.problems import Problem
from pipeline.readers import InputDoc
from pipeline.readers.textfiles import decode_utf8


def study_to_doc(study: dict, source: str, line: Optional[int] = None):
    """An InputDoc from one study record, or a Problem saying what is missing."""
    if not isinstance(study, dict):
        return Problem(source, line, "a study must be a JSON object")
    protocol = study.get("protocolSection") or {}
    nct = (protocol.get("identificationModule") or {}).get("nctId") or study.get("nctId")
    elig = protocol.get("eligibilityModule")
    if not nct:
        return Problem(source, line, "study without protocolSection.identificationModule.nctId")
    if not isinstance(elig, dict):
        return Problem(source, line, "study without protocolSection.eligibilityModule", record=nct)
    text = elig.get("eligibilityCriteria")
    if not isinstance(text, str) or not text.strip():
        return Problem(source, line, "study without eligibilityCriteria text", record=nct)
    structured = {k: elig[k] for k in ("minimumAge", "maximumAge", "sex", "healthyVolunteers", "stdAges")
                  if k in elig}
    return InputDoc(trial_id=nct, text=text, source=source, line=line, structured=structured)


def read_study_file(path: Path) -> Iterator:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(str(path), None, f"cannot read: {exc.strerror or exc}")
        return
    text, problem = decode_utf8(data, str(path))
    if problem is not None:
        yield problem
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Problem(str(path), exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")
        return
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        for i, study in enumerate(obj["studies"]):
            item = study_to_doc(study, str(path))
            if isinstance(item, Problem) and item.record is None:
                item = Problem(item.path, item.line, f"studies[{i}]: {item.message}")
            yield item
    else:
        yield study_to_doc(obj, str(path))
