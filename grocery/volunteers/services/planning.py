"""The planning: shift templates, generated and one-off shifts, booking, walk-ins, cancellations, the week and
the day."""

from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.sites.context import current_site_id
from grocery.timeutil import MAX_PLANNING_DAYS, check_planning_period, local_today
from grocery.volunteers.models import CAPABILITIES, Activity, Assignment, DaySheet, Participant, Shift, ShiftTemplate
from grocery.volunteers.services.participants import _clean

MAX_GENERATE_DAYS = MAX_PLANNING_DAYS


class ShiftFull(GroceryError):
    code = "shift_full"
    status = 409
    default_message = _l("This shift is full. Put the person on the waitlist or choose another shift.")


# --------------------------------------------------------------------------- planning


def _is_validated(day: date, site_id: int | None = None) -> bool:
    """Is the day's attendance validated at the site (its day sheet closed)? Then the site's shifts and bookings of
    that day no longer change; another site's sheet of the same day changes nothing here. `site_id`: by default the
    current site."""
    site_id = site_id if site_id is not None else current_site_id()
    return db.session.scalar(select(DaySheet.id).where(DaySheet.site_id == site_id,
                                                       DaySheet.held_on == day)) is not None


def _check_times(start: time | None, end: time | None) -> None:
    """A start and an end, the end after the start; both missing times are reported at once."""
    errors = FieldErrors()
    if start is None:
        errors.add("start_time", _l("Enter the start and end times."))
    if end is None:
        errors.add("end_time", _l("Enter the start and end times."))
    if start is not None and end is not None and end <= start:
        errors.add("end_time", _l("The end time is before the start time: correct one of them."))
    errors.raise_if_any()


def _check_capacity(capacity) -> int:
    if capacity is None or int(capacity) < 1 or int(capacity) > 50:
        raise ValidationError("capacity", _l("The capacity is a number of people between 1 and 50."))
    return int(capacity)


def _check_capability(capability: str | None) -> str | None:
    if capability and capability not in CAPABILITIES:
        raise ValidationError("required_capability", _l("Unknown capability."))
    return capability or None


def check_template_values(*, weekday: int | None, start_time: time | None, end_time: time | None, capacity,
                          required_capability: str | None = None) -> tuple[int, int, str | None]:
    """A weekly slot's values checked, every wrong field at once: (weekday, capacity, required capability)."""
    errors = FieldErrors()
    if weekday is None or not 0 <= int(weekday) <= 6:
        errors.add("weekday", _l("Choose a day of the week."))
    with errors.collect():
        _check_times(start_time, end_time)
    with errors.collect():
        capacity = _check_capacity(capacity)
    with errors.collect():
        required_capability = _check_capability(required_capability)
    errors.raise_if_any()
    return int(weekday), capacity, required_capability


def create_template(actor, *, weekday: int, start_time: time, end_time: time, activity: Activity, capacity: int,
                    required_capability: str | None = None) -> ShiftTemplate:
    """A weekly slot; end after start, capacity of at least one person."""
    weekday, capacity, required_capability = check_template_values(
        weekday=weekday, start_time=start_time, end_time=end_time, capacity=capacity,
        required_capability=required_capability)
    template = ShiftTemplate(weekday=weekday, start_time=start_time, end_time=end_time, activity=activity,
                             capacity=capacity, required_capability=required_capability)
    db.session.add(template)
    db.session.flush()
    record_event(actor, "volunteers.template_create", template)
    return template


def set_template_active(actor, template: ShiftTemplate, is_active: bool) -> None:
    template.is_active = is_active
    db.session.flush()
    record_event(actor, "volunteers.template_update", template, {"is_active": is_active})


check_period = check_planning_period


def generate_shifts(actor, date_from: date | None, date_to: date | None, *,
                    site_id: int | None = None) -> list[Shift]:
    """Create the dated shifts of the site's active templates for a period (by default the current site's: another
    site plans its own); a day that already has its shift is skipped, so generating twice is harmless."""
    check_period(date_from, date_to)
    site_id = site_id if site_id is not None else current_site_id()
    templates = db.session.scalars(select(ShiftTemplate).where(ShiftTemplate.is_active.is_(True),
                                                               ShiftTemplate.site_id == site_id)).all()
    existing = set(db.session.execute(
        select(Shift.template_id, Shift.held_on).where(Shift.held_on.between(date_from, date_to),
                                                       Shift.template_id.is_not(None))).all())
    created = []
    day = date_from
    while day <= date_to:
        for template in templates:
            if template.weekday == day.weekday() and (template.id, day) not in existing:
                created.append(Shift(site_id=template.site_id, template_id=template.id, held_on=day,
                                     start_time=template.start_time,
                                     end_time=template.end_time, activity_id=template.activity_id,
                                     capacity=template.capacity, required_capability=template.required_capability))
        day += timedelta(days=1)
    db.session.add_all(created)
    db.session.flush()
    record_event(actor, "volunteers.shifts_generate", "volunteer_shifts",
                 {"from": date_from.isoformat(), "to": date_to.isoformat(), "created": len(created)})
    return created


def create_shift(actor, *, held_on: date, start_time: time, end_time: time, activity: Activity, capacity: int,
                 required_capability: str | None = None) -> Shift:
    """A one-off shift outside the templates."""
    errors = FieldErrors()
    if held_on is None:
        errors.add("held_on", _l("Enter the day."))
    with errors.collect():
        _weekday, capacity, required_capability = check_template_values(
            weekday=held_on.weekday() if held_on else 0, start_time=start_time, end_time=end_time,
            capacity=capacity, required_capability=required_capability)
    errors.raise_if_any()
    shift = Shift(held_on=held_on, start_time=start_time, end_time=end_time, activity=activity,
                  capacity=capacity, required_capability=required_capability)
    db.session.add(shift)
    db.session.flush()
    record_event(actor, "volunteers.shift_create", shift)
    return shift


def cancel_shift(actor, shift: Shift, reason: str) -> None:
    """Cancel a shift with a reason; the people booked are kept on it so that the coordinator can warn them."""
    reason = _clean(reason, 200)
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the cancellation."))
    if _is_validated(shift.held_on, shift.site_id):
        raise Conflict(_l("This day is validated: its shifts can no longer change."))
    shift.is_cancelled, shift.cancel_reason = True, reason
    db.session.flush()
    record_event(actor, "volunteers.shift_cancel", shift, {"reason": reason})


def _overlapping(participant: Participant, shift: Shift) -> Assignment | None:
    return db.session.scalar(
        select(Assignment).join(Shift)
        .where(Assignment.participant_id == participant.id, Assignment.status == "booked",
               Shift.held_on == shift.held_on, Shift.id != shift.id, Shift.is_cancelled.is_(False),
               Shift.start_time < shift.end_time, Shift.end_time > shift.start_time)
    )


def book_shift(actor, shift: Shift, participant: Participant, *, source: str = "coordinator",
               waitlist: bool = False, walk_in: bool = False) -> Assignment:
    """Put a participant on a shift. Refused: a cancelled or validated shift, a missing capability, an overlapping
    shift of the same person. When the shift is full: the waitlist if asked for, otherwise a refusal."""
    if shift.is_cancelled:
        raise Conflict(_l("This shift is cancelled. Choose another shift."))
    if _is_validated(shift.held_on, shift.site_id):
        raise Conflict(_l("This day is validated: its shifts can no longer change."))
    if participant.ended_on is not None and participant.ended_on < shift.held_on:
        raise ValidationError("participant_id", _l("%(name)s's engagement ends before this shift.",
                                                   name=participant.full_name))
    if shift.required_capability and shift.required_capability not in (participant.capabilities or []):
        raise ValidationError("participant_id", _l("This shift needs: %(capability)s. Choose a trained person.",
                                                   capability=CAPABILITIES[shift.required_capability]))
    existing = db.session.scalar(select(Assignment).where(Assignment.shift_id == shift.id,
                                                          Assignment.participant_id == participant.id))
    if existing is not None and existing.status != "cancelled":
        raise Conflict(_l("%(name)s is already on this shift.", name=participant.full_name))
    other = _overlapping(participant, shift)
    if other is not None:
        raise Conflict(_l("%(name)s already has a shift at that time (%(activity)s, %(start)s-%(end)s).",
                          name=participant.full_name, activity=other.shift.activity.name,
                          start=other.shift.start_time.strftime("%H:%M"), end=other.shift.end_time.strftime("%H:%M")))
    booked = db.session.scalar(select(func.count(Assignment.id)).where(Assignment.shift_id == shift.id,
                                                                       Assignment.status == "booked"))
    status = "booked"
    if booked >= shift.capacity:
        if not waitlist:
            raise ShiftFull()
        status = "waitlisted"
    if existing is None:
        existing = Assignment(shift=shift, participant=participant)
        db.session.add(existing)
    existing.status, existing.source, existing.cancel_reason = status, source, ""
    existing.is_walk_in = walk_in
    existing.attendance = "present" if walk_in else None  # a booking taken again starts afresh
    existing.checked_in_at = existing.checked_out_at = None
    db.session.flush()
    record_event(actor, "volunteers.shift_book", existing, {"shift": shift.id, "status": status, "source": source})
    return existing


def record_walk_in(actor, shift: Shift, participant: Participant) -> Assignment:
    """Someone came without booking: they are put on the shift and marked present (capacity still applies)."""
    return book_shift(actor, shift, participant, source="walk_in", walk_in=True)


def cancel_assignment(actor, assignment: Assignment, reason: str) -> Assignment | None:
    """Take a person off a shift with a reason; the first person on the waitlist who is free at that time
    takes the place. Returns the promoted assignment, if any."""
    reason = _clean(reason, 200)
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the cancellation."))
    if assignment.status == "cancelled":
        raise Conflict(_l("This booking is already cancelled."))
    if _is_validated(assignment.shift.held_on, assignment.shift.site_id):
        raise Conflict(_l("This day is validated: its shifts can no longer change."))
    was_booked = assignment.status == "booked"
    assignment.status, assignment.cancel_reason = "cancelled", reason
    db.session.flush()
    record_event(actor, "volunteers.shift_unbook", assignment, {"shift": assignment.shift_id})
    if not was_booked:
        return None
    for waiting in sorted(assignment.shift.waitlisted, key=lambda a: a.id):
        if _overlapping(waiting.participant, assignment.shift) is None:
            waiting.status = "booked"
            db.session.flush()
            record_event(actor, "volunteers.waitlist_promote", waiting, {"shift": assignment.shift_id})
            return waiting
    return None


def week_shifts(monday: date, site_id: int | None = None) -> list[Shift]:
    """The shifts of a week at the site (by default the current one) with their bookings, in time order."""
    site_id = site_id if site_id is not None else current_site_id()
    return list(db.session.scalars(
        select(Shift).where(Shift.site_id == site_id, Shift.held_on.between(monday, monday + timedelta(days=6)))
        .options(selectinload(Shift.activity),
                 selectinload(Shift.assignments).selectinload(Assignment.participant))
        .order_by(Shift.held_on, Shift.start_time, Shift.id)))


def day_shifts(day: date, site_id: int | None = None) -> list[Shift]:
    """The shifts of one day at the site (by default the current one) with their bookings, attendance and
    confirmations."""
    site_id = site_id if site_id is not None else current_site_id()
    return list(db.session.scalars(
        select(Shift).where(Shift.site_id == site_id, Shift.held_on == day)
        .options(selectinload(Shift.activity),
                 selectinload(Shift.assignments).selectinload(Assignment.participant)
                 .selectinload(Participant.formalities),
                 selectinload(Shift.assignments).selectinload(Assignment.confirmations))
        .order_by(Shift.start_time, Shift.id)))


def today_logistics(day: date | None = None, site_id: int | None = None) -> list[dict]:
    """Shift logistics for the till and the stock room: who is on which shift today at the site (by default the
    current one; first name and initial), activity and times. Nothing else."""
    rows = []
    for shift in day_shifts(day or local_today(), site_id):
        if shift.is_cancelled:
            continue
        rows.append({"activity": shift.activity.name, "start": shift.start_time, "end": shift.end_time,
                     "people": [a.participant.short_name for a in shift.booked]})
    return rows
