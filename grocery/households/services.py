"""Households domain services: households and members, eligibility, budget ledger, cards, till summary, privacy."""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from grocery.audit.models import AuditEvent
from grocery.audit.services import record_event
from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, code_kind, random_ean13
from grocery.dbutil import run, run_plain
from grocery.errors import Conflict, FieldErrors, GroceryError, NotEligible, NotFound, OverBudget, ValidationError
from grocery.extensions import db
from grocery.households.models import (
    CHARGE_TYPES,
    DECLARATIONS,
    INCOME_TYPES,
    LANGUAGES,
    OUTCOMES,
    PERIOD_KINDS,
    RELATIONS,
    SEXES,
    BudgetMovement,
    Criterion,
    Decision,
    DecisionCriterion,
    DecisionLine,
    Household,
    HouseholdCard,
    Member,
    NoteVersion,
    pick_reference_person,
)
from grocery.households.natnum import is_valid_national_number, normalise_national_number
from grocery.money import format_money
from grocery.settings.models import Setting
from grocery.settings.services import get_setting
from grocery.timeutil import format_local_date, local_today, utcnow

AGE_BANDS = (("0-2", 0, 2), ("3-14", 3, 14), ("15-17", 15, 17), ("18-24", 18, 24), ("25-64", 25, 64),
             ("65+", 65, 200))
ADULT_AGE = 18
CARD_REASONS = ("lost", "stolen", "damaged", "other")
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
# Small helpers
# --------------------------------------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """A name folded for comparisons: no accents, lower case, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if c.isalnum()).lower()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the end of shorter months)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth_on: date, day: date) -> int:
    return day.year - birth_on.year - ((day.month, day.day) < (birth_on.month, birth_on.day))


def _fr_date(day: date) -> str:
    """A day in the reader's format (d/MM/y in French and Dutch, dd/MM/y in English)."""
    return format_local_date(day)


# --------------------------------------------------------------------------------------------------------------
# Households and members
# --------------------------------------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ["street", "postcode", "municipality", "phone", "email", "preferred_language", "proxy_names",
                    "consent_on", "notes"]


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
    """The next free household reference of a year: M-2026-0001, M-2026-0002, ..."""
    prefix = f"M-{year}-"
    last = db.session.scalar(select(func.max(Household.reference)).where(Household.reference.like(prefix + "%")))
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


def composition(household: Household, day: date) -> dict:
    """Counts of the household's active members on a day: adults (18+), children, children under 3, age bands."""
    bands = {name: 0 for name, _low, _high in AGE_BANDS}
    adults = children = under_3 = 0
    for member in household.active_members:
        if member.birth_on > day:
            continue
        age = age_on(member.birth_on, day)
        if age >= ADULT_AGE:
            adults += 1
        else:
            children += 1
            if age < 3:
                under_3 += 1
        for name, low, high in AGE_BANDS:
            if low <= age <= high:
                bands[name] += 1
    return {"adults": adults, "children": children, "children_under_3": under_3, "age_bands": bands}


def weighted_composition(household: Household, day: date) -> dict:
    """The active members born by the day, each weighted by their presence share (shared custody: a child there
    half of the time counts 0,5), in hundredths of a person: the composition of the budget scale and of the reste
    à vivre. The till's quota basis (composition) counts heads and is not changed by it."""
    adults = children = 0
    for member in household.active_members:
        if member.birth_on > day:
            continue
        share = getattr(member, "presence_percent", 100) or 100
        if age_on(member.birth_on, day) >= ADULT_AGE:
            adults += share
        else:
            children += share
    return {"adults_hundredths": adults, "children_hundredths": children, "persons_hundredths": adults + children}


def hundredths_text(value: int) -> str:
    """2,5 for 250, 3 for 300: a weighted number of persons as people read it."""
    whole, rest = divmod(value, 100)
    if not rest:
        return str(whole)
    return f"{whole},{rest:02d}".rstrip("0")


# --------------------------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------------------------

def save_criterion(actor, criterion: Criterion | None, *, name: str, required_proof: str, proof_validity_days: int,
                   is_active: bool = True) -> Criterion:
    """Create or change an eligibility criterion of the configurable list; names are unique."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Type the name of the criterion."))
    if proof_validity_days is None or proof_validity_days < 0:
        raise ValidationError("proof_validity_days", _l("Type a number of days, 0 or more."))
    existing = db.session.scalar(select(Criterion).where(func.lower(Criterion.name) == name.lower()))
    if existing is not None and existing is not criterion:
        raise ValidationError("name", _l("A criterion with this name already exists."))
    if criterion is None:
        criterion = Criterion()
        db.session.add(criterion)
    criterion.name, criterion.required_proof = name, (required_proof or "").strip()
    criterion.proof_validity_days, criterion.is_active = proof_validity_days, is_active
    db.session.flush()
    record_event(actor, "criterion.save", criterion, {"name": name, "active": is_active})
    return criterion


def active_criteria() -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).where(Criterion.is_active.is_(True)).order_by(Criterion.name)))


# --------------------------------------------------------------------------------------------------------------
# Eligibility decisions
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Eligibility:
    """Whether a household may shop on a day, and why: `reason` for the till and the household ("see the social
    service"), `office_reason` for the social service itself (what to do about it)."""

    eligible: bool
    reason_code: str | None
    reason: str
    decision: Decision | None
    valid_until: date | None
    #: The date the reason names (start, end or suspension of access), if any.
    reason_day: date | None = None

    @property
    def office_reason(self) -> str:
        if self.eligible or self.reason_code not in OFFICE_REASONS:
            return self.reason
        text = str(OFFICE_REASONS[self.reason_code])
        return text.replace("%(day)s", _fr_date(self.reason_day)) if self.reason_day else text


REASONS = {
    "no_decision": _l("No access decision: see the social service."),
    "not_yet_valid": _l("Access starts on %(day)s: see the social service."),
    "expired": _l("Access expired on %(day)s: see the social service."),
    "suspended": _l("Access suspended since %(day)s: see the social service."),
    "refused": _l("Access refused: see the social service."),
    "ended": _l("Access ended on %(day)s: see the social service."),
    "household_closed": _l("This household is closed: see the social service."),
    "unknown_card": _l("Unknown card: check the card or see the social service."),
    "card_replaced": _l("Card replaced: ask for the new card or see the social service."),
}


#: The same reasons as read by the social service (the office screens): what to do, not whom to see.
OFFICE_REASONS = {
    "no_decision": _l("No access decision yet: record a decision to give access."),
    "not_yet_valid": _l("Access starts on %(day)s."),
    "expired": _l("Access expired on %(day)s: renew it with a new decision."),
    "suspended": _l("Access suspended since %(day)s."),
    "refused": _l("Access refused."),
    "ended": _l("Access ended on %(day)s."),
    "household_closed": _l("This household is closed: reopen it to give access again."),
}


def reason_text(code: str, day: date | None = None) -> str:
    """The plain reason for a code, with its date (dd/mm/yyyy) where it has one."""
    text = str(REASONS[code])
    return text.replace("%(day)s", _fr_date(day)) if day else text


def decision_in_force(household: Household, day: date) -> Decision | None:
    """The latest decision (by decided_on, then id) whose validity covers the day."""
    covering = [d for d in household.decisions if d.valid_from <= day <= d.valid_until]
    return max(covering, key=lambda d: (d.decided_on, d.id)) if covering else None


def eligibility_on(household: Household, day: date) -> Eligibility:
    """May the household shop on this day? The decision in force decides; a closed household never may."""
    if household.status != "active":
        return Eligibility(False, "household_closed", reason_text("household_closed"), None, None)
    decision = decision_in_force(household, day)
    if decision is not None:
        if decision.outcome == "granted":
            return Eligibility(True, None, _("Access granted until %(day)s.", day=_fr_date(decision.valid_until)),
                               decision, decision.valid_until)
        code = decision.outcome
        return Eligibility(False, code, reason_text(code, decision.valid_from), decision, None, decision.valid_from)
    past = [d for d in household.decisions if d.valid_until < day]
    if past:
        last = max(past, key=lambda d: (d.valid_until, d.decided_on, d.id))
        return Eligibility(False, "expired", reason_text("expired", last.valid_until), None, last.valid_until,
                           last.valid_until)
    future = [d for d in household.decisions if d.valid_from > day]
    if future:
        first = min(future, key=lambda d: d.valid_from)
        return Eligibility(False, "not_yet_valid", reason_text("not_yet_valid", first.valid_from), None, None,
                           first.valid_from)
    return Eligibility(False, "no_decision", reason_text("no_decision"), None, None)


def default_valid_until(valid_from: date) -> date:
    """The last day of validity of a decision taken from valid_from (setting households.decision_months)."""
    return add_months(valid_from, int(get_setting("households.decision_months"))) - timedelta(days=1)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scale_budget(household: Household, day: date) -> tuple[str, int]:
    """The budget the scale proposes: (period kind, base + per adult x adults + per child x children), each person
    weighted by their presence share (a child in shared custody half of the time: half the amount per child),
    rounded to the cent."""
    counts = weighted_composition(household, day)
    amount = (Decimal(int(get_setting("households.budget_per_household_cents")))
              + Decimal(int(get_setting("households.budget_per_adult_cents")) * counts["adults_hundredths"]) / 100
              + Decimal(int(get_setting("households.budget_per_child_cents")) * counts["children_hundredths"]) / 100)
    return str(get_setting("households.budget_period")), _half_up(amount)


def remaining_days(day: date) -> int:
    """Days the monthly income is divided by: the setting households.remaining_days (30 by default, the CPAS
    convention, so that the month's length never moves a household across the threshold), or the days of the
    calendar month of the day when the setting is 0."""
    days = int(get_setting("households.remaining_days"))
    return days if days > 0 else calendar.monthrange(day.year, day.month)[1]


def remaining_per_day(income_cents: int, charges_cents: int, persons_hundredths: int, days: int) -> int:
    """Reste à vivre per person per day: (income - charges) / persons / days, rounded to the cent; persons in
    hundredths (a child in shared custody half of the time counts 0,5)."""
    value = Decimal(income_cents - charges_cents) * 100 / Decimal(persons_hundredths) / Decimal(days)
    return _half_up(value)


def remaining_explanation(income_cents, charges_cents, persons_hundredths, days, result, threshold) -> str:
    """The computation in words, e.g. "(1 200,00 € − 850,00 €) / 3 persons / 30 days = 3,89 € (threshold 7,00 €)"."""
    below = _("below the threshold") if result < threshold else _("above the threshold")
    return _("(%(income)s income − %(charges)s charges) / %(persons)s person(s) / %(days)d days = %(result)s per "
             "person per day: %(position)s of %(threshold)s.", income=format_money(income_cents),
             charges=format_money(charges_cents), persons=hundredths_text(persons_hundredths), days=days,
             result=format_money(result), position=below, threshold=format_money(threshold))


def clean_budget_lines(lines: list[dict] | None) -> list[dict]:
    """The income and charge lines of a decision, checked: a known type for its kind, an amount of 0 or more,
    a proof of at most 200 characters. Lines without an amount are left out."""
    cleaned = []
    for line in lines or []:
        kind, amount = line.get("kind"), line.get("amount_cents")
        if amount is None:
            continue
        types = INCOME_TYPES if kind == "income" else CHARGE_TYPES if kind == "charge" else ()
        line_type = line.get("line_type") or ""
        if line_type not in types:
            raise ValidationError("lines", _l("Choose the type of each income and charge line from the list."))
        if not isinstance(amount, int) or amount < 0:
            raise ValidationError("lines", _l("The amount cannot be negative."))
        proof = (line.get("proof") or "").strip()
        if len(proof) > 200:
            raise ValidationError("lines", _l("At most %(n)d characters.", n=200))
        cleaned.append({"kind": kind, "line_type": line_type, "amount_cents": amount, "proof": proof})
    return cleaned


def line_totals(lines: list[dict]) -> tuple[int | None, int | None]:
    """(income, charges) summed from the lines; income None when there is no income line (not assessed)."""
    incomes = [line["amount_cents"] for line in lines if line["kind"] == "income"]
    charges = [line["amount_cents"] for line in lines if line["kind"] == "charge"]
    if not incomes:
        return None, (sum(charges) if charges else None)
    return sum(incomes), sum(charges)


def remaining_preview(household: Household, income_cents: int | None, charges_cents: int | None,
                      day: date) -> dict | None:
    """The reste à vivre a decision would record, with its explanation (None without income): per person weighted
    by presence, per day over the setting's days (30 by default)."""
    if income_cents is None:
        return None
    charges = charges_cents or 0
    persons = max(1, len([m for m in household.active_members if m.birth_on <= day]))
    weighted = max(1, weighted_composition(household, day)["persons_hundredths"])
    days = remaining_days(day)
    threshold = int(get_setting("households.remaining_threshold_cents"))
    result = remaining_per_day(income_cents, charges, weighted, days)
    return {"income_cents": income_cents, "charges_cents": charges, "persons": persons,
            "persons_hundredths": weighted, "persons_text": hundredths_text(weighted), "days": days,
            "result_cents": result, "threshold_cents": threshold, "is_below": result < threshold,
            "explanation": remaining_explanation(income_cents, charges, weighted, days, result, threshold)}


def decide_eligibility(actor, household: Household, *, outcome: str, motive: str = "",
                       valid_from: date | None = None, valid_until: date | None = None,
                       decided_on: date | None = None, income_cents: int | None = None,
                       charges_cents: int | None = None, criteria: list[dict] | None = None,
                       budget_cents: int | None = None, budget_override_motive: str = "",
                       lines: list[dict] | None = None) -> Decision:
    """Record a new eligibility decision; it supersedes the previous one, which stays in the history.

    Refused, suspended and ended decisions need a motive. Income and charges are lines (type, monthly amount,
    proof), summed; income_cents / charges_cents alone become one "other" line each. The budget comes from the
    scale unless the social worker overrides it with a motive. Proofs older than their criterion allows are flagged
    (the decision still saves: the social worker decides)."""
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before deciding."))
    if outcome not in OUTCOMES:
        raise ValidationError("outcome", _l("Choose an outcome: granted, refused, suspended or ended."))
    today = local_today()
    decided_on = decided_on or today
    valid_from = valid_from or decided_on
    current = eligibility_on(household, valid_from)
    if valid_until is None:
        if outcome in {"suspended", "ended"} and current.eligible:
            valid_until = current.decision.valid_until
        else:
            valid_until = default_valid_until(valid_from)
    if valid_until < valid_from:
        raise ValidationError("valid_until", _l("The end of validity cannot be before its start."))
    motive = (motive or "").strip()
    if outcome != "granted" and not motive:
        raise ValidationError("motive", _l("Write the motive of this decision."))
    for name, value in (("income_cents", income_cents), ("charges_cents", charges_cents)):
        if value is not None and value < 0:
            raise ValidationError(name, _l("The amount cannot be negative."))
    if lines is None:
        lines = []
        if income_cents is not None:
            lines.append({"kind": "income", "line_type": "other_income", "amount_cents": income_cents})
        if charges_cents is not None:
            lines.append({"kind": "charge", "line_type": "other_charge", "amount_cents": charges_cents})
    budget_lines = clean_budget_lines(lines)
    income_cents, charges_cents = line_totals(budget_lines)
    if charges_cents is not None and income_cents is None:
        raise ValidationError("income_cents", _l("Type the monthly income to compute the reste à vivre."))
    period_kind, scale = scale_budget(household, valid_from)
    if period_kind not in PERIOD_KINDS:
        period_kind = "week"
    override_motive = (budget_override_motive or "").strip()
    if outcome != "granted":
        scale = granted = 0
        override_motive = ""
    elif budget_cents is None or budget_cents == scale:
        granted = scale
    else:
        if budget_cents < 0:
            raise ValidationError("budget_cents", _l("The amount cannot be negative."))
        if not override_motive:
            raise ValidationError("budget_override_motive",
                                  _l("The budget differs from the scale (%(scale)s): write why.",
                                     scale=format_money(scale)))
        granted = budget_cents
    criterion_lines = []
    for item in criteria or []:
        criterion = db.session.get(Criterion, item.get("criterion_id") or 0)
        if criterion is None or not criterion.is_active:
            raise ValidationError("criteria", _l("Unknown criterion: choose one from the list."))
        proof_on = item.get("proof_dated_on")
        if proof_on and proof_on > decided_on:
            raise ValidationError("criteria", _l("A proof cannot be dated after the decision."))
        too_old = is_proof_too_old(criterion, proof_on, decided_on)
        if any(line.criterion_id == criterion.id for line in criterion_lines):
            continue
        criterion_lines.append(DecisionCriterion(criterion_id=criterion.id, criterion=criterion,
                                       proof_seen=(item.get("proof_seen") or "").strip()[:200],
                                       proof_dated_on=proof_on, is_proof_too_old=too_old))
    preview = remaining_preview(household, income_cents, charges_cents, valid_from)
    previous = max(household.decisions, key=lambda d: (d.decided_on, d.id)) if household.decisions else None
    decision = Decision(
        household=household, decided_by_id=getattr(actor, "id", None), decided_on=decided_on, valid_from=valid_from,
        valid_until=valid_until, outcome=outcome, motive=motive, supersedes_id=previous.id if previous else None,
        income_cents=income_cents, charges_cents=(charges_cents or 0) if income_cents is not None else None,
        persons=preview["persons"] if preview else max(1, len(household.active_members)),
        persons_hundredths=preview["persons_hundredths"] if preview else max(
            1, weighted_composition(household, valid_from)["persons_hundredths"]),
        days_in_month=preview["days"] if preview else remaining_days(valid_from),
        remaining_per_day_cents=preview["result_cents"] if preview else None,
        threshold_cents=int(get_setting("households.remaining_threshold_cents")), budget_period=period_kind,
        budget_cents=granted, scale_budget_cents=scale, budget_override_motive=override_motive,
        criteria=criterion_lines, lines=[DecisionLine(**line) for line in budget_lines])
    db.session.add(decision)
    db.session.flush()
    record_event(actor, "decision.create", decision, {
        "household_id": household.id, "outcome": outcome, "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(), "budget_cents": granted, "budget_period": period_kind,
        "budget_overridden": granted != scale,
        "old_proofs": sum(1 for line in criterion_lines if line.is_proof_too_old)})
    return decision


def suspended_decision(household: Household, day: date) -> tuple[Decision, Decision] | None:
    """(the suspension in force on the day, the granted decision it interrupted and that is still valid then), or
    None when the household is not suspended that day or nothing is left to resume."""
    eligibility = eligibility_on(household, day)
    if eligibility.reason_code != "suspended":
        return None
    suspension = eligibility.decision
    interrupted = [d for d in household.decisions if d.outcome == "granted" and d.id != suspension.id
                   and (d.decided_on, d.id) < (suspension.decided_on, suspension.id)
                   and d.valid_from <= suspension.valid_from <= d.valid_until and d.valid_until >= day]
    if not interrupted:
        return None
    return suspension, max(interrupted, key=lambda d: (d.decided_on, d.id))


def lift_suspension(actor, household: Household, *, motive: str, day: date | None = None) -> Decision:
    """Lift a suspension: the decision it interrupted resumes, with the same end date and budget, from the day of
    lifting. Decisions are never edited, so this records a granted decision copying the resumed one (budget, scale,
    income and charge lines, reste à vivre) from that day to the same end; like any decision starting within a week
    or a month, its first period gets the budget of the days left (period_budget). A motive is required."""
    day = day or local_today()
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before deciding."))
    found = suspended_decision(household, day)
    if found is None:
        raise Conflict(_l("This household is not suspended, or its decision has ended: record a new decision."))
    suspension, resumed = found
    motive = (motive or "").strip()
    if not motive:
        raise ValidationError("motive", _l("Write the motive of this decision."))
    if len(motive) > 2000:
        raise ValidationError("motive", _l("At most %(n)d characters.", n=2000))
    decision = Decision(
        household=household, decided_by_id=getattr(actor, "id", None), decided_on=local_today(), valid_from=day,
        valid_until=resumed.valid_until, outcome="granted", motive=motive, supersedes_id=suspension.id,
        income_cents=resumed.income_cents, charges_cents=resumed.charges_cents, persons=resumed.persons,
        persons_hundredths=resumed.persons_hundredths, remaining_per_day_cents=resumed.remaining_per_day_cents,
        days_in_month=resumed.days_in_month, threshold_cents=resumed.threshold_cents,
        budget_period=resumed.budget_period, budget_cents=resumed.budget_cents,
        scale_budget_cents=resumed.scale_budget_cents, budget_override_motive=resumed.budget_override_motive,
        criteria=[DecisionCriterion(criterion_id=line.criterion_id, proof_seen=line.proof_seen,
                                    proof_dated_on=line.proof_dated_on, is_proof_too_old=line.is_proof_too_old)
                  for line in resumed.criteria],
        lines=[DecisionLine(kind=line.kind, line_type=line.line_type, amount_cents=line.amount_cents,
                            proof=line.proof) for line in resumed.lines])
    db.session.add(decision)
    db.session.flush()
    start, end = decision_period(decision, day)
    record_event(actor, "decision.lift_suspension", decision, {
        "household_id": household.id, "suspension_id": suspension.id, "resumed_decision_id": resumed.id,
        "valid_from": day.isoformat(), "valid_until": decision.valid_until.isoformat(),
        "budget_cents": decision.budget_cents, "first_period_budget_cents": period_budget(decision, start, end)})
    return decision


def is_proof_too_old(criterion: Criterion, proof_on: date | None, day: date) -> bool:
    """A proof is too old when it is dated more than the criterion's validity (in days) before the day."""
    return bool(proof_on and criterion.proof_validity_days and (day - proof_on).days > criterion.proof_validity_days)


def proof_warnings(decision: Decision) -> list[str]:
    """Plain sentences for the proofs that were too old when the decision was taken."""
    return [_("Proof for “%(criterion)s” dated %(day)s is older than %(days)d days.",
              criterion=line.criterion.name, day=_fr_date(line.proof_dated_on),
              days=line.criterion.proof_validity_days)
            for line in decision.criteria if line.is_proof_too_old]


# --------------------------------------------------------------------------------------------------------------
# Budget periods and the ledger
# --------------------------------------------------------------------------------------------------------------

def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """[start, end] inclusive: a week runs Monday to Sunday, a month from its 1st to its last day."""
    if kind == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def decision_period(decision, day: date) -> tuple[date, date]:
    """The budget period of a granted decision containing the day: the calendar week (Monday to Sunday) or month of
    the day, cut to the decision's own validity. A decision starting on a Sunday has a first period of one day, one
    ending on the 10th a last period from the 1st to the 10th; a renewal (the day after the previous end) starts its
    own period, so the two halves of a week split between two decisions are two periods."""
    start, end = period_bounds(decision.budget_period, day)
    return max(start, decision.valid_from), min(end, decision.valid_until)


def prorate_budget(amount_cents: int, days: int, period_days: int, step: int | None = None) -> int:
    """amount x days / period_days, rounded half up to the step of households.budget_rounding_cents (1: to the
    cent), never more than the amount."""
    step = max(1, int(get_setting("households.budget_rounding_cents") if step is None else step))
    value = _half_up(Decimal(amount_cents) * days / period_days / step) * step
    return min(amount_cents, value)


def period_budget(decision, start: date, end: date, *, proration: tuple | None = None) -> int:
    """The budget of one period [start, end] of a granted decision (decision_period): its budget for a whole week or
    month; for a period cut by the decision's start or end, the budget of the days covered (days / days of the
    calendar period) unless households.budget_partial_period is "full". `proration`: (rule, rounding step) as the
    till read them with the card (else the settings)."""
    if decision.outcome != "granted":
        return 0
    calendar_start, calendar_end = period_bounds(decision.budget_period, start)
    period_days = (calendar_end - calendar_start).days + 1
    days = (end - start).days + 1
    if days >= period_days:
        return decision.budget_cents
    rule, step = proration or (get_setting("households.budget_partial_period"),
                               get_setting("households.budget_rounding_cents"))
    if str(rule or "prorate") == "full":
        return decision.budget_cents
    return prorate_budget(decision.budget_cents, days, period_days, 1 if step is None else int(step))


def budget_period(household: Household, day: date) -> tuple[date, date]:
    """The budget period containing the day: that of the granted decision in force (decision_period), else the
    calendar period of the setting households.budget_period."""
    decision = decision_in_force(household, day)
    if decision is not None and decision.outcome == "granted":
        return decision_period(decision, day)
    return period_bounds(str(get_setting("households.budget_period")), day)


def budget_granted(household: Household, day: date) -> int:
    """The budget the granted decision in force gives for the period of the day, prorated when the period is cut by
    the decision's start or end (0 when not eligible)."""
    eligibility = eligibility_on(household, day)
    if not eligibility.eligible:
        return 0
    return period_budget(eligibility.decision, *decision_period(eligibility.decision, day))


@cache
def _ledger_total_query():
    return select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0)).where(
        BudgetMovement.household_id == bindparam("household_id"), BudgetMovement.period_start == bindparam("start"))


def ledger_total(household_id: int, period_start: date) -> int:
    """Sum of the ledger movements of one period (negative: net consumption)."""
    db.session.flush()  # movements added through the ORM count
    return int(run(_ledger_total_query(), {"household_id": household_id, "start": period_start}).scalar() or 0)


def budget_left(household: Household, day: date) -> int:
    """Budget granted for the period of the day, minus consumption, plus refunds (ledger movements)."""
    start, _end = budget_period(household, day)
    return budget_granted(household, day) + ledger_total(household.id, start)


def lock_household(household_id: int) -> None:
    """Serialise budget changes of one household: SELECT ... FOR UPDATE on its row. Nothing on SQLite, where a
    SELECT locks nothing: there writers are serialised by the write transaction (dbutil.begin_write)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    run(_lock_query(), {"household_id": household_id})


@cache
def _lock_query():
    return select(Household.id).where(Household.id == bindparam("household_id")).with_for_update()


def consume_budget(household: Household, amount_cents: int, *, day: date, reference: str | None,
                   actor) -> BudgetMovement:
    """Take an amount from the household's budget of the period; refuse more than what is left (OverBudget)."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    lock_household(household.id)
    eligibility = eligibility_on(household, day)
    if not eligibility.eligible:
        raise NotEligible(eligibility.reason)
    start, end = decision_period(eligibility.decision, day)
    left = period_budget(eligibility.decision, start, end) + ledger_total(household.id, start)
    if amount_cents > left:
        raise OverBudget(_l("Only %(left)s is left in the budget of this period.", left=format_money(max(left, 0))),
                         left_cents=left)
    movement = BudgetMovement(household_id=household.id, period_start=start, amount_cents=-amount_cents,
                              kind="sale", reference=reference, actor_id=getattr(actor, "id", None))
    db.session.add(movement)
    db.session.flush()
    return movement


@cache
def _insert_movement():
    return BudgetMovement.__table__.insert()


def consume_budget_at_till(household: TillHousehold, amount_cents: int, *, period_start: date, reference: str,
                           actor_id: int | None) -> None:
    """consume_budget on the till's path, with one plain INSERT: the caller read the household and its budget left
    with till_lookup(lock=True) in this transaction and refused an amount above it."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    run_plain(_insert_movement(), {"household_id": household.id, "period_start": period_start,
                                   "amount_cents": -amount_cents, "kind": "sale", "reference": reference,
                                   "actor_id": actor_id, "created_at": utcnow(), "reason": ""})


def refund_budget(household: Household, amount_cents: int, *, day: date, reference: str | None, actor,
                  reason: str = "") -> BudgetMovement:
    """Give back budget (a returned or cancelled sale). With a reference, the refund goes to the period of that
    sale and cannot exceed what the sale consumed."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    lock_household(household.id)
    start, _end = budget_period(household, day)
    if reference:
        rows = db.session.execute(select(BudgetMovement.period_start, BudgetMovement.amount_cents).where(
            BudgetMovement.household_id == household.id, BudgetMovement.reference == reference)).all()
        consumed = -sum(amount for _start, amount in rows)
        sale_periods = [row_start for row_start, amount in rows if amount < 0]
        if sale_periods:
            start = sale_periods[0]
        if amount_cents > consumed:
            raise Conflict(_l("The refund is more than what this sale took from the budget (%(amount)s).",
                              amount=format_money(max(consumed, 0))))
    movement = BudgetMovement(household_id=household.id, period_start=start, amount_cents=amount_cents,
                              kind="refund", reference=reference, actor_id=getattr(actor, "id", None),
                              reason=(reason or "")[:200])
    db.session.add(movement)
    db.session.flush()
    return movement


def spending_history(household: Household, limit: int = 100) -> list[BudgetMovement]:
    return list(db.session.scalars(select(BudgetMovement).where(BudgetMovement.household_id == household.id)
                                   .order_by(BudgetMovement.created_at.desc(), BudgetMovement.id.desc())
                                   .limit(limit)))


# --------------------------------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------------------------------

def _deactivate(card: HouseholdCard, reason: str) -> None:
    card.is_active = False
    card.deactivated_at = utcnow()
    card.deactivation_reason = reason


def new_card_code(attempts: int = 20) -> str:
    """A random, unused household card code (EAN-13, prefix 25)."""
    for _attempt in range(attempts):
        code = random_ean13(PREFIX_HOUSEHOLD_CARD)
        if db.session.scalar(select(func.count(HouseholdCard.id)).where(HouseholdCard.code == code)) == 0:
            return code
    raise Conflict(_l("No free card code was found: try again."))


def issue_card(actor, household: Household, *, reason: str | None = None) -> HouseholdCard:
    """Give the household a new card; the previous active card stops working at once (reason recorded)."""
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before issuing a card."))
    if reason is not None and reason not in CARD_REASONS:
        raise ValidationError("reason", _l("Choose why the card is replaced."))
    lock_household(household.id)
    old = [card for card in household.cards if card.is_active]
    for card in old:
        _deactivate(card, reason or "other")
    card = HouseholdCard(code=new_card_code(), is_active=True, issued_by_id=getattr(actor, "id", None))
    household.cards.insert(0, card)
    db.session.flush()
    record_event(actor, "card.reissue" if old else "card.issue", household, {
        "card_id": card.id, "replaced_card_ids": [c.id for c in old], "reason": reason})
    return card


# --------------------------------------------------------------------------------------------------------------
# What the till may know
# --------------------------------------------------------------------------------------------------------------

class TillMember(NamedTuple):
    first_name: str
    last_name: str
    birth_on: date
    relation: str


class TillDecision(NamedTuple):
    id: int
    decided_on: date
    valid_from: date
    valid_until: date
    outcome: str
    budget_cents: int
    budget_period: str


@dataclass
class TillHousehold:
    """A household as the till reads it at every card scan and sale: plain rows from one query instead of ORM
    objects. It answers like a Household to eligibility_on, composition, display_name and budget_period."""

    id: int
    reference: str
    status: str
    proxy_names: list
    #: The active members, in the order they were added.
    active_members: list[TillMember]
    #: The decisions that can decide the day asked: covering it or later, and the last one(s) before it.
    decisions: list[TillDecision]
    #: Net budget ledger movements by period start: for each decision, of its week and of its month containing the
    #: day asked (decision_period's start: the calendar start, or the decision's start when later).
    ledger: dict[date, int]
    #: The settings households.budget_partial_period and households.budget_rounding_cents, read with the card (None:
    #: not stored, the defaults).
    proration: tuple = (None, None)

    @property
    def reference_person(self):
        return pick_reference_person(self.active_members)


@dataclass(frozen=True)
class TillCard:
    is_active: bool
    deactivation_reason: str | None
    household: TillHousehold


@cache
def _till_card_queries():
    def spent(start: str):
        # The ledger of the decision's period containing the day: it starts on the calendar start, or on the
        # decision's own start when that is later (decision_period); read per decision row, in the same statement.
        period_start = case((Decision.valid_from > bindparam(start), Decision.valid_from), else_=bindparam(start))
        return (select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0))
                .where(BudgetMovement.household_id == Household.id, BudgetMovement.period_start == period_start)
                .scalar_subquery())

    # The decisions that can decide the day (eligibility_on): those covering it or later, and the last one(s)
    # before it; not the whole history, so the rows stay few for a household followed for years. One range on
    # valid_until (no OR), so that PostgreSQL looks at this household's decisions only.
    earlier = aliased(Decision)
    last_end_before = (select(func.max(earlier.valid_until))
                       .where(earlier.household_id == Household.id, earlier.valid_until < bindparam("day"))
                       .scalar_subquery())
    def setting(key: str):
        return select(Setting.value).where(Setting.key == key).scalar_subquery()

    # One row per (active member, decision): a handful, read in one statement.
    card = (select(HouseholdCard.is_active, HouseholdCard.deactivation_reason, Household.id, Household.reference,
                   Household.status, cast(Household.proxy_names, Text), setting("households.budget_partial_period"),
                   setting("households.budget_rounding_cents"),
                   Member.id, Member.first_name, Member.last_name, Member.birth_on, Member.relation,
                   Decision.id, Decision.decided_on, Decision.valid_from, Decision.valid_until, Decision.outcome,
                   Decision.budget_cents, Decision.budget_period, spent("week_start"), spent("month_start"))
            .join(Household, Household.id == HouseholdCard.household_id)
            .outerjoin(Member, and_(Member.household_id == Household.id, Member.is_active.is_(True)))
            .outerjoin(Decision, and_(Decision.household_id == Household.id,
                                      Decision.valid_until >= func.coalesce(last_end_before, bindparam("day"))))
            .where(HouseholdCard.code == bindparam("code")).order_by(Member.id, Decision.id))
    lock = (select(Household.id).join(HouseholdCard, HouseholdCard.household_id == Household.id)
            .where(HouseholdCard.code == bindparam("code")).with_for_update(of=Household))
    return card, lock


def find_till_card(code: str, day: date, *, lock: bool = False) -> TillCard | None:
    """The card with this code and its household as the till needs them on a day, in one statement. With lock,
    the household row is locked first (PostgreSQL; SQLite serialises writers), so that the budget and quotas
    read next are read under the lock."""
    card_query, lock_query = _till_card_queries()
    code = (code or "").strip()
    db.session.flush()  # households, members, decisions or movements added through the ORM count
    if lock and db.session.get_bind().dialect.name != "sqlite":
        run(lock_query, {"code": code})
    week_start, month_start = period_bounds("week", day)[0], period_bounds("month", day)[0]
    rows = run(card_query, {"code": code, "day": day, "week_start": week_start, "month_start": month_start}).all()
    if not rows:
        return None
    card_active, reason, household_id, reference, status, proxies, rule, step = rows[0][:8]
    members: dict[int, TillMember] = {}
    decisions: dict[int, TillDecision] = {}
    ledger: dict[date, int] = {}
    member_end = 9 + len(TillMember._fields)
    decision_end = member_end + len(TillDecision._fields)
    for row in rows:
        if row[8] is not None:
            members.setdefault(row[8], TillMember(*row[9:member_end]))
        if row[member_end] is not None and row[member_end] not in decisions:
            decision = decisions[row[member_end]] = TillDecision(*row[member_end:decision_end])
            week_spent, month_spent = row[decision_end:]
            ledger[max(week_start, decision.valid_from)] = int(week_spent)
            ledger[max(month_start, decision.valid_from)] = int(month_spent)
    proxies = (json.loads(proxies) if proxies else None) or []  # read as text: decoded once, not per row
    household = TillHousehold(id=household_id, reference=reference, status=status, proxy_names=proxies,
                              active_members=list(members.values()), decisions=list(decisions.values()),
                              ledger=ledger, proration=(rule, step))
    return TillCard(is_active=card_active, deactivation_reason=reason, household=household)


TILL_KEYS = ("card_code", "household_id", "display_name", "eligible", "reason_code", "reason", "valid_until",
             "budget_cents", "budget_left_cents", "period_start", "period_end", "quota_basis", "proxies")


def display_name(household: Household) -> str:
    """First name and initial of the last name of the reference person ("Fatima B.")."""
    person = household.reference_person
    if person is None:
        return household.reference
    return f"{person.first_name} {person.last_name[:1].upper()}." if person.last_name else person.first_name


def till_summary(card_code: str, day: date, *, summary: dict | None = None, quotas: list[dict] | None = None) -> dict:
    """What the till's browser receives about a card, and nothing more: each field is one the till shows or computes
    with (README, "What the till knows about a household"). The name to greet, access and why not, until when, the
    budget left, the proxies, and the quotas that apply to this household (a limit scaled to 0 by its composition
    does not apply) with what is left. No household id, composition, granted budget, period, income, charges, notes,
    address, national number or motive. `summary` is a till_lookup summary already read for this card (the till's card
    lookup reads it once for the quotas too); `quotas` the quota_state of the household, when the till asks for it."""
    if summary is None:
        summary = till_lookup(card_code, day)[0]
    sent = {key: summary[key] for key in ("card_code", "display_name", "eligible", "reason", "valid_until",
                                          "budget_left_cents", "proxies")}
    if quotas is not None:
        sent["quotas"] = [{key: quota[key] for key in ("name", "limit", "left", "left_label")}
                          for quota in quotas if quota["limit"] > 0]
    return sent


def till_lookup(card_code: str, day: date, *, lock: bool = False) -> tuple[dict, TillHousehold | None]:
    """The till summary of a card and the household it was computed from (None for an unknown card). With lock,
    the budget is read under lock_household (a sale)."""
    code = (card_code or "").strip()
    summary = dict.fromkeys(TILL_KEYS)
    summary.update(card_code=code, eligible=False, proxies=[])
    card = find_till_card(code, day, lock=lock) if code_kind(code) == "household_card" else None
    if card is None:
        summary.update(reason_code="unknown_card", reason=reason_text("unknown_card"))
        return summary, None
    household = card.household
    if not card.is_active and card.deactivation_reason != "household_closed":
        summary.update(reason_code="card_replaced", reason=reason_text("card_replaced"),
                       display_name=display_name(household))
        return summary, household
    eligibility = eligibility_on(household, day)
    counts = composition(household, day)
    summary.update(
        household_id=household.id, display_name=display_name(household), eligible=eligibility.eligible,
        reason_code=eligibility.reason_code, reason=eligibility.reason,
        valid_until=eligibility.valid_until.isoformat() if eligibility.valid_until else None,
        quota_basis={"adults": counts["adults"], "children": counts["children"],
                     "children_under_3": counts["children_under_3"]},
        proxies=list(household.proxy_names or []))
    if eligibility.eligible:
        start, end = decision_period(eligibility.decision, day)
        granted = period_budget(eligibility.decision, start, end, proration=household.proration)
        summary.update(budget_cents=granted, budget_left_cents=granted + household.ledger.get(start, 0),
                       period_start=start.isoformat(), period_end=end.isoformat())
    return summary, household


# --------------------------------------------------------------------------------------------------------------
# Follow-up lists
# --------------------------------------------------------------------------------------------------------------

def _households_with_decisions(condition) -> list[Household]:
    ids = select(Decision.household_id).where(condition)
    return list(db.session.scalars(
        select(Household).where(Household.id.in_(ids), Household.status == "active")
        .options(selectinload(Household.members), selectinload(Household.decisions))
        .order_by(Household.reference)))


def expiring_soon(day: date, days: int | None = None) -> list[tuple[Household, Decision]]:
    """Households whose access ends within `days` (setting households.expiry_warning_days) with no renewal yet."""
    days = int(get_setting("households.expiry_warning_days")) if days is None else days
    limit = day + timedelta(days=days)
    found = []
    for household in _households_with_decisions((Decision.outcome == "granted") & (Decision.valid_until >= day)
                                                & (Decision.valid_until <= limit)):
        now = eligibility_on(household, day)
        if now.eligible and now.valid_until <= limit and not eligibility_on(
                household, now.valid_until + timedelta(days=1)).eligible:
            found.append((household, now.decision))
    return sorted(found, key=lambda pair: pair[1].valid_until)


def suspended_households(day: date) -> list[tuple[Household, Decision]]:
    found = []
    for household in _households_with_decisions((Decision.outcome == "suspended") & (Decision.valid_from <= day)
                                                & (Decision.valid_until >= day)):
        now = eligibility_on(household, day)
        if now.reason_code == "suspended":
            found.append((household, now.decision))
    return found


def refused_in_month(day: date) -> list[Decision]:
    start, end = period_bounds("month", day)
    return list(db.session.scalars(
        select(Decision).where(Decision.outcome == "refused", Decision.decided_on >= start, Decision.decided_on <= end)
        .options(selectinload(Decision.household).selectinload(Household.members))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())))


# --------------------------------------------------------------------------------------------------------------
# Privacy: export and anonymisation
# --------------------------------------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


#: Sections other domains add to a household's export: name -> function(household) -> JSON-ready list. The
#: volunteers domain registers the records of participants linked to the members (volunteers/household_link.py),
#: so that this domain never reads volunteer data itself.
EXPORT_SECTIONS: dict = {}


def register_export_section(name: str, collect) -> None:
    """Add a section to every household export (collect(household) returns JSON-ready data)."""
    EXPORT_SECTIONS[name] = collect


def _export_purchases(household: Household) -> list[dict]:
    """The household's sales with their lines and refunds, oldest first."""
    from grocery.checkout.models import Sale
    from grocery.stock.models import Product

    sales = db.session.scalars(select(Sale).where(Sale.household_id == household.id)
                               .options(selectinload(Sale.lines), selectinload(Sale.refunds))
                               .order_by(Sale.created_at, Sale.id)).all()
    product_ids = {line.product_id for sale in sales for line in sale.lines}
    names = {pid: name for pid, name in db.session.execute(
        select(Product.id, Product.name).where(Product.id.in_(product_ids)))} if product_ids else {}
    return [{"uuid": sale.uuid, "created_at": _iso(sale.created_at), "status": sale.status,
             "card_code": sale.card_code, "total_cents": sale.total_cents, "paid_cents": sale.paid_cents,
             "retail_cents": sale.retail_cents, "payment_method": sale.payment_method,
             "lines": [{"product": names.get(line.product_id), "quantity": line.quantity,
                        "price_cents": line.price_cents, "retail_cents": line.retail_cents, "source": line.source,
                        "refunded_quantity": line.refunded_quantity} for line in sale.lines],
             "refunds": [{"created_at": _iso(refund.created_at), "kind": refund.kind, "reason": refund.reason,
                          "amount_cents": refund.amount_cents} for refund in sale.refunds]}
            for sale in sales]


def export_household(actor, household: Household) -> dict:
    """Every record of one household (for a data-access request), as JSON-ready data: the household, its members,
    decisions with their income and charge lines, cards, the notes and their history, the budget ledger, its
    purchases (sales with their lines), its proxies, and what other domains register (the volunteer records of
    participants linked to its members). Logged."""
    data = {
        "reference": household.reference, "status": household.status, "street": household.street,
        "postcode": household.postcode, "municipality": household.municipality, "phone": household.phone,
        "email": household.email, "preferred_language": household.preferred_language,
        "proxy_names": list(household.proxy_names or []), "consent_on": _iso(household.consent_on),
        "closed_on": _iso(household.closed_on), "notes": household.notes, "created_at": _iso(household.created_at),
        "notes_history": [{"text": v.text, "written_at": _iso(v.written_at),
                           "written_by": v.written_by.display_name if v.written_by else None}
                          for v in household.note_versions],
        "members": [{"first_name": m.first_name, "last_name": m.last_name, "birth_on": _iso(m.birth_on),
                     "relation": m.relation, "national_number": m.national_number, "is_active": m.is_active,
                     "left_on": _iso(m.left_on), "sex": m.sex, "presence_percent": m.presence_percent,
                     "has_sensitive_consent": m.has_sensitive_consent,
                     "sensitive_consent_on": _iso(m.sensitive_consent_on), "disability": m.disability,
                     "homeless": m.homeless, "migrant_background": m.migrant_background}
                    for m in household.members],
        "decisions": [{"decided_on": _iso(d.decided_on), "valid_from": _iso(d.valid_from),
                       "valid_until": _iso(d.valid_until), "outcome": d.outcome, "motive": d.motive,
                       "decided_by": d.decided_by.display_name if d.decided_by else None,
                       "income_cents": d.income_cents, "charges_cents": d.charges_cents, "persons": d.persons,
                       "persons_weighted": hundredths_text(d.persons_hundredths), "days": d.days_in_month,
                       "lines": [{"kind": line.kind, "type": line.line_type, "amount_cents": line.amount_cents,
                                  "proof": line.proof} for line in d.lines],
                       "remaining_per_day_cents": d.remaining_per_day_cents, "threshold_cents": d.threshold_cents,
                       "budget_period": d.budget_period, "budget_cents": d.budget_cents,
                       "scale_budget_cents": d.scale_budget_cents,
                       "budget_override_motive": d.budget_override_motive,
                       "criteria": [{"criterion": c.criterion.name, "proof_seen": c.proof_seen,
                                     "proof_dated_on": _iso(c.proof_dated_on)} for c in d.criteria]}
                      for d in sorted(household.decisions, key=lambda d: (d.decided_on, d.id))],
        "cards": [{"code": c.code, "is_active": c.is_active, "issued_at": _iso(c.issued_at),
                   "deactivated_at": _iso(c.deactivated_at), "deactivation_reason": c.deactivation_reason}
                  for c in household.cards],
        "budget_movements": [{"period_start": _iso(m.period_start), "amount_cents": m.amount_cents, "kind": m.kind,
                              "reference": m.reference, "created_at": _iso(m.created_at), "reason": m.reason}
                             for m in db.session.scalars(select(BudgetMovement).where(
                                 BudgetMovement.household_id == household.id).order_by(BudgetMovement.id))],
        "history": [{"occurred_at": _iso(e.occurred_at), "action": e.action,
                     "by": e.actor.display_name if e.actor else None}
                    for e in db.session.scalars(select(AuditEvent).where(
                        AuditEvent.target_type == Household.__tablename__,
                        AuditEvent.target_id == str(household.id)).order_by(AuditEvent.id))],
        "purchases": _export_purchases(household),
        # Appointments are not recorded by the application (yet): nothing to export for them.
    }
    for name, collect in EXPORT_SECTIONS.items():
        data[name] = collect(household)
    record_event(actor, "household.export", household)
    return data


def last_activity_on(household: Household) -> date:
    """The last day something happened for the household: creation, end of a decision, a purchase, closing."""
    days = [household.created_at.date()]
    days += [d.valid_until for d in household.decisions]
    if household.closed_on:
        days.append(household.closed_on)
    last_movement = db.session.scalar(select(func.max(BudgetMovement.created_at)).where(
        BudgetMovement.household_id == household.id))
    if last_movement is not None:
        days.append(last_movement.date())
    return max(days)


def households_to_anonymise(years: int, day: date | None = None) -> list[Household]:
    """Households not anonymised yet that are closed or without activity for `years` years."""
    if years < 1:
        raise ValidationError("inactive_years", _l("Give a number of years of at least 1."))
    today = day or local_today()
    cutoff = add_months(today, -12 * years)
    candidates = db.session.scalars(select(Household).where(Household.status != "anonymised").options(
        selectinload(Household.decisions), selectinload(Household.members), selectinload(Household.cards))
        .order_by(Household.reference))
    return [h for h in candidates if last_activity_on(h) <= cutoff]


def anonymise_household(actor, household: Household) -> None:
    """Replace names, address, contact, proxies, notes, national numbers and decision motives; keep the postcode,
    the birth year of each person (for age bands and counts), decisions' dates, outcomes and amounts."""
    if household.status == "anonymised":
        return
    household.street = household.phone = household.notes = ""
    household.municipality = ""
    household.email = None
    household.proxy_names = []
    household.status = "anonymised"
    household.closed_on = household.closed_on or local_today()
    household.anonymised_at = utcnow()
    household.note_versions.clear()
    for index, member in enumerate(household.members, start=1):
        member.has_sensitive_consent, member.sensitive_consent_on = False, None
        member.sex = "not_stated"
        member.disability = member.homeless = member.migrant_background = "unknown"
        member.first_name = _("Person %(n)d", n=index)
        member.last_name = _("Anonymised")
        member.first_name_key = member.last_name_key = ""
        member.national_number = None
        member.birth_on = member.birth_on.replace(month=1, day=1)
    for decision in household.decisions:
        decision.motive = ""
        decision.budget_override_motive = ""
        for line in decision.criteria:
            line.proof_seen = ""
        for line in decision.lines:
            line.proof = ""
    for card in household.cards:
        if card.is_active:
            _deactivate(card, "household_closed")
    db.session.flush()
    record_event(actor, "household.anonymise", household, {"reference": household.reference})
