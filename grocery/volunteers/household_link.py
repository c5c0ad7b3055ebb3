"""The optional link between a participant and a household member, for social workers.

The only module of the volunteers domain that reads the households domain: it finds members who may be the same
person and records the link. The reverse never happens: eligibility, budgets and the till never read volunteer
data (tests/volunteers/test_views.py checks the imports in both directions)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.households.models import Household, Member
from grocery.households.services import fold, register_export_section
from grocery.volunteers.models import Participant


def member_candidates(participant: Participant, limit: int = 10) -> list[Member]:
    """Active household members with the participant's last name (accents and case ignored), same first name
    first."""
    members = db.session.scalars(
        select(Member).where(Member.last_name_key == fold(participant.last_name), Member.is_active.is_(True))
        .options(joinedload(Member.household)).order_by(Member.id).limit(50)).all()
    first = fold(participant.first_name)
    members.sort(key=lambda member: member.first_name_key != first)
    return members[:limit]


def link_household_member(actor, participant: Participant, member_id: int | None) -> bool:
    """Link the participant to a household member (or remove the link with None); logged without names.
    Returns whether something changed."""
    if member_id is not None:
        member = db.session.get(Member, member_id)
        if member is None or not member.is_active:
            raise ValidationError("member_id", _l("Choose a member of a household in the list."))
    if participant.household_member_id == member_id:
        return False
    participant.household_member_id = member_id
    db.session.flush()
    record_event(actor, "volunteers.participant_household_link", participant, {"linked": member_id is not None})
    return True


def active_member(member_id: int | None) -> Member:
    """The active household member with this id, or a ValidationError saying what to do."""
    member = db.session.get(Member, member_id) if member_id else None
    if member is None or not member.is_active:
        raise ValidationError("member_id", _l("Choose a member of a household in the list."))
    return member


def find_members(query: str, limit: int = 10) -> list[Member]:
    """Active household members whose last or first name starts with each word typed (accents and case
    ignored), or whose household has this reference; for a social worker signing someone up to a workshop."""
    words = [fold(word) for word in (query or "").split() if fold(word)]
    if not words:
        return []
    statement = (select(Member).join(Member.household).where(Member.is_active.is_(True))
                 .options(joinedload(Member.household)).order_by(Member.last_name_key, Member.first_name_key)
                 .limit(limit))
    reference = (query or "").strip().upper()
    conditions = [or_(Member.last_name_key.startswith(word), Member.first_name_key.startswith(word))
                  for word in words]
    statement = statement.where(or_(Household.reference == reference, and_(*conditions)))
    return list(db.session.scalars(statement))


def _iso(value):
    return value.isoformat() if value is not None else None


def linked_volunteer_records(household) -> list[dict]:
    """The volunteer records of the participants linked to the household's members, for the household's data
    export (GDPR): the participant, formalities, goals, evaluations, shifts, workshop attendances, attestations."""
    from grocery.volunteers.models import (
        Assignment,
        AttestationIssue,
        Evaluation,
        Goal,
        Shift,
        WorkshopAttendance,
        WorkshopSession,
    )

    member_ids = [member.id for member in household.members]
    if not member_ids:
        return []
    records = []
    for person in db.session.scalars(select(Participant).where(Participant.household_member_id.in_(member_ids))
                                     .order_by(Participant.id)):
        def rows(query):
            return db.session.scalars(query).all()

        records.append({
            "member_id": person.household_member_id, "first_name": person.first_name, "last_name": person.last_name,
            "phone": person.phone, "email": person.email, "engagement_type": person.engagement_type,
            "started_on": _iso(person.started_on), "ended_on": _iso(person.ended_on), "rhythm": person.rhythm,
            "capabilities": list(person.capabilities or []), "badge_code": person.badge_code,
            "formalities": [{"kind": f.kind, "status": f.status, "status_on": _iso(f.status_on), "note": f.note}
                            for f in person.formalities],
            "goals": [{"text": g.text, "domain": g.domain, "status": g.status, "has_consent": g.has_consent,
                       "consent_on": _iso(g.consent_on), "created_at": _iso(g.created_at)}
                      for g in rows(select(Goal).where(Goal.participant_id == person.id).order_by(Goal.id))],
            "evaluations": [{"held_on": _iso(e.held_on), "mode": e.mode, "notes": e.notes}
                            for e in rows(select(Evaluation).where(Evaluation.participant_id == person.id)
                                          .order_by(Evaluation.held_on, Evaluation.id))],
            "shifts": [{"held_on": _iso(a.shift.held_on), "start_time": a.shift.start_time.isoformat(),
                        "end_time": a.shift.end_time.isoformat(), "activity": a.shift.activity.name,
                        "status": a.status, "attendance": a.attendance, "validated_minutes": a.validated_minutes,
                        "comment": a.participant_comment}
                       for a in rows(select(Assignment).join(Shift, Shift.id == Assignment.shift_id)
                                     .where(Assignment.participant_id == person.id)
                                     .order_by(Shift.held_on, Assignment.id))],
            "workshops": [{"held_on": _iso(w.session.held_on), "workshop": w.session.workshop.title,
                           "minutes": w.minutes}
                          for w in rows(select(WorkshopAttendance)
                                        .join(WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
                                        .where(WorkshopAttendance.participant_id == person.id)
                                        .order_by(WorkshopSession.held_on, WorkshopAttendance.id))],
            "attestations": [{"reference": i.reference, "period_from": _iso(i.period_from),
                              "period_to": _iso(i.period_to), "total_minutes": i.total_minutes,
                              "issued_at": _iso(i.issued_at)}
                             for i in rows(select(AttestationIssue).where(AttestationIssue.participant_id == person.id)
                                           .order_by(AttestationIssue.id))],
        })
    return records


register_export_section("volunteer_records", linked_volunteer_records)


def household_workshop_signups(household) -> list[dict]:
    """The workshop places taken for the household's own members (signed up by a social worker, not as volunteers),
    with whether they came, for the household's data export."""
    from grocery.volunteers.models import WorkshopSession, WorkshopSignup

    member_ids = [member.id for member in household.members]
    if not member_ids:
        return []
    signups = db.session.scalars(
        select(WorkshopSignup).join(WorkshopSession, WorkshopSession.id == WorkshopSignup.session_id)
        .where(WorkshopSignup.member_id.in_(member_ids)).order_by(WorkshopSession.held_on, WorkshopSignup.id))
    return [{"member_id": signup.member_id, "workshop": signup.session.workshop.title,
             "held_on": _iso(signup.session.held_on), "is_present": signup.is_present,
             "signed_up_at": _iso(signup.created_at)} for signup in signups]


register_export_section("workshop_signups", household_workshop_signups)
