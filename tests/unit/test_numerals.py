"""Vietnamese number formatting: dot between thousands, comma before decimals, in every message."""

from __future__ import annotations

import pytest

from contest.rules.numerals import format_money, format_number, format_percent, format_seconds


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (3, None, "3"),
        (1234567, None, "1.234.567"),
        (3.077, None, "3,077"),
        (30.0, None, "30"),
        (1250.5, None, "1.250,5"),
        (2.5, 2, "2,50"),
        (0.1234, 1, "0,1"),
        (-1234.5, 1, "-1.234,5"),
    ],
)
def test_numbers_read_the_vietnamese_way(value, decimals, text):
    assert format_number(value, decimals) == text


def test_seconds_percent_and_money():
    # "3.077 giây" would read as three thousand seconds
    assert format_seconds(3.077) == "3,077 giây"
    assert format_seconds(3077) == "3.077 giây"
    assert format_percent(0.125) == "12,5%"
    assert format_money(5_000_000) == "5.000.000 đồng"


def test_a_boolean_is_refused():
    with pytest.raises(TypeError):
        format_number(True)
