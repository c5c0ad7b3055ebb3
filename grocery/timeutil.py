"""Time helpers: stored in UTC, shown in the grocery's time zone (GROCERY_TIMEZONE) and the language's formats."""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, has_app_context

from grocery.i18n import formatting_locale


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    name = current_app.config["GROCERY_TIMEZONE"] if has_app_context() else "Europe/Brussels"
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(local_zone())


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in the grocery's zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(UTC)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC."""
    start = local_to_utc(day, time.min)
    end = local_to_utc(date.fromordinal(day.toordinal() + 1), time.min)
    return start, end


def date_pattern(fmt: str, locale) -> str:
    """The Babel pattern of a named date format ("short", "medium", "long", "full") or a pattern given as is;
    "short" is the locale's own short date with the full year (d/MM/y in fr_BE and nl_BE, dd/MM/y in en_BE)."""
    if fmt not in ("short", "medium", "long", "full"):
        return fmt
    pattern = locale.date_formats[fmt].pattern
    if fmt == "short" and "yyyy" not in pattern:
        pattern = pattern.replace("yy", "y")
    return pattern


def datetime_pattern(fmt: str, locale) -> str:
    """The Babel pattern of a named date-and-time format (the date part as in date_pattern), or `fmt` as is."""
    if fmt not in ("short", "medium", "long", "full"):
        return fmt
    time_part = locale.time_formats[fmt].pattern
    return str(locale.datetime_formats[fmt]).replace("{0}", time_part).replace("{1}", date_pattern(fmt, locale))


def format_local_datetime(value: datetime | None, fmt: str = "short") -> str:
    """An aware datetime in the grocery's time zone, in the active language's Belgian format."""
    if value is None:
        return ""
    local, locale = to_local(value), formatting_locale()
    return babel_format_datetime(local, datetime_pattern(fmt, locale), tzinfo=local.tzinfo, locale=locale)


def format_local_date(value: date | datetime | None, fmt: str = "short") -> str:
    """A calendar day (a datetime is first converted to the local day) in the active language's Belgian format;
    "short" always shows the four digits of the year (a birth date in 1926 is not one in 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return _formatted_date(value, fmt, formatting_locale())


@lru_cache(maxsize=4096)
def _formatted_date(value: date, fmt: str, locale) -> str:
    """Babel's formatting of a day, kept: the till formats the same few days (a decision's end) at every card scan,
    and Babel takes a fraction of a millisecond each time."""
    return babel_format_date(value, date_pattern(fmt, locale), locale=locale)


#: The longest period planned at once from a weekly pattern (volunteer shifts, appointment slots): three months.
MAX_PLANNING_DAYS = 93


def check_planning_period(date_from: date | None, date_to: date | None) -> None:
    """A period to plan from a weekly pattern: both days, the end not before the start, at most three months
    (MAX_PLANNING_DAYS); refused with every error at once (a ValidationError on date_from / date_to)."""
    from flask_babel import lazy_gettext as _l

    from grocery.errors import FieldErrors

    errors = FieldErrors()
    if date_from is None:
        errors.add("date_from", _l("Enter the first and last day of the period."))
    if date_to is None:
        errors.add("date_to", _l("Enter the first and last day of the period."))
    if date_from is not None and date_to is not None:
        if date_to < date_from:
            errors.add("date_to", _l("The end date is before the start date: correct one of them."))
        elif (date_to - date_from).days >= MAX_PLANNING_DAYS:
            errors.add("date_to", _l("Plan at most three months at a time."))
    errors.raise_if_any()
