"""eligex: structured, checkable constraints from clinical-trial eligibility criteria."""

__version__ = "0.1.0"
