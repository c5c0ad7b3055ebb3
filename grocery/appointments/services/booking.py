"""Booking, moving and cancelling appointments, missed appointments, and what the till asks: the day's list and
the arrival of a household."""

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from grocery.appointments.models import HOLDING, Appointment, Slot
from grocery.appointments.services.common import (
    DoubleBooking,
    SlotClosed,
    SlotFull,
    SlotPast,
    check_access_on,
    clean_text,
    holding_count,
    lock_slot,
    slot_label,
)
from grocery.audit.services import record_event
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.households.models import Household
from grocery.households.services import lock_household
from grocery.timeutil import local_day_bounds, local_today, utcnow


def _same_day(household: Household, day: date, *, other_than: int | None = None) -> Appointment | None:
    query = select(Appointment).where(Appointment.household_id == household.id, Appointment.held_on == day,
                                      Appointment.status.in_(HOLDING))
    if other_than is not None:
        query = query.where(Appointment.id != other_than)
    return db.session.scalar(query)


def check_booking(household: Household, slot: Slot, *, now: datetime | None = None,
                  moving: Appointment | None = None) -> None:
    """Every rule a booking (or a move to `slot`) must pass, in the order a social worker can act on them; raises
    the first refusal and writes nothing. Refused: a cancelled slot (closed day), a slot already started, a
    household that may not shop that day (no valid decision, suspended, closed, a day outside its access dates, a
    site its decision does not allow), a second appointment the same day, a full slot."""
    now = now or utcnow()
    if slot.is_cancelled:
        raise SlotClosed(_l("The grocery is closed on %(when)s (%(reason)s). Choose another slot.",
                            when=slot_label(slot), reason=slot.cancel_reason or _l("closed day")))
    if slot.starts_at <= now:
        raise SlotPast()
    check_access_on(household, slot.held_on, slot.site_id, today=local_today())
    other = _same_day(household, slot.held_on, other_than=moving.id if moving is not None else None)
    if other is not None:
        raise DoubleBooking(_l("This household already has an appointment that day (%(when)s): move that one "
                               "instead of booking a second.", when=slot_label(other.slot)))
    if holding_count(slot.id) >= slot.capacity:
        raise SlotFull()


def book_appointment(actor, household: Household, slot: Slot, *, standing_id: int | None = None,
                     now: datetime | None = None) -> Appointment:
    """Book a slot for a household. Only an eligible household, on a day its access is valid, at a site its
    decision allows, in an open slot still to come with a place left, and once per day (see check_booking). The
    household then the slot are locked (in this order everywhere), so two desks cannot overfill a slot."""
    lock_household(household.id)
    lock_slot(slot.id)
    check_booking(household, slot, now=now)
    appointment = Appointment(site_id=slot.site_id, slot=slot, household_id=household.id, held_on=slot.held_on,
                              status="booked", standing_id=standing_id, booked_by_id=getattr(actor, "id", None))
    db.session.add(appointment)
    db.session.flush()
    record_event(actor, "appointment.book", appointment, {
        "household_id": household.id, "slot_id": slot.id, "starts_at": slot.starts_at.isoformat(),
        "standing": standing_id is not None})
    return appointment


def move_appointment(actor, appointment: Appointment, slot: Slot, *, now: datetime | None = None) -> Appointment:
    """Move a booked appointment to another slot of the same site: the same rules as a booking, checked before
    anything changes; the appointment keeps its row and history (audited from and to)."""
    if appointment.status != "booked":
        raise Conflict(_l("Only a booked appointment can be moved (this one is %(status)s).",
                          status=_status_word(appointment.status)))
    if slot.id == appointment.slot_id:
        raise ValidationError("slot_id", _l("Choose another slot than the current one."))
    if slot.site_id != appointment.site_id:
        raise ValidationError("slot_id", _l("Choose a slot of the same site."))
    household = db.session.get(Household, appointment.household_id)
    lock_household(household.id)
    lock_slot(slot.id)
    check_booking(household, slot, now=now, moving=appointment)
    before = appointment.slot
    appointment.slot, appointment.held_on = slot, slot.held_on
    db.session.flush()
    record_event(actor, "appointment.move", appointment, {
        "household_id": household.id, "from": before.starts_at.isoformat(), "to": slot.starts_at.isoformat(),
        "from_slot_id": before.id, "to_slot_id": slot.id})
    return appointment


def cancel_appointment(actor, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment with a reason; its place is free again."""
    reason = clean_text(reason, 200)
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the cancellation."))
    if appointment.status != "booked":
        raise Conflict(_l("Only a booked appointment can be cancelled (this one is %(status)s).",
                          status=_status_word(appointment.status)))
    appointment.status, appointment.cancel_reason = "cancelled", reason
    appointment.cancelled_at, appointment.cancelled_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    record_event(actor, "appointment.cancel", appointment, {"household_id": appointment.household_id,
                                                             "reason": reason})
    return appointment


def _status_word(status: str) -> str:
    from grocery.appointments.models import APPOINTMENT_STATUSES

    return str(APPOINTMENT_STATUSES.get(status, status)).lower()


def mark_missed(actor=None, *, before: date | None = None, site_id: int | None = None) -> int:
    """Every appointment still booked on a day before `before` (by default today: the day is over) becomes missed,
    at every site or at one. Missed is recorded for planning only. RULE: a missed appointment never cuts access
    or budget: eligibility (households.services.eligibility_on) and the budget (budget_left) never read
    appointments, and nothing here writes a decision or a ledger movement. Returns how many were marked."""
    before = before or local_today()
    query = update(Appointment).where(Appointment.status == "booked", Appointment.held_on < before)
    if site_id is not None:
        query = query.where(Appointment.site_id == site_id)
    count = db.session.execute(query.values(status="missed", missed_at=utcnow()),
                               execution_options={"synchronize_session": False}).rowcount
    db.session.expire_all()
    if count:
        record_event(actor, "appointment.mark_missed", "appointments",
                     {"before": before.isoformat(), "site_id": site_id, "count": count})
    return count


# --------------------------------------------------------------------------------------------------------------
# For the till (second step): today's list and the arrival
# --------------------------------------------------------------------------------------------------------------

def appointments_for_day(site_id: int, day: date) -> list[Appointment]:
    """The appointments of a site's day that hold a place (booked or arrived), in slot order then booking order,
    with their slot and household loaded. The till shows the household's name and the time, nothing else."""
    return list(db.session.scalars(
        select(Appointment).join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.site_id == site_id, Appointment.held_on == day, Appointment.status.in_(HOLDING))
        .options(selectinload(Appointment.slot),
                 selectinload(Appointment.household).selectinload(Household.members))
        .order_by(Slot.starts_at, Appointment.id)))


def mark_arrived(household: Household, site_id: int, at: datetime | None = None) -> Appointment | None:
    """The household's card was scanned at the site at `at` (UTC; default now): its appointment of that local day
    there is marked arrived. Idempotent: an appointment already arrived is returned as it is (its first arrival time
    kept). With several on the day (impossible by the one-per-day rule, kept safe), the one whose start is nearest
    to `at`. None when the household has no appointment there that day (a walk-in: nothing is written). Audited
    without an actor (the till's scan); a cashier sees only the name and the time."""
    at = at or utcnow()
    from grocery.timeutil import to_local

    day = to_local(at).date()
    found = db.session.scalars(
        select(Appointment).join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.household_id == household.id, Appointment.site_id == site_id,
               Appointment.held_on == day, Appointment.status.in_(HOLDING))
        .options(selectinload(Appointment.slot))).all()
    if not found:
        return None
    arrived = [a for a in found if a.status == "arrived"]
    if arrived:
        return arrived[0]
    nearest = min(found, key=lambda a: (abs((a.slot.starts_at - at).total_seconds()), a.id))
    nearest.status, nearest.arrived_at = "arrived", at
    db.session.flush()
    record_event(None, "appointment.arrive", nearest, {"household_id": household.id, "at": at.isoformat()})
    return nearest


# --------------------------------------------------------------------------------------------------------------
# Lists for the office
# --------------------------------------------------------------------------------------------------------------

def household_appointments(household: Household, *, upcoming_only: bool = False,
                           limit: int | None = None) -> list[Appointment]:
    """A household's appointments at every site, the coming ones first in time order, then the past ones (latest
    first) unless `upcoming_only`."""
    start, _end = local_day_bounds(local_today())
    base = (select(Appointment).join(Slot, Appointment.slot_id == Slot.id)
            .where(Appointment.household_id == household.id).options(selectinload(Appointment.slot)))
    coming = list(db.session.scalars(base.where(Slot.starts_at >= start).order_by(Slot.starts_at).limit(limit)))
    if upcoming_only:
        return [a for a in coming if a.status in HOLDING]
    past = list(db.session.scalars(base.where(Slot.starts_at < start).order_by(Slot.starts_at.desc()).limit(20)))
    return coming + past


def week_slots(site_id: int, monday: date) -> list[Slot]:
    """The slots of a week at a site, with their appointments and households, in time order."""
    return list(db.session.scalars(
        select(Slot).where(Slot.site_id == site_id, Slot.held_on.between(monday, monday + timedelta(days=6)))
        .options(selectinload(Slot.appointments).selectinload(Appointment.household)
                 .selectinload(Household.members))
        .order_by(Slot.starts_at, Slot.id)))


def open_slots(site_id: int, date_from: date, date_to: date, *, now: datetime | None = None) -> list[Slot]:
    """Slots still to come at a site between two days that are open and have a place left."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Slot).where(Slot.site_id == site_id, Slot.held_on.between(date_from, date_to),
                           Slot.is_cancelled.is_(False), Slot.starts_at > now)
        .options(selectinload(Slot.appointments)).order_by(Slot.starts_at))
    return [slot for slot in rows if slot.places_left > 0]
