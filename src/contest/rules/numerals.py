"""Numbers as Vietnamese readers write them: dot between thousands, comma before decimals.

"3.077 giây" reads as three thousand and seventy-seven seconds in Vietnamese; three seconds and 77
milliseconds is "3,077 giây". Every message, report cell written as text and terminal table formats its
numbers here, so one rule holds everywhere. (Babel would do the same from CLDR data, at the price of a
multi-megabyte dependency in the Lambda layer for four short functions.)

Spreadsheet cells keep real numbers: Excel formats those itself (see `cells` / the number formats of the
reports); these helpers are for text.
"""

from __future__ import annotations

THOUSANDS = "."
DECIMAL = ","


def format_number(value: float | int, decimals: int | None = None) -> str:
    """1234567 -> "1.234.567"; 3.077 -> "3,077"; format_number(2.5, 2) -> "2,50".

    `decimals=None`: integers as they are, other numbers with up to 3 decimals and no trailing zeros."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number to format")
    if decimals is None:
        if isinstance(value, int) or float(value).is_integer():
            text = f"{int(value):,}"
        else:
            text = f"{value:,.3f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    # Python writes 1,234.5: swap the two separators
    return text.replace(",", "\0").replace(".", DECIMAL).replace("\0", THOUSANDS)


def format_seconds(seconds: float, decimals: int | None = None) -> str:
    """3.077 -> "3,077 giây"; 30 -> "30 giây"; 1250.5 -> "1.250,5 giây"."""
    return f"{format_number(seconds, decimals)} giây"


def format_percent(fraction: float, decimals: int = 1) -> str:
    """0.125 -> "12,5%" (Vietnamese writes the sign without a space, as Excel's vi-VN format does)."""
    return f"{format_number(fraction * 100, decimals)}%"


def format_money(amount: int, currency: str = "đồng") -> str:
    """5000000 -> "5.000.000 đồng"."""
    return f"{format_number(amount)} {currency}".rstrip()


VIETNAM = "Asia/Ho_Chi_Minh"


def format_time(ms: int | None, timezone: str = VIETNAM) -> str:
    """An instant (epoch milliseconds) as organisers read it, in the contest's time zone: "20:01 22/10/2023".

    Every CLI listing shows times this way, whatever the time zone of the machine running the command."""
    if ms is None:
        return ""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")
