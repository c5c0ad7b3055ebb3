"""Money is integer cents: parse what people type ("12,50") and format for display ("12,50 €")."""

import re
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask_babel import lazy_gettext as _l

from grocery.errors import ValidationError
from grocery.i18n import formatting_locale

#: ASCII digits only, at most 12 before the decimals (a 5,000-digit amount is refused, not converted).
_AMOUNT = re.compile(r"^(?P<sign>-)?(?P<units>[0-9]{1,3}(?:[ .\u202f\u00a0][0-9]{3}){1,4}|[0-9]{1,12})"
                     r"(?:[.,](?P<cents>[0-9]{1,2}))?$")
MAX_CENTS = 10_000_000_00
#: The euro as people type it around an amount: "12,50 €", "€ 12,50", "12,50€", "12,50 EUR" (one, either side).
_EURO = re.compile(r"^(?:€|eur)?[ \u202f\u00a0]*(?P<amount>.*?)[ \u202f\u00a0]*(?:€|eur)?$", re.IGNORECASE)


def parse_money(text: str | int | Decimal | None, *, field: str | None = None, allow_negative: bool = False) -> int:
    """Parse an amount in euros typed by a person ("12,50", "12.5", "1 234,00", "12,50 €", "€ 12,50") into
    integer cents.

    The euro sign (or EUR) before or after the amount and spaces around it are accepted; letters, another currency,
    more than two decimals, more than 12 digits and (unless allowed) negative amounts are refused.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        raise ValidationError(field, _l("Enter an amount, for example 12,50."))
    if isinstance(text, int):
        raise ValidationError(field, _l("Enter an amount in euros, for example 12,50."))
    if isinstance(text, Decimal):
        text = format(text, "f")
    cleaned = text.strip()
    match = _AMOUNT.match(_EURO.match(cleaned)["amount"])
    if not match:
        raise ValidationError(field, _l("“%(value)s” is not an amount: type digits and a comma, for example 12,50.",
                                        value=cleaned))
    units = re.sub(r"[ .\u202f\u00a0]", "", match["units"])
    cents = int(units) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if match["sign"]:
        if not allow_negative:
            raise ValidationError(field, _l("The amount cannot be negative."))
        cents = -cents
    if abs(cents) > MAX_CENTS:
        raise ValidationError(field, _l("The amount is too large."))
    return cents


def format_money(cents: int | None, locale: str | None = None) -> str:
    """1250 -> "12,50 €" in French, "€ 12,50" in Dutch, "12,50 €" in English: the Belgian format of the active
    language (or of `locale`; a bare language such as "nl" gets its Belgian variant)."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR", locale=formatting_locale(locale))


def format_amount(cents: int, locale: str | None = None) -> str:
    """1250 -> "12,50" (no currency sign, no thousands separator): for spreadsheets, where the decimal sign must
    be the one of the reader's language and a thousands separator would turn the number into text."""
    return format_decimal(Decimal(cents) / 100, format="0.00", locale=formatting_locale(locale))


def cents_to_input(cents: int | None) -> str:
    """The value to put back into a form field: 1250 -> "12,50"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"
