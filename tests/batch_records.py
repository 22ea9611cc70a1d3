"""Shared by the batch-extraction tests (test_extraction_run/store/tables, test_cli_extract): a folder
of mixed inputs with good and bad records, and a run of the batch engine into an output store."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.extraction.run import Counts, run_batch
from pipeline.extraction.store import OutputStore, errors_path_for

CRITERIA = ("Inclusion Criteria:\n\n* Age 18 to 65 years\n* Hemoglobin >= 9 g/dL\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n* ALT > 3 x ULN\n")


def study(nct: str, text=CRITERIA, **elig) -> dict:
    module = {"eligibilityCriteria": text, **elig} if text is not None else dict(elig)
    return {"protocolSection": {"identificationModule": {"nctId": nct}, "eligibilityModule": module}}


def make_inputs(root: Path) -> Path:
    """A folder of mixed inputs with good and bad records."""
    root.mkdir(parents=True, exist_ok=True)
    page = {"studies": [study("NCT00000001", minimumAge="18 Years", maximumAge="65 Years", sex="ALL",
                              healthyVolunteers=False),
                        study("NCT00000002", text=None),
                        study("NCT00000003", text="Inclusion Criteria:\n- Platelets >= 100,000/mm3\n")],
            "nextPageToken": "x"}
    (root / "a_page.json").write_text(json.dumps(page), encoding="utf-8")
    lines = [json.dumps({"id": f"J{i}", "text": t}) for i, t in enumerate(
        ["Age >= 18 years", "eGFR >= 60 mL/min/1.73m2; no HIV", "ECOG 0-1"])]
    lines.insert(1, '{"id": "broken", "text": ')
    (root / "b_lines.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    huge = "Inclusion Criteria:\n- Hemoglobin >= 9 g/dL\n- " + "very long criterion " * 52_429 + "\n"
    (root / "NCT00000009.txt").write_text(huge, encoding="utf-8")
    (root / "NCT00000010.txt").write_bytes(b"Inclusion Criteria:\n- Age >= 18\x00 years\n")
    return root


def run(items, extractor, out: Path, resume: bool = False, **kwargs):
    counts = Counts()
    with OutputStore(out, errors_path_for(out), resume=resume) as output:
        run_batch(items, extractor, output, counts=counts, **kwargs)
    return counts


def lines(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
