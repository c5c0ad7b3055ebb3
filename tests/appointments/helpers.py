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


def appointment_today(household, *, at: time = time(10), status: str = "booked", site_id: int | None = None):
    """An appointment of today at `at` (local) for the household, written directly (booking refuses a slot already
    begun: a till test may run late in the day)."""
    from grocery.appointments.models import Appointment
    from grocery.sites.context import current_site_id
    from grocery.timeutil import local_to_utc

    site_id = site_id or current_site_id()
    day = local_today()
    starts = local_to_utc(day, at)
    slot = db.session.scalar(select_slot(site_id, starts))
    if slot is None:
        slot = Slot(site_id=site_id, held_on=day, starts_at=starts, ends_at=starts + timedelta(minutes=15), capacity=4)
        db.session.add(slot)
        db.session.flush()
    appointment = Appointment(site_id=site_id, slot_id=slot.id, household_id=household.id, held_on=day,
                              status=status)
    db.session.add(appointment)
    db.session.flush()
    return appointment


def select_slot(site_id: int, starts):
    from sqlalchemy import select

    return select(Slot).where(Slot.site_id == site_id, Slot.starts_at == starts)
