"""Volunteer shifts and insertion paths: the business rules. Services flush, never commit.

Nothing here reads or writes household, eligibility or checkout data: access to the grocery never depends on
volunteering, and a no-show is attendance information, never a sanction (tests check both).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grocery.audit.services import changes, record_event
from grocery.barcodes import PREFIX_VOLUNTEER_BADGE, code_kind, random_ean13
from grocery.errors import Conflict, GroceryError, NotFound, ValidationError
from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES, sort_key
from grocery.settings.services import get_setting
from grocery.timeutil import local_to_utc, local_today, to_local, utcnow
from grocery.volunteers.models import (
    ATTENDANCE,
    CAPABILITIES,
    ENGAGEMENT_TYPES,
    EVALUATION_MODES,
    FORMALITIES_BY_ENGAGEMENT,
    FORMALITY_STATUSES,
    GOAL_DOMAINS,
    GOAL_STATUSES,
    Activity,
    Assignment,
    AttestationIssue,
    Competence,
    CompetenceConfirmation,
    DaySheet,
    Evaluation,
    Formality,
    Goal,
    GoalPiisLink,
    Participant,
    PiisReview,
    Shift,
    ShiftTemplate,
    Workshop,
    WorkshopAttendance,
    WorkshopSession,
)

MAX_GENERATE_DAYS = 93
#: A check-out scan is accepted until this long after the end of the shift; later, the check-out stays forgotten.
CHECK_OUT_GRACE = timedelta(hours=2)
#: A second scan of the same badge within this time is ignored (a badge held twice under the reader).
KIOSK_DEBOUNCE = timedelta(seconds=60)
#: A check-out this soon after the check-in is asked for confirmation first.
KIOSK_CONFIRM_CHECK_OUT_WITHIN = timedelta(minutes=15)


class ShiftFull(GroceryError):
    code = "shift_full"
    status = 409
    default_message = _l("This shift is full. Put the person on the waitlist or choose another shift.")


class BadgeRefused(GroceryError):
    code = "badge_refused"
    status = 422
    default_message = _l("This card is not a volunteer badge. Scan your volunteer badge.")


# --------------------------------------------------------------------------- participants


def _clean(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


def _check_participant_values(values: dict) -> dict:
    first, last = _clean(values.get("first_name"), 80), _clean(values.get("last_name"), 80)
    if not first:
        raise ValidationError("first_name", _l("Enter the first name."))
    if not last:
        raise ValidationError("last_name", _l("Enter the last name."))
    engagement = values.get("engagement_type") or "volunteer"
    if engagement not in ENGAGEMENT_TYPES:
        raise ValidationError("engagement_type", _l("Choose one of the proposed engagement types."))
    started_on = values.get("started_on")
    if started_on is None:
        raise ValidationError("started_on", _l("Enter the start date."))
    ended_on = values.get("ended_on")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError("ended_on", _l("The end date is before the start date: correct one of them."))
    capabilities = sorted(set(values.get("capabilities") or []))
    unknown = [c for c in capabilities if c not in CAPABILITIES]
    if unknown:
        raise ValidationError("capabilities", _l("Unknown capability."))
    language = values.get("preferred_language") or "fr"
    if language not in DOCUMENT_LANGUAGES:
        raise ValidationError("preferred_language", _l("Choose one of the proposed languages."))
    return {
        "first_name": first, "last_name": last, "phone": _clean(values.get("phone"), 40),
        "email": _clean(values.get("email"), 120), "engagement_type": engagement,
        "referent_id": values.get("referent_id") or None, "started_on": started_on, "ended_on": ended_on,
        "rhythm": _clean(values.get("rhythm"), 120), "capabilities": capabilities, "preferred_language": language,
    }


def new_badge_code() -> str:
    """A unique EAN-13 badge code with the volunteer prefix (26) and its check digit."""
    for _attempt in range(20):
        code = random_ean13(PREFIX_VOLUNTEER_BADGE)
        if db.session.scalar(select(Participant.id).where(Participant.badge_code == code)) is None:
            return code
    raise Conflict(_l("No free badge code was found. Try again."))


def create_participant(actor, **values) -> Participant:
    """Register a participant with a unique badge and the formalities checklist of their engagement type (all
    "to do", never blocking)."""
    clean = _check_participant_values(values)
    participant = Participant(**clean, badge_code=new_badge_code())
    participant.formalities = [Formality(kind=kind, status="todo")
                               for kind in FORMALITIES_BY_ENGAGEMENT[participant.engagement_type]]
    db.session.add(participant)
    db.session.flush()
    record_event(actor, "volunteers.participant_create", participant,
                 {"engagement_type": participant.engagement_type})
    return participant


def update_participant(actor, participant: Participant, **values) -> dict:
    """Change a participant's details; the change is logged (field names, not personal values). A new engagement
    type adds the items of its checklist; items recorded before are kept."""
    clean = _check_participant_values(values)
    changed = changes(participant, list(clean), clean)
    if "engagement_type" in changed:
        recorded = {f.kind for f in participant.formalities}
        participant.formalities.extend(Formality(kind=kind, status="todo")
                                       for kind in FORMALITIES_BY_ENGAGEMENT[participant.engagement_type]
                                       if kind not in recorded)
    if changed:
        db.session.flush()
        record_event(actor, "volunteers.participant_update", participant, {"fields": sorted(changed)})
    return changed


def renew_badge(actor, participant: Participant) -> str:
    """Give a new badge code (lost badge); the old one stops working at once."""
    participant.badge_code = new_badge_code()
    db.session.flush()
    record_event(actor, "volunteers.badge_renew", participant)
    return participant.badge_code


def update_formality(actor, participant: Participant, kind: str, status: str, status_on: date | None,
                     note: str = "") -> Formality:
    """Record where a formality of the participant's engagement type stands. Formalities inform; they never block
    a shift."""
    if kind not in FORMALITIES_BY_ENGAGEMENT[participant.engagement_type]:
        raise ValidationError("kind", _l("This formality is not part of the checklist of this engagement type."))
    if status not in FORMALITY_STATUSES:
        raise ValidationError("status", _l("Choose one of the proposed statuses."))
    if status_on is not None and status_on > local_today():
        raise ValidationError("status_on", _l("The date is in the future: enter the date it happened."))
    formality = next((f for f in participant.formalities if f.kind == kind), None)
    if formality is None:
        formality = Formality(kind=kind)
        participant.formalities.append(formality)
    formality.status, formality.status_on, formality.note = status, status_on, _clean(note, 200)
    db.session.flush()
    record_event(actor, "volunteers.formality_update", participant, {"kind": kind, "status": status})
    return formality


def find_participant_by_badge(code: str) -> Participant:
    """The participant with this badge. Other kinds of codes (household card, product) are refused plainly."""
    code = (code or "").strip()
    kind = code_kind(code)
    if kind is None:
        raise BadgeRefused(_l("This code could not be read. Scan the badge again."))
    if kind != "volunteer_badge":
        raise BadgeRefused()
    participant = db.session.scalar(select(Participant).where(Participant.badge_code == code))
    if participant is None:
        raise BadgeRefused(_l("Unknown badge. Ask the coordinator for help."))
    return participant


# --------------------------------------------------------------------------- activities and competences


def create_activity(actor, name: str, competence_ids: list[int] | None = None) -> Activity:
    """Add an activity, mapped to the competences it practises; names are unique."""
    name = _clean(name, 120)
    if not name:
        raise ValidationError("name", _l("Enter a name."))
    if db.session.scalar(select(Activity.id).where(func.lower(Activity.name) == name.lower())) is not None:
        raise ValidationError("name", _l("This activity already exists."))
    activity = Activity(name=name, competences=_competences(competence_ids))
    db.session.add(activity)
    db.session.flush()
    record_event(actor, "volunteers.activity_create", activity, {"name": name})
    return activity


def set_activity_competences(actor, activity: Activity, competence_ids: list[int]) -> None:
    """Map an activity to the competences it practises."""
    activity.competences = _competences(competence_ids)
    db.session.flush()
    record_event(actor, "volunteers.activity_update", activity, {"competences": sorted(competence_ids)})


def create_competence(actor, name: str) -> Competence:
    """Add an entry to the competence framework; names are unique."""
    name = _clean(name, 120)
    if not name:
        raise ValidationError("name", _l("Enter a name."))
    if db.session.scalar(select(Competence.id).where(func.lower(Competence.name) == name.lower())) is not None:
        raise ValidationError("name", _l("This competence already exists."))
    competence = Competence(name=name)
    db.session.add(competence)
    db.session.flush()
    record_event(actor, "volunteers.competence_create", competence, {"name": name})
    return competence


def _competences(ids) -> list[Competence]:
    ids = sorted({int(i) for i in ids or []})
    if not ids:
        return []
    found = db.session.scalars(select(Competence).where(Competence.id.in_(ids))).all()
    if len(found) != len(ids):
        raise ValidationError("competences", _l("Unknown competence."))
    return list(found)


# --------------------------------------------------------------------------- planning


def _check_times(start: time | None, end: time | None) -> None:
    if start is None or end is None:
        raise ValidationError("start_time", _l("Enter the start and end times."))
    if end <= start:
        raise ValidationError("end_time", _l("The end time is before the start time: correct one of them."))


def _check_capacity(capacity) -> int:
    if capacity is None or int(capacity) < 1 or int(capacity) > 50:
        raise ValidationError("capacity", _l("The capacity is a number of people between 1 and 50."))
    return int(capacity)


def _check_capability(capability: str | None) -> str | None:
    if capability and capability not in CAPABILITIES:
        raise ValidationError("required_capability", _l("Unknown capability."))
    return capability or None


def create_template(actor, *, weekday: int, start_time: time, end_time: time, activity: Activity, capacity: int,
                    required_capability: str | None = None) -> ShiftTemplate:
    """A weekly slot; end after start, capacity of at least one person."""
    if weekday is None or not 0 <= int(weekday) <= 6:
        raise ValidationError("weekday", _l("Choose a day of the week."))
    _check_times(start_time, end_time)
    template = ShiftTemplate(weekday=int(weekday), start_time=start_time, end_time=end_time, activity=activity,
                             capacity=_check_capacity(capacity),
                             required_capability=_check_capability(required_capability))
    db.session.add(template)
    db.session.flush()
    record_event(actor, "volunteers.template_create", template)
    return template


def set_template_active(actor, template: ShiftTemplate, is_active: bool) -> None:
    template.is_active = is_active
    db.session.flush()
    record_event(actor, "volunteers.template_update", template, {"is_active": is_active})


def generate_shifts(actor, date_from: date | None, date_to: date | None) -> list[Shift]:
    """Create the dated shifts of the active templates for a period; a day that already has its shift is skipped,
    so generating twice is harmless."""
    if date_from is None or date_to is None:
        raise ValidationError("date_from", _l("Enter the first and last day of the period."))
    if date_to < date_from:
        raise ValidationError("date_to", _l("The end date is before the start date: correct one of them."))
    if (date_to - date_from).days >= MAX_GENERATE_DAYS:
        raise ValidationError("date_to", _l("Plan at most three months at a time."))
    templates = db.session.scalars(select(ShiftTemplate).where(ShiftTemplate.is_active.is_(True))).all()
    existing = set(db.session.execute(
        select(Shift.template_id, Shift.held_on).where(Shift.held_on.between(date_from, date_to),
                                                       Shift.template_id.is_not(None))).all())
    created = []
    day = date_from
    while day <= date_to:
        for template in templates:
            if template.weekday == day.weekday() and (template.id, day) not in existing:
                created.append(Shift(template_id=template.id, held_on=day, start_time=template.start_time,
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
    if held_on is None:
        raise ValidationError("held_on", _l("Enter the day."))
    _check_times(start_time, end_time)
    shift = Shift(held_on=held_on, start_time=start_time, end_time=end_time, activity=activity,
                  capacity=_check_capacity(capacity), required_capability=_check_capability(required_capability))
    db.session.add(shift)
    db.session.flush()
    record_event(actor, "volunteers.shift_create", shift)
    return shift


def cancel_shift(actor, shift: Shift, reason: str) -> None:
    """Cancel a shift with a reason; the people booked are kept on it so that the coordinator can warn them."""
    reason = _clean(reason, 200)
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the cancellation."))
    if _is_validated(shift.held_on):
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
    if _is_validated(shift.held_on):
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
    if _is_validated(assignment.shift.held_on):
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


def week_shifts(monday: date) -> list[Shift]:
    """The shifts of a week with their bookings, in time order."""
    return list(db.session.scalars(
        select(Shift).where(Shift.held_on.between(monday, monday + timedelta(days=6)))
        .options(selectinload(Shift.activity),
                 selectinload(Shift.assignments).selectinload(Assignment.participant))
        .order_by(Shift.held_on, Shift.start_time, Shift.id)))


def day_shifts(day: date) -> list[Shift]:
    """The shifts of one day with their bookings, attendance and confirmations."""
    return list(db.session.scalars(
        select(Shift).where(Shift.held_on == day)
        .options(selectinload(Shift.activity),
                 selectinload(Shift.assignments).selectinload(Assignment.participant)
                 .selectinload(Participant.formalities),
                 selectinload(Shift.assignments).selectinload(Assignment.confirmations))
        .order_by(Shift.start_time, Shift.id)))


def today_logistics(day: date | None = None) -> list[dict]:
    """Shift logistics for the till and the stock room: who is on which shift today (first name and initial),
    activity and times. Nothing else."""
    rows = []
    for shift in day_shifts(day or local_today()):
        if shift.is_cancelled:
            continue
        rows.append({"activity": shift.activity.name, "start": shift.start_time, "end": shift.end_time,
                     "people": [a.participant.short_name for a in shift.booked]})
    return rows


# --------------------------------------------------------------------------- attendance


def _is_validated(day: date) -> bool:
    return db.session.scalar(select(DaySheet.id).where(DaySheet.held_on == day)) is not None


def _check_not_validated(assignment: Assignment) -> None:
    if _is_validated(assignment.shift.held_on):
        raise Conflict(_l("This day is validated: its attendance can no longer change."))


def shift_bounds(shift: Shift) -> tuple[datetime, datetime]:
    return local_to_utc(shift.held_on, shift.start_time), local_to_utc(shift.held_on, shift.end_time)


def kiosk_scan(code: str, now: datetime | None = None, confirm_check_out: bool = False) -> dict:
    """A badge scan at the kiosk: check in to the next shift of the day, or check out of the current one.
    Returns what happened and the person's shifts of the day (first name only).

    A scan within KIOSK_DEBOUNCE (60 s) of this person's last check-in or check-out changes nothing (action
    "ignored"): a badge held twice under the reader must not check the person in and straight out again. A check-out
    within KIOSK_CONFIRM_CHECK_OUT_WITHIN (15 min) of the check-in is only done when confirmed (action
    "confirm_check_out" until then, nothing written)."""
    now = now or utcnow()
    participant = find_participant_by_badge(code)
    today = to_local(now).date()
    assignments = db.session.scalars(
        select(Assignment).join(Shift)
        .where(Assignment.participant_id == participant.id, Assignment.status == "booked", Shift.held_on == today,
               Shift.is_cancelled.is_(False))
        .options(selectinload(Assignment.shift).selectinload(Shift.activity))
        .order_by(Shift.start_time)).all()
    result = {"participant": participant, "action": None, "assignment": None, "assignments": assignments}
    if not assignments:
        return result
    if _is_validated(today):
        raise Conflict(_l("Today's sheet is already validated. Ask the coordinator."))
    last_scan = max((moment for a in assignments for moment in (a.checked_in_at, a.checked_out_at)
                     if moment is not None and moment <= now), default=None)
    if last_scan is not None and now - last_scan < KIOSK_DEBOUNCE:
        result["action"] = "ignored"
        return result
    early = timedelta(minutes=int(get_setting("volunteers.checkin_early_minutes")))
    late = timedelta(minutes=int(get_setting("volunteers.late_after_minutes")))
    for assignment in assignments:
        still_open = now < shift_bounds(assignment.shift)[1] + CHECK_OUT_GRACE
        if assignment.checked_in_at is not None and assignment.checked_out_at is None and still_open:
            if now - assignment.checked_in_at < KIOSK_CONFIRM_CHECK_OUT_WITHIN and not confirm_check_out:
                result.update(action="confirm_check_out", assignment=assignment)
                return result
            assignment.checked_out_at = max(now, assignment.checked_in_at + timedelta(minutes=1))
            result.update(action="check_out", assignment=assignment)
            break
    else:
        for assignment in assignments:
            start, end = shift_bounds(assignment.shift)
            if assignment.checked_in_at is None and now >= start - early and now < end:
                assignment.checked_in_at = now
                if assignment.attendance is None:
                    assignment.attendance = "late" if now > start + late else "present"
                result.update(action="check_in", assignment=assignment)
                break
        else:
            result["action"] = "nothing_now"
    if result["assignment"] is not None:
        db.session.flush()
        record_event(None, f"volunteers.kiosk_{result['action']}", result["assignment"])
    return result


def open_shifts_for(participant: Participant, days: int = 14) -> list[Shift]:
    """Shifts of the coming days that still have room and that this participant may take (for kiosk sign-up)."""
    today = local_today()
    shifts = db.session.scalars(
        select(Shift).where(Shift.held_on.between(today, today + timedelta(days=days)), Shift.is_cancelled.is_(False))
        .options(selectinload(Shift.activity), selectinload(Shift.assignments))
        .order_by(Shift.held_on, Shift.start_time)).all()
    mine = {(a.shift.held_on, a.shift.start_time, a.shift.end_time) for s in shifts for a in s.booked
            if a.participant_id == participant.id}
    result = []
    for shift in shifts:
        if len(shift.booked) >= shift.capacity or any(a.participant_id == participant.id and a.status != "cancelled"
                                                      for a in shift.assignments):
            continue
        if shift.required_capability and shift.required_capability not in (participant.capabilities or []):
            continue
        if any(day == shift.held_on and s < shift.end_time and e > shift.start_time for day, s, e in mine):
            continue
        result.append(shift)
    return result[:12]


def kiosk_sign_up(code: str, shift: Shift) -> Assignment:
    """A participant signs up for a shift at the kiosk with their badge; the same rules as a coordinator's
    booking apply, without the waitlist."""
    participant = find_participant_by_badge(code)
    if shift.held_on < local_today():
        raise ValidationError("shift_id", _l("This shift is over. Choose a shift to come."))
    try:
        return book_shift(None, shift, participant, source="kiosk")
    except ShiftFull:
        raise ShiftFull(_l("This shift has just been filled. Choose another shift.")) from None


def mark_attendance(actor, assignment: Assignment, attendance: str | None,
                    checked_in: time | None = None, checked_out: time | None = None) -> None:
    """The coordinator marks present, late, absent or excused and may correct the times. Check-out must come after
    check-in. An absence is information for the coordinator, never a sanction."""
    if attendance not in ATTENDANCE:
        raise ValidationError("attendance", _l("Choose present, late, absent or excused."))
    _check_not_validated(assignment)
    if assignment.status != "booked":
        raise Conflict(_l("This person is not booked on the shift."))
    day = assignment.shift.held_on
    in_at = local_to_utc(day, checked_in) if checked_in else assignment.checked_in_at
    out_at = local_to_utc(day, checked_out) if checked_out else assignment.checked_out_at
    if in_at is not None and out_at is not None and out_at <= in_at:
        raise ValidationError("checked_out", _l("The check-out time is before the check-in time: correct it."))
    if out_at is not None and in_at is None:
        raise ValidationError("checked_in", _l("Enter the check-in time too."))
    if attendance in ("absent", "excused"):
        in_at = out_at = None
    assignment.attendance, assignment.checked_in_at, assignment.checked_out_at = attendance, in_at, out_at
    db.session.flush()
    record_event(actor, "volunteers.attendance_mark", assignment, {"attendance": attendance})


def assignment_minutes(assignment: Assignment) -> int:
    """Hours come from check-in/out, or from the shift times when one is missing; absent or excused: none."""
    if assignment.status != "booked" or assignment.attendance not in ("present", "late"):
        return 0
    if assignment.checked_in_at and assignment.checked_out_at:
        return max(0, int((assignment.checked_out_at - assignment.checked_in_at).total_seconds() // 60))
    return assignment.shift.minutes


def forgot_check_out(assignment: Assignment, now: datetime | None = None) -> bool:
    """Checked in but not out after the end of the shift."""
    if assignment.checked_in_at is None or assignment.checked_out_at is not None:
        return False
    return (now or utcnow()) > shift_bounds(assignment.shift)[1]


def validate_day(actor, day: date) -> DaySheet:
    """Validate a day's sheet: each booked person must have an attendance mark; their hours are then frozen and
    only then count. A validated day does not change."""
    if _is_validated(day):
        raise Conflict(_l("This day is already validated."))
    if day > local_today():
        raise ValidationError("day", _l("A day can be validated only once it has come."))
    assignments = [a for shift in day_shifts(day) if not shift.is_cancelled for a in shift.booked]
    unmarked = [a for a in assignments if a.attendance is None]
    if unmarked:
        names = ", ".join(a.participant.short_name for a in unmarked)
        raise ValidationError("day", _l("Mark the attendance of every person first: %(names)s.", names=names))
    for assignment in assignments:
        assignment.validated_minutes = assignment_minutes(assignment)
    sheet = DaySheet(held_on=day, validated_by_id=getattr(actor, "id", None))
    db.session.add(sheet)
    db.session.flush()
    record_event(actor, "volunteers.day_validate", sheet, {"day": day.isoformat(), "people": len(assignments)})
    return sheet


def is_day_validated(day: date) -> bool:
    return _is_validated(day)


def _replace_confirmations(assignment: Assignment, confirmed_by: str, competences: list[Competence]) -> None:
    """Make one side's confirmations exactly `competences`, keeping the rows that stay: deleting and re-adding the
    same competence in one flush would insert before it deletes and break the unique constraint."""
    wanted = {c.id: c for c in competences}
    def ident_of(confirmation: CompetenceConfirmation) -> int:
        return confirmation.competence_id or confirmation.competence.id

    for confirmation in list(assignment.confirmations):
        if confirmation.confirmed_by == confirmed_by and ident_of(confirmation) not in wanted:
            assignment.confirmations.remove(confirmation)
    kept = {ident_of(c) for c in assignment.confirmations if c.confirmed_by == confirmed_by}
    for ident, competence in wanted.items():
        if ident not in kept:
            assignment.confirmations.append(CompetenceConfirmation(competence=competence, confirmed_by=confirmed_by))


def confirm_competences(actor, assignment: Assignment, *, supervisor_ids: list[int], participant_ids: list[int],
                        comment: str = "") -> None:
    """After a shift, the supervisor and the participant each confirm one to three competences practised; the
    participant may add a comment. Confirmations replace the previous ones."""
    if assignment.attendance not in ("present", "late"):
        raise Conflict(_l("Competences are confirmed for people who were present."))
    for field, ids in (("supervisor_ids", supervisor_ids), ("participant_ids", participant_ids)):
        if len(set(ids)) > 3:
            raise ValidationError(field, _l("Choose one to three competences."))
    if not supervisor_ids and not participant_ids:
        raise ValidationError("supervisor_ids", _l("Choose one to three competences."))
    if _is_validated(assignment.shift.held_on):
        raise Conflict(_l("This day is validated: its competences can no longer change."))
    supervisor, mine = _competences(supervisor_ids), _competences(participant_ids)
    _replace_confirmations(assignment, "supervisor", supervisor)
    _replace_confirmations(assignment, "participant", mine)
    assignment.participant_comment = (comment or "").strip()[:1000]
    db.session.flush()
    record_event(actor, "volunteers.competences_confirm", assignment,
                 {"supervisor": len(supervisor), "participant": len(mine)})


def confirm_own_competences(code: str, assignment_id: int, competence_ids: list[int], comment: str = "",
                            now: datetime | None = None) -> Assignment:
    """At the kiosk, after checking out, the participant confirms one to three competences of the activity and may
    add a comment; only their own confirmations are replaced (the supervisor's stay)."""
    participant = find_participant_by_badge(code)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.participant_id != participant.id:
        raise NotFound(_l("This shift is not yours. Scan your badge again."))
    today = to_local(now or utcnow()).date()
    if assignment.shift.held_on != today or assignment.checked_out_at is None:
        raise Conflict(_l("Competences are confirmed after checking out, on the day of the shift."))
    _check_not_validated(assignment)
    ids = sorted({int(i) for i in competence_ids})
    if not 1 <= len(ids) <= 3:
        raise ValidationError("competence_ids", _l("Choose one to three competences."))
    allowed = {c.id for c in assignment.shift.activity.competences}
    if not set(ids) <= allowed:
        raise ValidationError("competence_ids", _l("Choose among the competences of this activity."))
    _replace_confirmations(assignment, "participant", _competences(ids))
    if comment and comment.strip():
        assignment.participant_comment = comment.strip()[:1000]
    db.session.flush()
    record_event(None, "volunteers.competences_confirm_own", assignment, {"participant": len(ids)})
    return assignment


# --------------------------------------------------------------------------- insertion path


def _check_goal_values(text: str, domain: str, status: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("text", _l("Describe the goal."))
    if domain not in GOAL_DOMAINS:
        raise ValidationError("domain", _l("Choose one of the proposed domains."))
    if status not in GOAL_STATUSES:
        raise ValidationError("status", _l("Choose one of the proposed statuses."))
    return text[:2000]


def _check_piis_link(participant: Participant, piis_linked: bool, piis_consent: bool) -> None:
    if not piis_linked:
        return
    if participant.piis_signed_on is None:
        raise ValidationError("piis_linked", _l("Record the participant's PIIS (date and referent) before linking a "
                                                "goal to it."))
    if not piis_consent:
        raise ValidationError("piis_consent", _l("A goal is written into the PIIS only with the participant's "
                                                 "consent: record it, or leave the goal out of the PIIS."))


def _set_piis_link(actor, goal: Goal, piis_linked: bool) -> bool:
    """Link or unlink; returns whether it changed. The link row exists only with the consent date."""
    if piis_linked and goal.piis_link is None:
        goal.piis_link = GoalPiisLink(consent_on=local_today(), recorded_by_id=getattr(actor, "id", None))
        return True
    if not piis_linked and goal.piis_link is not None:
        goal.piis_link = None
        return True
    return False


def create_goal(actor, participant: Participant, *, text: str, domain: str = "social", status: str = "open",
                has_consent: bool = False, competence_ids: list[int] | None = None, piis_linked: bool = False,
                piis_consent: bool = False) -> Goal:
    """A goal of the path. Shifts count towards it only if the participant consented (then the date is kept);
    it is written into their PIIS only with their consent to that too (Constitutional Court 86/2018)."""
    text = _check_goal_values(text, domain, status)
    _check_piis_link(participant, piis_linked, piis_consent)
    goal = Goal(participant_id=participant.id, text=text, domain=domain, status=status,
                has_consent=bool(has_consent), consent_on=local_today() if has_consent else None,
                competences=_competences(competence_ids))
    db.session.add(goal)
    _set_piis_link(actor, goal, piis_linked)
    db.session.flush()
    record_event(actor, "volunteers.goal_create", goal, {"participant": participant.id, "consent": goal.has_consent,
                                                         "piis": goal.piis_link is not None})
    return goal


def update_goal(actor, goal: Goal, *, text: str, domain: str, status: str, has_consent: bool,
                competence_ids: list[int] | None = None, piis_linked: bool | None = None,
                piis_consent: bool = False) -> None:
    """Change a goal; giving or withdrawing consent is logged and takes effect at once on the linked hours. The
    PIIS link needs the participant's consent; unlinking removes it (piis_linked None leaves it as it is)."""
    text = _check_goal_values(text, domain, status)
    if piis_linked is not None and not (piis_linked and goal.piis_link is not None):
        _check_piis_link(db.session.get(Participant, goal.participant_id), piis_linked, piis_consent)
    consent_changed = bool(has_consent) != goal.has_consent
    goal.text, goal.domain, goal.status = text, domain, status
    goal.competences = _competences(competence_ids)
    if consent_changed:
        goal.has_consent = bool(has_consent)
        goal.consent_on = local_today() if has_consent else None
    piis_changed = piis_linked is not None and _set_piis_link(actor, goal, piis_linked)
    db.session.flush()
    detail = {"consent": goal.has_consent} if consent_changed else {}
    if piis_changed:
        detail["piis"] = goal.piis_link is not None
    record_event(actor, "volunteers.goal_update", goal, detail)


def record_piis(actor, participant: Participant, *, signed_on: date | None, referent: str) -> None:
    """Reference the participant's PIIS (signature date, referent social worker of the CPAS). Removing it is
    refused while goals are written into it."""
    referent = _clean(referent, 160)
    if signed_on is not None and signed_on > local_today():
        raise ValidationError("signed_on", _l("The date is in the future: enter the day the PIIS was signed."))
    if signed_on is None:
        linked = db.session.scalar(select(func.count(GoalPiisLink.goal_id)).join(Goal, Goal.id == GoalPiisLink.goal_id)
                                   .where(Goal.participant_id == participant.id))
        if linked:
            raise ValidationError("signed_on", _l("Goals are written into this PIIS: take them out of it first."))
        referent = ""
    participant.piis_signed_on, participant.piis_referent = signed_on, referent
    db.session.flush()
    record_event(actor, "volunteers.piis_update", participant, {"has_piis": signed_on is not None})


def add_piis_review(actor, participant: Participant, *, review_on: date | None, note: str = "") -> PiisReview:
    """Keep a review date of the PIIS (planned or held), one per day."""
    if participant.piis_signed_on is None:
        raise ValidationError("review_on", _l("Record the participant's PIIS first."))
    if review_on is None:
        raise ValidationError("review_on", _l("Enter the date of the review."))
    if review_on < participant.piis_signed_on:
        raise ValidationError("review_on", _l("The review is before the signature of the PIIS: correct the date."))
    exists = db.session.scalar(select(PiisReview.id).where(PiisReview.participant_id == participant.id,
                                                           PiisReview.review_on == review_on))
    if exists is not None:
        raise ValidationError("review_on", _l("A review is already recorded on this day."))
    review = PiisReview(participant_id=participant.id, review_on=review_on, note=_clean(note, 300),
                        recorded_by_id=getattr(actor, "id", None))
    db.session.add(review)
    db.session.flush()
    record_event(actor, "volunteers.piis_review_add", review, {"participant": participant.id})
    return review


def piis_reviews(participant: Participant) -> list[PiisReview]:
    return list(db.session.scalars(select(PiisReview).where(PiisReview.participant_id == participant.id)
                                   .order_by(PiisReview.review_on)))


def record_evaluation(actor, participant: Participant, *, held_on: date | None, mode: str, notes: str) -> Evaluation:
    """Keep each evaluation of the path (date, mode, notes)."""
    if held_on is None:
        raise ValidationError("held_on", _l("Enter the date of the evaluation."))
    if held_on > local_today():
        raise ValidationError("held_on", _l("The date is in the future: record the evaluation once it took place."))
    if mode not in EVALUATION_MODES:
        raise ValidationError("mode", _l("Choose one of the proposed modes."))
    evaluation = Evaluation(participant_id=participant.id, held_on=held_on, mode=mode, notes=(notes or "").strip(),
                            author_id=getattr(actor, "id", None))
    db.session.add(evaluation)
    db.session.flush()
    record_event(actor, "volunteers.evaluation_record", evaluation, {"participant": participant.id})
    return evaluation


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def evaluations_due(within_days: int = 30) -> list[dict]:
    """Participants with goals whose next evaluation (last one, or the start, plus the configured cadence in
    months) falls within `within_days` or is overdue."""
    cadence = int(get_setting("volunteers.evaluation_cadence_months"))
    today = local_today()
    last = dict(db.session.execute(select(Evaluation.participant_id, func.max(Evaluation.held_on))
                                   .group_by(Evaluation.participant_id)).all())
    with_goals = set(db.session.scalars(select(Goal.participant_id).where(Goal.status == "open")))
    participants = db.session.scalars(select(Participant).where(Participant.id.in_(with_goals))
                                      .options(selectinload(Participant.referent))
                                      .order_by(Participant.last_name)).all()
    due = []
    for participant in participants:
        if participant.ended_on is not None and participant.ended_on < today:
            continue
        since = last.get(participant.id) or participant.started_on
        next_on = _add_months(since, cadence)
        if next_on <= today + timedelta(days=within_days):
            due.append({"participant": participant, "last_on": last.get(participant.id), "due_on": next_on,
                        "is_overdue": next_on < today})
    return sorted(due, key=lambda row: row["due_on"])


def _counted_rows(participant_id: int, date_from: date | None = None, date_to: date | None = None):
    """Validated shift hours and workshop hours of a participant: (day, activity name, minutes, kind, source id)."""
    query = (select(Shift.held_on, Activity.name, Assignment.validated_minutes, Assignment.id, Activity.id)
             .join(Assignment.shift).join(Shift.activity)
             .where(Assignment.participant_id == participant_id, Assignment.validated_minutes.is_not(None)))
    workshop_query = (select(WorkshopSession.held_on, Workshop.title, WorkshopAttendance.minutes,
                             WorkshopAttendance.id, Workshop.id)
                      .join(WorkshopAttendance.session).join(WorkshopSession.workshop)
                      .where(WorkshopAttendance.participant_id == participant_id))
    if date_from:
        query = query.where(Shift.held_on >= date_from)
        workshop_query = workshop_query.where(WorkshopSession.held_on >= date_from)
    if date_to:
        query = query.where(Shift.held_on <= date_to)
        workshop_query = workshop_query.where(WorkshopSession.held_on <= date_to)
    rows = [(d, name, m, "shift", ident, act) for d, name, m, ident, act in db.session.execute(query)]
    rows += [(d, name, m, "workshop", ident, w) for d, name, m, ident, w in db.session.execute(workshop_query)]
    return rows


def path_summary(participant: Participant, date_from: date | None = None, date_to: date | None = None) -> dict:
    """What the participant page and the attestation show: validated hours by month and activity, attendance
    counts, competences with hours and confirmations, goals with the hours linked to them (consent only)."""
    rows = _counted_rows(participant.id, date_from, date_to)
    by_month: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_activity: dict[str, int] = defaultdict(int)
    for day, name, minutes, kind, _ident, _act in rows:
        label = name if kind == "shift" else str(_l("Workshop: %(title)s", title=name))
        by_month[day.replace(day=1)][label] += minutes
        by_activity[label] += minutes
    total = sum(by_activity.values())

    attendance = dict.fromkeys(ATTENDANCE, 0)
    query = (select(Assignment.attendance, func.count(Assignment.id)).join(Assignment.shift)
             .where(Assignment.participant_id == participant.id, Assignment.status == "booked",
                    Assignment.attendance.is_not(None)).group_by(Assignment.attendance))
    if date_from:
        query = query.where(Shift.held_on >= date_from)
    if date_to:
        query = query.where(Shift.held_on <= date_to)
    attendance.update(dict(db.session.execute(query).all()))

    # Competences: hours practised (activity or workshop mapping) and confirmations.
    activity_ids = {act for *_rest, kind, _i, act in rows if kind == "shift"}
    workshop_ids = {w for *_rest, kind, _i, w in rows if kind == "workshop"}
    activities = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids))
                                                      .options(selectinload(Activity.competences)))}
    workshops = {w.id: w for w in db.session.scalars(select(Workshop).where(Workshop.id.in_(workshop_ids))
                                                     .options(selectinload(Workshop.competences)))}
    competences: dict[int, dict] = {}

    def entry(competence: Competence) -> dict:
        return competences.setdefault(competence.id, {"competence": competence, "minutes": 0,
                                                      "supervisor": 0, "participant": 0})

    for _day, _name, minutes, kind, _ident, owner in rows:
        practised = activities[owner].competences if kind == "shift" else workshops[owner].competences
        for competence in practised:
            entry(competence)["minutes"] += minutes
    assignment_ids = [ident for *_rest, kind, ident, _a in rows if kind == "shift"]
    attendance_ids = [ident for *_rest, kind, ident, _a in rows if kind == "workshop"]
    confirmations = db.session.scalars(
        select(CompetenceConfirmation).options(selectinload(CompetenceConfirmation.competence))
        .where(CompetenceConfirmation.assignment_id.in_(assignment_ids)
               | CompetenceConfirmation.workshop_attendance_id.in_(attendance_ids))).all()
    for confirmation in confirmations:
        entry(confirmation.competence)[confirmation.confirmed_by] += 1
    comments = [text for (text,) in db.session.execute(
        select(Assignment.participant_comment).where(Assignment.id.in_(assignment_ids),
                                                     Assignment.participant_comment != "")
        .order_by(Assignment.id))]

    goals = db.session.scalars(select(Goal).where(Goal.participant_id == participant.id)
                               .options(selectinload(Goal.competences)).order_by(Goal.created_at, Goal.id)).all()
    goal_rows = []
    for goal in goals:
        linked = None
        if goal.has_consent:
            ids = {c.id for c in goal.competences}
            linked = sum(m for _d, _n, m, kind, _i, owner in rows
                         if ids & {c.id for c in (activities[owner].competences if kind == "shift"
                                                  else workshops[owner].competences)})
        goal_rows.append({"goal": goal, "linked_minutes": linked})
    return {
        "total_minutes": total,
        "by_month": {month: dict(values) for month, values in sorted(by_month.items())},
        "by_activity": dict(sorted(by_activity.items(), key=lambda item: -item[1])),
        "attendance": attendance,
        "competences": sorted(competences.values(), key=lambda e: (-e["minutes"], sort_key(e["competence"].name))),
        "comments": comments,
        "goals": goal_rows,
    }


def issue_attestation(actor, participant: Participant, date_from: date | None, date_to: date | None,
                      own_words: str = "", show_allowances: bool = False) -> tuple[AttestationIssue, dict]:
    """Log an attestation for a period with validated hours and return it with its content. A period without
    validated hours is refused. When asked, the content carries the expense allowances paid in the period
    (volunteering only)."""
    if date_from is None or date_to is None:
        raise ValidationError("date_from", _l("Enter the first and last day of the period."))
    if date_to < date_from:
        raise ValidationError("date_to", _l("The end date is before the start date: correct one of them."))
    summary = path_summary(participant, date_from, date_to)
    if summary["total_minutes"] == 0:
        raise ValidationError("date_from", _l("No validated hours in this period: choose another period or "
                                              "validate the attendance sheets first."))
    year = local_today().year
    count = db.session.scalar(select(func.count(AttestationIssue.id))
                              .where(AttestationIssue.reference.like(f"ATT-{year}-%")))
    reference = f"ATT-{year}-{count + 1:05d}"
    issue = AttestationIssue(reference=reference, participant_id=participant.id, period_from=date_from,
                             period_to=date_to, total_minutes=summary["total_minutes"],
                             issued_by_id=getattr(actor, "id", None))
    db.session.add(issue)
    db.session.flush()
    record_event(actor, "volunteers.attestation_issue", issue,
                 {"participant": participant.id, "reference": reference})
    summary["own_words"] = (own_words or "").strip()[:1500]
    if show_allowances:
        from grocery.volunteers.allowances import allowance_applies, allowance_total

        if allowance_applies(participant):
            summary["allowances"] = allowance_total(participant, date_from, date_to)
    return issue, summary


# --------------------------------------------------------------------------- workshops


#: Workshop services live in grocery/volunteers/workshops.py; these names stay reachable from here.
_WORKSHOP_NAMES = frozenset({"create_workshop", "add_workshop_session", "record_workshop_attendance",
                             "sign_up_participant", "sign_up_member", "cancel_signup", "WorkshopFull"})


def __getattr__(name: str):
    if name in _WORKSHOP_NAMES:
        from grocery.volunteers import workshops

        return getattr(workshops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The default competence framework and the activities that practise each competence (seeded in French).
DEFAULT_COMPETENCES = [
    "Accueil du public", "Tenue de caisse", "Gestion de stock", "Hygiène alimentaire", "Travail en équipe",
    "Ponctualité et régularité", "Communication", "Autonomie", "Animation de groupe", "Respect des consignes",
]
DEFAULT_ACTIVITIES = {
    "Caisse": ["Tenue de caisse", "Accueil du public", "Communication", "Ponctualité et régularité"],
    "Accueil": ["Accueil du public", "Communication", "Travail en équipe"],
    "Stock et dons": ["Gestion de stock", "Hygiène alimentaire", "Travail en équipe", "Respect des consignes"],
    "Nettoyage": ["Hygiène alimentaire", "Autonomie", "Respect des consignes"],
    "Animation d'atelier": ["Animation de groupe", "Communication", "Autonomie"],
}


def seed_framework(actor) -> int:
    """Create the default French competence framework and activities, when none exist yet; returns how many
    activities were created."""
    if db.session.scalar(select(func.count(Competence.id))):
        return 0
    competences = {name: Competence(name=name) for name in DEFAULT_COMPETENCES}
    db.session.add_all(competences.values())
    for name, practised in DEFAULT_ACTIVITIES.items():
        if db.session.scalar(select(Activity.id).where(Activity.name == name)) is None:
            db.session.add(Activity(name=name, competences=[competences[c] for c in practised]))
    db.session.flush()
    record_event(actor, "volunteers.framework_seed", "volunteer_competences")
    return len(DEFAULT_ACTIVITIES)
