"""Documents → criteria → output records (the project's public JSONL interface).

``Extractor`` splits each input document into criteria (:mod:`pipeline.ingest.sections`), runs the spaCy
pipeline over the criterion texts in batches, and turns each Doc into one output record:
``trial_id``, ``criterion_id``, ``section``, ``text``, ``offset``, ``entities``, ``relations``,
``constraints``. Problems (bad input, a criterion too long) become error records; every input
record ends up in the output or in the errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from spacy.language import Language

from pipeline.components.constraints.scope import scoped_condition
from pipeline.core.paths import configs_dir
from pipeline.core.reflow import pipeline_text, remap_eligex
from pipeline.core.problems import Problem
from pipeline.core.surrogates import describe_surrogate, find_surrogate
from pipeline.ingest.readers import InputDoc
from pipeline.rules.loading import load_rules
from pipeline.ingest.sections import Criterion, compile_heading_rules, split_criteria

#: criteria longer than this are reported, not processed (a 1 MB "criterion" is a broken input)
DEFAULT_MAX_CHARS = 20_000
ENTITY_DEFAULTS = {"negated": False}
#: the rule id a constraint carries when its condition comes from its parent criterion
INHERITED_CONDITION_RULE = "scope.parent"
NO_CRITERIA = "no criteria in the text (empty or headings only): the trial has no criterion records"
ENTITY_FIRST_KEYS = ("id", "label", "start", "end", "text", "rule")


def doc_to_record(criterion: Criterion, eligex: dict, source: str = "") -> dict:
    """The output record of one processed criterion. ``eligex`` is the pipeline's result on
    ``pipeline_text(criterion.text, criterion.lead)`` (the text with its wrapped lines joined, after
    the subject its heading names); its offsets are moved back to ``criterion.text``."""
    eligex = remap_eligex(eligex, criterion.text, len(criterion.lead), criterion.lead_rule)
    entities = []
    context = eligex.get("context", [])
    for ent in eligex.get("entities", []):
        rec = {k: ent[k] for k in ENTITY_FIRST_KEYS if k in ent}
        rec.update(ENTITY_DEFAULTS)
        rec.update(ent)
        ids = rec.pop("context_ids", None)
        if ids:  # the ConText modifiers of this entity: category, cue and the rule that found it
            rec["context"] = [{k: context[i][k] for k in ("category", "cue", "rule")} for i in ids]
        entities.append(rec)
    return {
        "trial_id": criterion.trial_id,
        "criterion_id": criterion.criterion_id,
        "section": criterion.section,
        "text": criterion.text,
        "offset": criterion.offset,
        "line": criterion.line,
        "population": criterion.population,
        "heading": criterion.heading,
        "heading_group": criterion.heading_group,
        "parent": criterion.parent,
        "source": source,
        "entities": entities,
        "relations": eligex.get("relations", []),
        "constraints": eligex.get("constraints", []),
        "abbreviations": eligex.get("abbreviations", []),
    }


def inherit_conditions(records: Sequence[dict], patterns: Sequence[str]) -> None:
    """The items of a list take the condition of the criterion that opens it: "Patients with DM
    who … meet the following conditions:" then "MMT-8 is less than 125/150" gives the MMT-8 bound
    condition ``DM``. Runs over the records of one trial after the pipeline, because a criterion
    is read on its own and only ``parent`` links it to the list's opener.

    A criterion's condition is the one its own text is scoped to by a ``condition_scope`` or
    ``list_condition_scope`` pattern (configs/constraints.json), else its parent's (so it reaches the items of nested lists). A
    constraint without a condition of its own, and not an age, gets it, with ``condition_from``
    (the criterion id it came from) and the rule id :data:`INHERITED_CONDITION_RULE`."""
    scope: dict = {}  # criterion id → (condition, criterion id it was found in)
    for rec in records:
        own = scoped_condition(rec.get("text") or "", rec.get("entities") or (), patterns)
        cid = rec.get("criterion_id")
        found = (own, cid) if own is not None else scope.get(rec.get("parent"))
        if found is not None:
            scope[cid] = found
        inherited = scope.get(rec.get("parent"))
        if inherited is None:
            continue
        for con in rec.get("constraints") or ():
            if con.get("condition") is None and con.get("category") != "age":
                con["condition"], con["condition_from"] = inherited
                con["rules"] = list(con.get("rules") or ()) + [INHERITED_CONDITION_RULE]


def source_line(doc: InputDoc, criterion: Criterion) -> int:
    """The line of the input file a criterion is on: its own line in a text file; the record's
    line plus the criterion's line within the field for a CSV/AACT row (quoted fields span
    lines); the record's line for JSON and JSONL (the text is one JSON string)."""
    if not doc.line:
        return criterion.line
    if any(part in (".json", ".jsonl", ".ndjson") for part in Path(doc.source).suffixes):
        return doc.line
    return doc.line + criterion.line - 1


@dataclass
class Extractor:
    """Runs the pipeline over documents; ``section_rules`` default to ``configs/sections.jsonl``."""

    nlp: Language
    section_rules: Optional[list] = None
    max_chars: int = DEFAULT_MAX_CHARS
    batch_size: int = 256
    n_process: int = 1

    def __post_init__(self):
        if self.section_rules is None:
            rules, _ = load_rules(configs_dir() / "sections.jsonl", "section", strict=True)
            self.section_rules = rules
        self._headings = compile_heading_rules(self.section_rules)
        pipe = self.nlp.get_pipe("eligex_constraints") if "eligex_constraints" in self.nlp.pipe_names else None
        config = getattr(pipe, "config", None)  # a list's opener is scoped by either kind of pattern
        self._condition_scope = list(getattr(config, "condition_scope", ())) + \
            list(getattr(config, "list_condition_scope", ()))
        self.nlp.max_length = max(self.nlp.max_length, self.max_chars + 1)

    def criteria(self, doc: InputDoc) -> Tuple[List[Criterion], List[Problem]]:
        """The criteria of ``doc`` and the problems found. A lone surrogate (not Unicode) in a
        criterion fails it in the tokenizer, which names the criterion; one that no criterion
        carries (in a heading, or a text with no criterion) is a ``ValueError`` here, so such a
        document fails too instead of being written."""
        crits = split_criteria(doc.text, self._headings, doc.trial_id)
        at = find_surrogate(doc.text)
        if at is not None and not any(find_surrogate(c.text) is not None for c in crits):
            raise ValueError(f"the text holds {describe_surrogate(doc.text, at)}")
        problems: List[Problem] = []
        if not crits:  # empty or headings only: the trial is written with no criteria
            problems.append(Problem(doc.source, doc.line, NO_CRITERIA, record=doc.trial_id, kind="warning"))
        kept = []
        for c in crits:
            if len(c.text) > self.max_chars:
                problems.append(Problem(doc.source, source_line(doc, c),
                                        f"criterion of {len(c.text)} characters exceeds the limit of "
                                        f"{self.max_chars}; not processed", record=c.criterion_id))
            else:
                kept.append(c)
        return kept, problems

    def trial_records(self, records: List[dict]) -> List[dict]:
        """The records of one trial, completed together (:func:`inherit_conditions`)."""
        inherit_conditions(records, self._condition_scope)
        return records

    def process_texts(self, texts: Sequence[str]) -> List[dict]:
        """Records for bare criterion texts (used by evaluation); a text may span wrapped lines."""
        out = []
        for i, doc in enumerate(self.nlp.pipe((pipeline_text(t) for t in texts), batch_size=self.batch_size)):
            crit = Criterion(text=texts[i], offset=0, section=None, line=1, criterion_id=f"text-{i + 1:03d}")
            out.append(doc_to_record(crit, doc._.eligex or {}))
        return out
