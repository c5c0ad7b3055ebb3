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
from grocery.households.services import fold
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
