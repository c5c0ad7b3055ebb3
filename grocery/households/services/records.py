"""Households and their members: checking what the office types, duplicates, creating, changing, closing,
searching, and the composition of a household on a day."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, GroceryError, NotFound, ValidationError
from grocery.extensions import db
from grocery.households.models import (
    DECLARATIONS,
    LANGUAGES,
    RELATIONS,
    SEXES,
    Decision,
    Household,
    HouseholdCard,
    Member,
    NoteVersion,
)
from grocery.households.natnum import is_valid_national_number, normalise_national_number
from grocery.households.services.cards import _deactivate, issue_card
from grocery.households.services.common import fold
from grocery.timeutil import local_today

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PossibleDuplicate(GroceryError):
    """A person with the same last name and birth date (or national number) exists: confirm or stop."""

    code = "possible_duplicate"
    status = 409
    default_message = _l("A person with the same last name and birth date already exists. Check the list below: "
                         "if it is another person, tick the confirmation and save again.")

    def __init__(self, matches: list[Member]) -> None:
        super().__init__()
        self.matches = matches


class AlreadyMember(Conflict):
    """The person is already an active member of another active household."""

    code = "already_member"

    def __init__(self, member: Member) -> None:
        super().__init__(_l("%(name)s is already an active member of household %(reference)s. A person can belong "
                            "to one household only: first record their departure from that household.",
                            name=member.full_name, reference=member.household.reference))
        self.member = member


# --------------------------------------------------------------------------------------------------------------
# Households and members
# --------------------------------------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ["street", "postcode", "municipality", "phone", "email", "preferred_language", "accepts_reminders",
                    "proxy_names", "consent_on", "notes"]


def clean_household_values(values: dict, *, today: date, require_postcode: bool = False) -> dict:
    """The household fields given, checked and cleaned; every wrong field is reported at once."""
    errors = FieldErrors()
    cleaned = {}
    for name in HOUSEHOLD_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = value
    if ("postcode" in cleaned or require_postcode) and not re.fullmatch(r"[1-9]\d{3}", cleaned.get("postcode") or ""):
        errors.add("postcode", _l("A Belgian postcode has 4 digits, for example 5000."))
    if "street" in cleaned and len(cleaned["street"] or "") > 200:
        errors.add("street", _l("At most %(n)d characters.", n=200))
    if "municipality" in cleaned and len(cleaned["municipality"] or "") > 120:
        errors.add("municipality", _l("At most %(n)d characters.", n=120))
    if "phone" in cleaned:
        phone = cleaned["phone"] or ""
        if phone and not re.fullmatch(r"[+0-9 ./()-]{6,40}", phone):
            errors.add("phone", _l("Type a phone number with digits, for example 081 12 34 56."))
    if "email" in cleaned:
        email = cleaned["email"] or None
        if email and not _EMAIL.match(email):
            errors.add("email", _l("This is not an e-mail address."))
        cleaned["email"] = email
    if "accepts_reminders" in cleaned:
        cleaned["accepts_reminders"] = bool(cleaned["accepts_reminders"])
    if "preferred_language" in cleaned and cleaned["preferred_language"] not in LANGUAGES:
        errors.add("preferred_language", _l("Choose one of the proposed languages."))
    if "proxy_names" in cleaned:
        names = cleaned["proxy_names"]
        if isinstance(names, str):
            names = names.splitlines()
        names = [n.strip() for n in names or [] if n and n.strip()]
        if any(len(n) > 120 for n in names):
            errors.add("proxy_names", _l("At most %(n)d characters.", n=120))
        cleaned["proxy_names"] = names
    if cleaned.get("consent_on") and cleaned["consent_on"] > today:
        errors.add("consent_on", _l("The consent date cannot be in the future."))
    errors.raise_if_any()
    return cleaned


def clean_person(values: dict, *, today: date) -> dict:
    """A person's identity, checked and cleaned; every wrong field is reported at once."""
    errors = FieldErrors()
    first = (values.get("first_name") or "").strip()
    last = (values.get("last_name") or "").strip()
    if not first:
        errors.add("first_name", _l("Type the first name."))
    elif len(first) > 100:
        errors.add("first_name", _l("At most %(n)d characters.", n=100))
    if not last:
        errors.add("last_name", _l("Type the last name."))
    elif len(last) > 100:
        errors.add("last_name", _l("At most %(n)d characters.", n=100))
    birth_on = values.get("birth_on")
    if not isinstance(birth_on, date):
        errors.add("birth_on", _l("Type the birth date, for example 21/03/1985."))
    elif birth_on > today:
        errors.add("birth_on", _l("The birth date cannot be in the future."))
    elif birth_on.year < 1900:
        errors.add("birth_on", _l("Check the birth date: the year is before 1900."))
    relation = values.get("relation") or "other"
    if relation not in RELATIONS:
        errors.add("relation", _l("Choose one of the proposed relations."))
    number = normalise_national_number(values.get("national_number")) or None
    if number and not is_valid_national_number(number):
        errors.add("national_number", _l("This national register number is not valid: check the 11 digits "
                                         "(the last two are check digits)."))
    errors.raise_if_any()
    return {"first_name": first, "last_name": last, "first_name_key": fold(first), "last_name_key": fold(last),
            "birth_on": birth_on, "relation": relation, "national_number": number}


def check_new_household(household: dict, person: dict, *, today: date) -> tuple[dict, dict, dict]:
    """The values of a new household and of its reference person, checked together: every wrong field of both is
    reported in one ValidationError. Writes nothing."""
    errors = FieldErrors()
    values = person_values = profile = {}
    with errors.collect():
        values = clean_household_values(household, today=today, require_postcode=True)
    with errors.collect():
        person_values = clean_person({**person, "relation": "reference"}, today=today)
    with errors.collect():
        profile = clean_profile(person, today=today)
    errors.raise_if_any()
    return values, person_values, profile


#: The member fields beyond identity: sex, presence (shared custody), and the optional self-declared answers.
PROFILE_FIELDS = ("sex", "presence_percent", "has_sensitive_consent", "sensitive_consent_on", "disability",
                  "homeless", "migrant_background")
SENSITIVE_FIELDS = ("disability", "homeless", "migrant_background")


def clean_profile(values: dict, *, today: date) -> dict:
    """The member's sex, presence share and self-declared answers, checked. Only the fields given are returned
    (a caller that does not know them leaves them as they are). The answers about disability, homelessness and
    background are recorded only with the person's consent (with its date, today when not given); without
    consent they are "unknown"."""
    cleaned = {}
    if "sex" in values:
        sex = values["sex"] or "not_stated"
        if sex not in SEXES:
            raise ValidationError("sex", _l("Choose one of the proposed answers."))
        cleaned["sex"] = sex
    if "presence_percent" in values:
        presence = 100 if values["presence_percent"] in (None, "") else values["presence_percent"]
        if not isinstance(presence, int) or not 1 <= presence <= 100:
            raise ValidationError("presence_percent", _l("Type the share of the time the person lives in the "
                                                         "household, from 1 to 100 % (100: full time)."))
        cleaned["presence_percent"] = presence
    if "has_sensitive_consent" in values:
        consent = bool(values["has_sensitive_consent"])
        answers = {name: values.get(name) or "unknown" for name in SENSITIVE_FIELDS}
        if any(answer not in DECLARATIONS for answer in answers.values()):
            raise ValidationError("disability", _l("Choose one of the proposed answers."))
        consent_on = values.get("sensitive_consent_on") if consent else None
        if not consent and any(answer != "unknown" for answer in answers.values()):
            raise ValidationError("has_sensitive_consent", _l(
                "These answers are recorded only with the person's consent: tick the consent, or leave them on "
                "“unknown”."))
        if consent and consent_on is None:
            consent_on = today
        if consent_on and consent_on > today:
            raise ValidationError("sensitive_consent_on", _l("The consent date cannot be in the future."))
        cleaned.update(has_sensitive_consent=consent, sensitive_consent_on=consent_on, **answers)
    return cleaned


def find_possible_duplicates(person: dict, *, exclude_member_id: int | None = None) -> list[Member]:
    """Members (of any household not anonymised) with the same folded last name and birth date, or the same
    national register number."""
    conditions = [(Member.last_name_key == fold(person["last_name"])) & (Member.birth_on == person["birth_on"])]
    if person.get("national_number"):
        conditions.append(Member.national_number == person["national_number"])
    query = (select(Member).join(Member.household).where(or_(*conditions), Household.status != "anonymised")
             .options(selectinload(Member.household)).order_by(Member.id))
    if exclude_member_id:
        query = query.where(Member.id != exclude_member_id)
    return list(db.session.scalars(query))


def _same_person(member: Member, person: dict) -> bool:
    if person.get("national_number") and member.national_number:
        return member.national_number == person["national_number"]
    return (member.first_name_key == fold(person["first_name"]) and member.last_name_key == fold(person["last_name"])
            and member.birth_on == person["birth_on"])


def check_duplicates(person: dict, *, household_id: int | None, confirm: bool,
                      exclude_member_id: int | None = None) -> None:
    matches = find_possible_duplicates(person, exclude_member_id=exclude_member_id)
    for member in matches:
        if (member.is_active and member.household.status == "active" and member.household_id != household_id
                and _same_person(member, person)):
            raise AlreadyMember(member)
    if matches and not confirm:
        raise PossibleDuplicate(matches)


def next_reference(year: int) -> str:
    """The next free household reference of a year: M-2026-0001, M-2026-0002, ... M-2026-9999, M-2026-10000 (the
    last is the longest, then the highest: as text, M-2026-9999 sorts after M-2026-10000)."""
    prefix = f"M-{year}-"
    last = db.session.scalar(select(Household.reference).where(Household.reference.like(prefix + "%"))
                             .order_by(func.length(Household.reference).desc(), Household.reference.desc()).limit(1))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_household(actor, *, household: dict, person: dict, confirm_duplicates: bool = False,
                     day: date | None = None) -> Household:
    """Create a household with its reference person and a first card. Warns (PossibleDuplicate) when a person with
    the same last name and birth date exists; refuses (AlreadyMember) a person active in another household."""
    today = day or local_today()
    values, person_values, profile = check_new_household(household, person, today=today)
    check_duplicates(person_values, household_id=None, confirm=confirm_duplicates)
    row = Household(reference=next_reference(today.year), status="active", **values)
    if values.get("consent_on"):
        row.consent_recorded_by_id = getattr(actor, "id", None)
    row.members.append(Member(**person_values, **profile))
    if row.notes:
        row.note_versions.append(NoteVersion(text=row.notes, written_by_id=getattr(actor, "id", None)))
    db.session.add(row)
    db.session.flush()
    record_event(actor, "household.create", row, {"reference": row.reference})
    issue_card(actor, row)
    return row


def update_household(actor, household: Household, values: dict, *, day: date | None = None) -> list[str]:
    """Change a household's contact details, consent, proxies, notes. Returns the names of changed fields."""
    _ensure_not_anonymised(household)
    today = day or local_today()
    cleaned = clean_household_values(values, today=today)
    changed = [name for name in HOUSEHOLD_FIELDS if name in cleaned and getattr(household, name) != cleaned[name]]
    for name in changed:
        setattr(household, name, cleaned[name])
    if "consent_on" in changed:
        household.consent_recorded_by_id = getattr(actor, "id", None) if household.consent_on else None
    if "notes" in changed:
        household.note_versions.insert(0, NoteVersion(text=household.notes, written_by_id=getattr(actor, "id", None)))
    if changed:
        db.session.flush()
        record_event(actor, "household.update", household, {"fields": changed})
    return changed


def close_household(actor, household: Household, *, day: date | None = None) -> None:
    """Close a household: it no longer has access; its card is deactivated. History stays."""
    _ensure_not_anonymised(household)
    if household.status == "closed":
        return
    household.status = "closed"
    household.closed_on = day or local_today()
    for card in household.cards:
        if card.is_active:
            _deactivate(card, "household_closed")
    db.session.flush()
    record_event(actor, "household.close", household, {"closed_on": household.closed_on.isoformat()})


def reopen_household(actor, household: Household) -> None:
    """Reopen a closed household and give it a new card."""
    _ensure_not_anonymised(household)
    if household.status != "closed":
        return
    household.status, household.closed_on = "active", None
    for member in household.active_members:
        check_duplicates(_person_of(member), household_id=household.id, confirm=True, exclude_member_id=member.id)
    db.session.flush()
    record_event(actor, "household.reopen", household)
    issue_card(actor, household)


def _person_of(member: Member) -> dict:
    return {"first_name": member.first_name, "last_name": member.last_name,
            "birth_on": member.birth_on, "national_number": member.national_number}


def _ensure_not_anonymised(household: Household) -> None:
    if household.status == "anonymised":
        raise Conflict(_l("This household is anonymised: its data can no longer be changed."))


def add_member(actor, household: Household, person: dict, *, confirm_duplicates: bool = False,
               day: date | None = None) -> Member:
    """Add a person to a household, with the same duplicate checks as at creation."""
    _ensure_not_anonymised(household)
    values = clean_person(person, today=day or local_today())
    if values["relation"] == "reference" and household.reference_person is not None:
        raise ValidationError("relation", _l("The household already has a reference person."))
    profile = clean_profile(person, today=day or local_today())
    check_duplicates(values, household_id=household.id, confirm=confirm_duplicates)
    member = Member(**values, **profile)
    household.members.append(member)
    db.session.flush()
    record_event(actor, "member.add", household, {"member_id": member.id, "relation": member.relation})
    return member


def update_member(actor, member: Member, person: dict, *, is_active: bool = True,
                  day: date | None = None) -> list[str]:
    """Correct a member's identity or record their departure (is_active False); history stays."""
    household = member.household
    _ensure_not_anonymised(household)
    today = day or local_today()
    values = clean_person(person, today=today)
    if values["relation"] == "reference":
        other = household.reference_person
        if other is not None and other.id != member.id and other.relation == "reference":
            raise ValidationError("relation", _l("The household already has a reference person."))
    if is_active and (not member.is_active or values["birth_on"] != member.birth_on
                      or values["national_number"] != member.national_number
                      or values["last_name_key"] != member.last_name_key):
        check_duplicates(values, household_id=household.id, confirm=True, exclude_member_id=member.id)
    values.update(clean_profile(person, today=today))
    changed = [name for name, value in values.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, values[name])
    if member.is_active != is_active:
        member.is_active = is_active
        member.left_on = None if is_active else today
        changed.append("is_active")
    if changed:
        db.session.flush()
        record_event(actor, "member.update", household, {"member_id": member.id, "fields": changed})
    return changed


def get_household(household_id: int) -> Household:
    household = db.session.get(Household, household_id, options=[
        selectinload(Household.members), selectinload(Household.cards),
        selectinload(Household.decisions).selectinload(Decision.criteria)])
    if household is None:
        raise NotFound(_l("This household does not exist."))
    return household


def search_households(text: str = "", birth_on: date | None = None, limit: int = 50) -> list[Household]:
    """Households whose reference, card code (current or old) or a member's name contains the text, and (when
    given) with a member born on that day."""
    query = select(Household).options(selectinload(Household.members), selectinload(Household.cards))
    text = (text or "").strip()
    if text:
        digits = re.sub(r"\s", "", text)
        conditions = [Household.reference.ilike(f"%{text}%")]
        if digits.isdigit():
            conditions.append(Household.id.in_(select(HouseholdCard.household_id)
                                               .where(HouseholdCard.code.like(f"{digits}%"))))
        words = [fold(w) for w in text.split() if fold(w)]
        if words:
            name_match = select(Member.household_id)
            for word in words:
                name_match = name_match.where(or_(Member.first_name_key.like(f"%{word}%"),
                                                  Member.last_name_key.like(f"%{word}%")))
            conditions.append(Household.id.in_(name_match))
        query = query.where(or_(*conditions))
    if birth_on:
        query = query.where(Household.id.in_(select(Member.household_id).where(Member.birth_on == birth_on)))
    if not text and not birth_on:
        return []
    return list(db.session.scalars(query.order_by(Household.reference).limit(limit)))
