import pytest

from sheetkit import a1


@pytest.mark.parametrize("col,letters", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"),
                                         (702, "AAA"), (16383, "XFD")])
def test_columns_both_ways(col, letters):
    assert a1.col_letter(col) == letters
    assert a1.col_index(letters) == col


def test_cells_and_ranges():
    assert a1.cell_name(11, 7) == "H12"
    assert a1.cell_name(0, 0, absolute=True) == "$A$1"
    assert a1.parse_cell("$H$12") == (11, 7)
    assert a1.range_name(4, 0, 13, 11) == "A5:L14"
    assert a1.range_name(2, 2, 2, 2) == "C3"
    assert a1.parse_range("L14:A5") == (4, 0, 13, 11)
    assert a1.parse_span("B:E") == (1, 4)
    assert a1.parse_span("C") == (2, 2)


def test_sheet_references_quote_names():
    ref = a1.sheet_ref("第1節", 4, 0, 13, 11)
    assert ref == "'第1節'!$A$5:$L$14"
    assert a1.split_sheet_ref("=" + ref) == ("第1節", (4, 0, 13, 11))
    assert a1.quote_sheet("it's") == "'it''s'"


@pytest.mark.parametrize("bad", ["", "1A", "A0x", "ÄB"])
def test_bad_references_are_refused(bad):
    with pytest.raises(ValueError):
        a1.parse_cell(bad)
