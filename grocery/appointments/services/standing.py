"""Standing appointments ("every Tuesday 10:30"): created, ended, and booked in the matching slots."""

from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.appointments.models import Appointment, Slot, StandingAppointment
from grocery.appointments.services.booking import book_appointment
from grocery.appointments.services.common import check_access_on, local_time, slot_label
from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, GroceryError
from grocery.extensions import db
from grocery.households.models import Household
from grocery.timeutil import local_today, utcnow


@dataclass
class StandingResult:
    """What applying standing appointments did: the appointments booked, and each slot skipped with why."""

    booked: list[Appointment] = field(default_factory=list)
    #: (standing appointment, slot label, the refusal's message)
    skipped: list[tuple[StandingAppointment, str, str]] = field(default_factory=list)


def create_standing(actor, household: Household, *, site_id: int, weekday, start_time: time | None,
                    apply_from: date | None = None) -> tuple[StandingAppointment, StandingResult]:
    """Give a household a standing appointment on a weekday at a time, at a site. Refused: a household that may not
    shop today (the same eligibility as a booking), a weekday or time missing, a second standing appointment of the
    household on that weekday. It is booked at once in the slots already generated from `apply_from` (today)."""
    errors = FieldErrors()
    if weekday is None or not 0 <= int(weekday) <= 6:
        errors.add("weekday", _l("Choose a day of the week."))
    if start_time is None:
        errors.add("start_time", _l("Enter the time of the slot (for example 10:30)."))
    errors.raise_if_any()
    today = local_today()
    check_access_on(household, today, site_id, today=today)
    existing = db.session.scalar(select(StandingAppointment).where(
        StandingAppointment.household_id == household.id, StandingAppointment.weekday == int(weekday),
        StandingAppointment.ended_at.is_(None)))
    if existing is not None:
        raise Conflict(_l("This household already has a standing appointment that day of the week: end it first."))
    standing = StandingAppointment(site_id=site_id, household_id=household.id, weekday=int(weekday),
                                   start_time=start_time.replace(second=0, microsecond=0),
                                   created_by_id=getattr(actor, "id", None))
    db.session.add(standing)
    db.session.flush()
    record_event(actor, "appointment.standing_create", standing, {
        "household_id": household.id, "weekday": standing.weekday, "time": standing.start_time.strftime("%H:%M")})
    slots = db.session.scalars(select(Slot).where(Slot.site_id == site_id, Slot.held_on >= (apply_from or today))
                               .order_by(Slot.starts_at)).all()
    return standing, apply_standing(actor, slots, [standing])


def end_standing(actor, standing: StandingAppointment) -> None:
    """End a standing appointment: no new booking from it; the ones already booked stay (cancel them one by one)."""
    if standing.ended_at is not None:
        raise Conflict(_l("This standing appointment has already ended."))
    standing.ended_at = utcnow()
    db.session.flush()
    record_event(actor, "appointment.standing_end", standing, {"household_id": standing.household_id})


def active_standing(site_id: int) -> list[StandingAppointment]:
    return list(db.session.scalars(select(StandingAppointment).where(
        StandingAppointment.site_id == site_id, StandingAppointment.ended_at.is_(None))
        .order_by(StandingAppointment.id)))


def apply_standing(actor, slots, standing_list) -> StandingResult:
    """Book each standing appointment in each slot of its weekday and time, while the household's access is valid
    that day. Skipped, and said: a household already booked that day (by this standing appointment: silently), a
    full or cancelled slot, a day outside its access, a slot already started. Each booking is one savepoint: a
    refusal writes nothing and the others go on."""
    result = StandingResult()
    for standing in standing_list:
        household = db.session.get(Household, standing.household_id)
        for slot in slots:
            if (slot.site_id != standing.site_id or slot.held_on.weekday() != standing.weekday
                    or local_time(slot.starts_at) != standing.start_time):
                continue
            taken = db.session.scalar(select(Appointment.standing_id).where(
                Appointment.household_id == household.id, Appointment.held_on == slot.held_on,
                Appointment.status.in_(("booked", "arrived"))).limit(1))
            if taken is not None and taken == standing.id:
                continue
            if _cancelled_here(standing, slot):
                continue
            savepoint = db.session.begin_nested()
            try:
                result.booked.append(book_appointment(actor, household, slot, standing_id=standing.id))
            except GroceryError as error:
                savepoint.rollback()
                result.skipped.append((standing, slot_label(slot), error.message))
            else:
                savepoint.commit()
    return result


def _cancelled_here(standing: StandingAppointment, slot: Slot) -> bool:
    """A booking of this standing appointment cancelled in this slot by the office is not booked again."""
    return db.session.scalar(select(Appointment.id).where(
        Appointment.standing_id == standing.id, Appointment.slot_id == slot.id).limit(1)) is not None


