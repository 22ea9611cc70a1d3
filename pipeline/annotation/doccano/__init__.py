"""The annotators' loop with doccano: :mod:`convert` (records <-> doccano examples), :mod:`validate`,
:mod:`merge` (pulled work into the gold) and :mod:`client` (push and pull over doccano-client)."""
