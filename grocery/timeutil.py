"""Time helpers: everything is stored in UTC and shown in the grocery's time zone (GROCERY_TIMEZONE)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


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
