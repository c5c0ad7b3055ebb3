"""Workshops: sessions with a capacity, sign-ups of participants and of household members, then attendance.

A household member (a beneficiary who does not volunteer) is signed up by a social worker; their presence is
recorded on the sign-up and never enters a volunteer path, hours or attestation.
"""

from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, GroceryError, NotFound, ValidationError
from grocery.extensions import db
from grocery.timeutil import local_today
from grocery.volunteers.models import (
    Participant,
    Workshop,
    WorkshopAttendance,
    WorkshopSession,
    WorkshopSignup,
)
from grocery.volunteers.services.competences import _competences
from grocery.volunteers.services.participants import _clean
from grocery.volunteers.services.planning import _check_times

MAX_CAPACITY = 100


class WorkshopFull(GroceryError):
    code = "workshop_full"
    status = 409
    default_message = _l("This session is full. Choose another session.")


def create_workshop(actor, *, title: str, description: str = "", proposed_by: Participant | None = None,
                    proposed_by_name: str = "", competence_ids: list[int] | None = None) -> Workshop:
    """A workshop proposed by a participant, by another person (a beneficiary, a partner: their name), or by
    the team (neither)."""
    title = _clean(title, 160)
    if not title:
        raise ValidationError("title", _l("Give the workshop a title."))
    name = "" if proposed_by is not None else _clean(proposed_by_name, 120)
    workshop = Workshop(title=title, description=(description or "").strip(), proposed_by=proposed_by,
                        proposed_by_name=name, competences=_competences(competence_ids))
    db.session.add(workshop)
    db.session.flush()
    record_event(actor, "volunteers.workshop_create", workshop, {"title": title})
    return workshop


def check_session_values(*, held_on: date | None, start_time: time | None, end_time: time | None,
                         capacity: int | None) -> None:
    """A session's day, times and places (1 to 100), every wrong field at once."""
    errors = FieldErrors()
    if held_on is None:
        errors.add("held_on", _l("Enter the day."))
    with errors.collect():
        _check_times(start_time, end_time)
    if capacity is None or not 1 <= int(capacity) <= MAX_CAPACITY:
        errors.add("capacity", _l("The number of places is between 1 and 100."))
    errors.raise_if_any()


def add_workshop_session(actor, workshop: Workshop, *, held_on: date | None, start_time: time | None,
                         end_time: time | None, capacity: int | None = 12) -> WorkshopSession:
    """A dated session with its number of places (1 to 100) for the sign-ups."""
    check_session_values(held_on=held_on, start_time=start_time, end_time=end_time, capacity=capacity)
    session = WorkshopSession(workshop=workshop, held_on=held_on, start_time=start_time, end_time=end_time,
                              capacity=int(capacity))
    db.session.add(session)
    db.session.flush()
    record_event(actor, "volunteers.workshop_session_create", session, {"workshop": workshop.id})
    return session


def _locked(session: WorkshopSession) -> WorkshopSession:
    """Lock the session row (PostgreSQL) so that two sign-ups for the last place do not both pass."""
    db.session.execute(select(WorkshopSession.id).where(WorkshopSession.id == session.id).with_for_update())
    db.session.refresh(session, attribute_names=["signups"])
    return session


def _sign_up(actor, session: WorkshopSession, **person) -> WorkshopSignup:
    if session.held_on < local_today():
        raise Conflict(_l("This session is over: sign-ups are closed. Record the attendance instead."))
    session = _locked(session)
    key, value = next(iter(person.items()))
    if any(getattr(s, key) == value for s in session.signups):
        raise Conflict(_l("This person is already signed up for this session."))
    if session.capacity is not None and len(session.signups) >= session.capacity:
        raise WorkshopFull(_l("This session is full (%(n)d places). Choose another session.", n=session.capacity))
    signup = WorkshopSignup(session=session, signed_up_by_id=getattr(actor, "id", None), **person)
    db.session.add(signup)
    db.session.flush()
    record_event(actor, "volunteers.workshop_signup", signup,
                 {"session": session.id, "kind": "participant" if key == "participant_id" else "member"})
    return signup


def sign_up_participant(actor, session: WorkshopSession, participant: Participant) -> WorkshopSignup:
    """Take a place at a session for a participant; refused when the session is full or over."""
    return _sign_up(actor, session, participant_id=participant.id)


def sign_up_member(actor, session: WorkshopSession, member_id: int) -> WorkshopSignup:
    """A social worker takes a place at a session for a member of a household (workshops are open to households
    as well as participants); refused when the session is full or over, or the member left the household."""
    from grocery.volunteers.household_link import active_member

    member = active_member(member_id)
    return _sign_up(actor, session, member_id=member.id)


def cancel_signup(actor, signup: WorkshopSignup) -> None:
    """Free a place before the session; once attendance is recorded the sign-up stays as it is."""
    if signup.session.held_on < local_today() or signup.is_present is not None:
        raise Conflict(_l("This session is over: its sign-ups no longer change."))
    session_id = signup.session_id
    db.session.delete(signup)
    db.session.flush()
    record_event(actor, "volunteers.workshop_signup_cancel", "volunteer_workshop_signups", {"session": session_id})


def record_workshop_attendance(actor, session: WorkshopSession, participant_ids: list[int],
                               member_ids: list[int] | tuple = ()) -> int:
    """Record who took part in a session (replaces the previous list). Each participant present counts the
    session's duration in their path (signed up or come without signing up); household members must have been
    signed up, and their presence is kept on the sign-up only. Returns the number of people present."""
    if session.held_on > local_today():
        raise ValidationError("participant_ids", _l("Attendance is recorded once the session took place."))
    ids = {int(i) for i in participant_ids}
    members = {int(i) for i in member_ids}
    known = set(db.session.scalars(select(Participant.id).where(Participant.id.in_(ids))))
    if known != ids:
        raise NotFound(_l("Unknown participant."))
    signed_members = {s.member_id for s in session.signups if s.member_id is not None}
    if not members <= signed_members:
        raise ValidationError("member_ids", _l("Only household members signed up for the session can be marked "
                                               "present. Ask a social worker to sign them up."))
    for attendance in list(session.attendances):
        if attendance.participant_id not in ids:
            session.attendances.remove(attendance)
    present = {a.participant_id for a in session.attendances}
    for ident in ids - present:
        db.session.add(WorkshopAttendance(session=session, participant_id=ident, minutes=session.minutes,
                                          recorded_by_id=getattr(actor, "id", None)))
    for signup in session.signups:
        signup.is_present = (signup.participant_id in ids) if signup.participant_id else (signup.member_id in members)
    db.session.flush()
    record_event(actor, "volunteers.workshop_attendance", session, {"people": len(ids) + len(members)})
    return len(ids) + len(members)
