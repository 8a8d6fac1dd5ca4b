"""extract(generate(doc)) == doc for documents hypothesis makes up."""

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetkit import model as m
from sheetkit.api import generate_document
from sheetkit.layout import load_layout
from sheetkit.normalize import normalize
from sheetkit.reader import extract

LAYOUT = load_layout()
JAPANESE = st.characters(codec="utf-8", categories=("Lo", "Nd", "Lu", "Ll", "Po", "Ps", "Pe"),
                         exclude_characters="－、◆\u3000")


def text(min_size: int = 1, max_size: int = 120):
    return st.text(JAPANESE, min_size=min_size, max_size=max_size).map(str.strip).filter(bool)


def multiline():
    return st.lists(text(max_size=80), min_size=1, max_size=4).map("\n".join)


long_text = st.text(JAPANESE, min_size=600, max_size=2500).map(str.strip).filter(bool)
optional_text = st.none() | text()
figure = (st.none()
          | st.integers(0, 100_000_000).map(Decimal)
          | st.decimals(min_value=0, max_value=10_000_000, places=1, allow_nan=False)
          | st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False)
          | st.sampled_from([Decimal(0), Decimal("0.0"), Decimal("100.00"), "約60", "集計中"]))
result = st.none() | st.builds(m.PeriodResult, target=figure, actual=figure,
                               rate=st.none())


def indicator(periods: int):
    return st.builds(m.Indicator, name=text(max_size=40), unit=st.none() | st.sampled_from(
        ["％", "件", "人", "団体"]), direction=st.sampled_from(m.DIRECTIONS), baseline=figure,
        results=st.tuples(*[result] * periods), plan_target=figure)


initiative = st.builds(m.Initiative, initiative=text(), outcome=optional_text,
                       policy=optional_text)
challenge = st.builds(m.Challenge, challenge=optional_text, direction=text(),
                      policy=optional_text)
day = st.none() | st.dates(dt.date(1989, 1, 8), dt.date(2035, 12, 31))


@st.composite
def documents(draw):
    base = load_example_plan()
    count = draw(st.integers(0, 3))
    sections = []
    for number in range(1, count + 1):
        sections.append(m.Section(
            number=number, title=draw(text(max_size=20)),
            goal=draw(optional_text | long_text),
            basic_policies=tuple(m.BasicPolicy(f"1-{number}-{i}", draw(text(max_size=30)))
                                 for i in range(1, draw(st.integers(1, 4)) + 1)),
            departments=tuple(draw(st.lists(text(max_size=20), max_size=3))),
            citizen_needs=draw(st.just(m.CitizenNeeds()) | st.builds(
                m.CitizenNeeds, request_rate=st.integers(0, 1000).map(
                    lambda v: m.Rate(Decimal(v) / 1000, 1)),
                rank_overall=st.integers(1, 60), rank_in_chapter=st.integers(1, 9))),
            entry_date=draw(day), author=draw(optional_text),
            initiatives=tuple(draw(st.lists(initiative, max_size=4))),
            carried_over=tuple(draw(st.lists(challenge, max_size=3))),
            indicators=tuple(draw(st.lists(indicator(len(base.periods)), max_size=3))),
            unmet_analysis=draw(st.none() | multiline() | long_text)))
    chapter = m.Chapter(
        number=draw(st.integers(1, 12)), title=draw(text(max_size=20)), goal=draw(optional_text),
        sector_plans=tuple(draw(st.lists(text(max_size=40), max_size=3))),
        challenges_and_direction=draw(st.none() | multiline()),
        main_policies=tuple(draw(st.lists(text(max_size=40), max_size=4))),
        entry_date=draw(day), author=draw(optional_text),
        highlights=tuple(draw(st.lists(initiative, max_size=3))),
        carried_over=tuple(draw(st.lists(challenge, max_size=3))))
    return m.Document(base, chapter, tuple(sections))


def load_example_plan() -> m.Plan:
    from conftest import EXAMPLE

    from sheetkit.loader import load_document
    return load_document(EXAMPLE).plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generate_then_extract_is_identity(doc):
    with tempfile.TemporaryDirectory() as folder:
        path = generate_document(doc, Path(folder) / "x.xlsx", LAYOUT)
        assert normalize(extract(path).document) == normalize(doc)
