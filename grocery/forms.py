"""Form helpers shared by the domain packages: a money field in euros stored as cents, bounded integers and dates
from forms and query strings."""

import re
from datetime import date

from flask import flash, request
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError as WTFValidationError

from grocery.errors import ValidationError
from grocery.money import cents_to_input, parse_money


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


#: Largest integer any form or query string may give: below PostgreSQL's INTEGER (2**31 - 1), so no number typed
#: or sent can overflow a column.
INT_MAX = 999_999_999
#: Dates a person may type: a birth date in 1900 to a decision valid until 2199. Outside, date arithmetic and the
#: databases' ranges are not safe (0001-01-01 minus a day overflows).
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)
#: ASCII digits only: "²" or "٣" pass str.isdigit() but are not numbers a form sends.
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


def parse_int(value, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum], or None for anything else (empty, "²",
    5,000 digits, 2**31, -1 when minimum is 0): never raises, never gives a number a column cannot hold."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def arg_int(name: str, default: int | None = None, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """An integer id or quantity from the query string (`?category=12`); `default` when absent or not a bounded
    integer (a bad filter shows the unfiltered page rather than an error)."""
    number = parse_int(request.args.get(name), minimum, maximum)
    return default if number is None else number


def arg_ints(name: str, minimum: int = 0, maximum: int = INT_MAX) -> list[int]:
    """The bounded integers among a repeated query parameter (`?product=1&product=2`); others are ignored."""
    return [n for n in (parse_int(v, minimum, maximum) for v in request.args.getlist(name)) if n is not None]


def form_ints(name: str, minimum: int = 0, maximum: int = INT_MAX) -> list[int]:
    """The bounded integers among a repeated form field (ticked boxes `participant_ids`); others are ignored."""
    return [n for n in (parse_int(v, minimum, maximum) for v in request.form.getlist(name)) if n is not None]


def parse_date(value, minimum: date = DATE_MIN, maximum: date = DATE_MAX) -> date | None:
    """An ISO date (YYYY-MM-DD) within [minimum, maximum], or None."""
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if minimum <= day <= maximum else None


class BoundedIntegerField(IntegerField):
    """An IntegerField that accepts ASCII digits only and a number within [minimum, maximum] (by default one any
    INTEGER column holds), with a clear message otherwise."""

    def __init__(self, label=None, validators=None, minimum: int = 0, maximum: int = INT_MAX, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], self.minimum, self.maximum)
        if self.data is None:
            raise ValueError(_l("Enter a whole number from %(minimum)s to %(maximum)s.",
                                minimum=format_decimal(self.minimum), maximum=format_decimal(self.maximum)))


class BoundedDateField(DateField):
    """A DateField limited to DATE_MIN..DATE_MAX (a typo such as 0001-01-01 or 9999-12-31 is refused)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not DATE_MIN <= self.data <= DATE_MAX:
            self.data = None
            raise ValueError(_l("Enter a date between %(first)s and %(last)s.",
                                first=format_date(DATE_MIN), last=format_date(DATE_MAX)))


class MoneyField(StringField):
    """Typed as euros ("12,50"), `data` is integer cents (1250) or None when left empty and optional."""

    def __init__(self, label=None, validators=None, allow_negative: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_input(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_money(text, field=self.name, allow_negative=self.allow_negative)
        except ValidationError as error:
            self.data = None
            raise ValueError(error.message) from None


def _attach(field, messages: list[str]) -> None:
    field.errors = [*field.errors, *messages] if isinstance(field.errors, list) else list(messages)


def apply_service_error(form, error: ValidationError) -> bool:
    """Attach each message of a service's ValidationError to its form field (every field at once). False when no
    field matches (the caller flashes `error.message`); messages for no field of a form whose other messages found
    their field are flashed here."""
    placed = {name: messages for name, messages in error.errors.items() if form._fields.get(name or "") is not None}
    if not placed:
        return False
    for name, messages in placed.items():
        _attach(form._fields[name], messages)
    for name, messages in error.errors.items():
        if name not in placed:
            for message in messages:
                flash(message, "error")
    return True


def add_service_errors(form, check) -> None:
    """When the form refused some fields itself (a date that is not a date), still run the service's checks on the
    others, so that every error shows at the first submit. `check` raises ValidationError and writes nothing;
    its messages are added to the fields that have no error yet."""
    try:
        check()
    except ValidationError as error:
        for name, messages in error.errors.items():
            field = form._fields.get(name or "")
            if field is not None and not field.errors:
                _attach(field, messages)


__all__ = ["BoundedDateField", "BoundedIntegerField", "MoneyField", "WTFValidationError", "add_service_errors",
           "apply_service_error",
           "arg_int", "arg_ints", "choices", "form_ints", "parse_date", "parse_int"]
