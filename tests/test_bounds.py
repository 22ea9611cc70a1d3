"""pipeline.reporting.bounds: the one way a bound reads."""

from pipeline.reporting.bounds import comparator, format_bound, format_bound_view, format_side


def test_format_bound_view():
    assert format_bound_view({"subject_text": "Hb", "side": "lower", "inclusive": True, "value": 60.0,
                         "unit": "g/L"}) == "Hb ≥ 60 g/L"
    assert format_bound_view({"subject": "age", "side": "upper", "inclusive": False, "value": 75.5,
                         "unit": None}) == "age < 75.5"
    assert format_bound_view(None) == "–"


# ----------------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------------


def test_format_bound_view_quotes_the_subject_for_explain():
    view = {"subject_text": "Hb", "side": "lower", "inclusive": False, "value": 9.0, "unit": "g/dL"}
    assert format_bound_view(view, quote=True) == "'Hb' > 9 g/dL"


def test_format_bound_of_a_constraint():
    assert format_bound({"value": 10, "inclusive": True}, {"value": 35, "inclusive": False}) == "[10, 35)"
    assert format_bound({"value": 2, "inclusive": True}, {"value": 2, "inclusive": True}) == "= 2"
    assert format_bound({"value": 60, "inclusive": True}, None) == "≥ 60"
    assert format_bound(None, {"value": 125, "inclusive": False}) == "< 125"
    assert format_bound(None, None) == "?"


def test_format_side_and_comparator():
    assert format_side({"value": 3.0, "inclusive": True}) == "3.0 (inclusive)"
    assert format_side(None) == "-"
    assert comparator("upper", True) == "≤" and comparator("sideways", True) == "?"
