"""ClinicalTrials.gov API v2 study JSON: one study, a list of studies, or a page
``{"studies": [...], "nextPageToken": ...}`` (``.json`` or ``.json.gz``, read whole).

A study gives its ``protocolSection.eligibilityModule``: the ``eligibilityCriteria`` text and the
structured fields ``minimumAge``, ``maximumAge``, ``sex`` and ``healthyVolunteers`` (made into
constraints by :mod:`pipeline.extraction.structured`). The API writes a page on one line, so a
study's line is the line of its ``nctId``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, Optional

from pipeline.core.problems import Problem
from pipeline.core.jsonl import loads
from pipeline.ingest.readers import InputDoc, json_id
from pipeline.ingest.readers.streams import decode_utf8, read_all
from pipeline.extraction.structured import FIELDS

_NCT_FIELD_RE = re.compile(r'"nctId"\s*:\s*"(NCT\d{8})"')


def study_nct(study: dict):
    """The study's ``nctId`` as given (any JSON value; :func:`study_to_doc` checks its type)."""
    protocol = study.get("protocolSection") or {}
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    return nct if nct is not None and nct != "" else study.get("nctId")


def study_to_doc(study, source: str, line: Optional[int] = None):
    """An InputDoc from one study record, or a Problem saying what is missing."""
    if not isinstance(study, dict):
        return Problem(source, line, "a study must be a JSON object")
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        return Problem(source, line, "not a ClinicalTrials.gov study (no protocolSection)",
                       record=study.get("nctId") if isinstance(study.get("nctId"), str) else None)
    nct = study_nct(study)
    if nct is None or nct == "":
        return Problem(source, line, "study without protocolSection.identificationModule.nctId")
    nct, wrong = json_id(nct, "protocolSection.identificationModule.nctId")
    if wrong is not None:
        return Problem(source, line, wrong)
    elig = protocol.get("eligibilityModule")
    if not isinstance(elig, dict):
        return Problem(source, line, "study without protocolSection.eligibilityModule", record=nct)
    text = elig.get("eligibilityCriteria")
    if not isinstance(text, str) or not text.strip():
        return Problem(source, line, "study without eligibilityCriteria text", record=nct)
    structured = {k: elig[k] for k in FIELDS if elig.get(k) is not None}
    return InputDoc(trial_id=nct, text=text, source=source, line=line, structured=structured)


def _nct_lines(text: str) -> Dict[str, int]:
    """The line of each ``"nctId": "NCT..."`` in a JSON text (first occurrence)."""
    lines: Dict[str, int] = {}
    line, pos = 1, 0
    for m in _NCT_FIELD_RE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        lines.setdefault(m.group(1), line)
    return lines


def read_study_file(path: Path) -> Iterator:
    data, problem = read_all(path)
    if problem is not None:
        yield problem
        return
    text, problem = decode_utf8(data, str(path))
    del data
    if problem is not None:
        yield problem
        return
    if not text.strip():
        yield Problem(str(path), 1, "empty file (no JSON)")
        return
    obj, error = loads(text, strict=False)  # raw control characters are cleaned later
    if error is not None:
        yield Problem(str(path), *error)
        return
    lines = _nct_lines(text)
    del text
    if isinstance(obj, dict) and "studies" in obj:
        studies = obj["studies"]
        if not isinstance(studies, list):
            yield Problem(str(path), 1, "'studies' must be a list of study objects")
            return
        prefix = "studies"
    elif isinstance(obj, list):
        studies, prefix = obj, ""
    else:
        studies, prefix = [obj], None
    for i, study in enumerate(studies):
        nct = study_nct(study) if isinstance(study, dict) else None
        item = study_to_doc(study, str(path), lines.get(nct, 1) if isinstance(nct, str) else 1)
        if isinstance(item, Problem) and prefix is not None:
            item = Problem(item.path, item.line, f"{prefix}[{i}]: {item.message}", record=item.record)
        yield item
