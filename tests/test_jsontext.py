"""jsontext.dumps writes what json.dumps(…, ensure_ascii=False, indent=2) writes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetkit.jsontext import EVERY, dump, dumps

_SCALARS = (st.none() | st.booleans() | st.integers()
            | st.floats(allow_nan=True, allow_infinity=True) | st.text())
_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
_DATA = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.tuples(inner, inner) | st.dictionaries(_KEYS, inner, max_size=4),
                     max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(_DATA)
def test_same_text_as_the_standard_library(data):
    assert dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_a_report_shape():
    report = {"valid": False, "summary": {"files": 1, "errors": 1},
              "files": [{"path": "第1章.xlsx", "valid": False, "findings": [
                  {"code": "missing-value", "message": "「記入者」が\n空欄です \"\\\t", "line": None,
                   "section": 3, "cell": "B4"}]}, {"path": "b", "findings": []}], "empty": {}}
    assert dumps(report) == json.dumps(report, ensure_ascii=False, indent=2)


def test_not_json_is_refused_as_json_does():
    with pytest.raises(TypeError):
        dumps({"when": object()})
    with pytest.raises(TypeError):
        json.dumps({"when": object()})


def _made_item_by_item(data):
    """``data`` with every list an iterator (as a report's files are)."""
    if isinstance(data, list):
        return iter([_made_item_by_item(item) for item in data])
    if isinstance(data, dict):
        return {key: _made_item_by_item(value) for key, value in data.items()}
    return data


@settings(max_examples=300, deadline=None)
@given(_DATA)
def test_dump_writes_the_same_text_from_lists_made_item_by_item(data):
    pieces: list[str] = []
    dump(_made_item_by_item(data), pieces.append)
    assert "".join(pieces) == json.dumps(data, ensure_ascii=False, indent=2)


def test_dump_hands_a_long_list_on_in_pieces():
    files = [{"path": f"{n}.xlsx", "findings": []} for n in range(3 * EVERY + 1)]
    pieces: list[str] = []
    dump({"valid": True, "files": iter(files)}, pieces.append)
    assert len(pieces) == 4
    assert "".join(pieces) == json.dumps({"valid": True, "files": files}, ensure_ascii=False,
                                         indent=2)
