"""CSV cells that could run as spreadsheet formulas are neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.csv_export import csv_lines, neutralise


@pytest.mark.parametrize(
    "dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil")']
)
def test_formula_starts_are_neutralised(dangerous: str) -> None:
    assert neutralise(dangerous) == "'" + dangerous


@pytest.mark.parametrize("safe", ["Maria", "1", "2026-01-01", "", "a=b"])
def test_ordinary_cells_are_unchanged(safe: str) -> None:
    assert neutralise(safe) == safe


@given(st.lists(st.lists(st.text(), min_size=2, max_size=2), max_size=5))
def test_rows_round_trip_through_a_csv_reader(rows: list[list[str]]) -> None:
    text = "".join(csv_lines(["a", "b"], rows)).removeprefix("\ufeff")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["a", "b"]
    assert parsed[1:] == [[neutralise(cell) for cell in row] for row in rows]


def test_numbers_stay_numbers_even_when_negative() -> None:
    assert neutralise(-25.0) == "-25.0"
    assert neutralise(-3) == "-3"
    assert neutralise("-3") == "'-3"
