"""Labels and their colours: ONE palette for the annotation tool, the HTML report and explain.

``configs/labels.json`` names the span labels and relation types (doccano's label set) with their
colours; :func:`load_labels` reads it. :func:`span_label_colors` gives label → colour from it (the
HTML report's highlights, doccano's labels); :func:`display_colors` adds the colours of ConText
categories and other cue kinds that are no annotation label (explain's displaCy view).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from pipeline.core.paths import configs_dir

#: colours of what explain highlights besides the span labels: ConText categories and cues
CONTEXT_COLORS = {
    "CUE": "#ddd", "NEGATED_EXISTENCE": "#ff8197", "POSSIBLE_EXISTENCE": "#f0d0ff", "HISTORICAL": "#aa9cfc",
    "HYPOTHETICAL": "#9cc9cc", "FAMILY": "#c7ebff", "EXCEPTION": "#ffd1a6", "RESULT_POSITIVE": "#b7f0a0",
    "RESULT_NEGATIVE": "#f0b0a0", "PSEUDO": "#e0e0e0", "TERMINATE": "#cccccc",
}


@dataclass(frozen=True)
class LabelConfig:
    span_labels: Tuple[dict, ...]
    relation_types: Tuple[dict, ...]

    @property
    def span_names(self) -> List[str]:
        return [label["name"] for label in self.span_labels]

    @property
    def relation_names(self) -> List[str]:
        return [rel["name"] for rel in self.relation_types]


def labels_path(configs: Optional[Path] = None) -> Path:
    return Path(configs) / "labels.json" if configs else configs_dir() / "labels.json"


def load_labels(path: Optional[Path] = None) -> LabelConfig:
    """Read configs/labels.json (``$ELIGEX_CONFIGS/labels.json``, or ``path``)."""
    data = json.loads(Path(path or labels_path()).read_text(encoding="utf-8"))
    return LabelConfig(tuple(data["span_labels"]), tuple(data["relation_types"]))


def span_label_colors(configs: Optional[Path] = None) -> Dict[str, str]:
    """Span label → colour from ``labels.json`` under ``configs`` (empty when it cannot be read:
    the views then draw every label in one neutral colour)."""
    try:
        labels = load_labels(labels_path(configs))
        return {x["name"]: x["color"] for x in labels.span_labels if x.get("color")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def display_colors(configs: Optional[Path] = None) -> Dict[str, str]:
    """:func:`span_label_colors` plus the ConText categories' colours."""
    return {**span_label_colors(configs), **CONTEXT_COLORS}
