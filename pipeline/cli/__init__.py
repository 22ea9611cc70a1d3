"""The ``eligex`` command line (Typer), one module per command family."""
