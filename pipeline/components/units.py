"""Unit normalisation: any written unit → one canonical, UCUM-like string (docs/UNITS.md).

The alias table lives in ``configs/units.json``. Units not in the table go through ``pint`` (with
the clinical units ``ULN``/``LLN`` defined), which recognises prefixed SI units and their products
and quotients; what pint cannot read either is kept, lower-cased, so no unit text is lost. Strings
with a body-surface factor (``mL/min/1.73m2``) are never given to pint, which reads them with the
wrong precedence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from pipeline.rules.loading import CONFIG_SCHEMAS, load_json_config

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_LEADING_MULT = re.compile(r"^(?:×|x|\*|times|-?folds?|-?times)+")
_GIGA_PER_LITRE = re.compile(r"^\s*G\s*/\s*L\s*$")
#: a unit's symbol in brackets after its word ("millimoles (mmol)/liter (L)")
_BRACKETED_SYMBOL = re.compile(r"(?<=[a-zA-Z])\s*\([a-zA-Zµμ]{1,5}\)")
_PINT_SAFE = re.compile(r"^[a-zA-Zµμ/\d.\s*^]+$")
_MEMO_SIZE = 20_000
_PINT_PERIOD_SYMBOLS = {"week": "wk", "month": "mo"}
_PINT_PERIODS = re.compile(r"(?<![a-z])(?:week|month)(?![a-z])")


def unit_key(text: str) -> str:
    """The comparison key of a unit string (lower case, no spaces, no ``^``/``*``, no leading ×)."""
    s = unicodedata.normalize("NFKC", text).translate(_SUPERSCRIPTS)
    s = s.lower().replace("µ", "u").replace("μ", "u").replace("×", "x")
    s = re.sub(r"\s+(?:per|a|an)\s+", "/", s)  # "cigarettes a day", "ml per minute"
    s = re.sub(r"\s+", "", s)
    s = s.replace("^", "").replace("*", "")
    s = s.strip(".,;:()")
    s = _LEADING_MULT.sub("", s)
    return s


class UnitNormalizer:
    """Maps unit text to canonical unit strings using the alias table, then pint."""

    def __init__(self, table: Dict[str, str], pint_definitions=(), kinds: Optional[Dict[str, str]] = None,
                 words: Optional[Dict[str, str]] = None, patterns: Sequence[Tuple[str, str]] = ()):
        self.table = table
        #: unit words spelled out → their symbol (``unit_words``), matched as whole parts between "/"
        self.words: Dict[str, str] = {unit_key(k): v for k, v in (words or {}).items()}
        #: (regex over the unit key, canonical unit), tried after the alias table (``patterns``)
        self.patterns: List[Tuple[str, str]] = [(p, c) for p, c in patterns]
        self._compiled = [(re.compile(p), c) for p, c in self.patterns]
        self.pint_definitions = list(pint_definitions)
        #: canonical unit → what it measures (``"time"``), for the units whose entry says so
        self.kinds: Dict[str, str] = dict(kinds or {})
        self._ureg = None
        self._memo: Dict[str, Optional[str]] = {}  # unit text → canonical (few distinct texts)

    @classmethod
    def from_config(cls, path: Path | str) -> "UnitNormalizer":
        """The normaliser of a units file (schema ``units_config.json``: a misspelt key is an error)."""
        data = load_json_config(path, CONFIG_SCHEMAS["units.json"])
        table: Dict[str, str] = {}
        kinds: Dict[str, str] = {}
        for entry in data["units"]:
            canonical = entry["canonical"]
            table[unit_key(canonical)] = canonical
            for alias in entry.get("aliases", []):
                table[unit_key(alias)] = canonical
            if "kind" in entry:
                kinds[canonical] = entry["kind"]
        patterns = [(p["regex"], p["canonical"]) for p in data.get("patterns", [])]
        return cls(table, data.get("pint_definitions", []), kinds, data.get("unit_words", {}), patterns)

    def to_dict(self) -> dict:
        return {"table": self.table, "pint_definitions": self.pint_definitions, "kinds": self.kinds,
                "words": self.words, "patterns": [list(p) for p in self.patterns]}

    def units_of_kind(self, kind: str) -> FrozenSet[str]:
        """The canonical units whose entry in the units file has this ``kind`` (``"time"``)."""
        return frozenset(u for u, k in self.kinds.items() if k == kind)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_compiled"] = [(rx.pattern, c) for rx, c in self._compiled]
        state["_ureg"] = None  # pint's registry does not pickle; it is rebuilt on first use
        return state

    @classmethod
    def from_dict(cls, data: dict) -> "UnitNormalizer":
        return cls(dict(data["table"]), data.get("pint_definitions", []), data.get("kinds", {}),
                   data.get("words", {}), [tuple(p) for p in data.get("patterns", [])])

    def __setstate__(self, state: dict) -> None:
        state["_compiled"] = [(re.compile(p), c) for p, c in state["_compiled"]]
        self.__dict__.update(state)

    def spelled(self, key: str) -> str:
        """``key`` with each part between "/" that is a unit word replaced by its symbol
        ("milligrams/decilitre" → "mg/dl"); unchanged when no part is one."""
        if not self.words:
            return key
        parts = key.split("/")
        return "/".join(self.words.get(p, p) for p in parts)

    @property
    def ureg(self):
        if self._ureg is None:
            import pint

            ureg = pint.UnitRegistry(on_redefinition="ignore")
            for definition in self.pint_definitions:
                ureg.define(definition)
            self._ureg = ureg
        return self._ureg

    def normalize(self, text: Optional[str]) -> Optional[str]:
        """Canonical unit for ``text`` (``None`` for no unit); remembered per text."""
        if text is None:
            return None
        if text in self._memo:
            return self._memo[text]
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        out = self._memo[text] = self._normalize(text)
        return out

    def _normalize(self, text: str) -> Optional[str]:
        if "(" in text:  # "millimoles (mmol)/liter (L)": the words say it, the brackets repeat it
            text = _BRACKETED_SYMBOL.sub("", text)
        if _GIGA_PER_LITRE.match(text):
            return "10*9/L"  # "G/L": giga per litre, as French-style reports write platelets
        key = unit_key(text)
        if not key:
            return None
        if key in self.table:
            return self.table[key]
        spelled = self.spelled(key)
        if spelled in self.table:
            return self.table[spelled]
        written, key = key, spelled  # "milliequivalents/dL" reads on as "meq/dl", as "mEq/dL" does
        for rx, canonical in self._compiled:
            if rx.match(key) or rx.match(written):  # "units/week": a rate, before "units" reads as "U"
                return canonical
        return self._via_pint(text, key)

    def _via_pint(self, text: str, key: str) -> str:
        if "1.73" in key or "1,73" in key or not _PINT_SAFE.match(text.strip()):
            return key
        try:
            unit = self.ureg.parse_units(text.strip().replace("µ", "u").replace("μ", "u"))
        except Exception:  # pint raises many kinds of errors for unknown text
            return key
        formatted = f"{unit:~C}".replace("**", "").replace("*", ".")
        # pint spells a week and a month out ("km/week"), where the table writes "wk" / "mo"
        formatted = _PINT_PERIODS.sub(lambda m: _PINT_PERIOD_SYMBOLS[m.group(0)], formatted)
        return self.table.get(unit_key(formatted), formatted)


@lru_cache(maxsize=4)
def default_normalizer(path: str = "") -> UnitNormalizer:
    """The normaliser built from ``configs/units.json`` (the repo's, or ``path``)."""
    from pipeline.core.paths import configs_dir

    return UnitNormalizer.from_config(Path(path) if path else configs_dir() / "units.json")
