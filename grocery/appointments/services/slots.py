"""Each site's opening pattern and exceptions, and the dated slots generated from them (in the site's time zone,
stored in UTC)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.appointments.models import HOLDING, Appointment, OpeningException, OpeningLine, Slot
from grocery.appointments.services.common import clean_text
from grocery.appointments.services.standing import StandingResult, active_standing, apply_standing
from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, ValidationError
from grocery.extensions import db
from grocery.timeutil import MAX_PLANNING_DAYS, check_planning_period, local_to_utc, local_today

#: Longest period generated at once (about three months), as for the volunteers' shifts.
MAX_GENERATE_DAYS = MAX_PLANNING_DAYS


def check_session_values(*, start_time: time | None, end_time: time | None, slot_minutes,
                         households_per_slot) -> tuple[int, int]:
    """A session's times, slot length (5 to 240 minutes, at least one slot fits) and households per slot (1 to
    50), every wrong field at once: (slot_minutes, households_per_slot)."""
    errors = FieldErrors()
    if start_time is None:
        errors.add("start_time", _l("Enter the start and end times."))
    if end_time is None:
        errors.add("end_time", _l("Enter the start and end times."))
    if start_time is not None and end_time is not None and end_time <= start_time:
        errors.add("end_time", _l("The end time is before the start time: correct one of them."))
    if slot_minutes is None or not 5 <= int(slot_minutes) <= 240:
        errors.add("slot_minutes", _l("A slot lasts from 5 to 240 minutes."))
    elif start_time is not None and end_time is not None and end_time > start_time and _minutes(
            end_time) - _minutes(start_time) < int(slot_minutes):
        errors.add("slot_minutes", _l("Not even one slot fits between the start and the end: shorten the slots."))
    if households_per_slot is None or not 1 <= int(households_per_slot) <= 50:
        errors.add("households_per_slot", _l("Enter from 1 to 50 households per slot."))
    errors.raise_if_any()
    return int(slot_minutes), int(households_per_slot)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def create_opening_line(actor, *, weekday, start_time: time | None, end_time: time | None, slot_minutes,
                        households_per_slot, site_id: int | None = None) -> OpeningLine:
    """Add a line to the site's weekly opening pattern (several per site: Tuesday morning, Thursday afternoon...).
    Generation turns it into dated slots; lines of the same weekday may not overlap."""
    errors = FieldErrors()
    if weekday is None or not 0 <= int(weekday) <= 6:
        errors.add("weekday", _l("Choose a day of the week."))
    with errors.collect():
        slot_minutes, households_per_slot = check_session_values(
            start_time=start_time, end_time=end_time, slot_minutes=slot_minutes,
            households_per_slot=households_per_slot)
    errors.raise_if_any()
    line = OpeningLine(weekday=int(weekday), start_time=start_time.replace(second=0, microsecond=0),
                       end_time=end_time.replace(second=0, microsecond=0), slot_minutes=slot_minutes,
                       households_per_slot=households_per_slot)
    if site_id is not None:
        line.site_id = site_id
    db.session.add(line)
    db.session.flush()
    overlap = db.session.scalar(select(OpeningLine.id).where(
        OpeningLine.site_id == line.site_id, OpeningLine.id != line.id, OpeningLine.is_active.is_(True),
        OpeningLine.weekday == line.weekday, OpeningLine.start_time < line.end_time,
        OpeningLine.end_time > line.start_time))
    if overlap is not None:
        raise ValidationError("start_time", _l("Another line of the same day overlaps these hours: change the "
                                               "hours or stop the other line first."))
    record_event(actor, "appointment.opening_create", line, {
        "weekday": line.weekday, "start": line.start_time.strftime("%H:%M"), "end": line.end_time.strftime("%H:%M"),
        "slot_minutes": slot_minutes, "households_per_slot": households_per_slot})
    return line


def set_opening_line_active(actor, line: OpeningLine, is_active: bool) -> None:
    """Stop or resume a line: slots already generated stay (the next generation drops its unbooked future ones)."""
    line.is_active = is_active
    db.session.flush()
    record_event(actor, "appointment.opening_update", line, {"is_active": is_active})


def opening_lines(site_id: int) -> list[OpeningLine]:
    return list(db.session.scalars(select(OpeningLine).where(OpeningLine.site_id == site_id)
                                   .order_by(OpeningLine.is_active.desc(), OpeningLine.weekday,
                                             OpeningLine.start_time)))


def exceptions_from(site_id: int, day: date) -> list[OpeningException]:
    return list(db.session.scalars(select(OpeningException).where(
        OpeningException.site_id == site_id, OpeningException.held_on >= day)
        .order_by(OpeningException.held_on, OpeningException.id)))


def _session_starts(day: date, start: time, end: time, minutes: int) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of each slot of a local session; a slot that would pass the end is not made. Local
    wall-clock times: a session on the day the clocks change keeps its local hours."""
    slots, current = [], _minutes(start)
    while current + minutes <= _minutes(end):
        begin = time(current // 60, current % 60)
        finish_minutes = current + minutes
        finish = time(finish_minutes // 60, finish_minutes % 60) if finish_minutes < 24 * 60 else time(23, 59)
        slots.append((local_to_utc(day, begin), local_to_utc(day, finish)))
        current += minutes
    return slots


@dataclass
class GenerationResult:
    """What a generation did: slots created, kept booked outside the pattern, unbooked ones dropped, and the
    standing appointments booked or skipped."""

    created: list[Slot] = field(default_factory=list)
    dropped: int = 0
    #: Slots the pattern no longer has but that hold appointments: kept, to move.
    kept_booked: list[Slot] = field(default_factory=list)
    standing: StandingResult = field(default_factory=StandingResult)


check_period = check_planning_period


def generate_slots(actor, date_from: date | None, date_to: date | None, *,
                   site_id: int | None = None) -> GenerationResult:
    """Make the dated slots of the site's opening pattern and extra sessions for a period (days before today are
    left alone), then book the standing appointments in them. Idempotent: a slot that exists (same site and start)
    is kept, never duplicated; a closed day gets none. A slot of the period that the pattern no longer gives (a line
    stopped or changed) is dropped when nobody holds a place in it, and kept and listed when someone does: a
    regeneration never drops a booked slot."""
    from grocery.sites.context import current_site_id

    check_period(date_from, date_to)
    site_id = site_id if site_id is not None else current_site_id()
    date_from = max(date_from, local_today())
    result = GenerationResult()
    if date_to < date_from:
        return result
    lines = db.session.scalars(select(OpeningLine).where(OpeningLine.site_id == site_id,
                                                         OpeningLine.is_active.is_(True))).all()
    exceptions = db.session.scalars(select(OpeningException).where(
        OpeningException.site_id == site_id, OpeningException.held_on.between(date_from, date_to))).all()
    closed = {e.held_on for e in exceptions if e.kind == "closed"}
    wanted: dict[datetime, tuple[datetime, int, int | None, int | None, date]] = {}
    day = date_from
    while day <= date_to:
        if day not in closed:
            for line in lines:
                if line.weekday == day.weekday():
                    for start, end in _session_starts(day, line.start_time, line.end_time, line.slot_minutes):
                        wanted.setdefault(start, (end, line.households_per_slot, line.id, None, day))
            for extra in exceptions:
                if extra.kind == "extra" and extra.held_on == day:
                    for start, end in _session_starts(day, extra.start_time, extra.end_time, extra.slot_minutes):
                        wanted.setdefault(start, (end, extra.households_per_slot, None, extra.id, day))
        day += timedelta(days=1)
    existing = db.session.scalars(select(Slot).where(Slot.site_id == site_id,
                                                     Slot.held_on.between(date_from, date_to))
                                  .options(selectinload(Slot.appointments))).all()
    by_start = {slot.starts_at: slot for slot in existing}
    for start, (end, capacity, line_id, exception_id, held_on) in sorted(wanted.items()):
        if start in by_start:
            continue
        slot = Slot(site_id=site_id, held_on=held_on, starts_at=start, ends_at=end, capacity=capacity,
                    line_id=line_id, exception_id=exception_id)
        db.session.add(slot)
        result.created.append(slot)
    for slot in existing:
        if slot.starts_at in wanted or slot.is_cancelled:
            continue
        if any(a.status in HOLDING for a in slot.appointments):
            result.kept_booked.append(slot)
        elif not slot.appointments:
            db.session.delete(slot)
            result.dropped += 1
        else:  # only cancelled appointments: keep their history, close the slot
            slot.is_cancelled, slot.cancel_reason = True, str(_l("No longer in the opening pattern"))
            result.dropped += 1
    db.session.flush()
    all_slots = sorted([s for s in existing if s.starts_at in wanted and not s.is_cancelled] + result.created,
                       key=lambda s: s.starts_at)
    result.standing = apply_standing(actor, all_slots, active_standing(site_id))
    record_event(actor, "appointment.slots_generate", "appointment_slots", {
        "site_id": site_id, "from": date_from.isoformat(), "to": date_to.isoformat(),
        "created": len(result.created), "dropped": result.dropped, "kept_booked": len(result.kept_booked),
        "standing_booked": len(result.standing.booked), "standing_skipped": len(result.standing.skipped)})
    return result


def close_day(actor, day: date | None, reason: str, *, site_id: int | None = None) -> tuple[OpeningException,
                                                                                             list[Appointment]]:
    """Close a site on a day, with a reason: its slots nobody holds are cancelled, generation makes none that day,
    and the appointments still booked are returned (and stay) so that the office moves them. A closed day already
    recorded is refused."""
    from grocery.sites.context import current_site_id

    site_id = site_id if site_id is not None else current_site_id()
    errors = FieldErrors()
    if day is None:
        errors.add("held_on", _l("Enter the day."))
    elif day < local_today():
        errors.add("held_on", _l("This day is past: choose today or a later day."))
    reason = clean_text(reason, 200)
    if not reason:
        errors.add("reason", _l("Give the reason (holiday, stock count...)."))
    errors.raise_if_any()
    if db.session.scalar(select(OpeningException.id).where(OpeningException.site_id == site_id,
                                                           OpeningException.held_on == day,
                                                           OpeningException.kind == "closed")) is not None:
        raise Conflict(_l("This day is already closed."))
    exception = OpeningException(site_id=site_id, held_on=day, kind="closed", reason=reason,
                                 created_by_id=getattr(actor, "id", None))
    db.session.add(exception)
    to_move = []
    for slot in db.session.scalars(select(Slot).where(Slot.site_id == site_id, Slot.held_on == day)
                                   .options(selectinload(Slot.appointments))):
        holding = slot.holding
        if holding:
            to_move.extend(holding)
        else:
            slot.is_cancelled, slot.cancel_reason = True, reason
    db.session.flush()
    record_event(actor, "appointment.close_day", exception, {"day": day.isoformat(), "reason": reason,
                                                              "to_move": len(to_move)})
    return exception, sorted(to_move, key=lambda a: (a.slot.starts_at, a.id))


def add_extra_session(actor, day: date | None, *, start_time: time | None, end_time: time | None, slot_minutes,
                      households_per_slot, reason: str = "", site_id: int | None = None) -> tuple[
                          OpeningException, GenerationResult]:
    """An extra session on a date (a distribution before a holiday): its slots are made at once, with the
    standing appointments of that weekday and time. Refused on a closed day or a past day."""
    from grocery.sites.context import current_site_id

    site_id = site_id if site_id is not None else current_site_id()
    errors = FieldErrors()
    if day is None:
        errors.add("held_on", _l("Enter the day."))
    elif day < local_today():
        errors.add("held_on", _l("This day is past: choose today or a later day."))
    with errors.collect():
        slot_minutes, households_per_slot = check_session_values(
            start_time=start_time, end_time=end_time, slot_minutes=slot_minutes,
            households_per_slot=households_per_slot)
    errors.raise_if_any()
    if db.session.scalar(select(OpeningException.id).where(OpeningException.site_id == site_id,
                                                           OpeningException.held_on == day,
                                                           OpeningException.kind == "closed")) is not None:
        raise Conflict(_l("This day is closed: an extra session cannot be added."))
    exception = OpeningException(site_id=site_id, held_on=day, kind="extra", reason=clean_text(reason, 200),
                                 start_time=start_time.replace(second=0, microsecond=0),
                                 end_time=end_time.replace(second=0, microsecond=0), slot_minutes=slot_minutes,
                                 households_per_slot=households_per_slot, created_by_id=getattr(actor, "id", None))
    db.session.add(exception)
    db.session.flush()
    record_event(actor, "appointment.extra_session", exception, {
        "day": day.isoformat(), "start": exception.start_time.strftime("%H:%M"),
        "end": exception.end_time.strftime("%H:%M")})
    return exception, generate_slots(actor, day, day, site_id=site_id)
