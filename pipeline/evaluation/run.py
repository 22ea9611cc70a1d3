"""Running the pipeline over gold texts and scoring it: what ``eligex evaluate`` does, as a function
(as spaCy's ``evaluate_cli`` calls ``evaluate()``)."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

from spacy.language import Language

from pipeline.components.units import default_normalizer
from pipeline.evaluation.metrics import evaluate_records
from pipeline.extraction.records import Extractor


def predict(nlp: Language, records: Sequence[dict]) -> List[dict]:
    """The output record of every gold record's text, with the gold record's trial id, criterion
    id and section."""
    preds = Extractor(nlp).process_texts([r["text"] for r in records])
    for g, p in zip(records, preds):
        p["trial_id"], p["criterion_id"], p["section"] = g.get("trial_id"), g.get("criterion_id"), g.get("section")
    return preds


def evaluate(nlp: Language, records: Sequence[dict], categories: Optional[Iterable[str]] = None
             ) -> Tuple[dict, List[dict], List[dict]]:
    """The metrics (the ``--json`` document, unstamped), the errors (the ``--errors`` lines) and the
    predicted records of ``nlp`` over the gold ``records`` (``categories``: score only the
    constraints of these categories)."""
    preds = predict(nlp, records)
    metrics, errors = evaluate_records(records, preds, default_normalizer().normalize, categories)
    return metrics, errors, preds
