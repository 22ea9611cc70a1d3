"""The segmenter's word lists, enumerator shapes and limits: ``configs/segmentation.json`` (schema
``segmentation_config.json``), read once, when :mod:`pipeline.ingest.lines` is first imported, from
the configs folder (``$ELIGEX_CONFIGS``, see :mod:`pipeline.core.paths`). Headings are rules of their
own (``configs/sections.jsonl``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional, Tuple

from pipeline.core.paths import configs_dir
from pipeline.rules.loading import CONFIG_SCHEMAS, load_json_config

FILE = "segmentation.json"


@dataclass(frozen=True)
class SegmentationConfig:
    enumerator_re: "re.Pattern[str]"  # an enumerator at the start of a line, with the space after it
    bullets: FrozenSet[str]
    open_end_re: "re.Pattern[str]"  # a line end that goes on in the next line
    closing: Tuple[str, ...]
    sentence_end: Tuple[str, ...]
    list_announcement_re: "re.Pattern[str]"
    heading_colons: Tuple[str, ...]
    #: (section, its part of a criterion id) pairs; section ``None``: a text without section headings
    criterion_id_sections: Tuple[Tuple[Optional[str], str], ...]
    max_wrap_width: int
    wrap_slack: int
    strong_evidence: int
    tab_size: int
    sub_item_indent: int
    max_heading_chars: int
    max_inline_depth: int

    @classmethod
    def from_dict(cls, data: dict) -> "SegmentationConfig":
        words = "|".join(re.escape(w) for w in data["open_end_words"])
        punct = "".join(re.escape(p) for p in data["open_end_punctuation"])
        return cls(
            enumerator_re=re.compile("^(?:" + "|".join(f"(?:{e})" for e in data["enumerators"]) + r")\s*"),
            bullets=frozenset(data["bullets"]),
            open_end_re=re.compile(rf"(?:[{punct}]|\b(?:{words}))$", re.IGNORECASE),
            closing=tuple(data["closing_punctuation"]),
            sentence_end=tuple(data["sentence_end"]),
            list_announcement_re=re.compile("|".join(f"(?:{a})" for a in data["list_announcements"]), re.IGNORECASE),
            heading_colons=tuple(data["heading_colons"]),
            criterion_id_sections=tuple((None if k == "none" else k, v) for k, v in data["criterion_id_sections"].items()),
            max_wrap_width=int(data.get("max_wrap_width", 160)),
            wrap_slack=int(data.get("wrap_slack", 2)),
            strong_evidence=int(data.get("strong_evidence", 3)),
            tab_size=int(data.get("tab_size", 8)),
            sub_item_indent=int(data.get("sub_item_indent", 3)),
            max_heading_chars=int(data.get("max_heading_chars", 120)),
            max_inline_depth=int(data.get("max_inline_depth", 2)),
        )


def load_segmentation(path: Path | str) -> SegmentationConfig:
    """The config in ``path``, checked against its schema (errors name the file and line)."""
    return SegmentationConfig.from_dict(load_json_config(path, CONFIG_SCHEMAS[FILE]))


#: the config every segmenter function uses
SEGMENTATION = load_segmentation(configs_dir() / FILE)
