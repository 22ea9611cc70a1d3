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


#: where spaCy keeps the value of ``Doc._.eligex`` (read directly: this is on every component's
#: hot path, and ``doc._`` builds a new Underscore object on each access)
_KEY = ("._.", "eligex", None, None)


def state(doc: Doc) -> dict:
    """The doc's eligex data (``doc._.eligex``), created empty on first use."""
    data = doc.user_data.get(_KEY)
    if data is None:
        register()
        data = {"entities": [], "context": [], "abbreviations": [], "constraints": [], "relations": []}
        doc.user_data[_KEY] = data
    return data
