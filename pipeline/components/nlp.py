"""Build the eligex pipeline from ``configs/eligex.cfg`` and load it.

``build(...)`` assembles the pipeline from the config and rule files and (optionally) saves it to
``models/eligex``; ``load(...)`` returns the saved pipeline via ``spacy.load`` (no import of ours
needed: components register through the ``spacy_factories`` entry point), or builds it in memory
from ``configs/`` when no model has been built.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import spacy
from spacy.language import Language

from pipeline.core.paths import configs_dir, default_model_dir

log = logging.getLogger(__name__)


def _register() -> None:
    # importing the modules registers the factories when the package is not installed
    from pipeline.components import abbreviations  # noqa: F401
    from pipeline.components.constraints import component as constraints  # noqa: F401
    from pipeline.components import context
    from pipeline.components import entities
    from pipeline.components import sentences
    from pipeline.components import shapes
    from pipeline.components import tokenizer


def component_factory(nlp: Language, name: str) -> str:
    """The factory name of the pipe called ``name`` (the name itself for a pipe without meta)."""
    try:
        return nlp.get_pipe_meta(name).factory
    except Exception:  # pragma: no cover - a component added without meta
        return name


def pipe_by_factory(nlp: Language, factory: str):
    """The first component of ``nlp`` made by ``factory``, or None."""
    return next((proc for name, proc in nlp.pipeline if component_factory(nlp, name) == factory), None)


def load_or_build(model: Optional[Path] = None, configs: Optional[Path] = None) -> Language:
    """The built pipeline at ``model`` if given, else one built now from ``configs`` (default
    ``configs/``), so that rule edits show without ``make model`` and ``file:line`` match.
    Raises ``RuleError`` for bad rule files, ``FileNotFoundError`` for a missing model."""
    return load(model) if model is not None else build(configs)


def describe_load_error(exc: Exception) -> str:
    """What a person reads when :func:`load_or_build` fails: each rule problem, or the missing model."""
    from pipeline.rules.loading import RuleError

    if isinstance(exc, RuleError):
        return "\n".join([str(p) for p in exc.problems] + ["the rule files have problems (see `eligex rules validate`)"])
    return f"error: {exc}"


def build(configs: Optional[Path] = None, output: Optional[Path] = None) -> Language:
    """Build the pipeline from ``configs/eligex.cfg`` and its rule files."""
    _register()
    configs = Path(configs or configs_dir()).resolve()
    config = spacy.util.load_config(configs / "eligex.cfg", overrides={"paths.configs": str(configs)},
                                    interpolate=False)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    if output is not None:
        output = Path(output)
        output.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(output)
    return nlp


def load(model: Optional[Path] = None) -> Language:
    """The built pipeline at ``model`` (default ``models/eligex``), else one built from configs."""
    path = Path(model) if model else default_model_dir()
    if (path / "config.cfg").exists():
        _register()
        return spacy.load(path)
    if model:
        raise FileNotFoundError(f"{path}: no built pipeline here (run `eligex build -o {path}`)")
    log.info("no model at %s; building the pipeline from %s", path, configs_dir())
    return build()
