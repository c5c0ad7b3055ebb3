"""Helpers of the appointments tests: an opening line on a coming day, its slots, an eligible household."""

from datetime import date, time, timedelta

from grocery.appointments import services as aps
from grocery.appointments.models import Slot
from grocery.extensions import db
from grocery.timeutil import local_today
from tests.factories import make_decision, make_household


def coming_day(weekday: int | None = None, weeks: int = 1) -> date:
    """A day `weeks` weeks from today (on `weekday` when given): in the future, within a decision's usual validity."""
    day = local_today() + timedelta(days=7 * weeks)
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    return day


def open_day(day: date, *, start=time(9), end=time(10), minutes=15, per_slot=2) -> list[Slot]:
    """An opening line on the weekday of `day` and the day's slots generated (in start order)."""
    aps.create_opening_line(None, weekday=day.weekday(), start_time=start, end_time=end, slot_minutes=minutes,
                            households_per_slot=per_slot)
    aps.generate_slots(None, day, day)
    return day_slots(day)


def day_slots(day: date) -> list[Slot]:
    from sqlalchemy import select

    return list(db.session.scalars(select(Slot).where(Slot.held_on == day).order_by(Slot.starts_at)))


def eligible_household(person: dict | None = None, **decision):
    """A household (its reference person's names overridden by `person`) with a granted decision."""
    household = make_household(person=person)
    make_decision(household, **decision)
    return household
