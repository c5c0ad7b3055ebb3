"""Small helpers of the households domain: folded names, months, ages, dates in words, rounding."""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from grocery.timeutil import format_local_date

# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """A name folded for comparisons: no accents, lower case, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if c.isalnum()).lower()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the end of shorter months)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth_on: date, day: date) -> int:
    return day.year - birth_on.year - ((day.month, day.day) < (birth_on.month, birth_on.day))


def _fr_date(day: date) -> str:
    """A day in the reader's format (d/MM/y in French and Dutch, dd/MM/y in English)."""
    return format_local_date(day)



def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
