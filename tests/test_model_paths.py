"""model_paths: the document model seen as dotted paths, derived from model.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sheetkit import model as m
from sheetkit.model_paths import build, model_paths, row_fields


def test_paths_reach_nested_values_and_tables_of_the_model():
    values, tables = model_paths((("section", m.Section),))
    assert "section.goal" in values
    assert "section.citizen_needs.request_rate" in values
    assert "section.citizen_needs" not in values           # a group, not a value
    assert tables["section.initiatives"] is m.Initiative
    assert tables["section.projects"] is m.Project
    assert "section.departments" in values                  # a tuple of text is one value
    assert "section.gaol" not in values and "section.gaol" not in tables


def test_row_fields_are_the_dataclass_fields_in_order():
    assert row_fields(m.PeriodResult) == ("target", "actual", "rate")


def test_build_fills_what_was_read_and_keeps_defaults_for_the_rest():
    values = {
        "section.goal": "目標",
        "section.citizen_needs.rank_overall": 3,
        "section.initiatives": [{"initiative": "取組", "outcome": None}],
        "section.author": None,
    }
    section = build(m.Section, values, "section", number=2, title="題")
    assert section.number == 2 and section.title == "題" and section.goal == "目標"
    assert section.citizen_needs == m.CitizenNeeds(None, 3, None)
    assert section.initiatives == (m.Initiative("取組", None, None),)
    assert section.author is None and section.projects == () and section.sdgs == ()


def test_build_takes_a_row_read_whole():
    policy = m.BasicPolicy("1-1-2", "方針")
    section = build(m.Section, {"section.basic_policies": [{"code": policy}]}, "section",
                    number=1, title="t")
    assert section.basic_policies == (policy,)
    assert build(m.CitizenNeeds, {"x.request_rate": Decimal("0.5")}, "x").request_rate \
        == Decimal("0.5")


def test_build_makes_what_init_makes():
    """build makes its objects without __init__: equal to the dataclass's own,
    fields in the same order, defaults (and default factories) filled in."""
    values = {"section.goal": "目標", "section.citizen_needs.rank_overall": 3,
              "section.initiatives": [{"initiative": "a", "outcome": None, "policy": "p"},
                                      {"policy": "q", "initiative": "b"}]}
    section = build(m.Section, values, "section", number=2, title="題")
    expected = m.Section(2, "題", goal="目標", citizen_needs=m.CitizenNeeds(rank_overall=3),
                         initiatives=(m.Initiative("a", None, "p"), m.Initiative("b", None, "q")))
    assert section == expected
    assert list(vars(section)) == list(vars(expected))
    assert [list(vars(row)) for row in section.initiatives] == [["initiative", "outcome",
                                                                  "policy"]] * 2
    assert build(m.Section, {}, "section", number=1, title="").citizen_needs is not \
        build(m.Section, {}, "section", number=1, title="").citizen_needs
    with pytest.raises(TypeError):
        build(m.Section, {}, "section", title="")             # no number
    with pytest.raises(TypeError):
        build(m.Section, {}, "section", number=1, title="", colour="red")


def test_every_class_made_without_init_only_sets_its_fields():
    """identity.copied, Identity.from_rows, build and the reader's 達成 results
    make these objects without calling __init__, which is sound only while
    __init__ sets the fields and does nothing else (no __post_init__, no
    slots): a class that gains one must be made by its __init__ again."""
    import dataclasses
    import inspect

    from sheetkit.identity import Identity
    from sheetkit.model_paths import _plain
    from sheetkit.problems import Location
    from sheetkit.subjects import Subject

    classes = [c for _, c in inspect.getmembers(m, inspect.isclass)
               if dataclasses.is_dataclass(c) and c.__module__ == m.__name__]
    assert m.PeriodResult in classes and m.Indicator in classes and m.Section in classes
    for cls in [*classes, Identity, Subject, Location]:
        assert _plain(cls), cls

    @dataclasses.dataclass(frozen=True)
    class Checked:                  # what the test would meet: a check after __init__
        value: int

        def __post_init__(self) -> None:
            assert self.value >= 0

    assert not _plain(Checked)
