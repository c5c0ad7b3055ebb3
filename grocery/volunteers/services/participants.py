"""Participants of the volunteer and insertion programmes: their record, badge and formalities."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.audit.services import changes, record_event
from grocery.barcodes import PREFIX_VOLUNTEER_BADGE, code_kind, random_ean13
from grocery.errors import Conflict, FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES
from grocery.timeutil import local_today
from grocery.volunteers.models import (
    CAPABILITIES,
    ENGAGEMENT_TYPES,
    FORMALITIES_BY_ENGAGEMENT,
    FORMALITY_STATUSES,
    Formality,
    Participant,
)


class BadgeRefused(GroceryError):
    code = "badge_refused"
    status = 422
    default_message = _l("This card is not a volunteer badge. Scan your volunteer badge.")


# --------------------------------------------------------------------------- participants


def _clean(value: str | None, limit: int) -> str:
    return (value or "").strip()[:limit]


def check_participant_values(values: dict) -> dict:
    """A participant's details checked and cleaned; every wrong field is reported at once (one ValidationError)."""
    errors = FieldErrors()
    first, last = _clean(values.get("first_name"), 80), _clean(values.get("last_name"), 80)
    if not first:
        errors.add("first_name", _l("Enter the first name."))
    if not last:
        errors.add("last_name", _l("Enter the last name."))
    engagement = values.get("engagement_type") or "volunteer"
    if engagement not in ENGAGEMENT_TYPES:
        errors.add("engagement_type", _l("Choose one of the proposed engagement types."))
    started_on = values.get("started_on")
    if started_on is None:
        errors.add("started_on", _l("Enter the start date."))
    ended_on = values.get("ended_on")
    if ended_on is not None and started_on is not None and ended_on < started_on:
        errors.add("ended_on", _l("The end date is before the start date: correct one of them."))
    capabilities = sorted(set(values.get("capabilities") or []))
    unknown = [c for c in capabilities if c not in CAPABILITIES]
    if unknown:
        errors.add("capabilities", _l("Unknown capability."))
    language = values.get("preferred_language") or "fr"
    if language not in DOCUMENT_LANGUAGES:
        errors.add("preferred_language", _l("Choose one of the proposed languages."))
    errors.raise_if_any()
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
    clean = check_participant_values(values)
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
    clean = check_participant_values(values)
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
