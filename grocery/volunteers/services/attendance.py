"""Attendance: the kiosk (check in, check out, sign up), attendance marked by the coordinator, validated days,
and competences confirmed after a shift."""

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.audit.services import record_event
from grocery.errors import Conflict, NotFound, ValidationError
from grocery.extensions import db
from grocery.settings.services import get_setting
from grocery.sites.context import current_site_id
from grocery.timeutil import local_to_utc, local_today, to_local, utcnow
from grocery.volunteers.models import (
    ATTENDANCE,
    Assignment,
    Competence,
    CompetenceConfirmation,
    DaySheet,
    Participant,
    Shift,
)
from grocery.volunteers.services.competences import _competences
from grocery.volunteers.services.participants import find_participant_by_badge
from grocery.volunteers.services.planning import ShiftFull, _is_validated, book_shift, day_shifts

#: A check-out scan is accepted until this long after the end of the shift; later, the check-out stays forgotten.
CHECK_OUT_GRACE = timedelta(hours=2)
#: A second scan of the same badge within this time is ignored (a badge held twice under the reader).
KIOSK_DEBOUNCE = timedelta(seconds=60)
#: A check-out this soon after the check-in is asked for confirmation first.
KIOSK_CONFIRM_CHECK_OUT_WITHIN = timedelta(minutes=15)


# --------------------------------------------------------------------------- attendance


def _check_not_validated(assignment: Assignment) -> None:
    if _is_validated(assignment.shift.held_on, assignment.shift.site_id):
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
    site_id = current_site_id()  # the kiosk's site: a participant checks in to that site's shifts only
    assignments = db.session.scalars(
        select(Assignment).join(Shift)
        .where(Assignment.participant_id == participant.id, Assignment.status == "booked", Shift.held_on == today,
               Shift.site_id == site_id, Shift.is_cancelled.is_(False))
        .options(selectinload(Assignment.shift).selectinload(Shift.activity))
        .order_by(Shift.start_time)).all()
    result = {"participant": participant, "action": None, "assignment": None, "assignments": assignments}
    if not assignments:
        return result
    if _is_validated(today, site_id):
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
    """Shifts of the coming days at the current site (the kiosk's) that still have room and that this participant
    may take (for kiosk sign-up)."""
    today = local_today()
    shifts = db.session.scalars(
        select(Shift).where(Shift.site_id == current_site_id(),
                            Shift.held_on.between(today, today + timedelta(days=days)), Shift.is_cancelled.is_(False))
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


def validate_day(actor, day: date, site_id: int | None = None) -> DaySheet:
    """Validate a day's sheet at the site (by default the current one): each booked person on the site's shifts
    must have an attendance mark; their hours are then frozen and only then count. A validated day does not change
    at that site; the other sites validate their own sheet of the same day."""
    site_id = site_id if site_id is not None else current_site_id()
    if _is_validated(day, site_id):
        raise Conflict(_l("This day is already validated."))
    if day > local_today():
        raise ValidationError("day", _l("A day can be validated only once it has come."))
    assignments = [a for shift in day_shifts(day, site_id) if not shift.is_cancelled for a in shift.booked]
    unmarked = [a for a in assignments if a.attendance is None]
    if unmarked:
        names = ", ".join(a.participant.short_name for a in unmarked)
        raise ValidationError("day", _l("Mark the attendance of every person first: %(names)s.", names=names))
    for assignment in assignments:
        assignment.validated_minutes = assignment_minutes(assignment)
    sheet = DaySheet(site_id=site_id, held_on=day, validated_by_id=getattr(actor, "id", None))
    db.session.add(sheet)
    db.session.flush()
    record_event(actor, "volunteers.day_validate", sheet, {"day": day.isoformat(), "people": len(assignments)})
    return sheet


def is_day_validated(day: date, site_id: int | None = None) -> bool:
    """Whether the site's (by default the current site's) sheet of the day is validated."""
    return _is_validated(day, site_id)


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
    if _is_validated(assignment.shift.held_on, assignment.shift.site_id):
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
    if (assignment is None or assignment.participant_id != participant.id
            or assignment.shift.site_id != current_site_id()):
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
