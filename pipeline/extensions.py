"""The one custom attribute eligex sets: ``Doc._.eligex``.

It holds plain JSON-serialisable data (lists of dicts), never Span objects, so a Doc survives
``Doc.to_bytes`` and ``nlp.pipe(n_process>1)``. Keys: ``entities``, ``context`` (ConText modifiers),
``abbreviations``, ``constraints``, ``relations``; each component fills its own.
"""

from __future__ import annotations

from spacy.tokens import Doc


def register() -> None:
    """Register ``Doc._.eligex`` (idempotent)."""
    if not Doc.has_extension("eligex"):
        Doc.set_extension("eligex", default=None)


def state(doc: Doc) -> dict:
    """The doc's eligex data, created empty on first use."""
    register()
    data = doc._.eligex
    if data is None:
        data = {"entities": [], "context": [], "abbreviations": [], "constraints": [], "relations": []}
        doc._.eligex = data
    return data
