"""Household imports: one line per person, grouped by a household key; checks through the households rules, bulk
writing."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_

from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, random_ean13
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.households import services as hs
from grocery.households.models import Household, HouseholdCard, Member
from grocery.imports.bulk import LOOKUP_CHUNK, actor_id, audit_rows, chunks, ids_by, insert_rows, record_events
from grocery.imports.columns import Column, ColumnMap, Item, Plan, Present, Progress, RowError
from grocery.imports.parsing import CellError, Table, as_date, as_text, choice, shown
from grocery.timeutil import format_local_date, local_today

COLUMNS = (
    Column("key", _l("Household"), required=True,
           fr=("référence", "ménage", "dossier", "n° ménage", "numéro de ménage"),
           nl=("referentie", "huishouden", "dossier", "dossiernummer", "nr huishouden", "gezin"),
           en=("household",),
           help=_l("The same value on every line of one household (a file number, a name...).")),
    Column("last_name", _l("Last name"), required=True,
           fr=("nom", "nom de famille"), nl=("naam", "achternaam", "familienaam"), en=("last name", "surname")),
    Column("first_name", _l("First name"), required=True,
           fr=("prénom",), nl=("voornaam",), en=("first name",)),
    Column("birth_on", _l("Birth date"), required=True,
           fr=("date de naissance", "né le", "née le", "naissance"), nl=("geboortedatum", "geboren op", "geboorte"),
           en=("birth date", "date of birth"),
           help=_l("dd/mm/yyyy, for example 21/03/1985.")),
    Column("relation", _l("Relation"),
           fr=("lien", "lien de parenté"), nl=("relatie", "verwantschap", "band"), en=("relation",),
           help=_l("référence, partenaire, enfant, parent, frère/sœur, petit-enfant or autre; empty: the first "
                   "line of a household is the reference person.")),
    Column("national_number", _l("National register number"),
           fr=("numéro national", "n° national", "numéro de registre national", "registre national", "niss"),
           nl=("rijksregisternummer", "rijksregister", "insz", "insz-nummer", "nationaal nummer"),
           en=("national number",),
           help=_l("11 digits, with or without dots and dashes.")),
    Column("street", _l("Street and number"),
           fr=("rue", "adresse"), nl=("straat", "adres", "straat en nummer"), en=("street", "address")),
    Column("postcode", _l("Postcode"), required=True,
           fr=("code postal", "cp"), nl=("postcode", "postnummer"), en=("postcode", "postal code"),
           help=_l("4 digits.")),
    Column("municipality", _l("Municipality"),
           fr=("commune", "localité", "ville"), nl=("gemeente", "woonplaats", "plaats", "stad"),
           en=("municipality", "city")),
    Column("phone", _l("Phone"),
           fr=("téléphone", "tél", "gsm"), nl=("telefoon", "tel", "telefoonnummer", "gsm"), en=("phone",)),
    Column("email", _l("E-mail"),
           fr=("e-mail", "email", "courriel", "mail"), nl=("e-mail", "e-mailadres", "email", "mail"),
           en=("email", "e-mail")),
    Column("preferred_language", _l("Language"),
           fr=("langue",), nl=("taal",), en=("language",),
           help=_l("français, néerlandais, allemand, anglais or autre; empty: français.")),
    Column("consent_on", _l("Consent given on"),
           fr=("consentement", "date du consentement"), nl=("toestemming", "datum toestemming",
                                                            "datum van toestemming"),
           en=("consent", "consent date"),
           help=_l("Day the household agreed to the processing of its data, dd/mm/yyyy.")),
)
#: The columns that describe the household (taken from the reference person's line).
HOUSEHOLD_KEYS = ("street", "postcode", "municipality", "phone", "email", "preferred_language", "consent_on")

RELATION_WORDS = {
    "reference": "reference", "personne de reference": "reference", "chef de menage": "reference",
    "demandeur": "reference", "demandeuse": "reference", "titulaire": "reference",
    "partenaire": "partner", "conjoint": "partner", "conjointe": "partner", "epoux": "partner", "epouse": "partner",
    "cohabitant": "partner", "cohabitante": "partner", "partner": "partner",
    "enfant": "child", "fils": "child", "fille": "child", "child": "child",
    "parent": "parent", "pere": "parent", "mere": "parent",
    "frere": "sibling", "soeur": "sibling", "frere soeur": "sibling", "sibling": "sibling",
    "petit enfant": "grandchild", "petit fils": "grandchild", "petite fille": "grandchild",
    "grandchild": "grandchild", "autre": "other", "other": "other",
    # Dutch
    "referentiepersoon": "reference", "referentie": "reference", "aanvrager": "reference",
    "aanvraagster": "reference", "gezinshoofd": "reference", "titularis": "reference",
    "echtgenoot": "partner", "echtgenote": "partner", "samenwonende": "partner", "samenwonend partner": "partner",
    "kind": "child", "zoon": "child", "dochter": "child",
    "ouder": "parent", "vader": "parent", "moeder": "parent",
    "broer": "sibling", "zus": "sibling", "zuster": "sibling", "broer zus": "sibling",
    "kleinkind": "grandchild", "kleinzoon": "grandchild", "kleindochter": "grandchild",
    "ander": "other", "andere": "other", "overige": "other",
}
LANGUAGE_WORDS = {"fr": "fr", "francais": "fr", "french": "fr", "nl": "nl", "neerlandais": "nl", "dutch": "nl",
                  "flamand": "nl", "de": "de", "allemand": "de", "german": "de", "en": "en", "anglais": "en",
                  "english": "en", "autre": "other", "other": "other",
                  # Dutch
                  "frans": "fr", "nederlands": "nl", "vlaams": "nl", "duits": "de", "engels": "en",
                  "ander": "other", "andere": "other"}


class _Row:
    """One person line: its values and the errors found in it."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[RowError] = []
        self.person: dict = {}
        self.household: dict = {}
        self.relation_given = False
        self.birth_title = ""
        #: The person as hs.clean_person returns it (names folded for the duplicate checks), once checked.
        self.cleaned: dict = {}


def analyse(table: Table, columns: ColumnMap, progress: Progress = None) -> Plan:
    """Check every person line and every household without writing. A household whose reference (M-2026-0001)
    exists, or whose reference person is already known (same last name and birth date, or national register
    number), is "already present" and skipped. A household is imported whole or not at all."""
    plan = Plan("households", table, lines_read=len(table.rows))
    today = local_today()
    groups: dict[str, list[_Row]] = {}
    for line, cells in table.rows:
        row = _read_row(line, cells, columns, table, today)
        key = as_text(columns.cell(cells, "key"))
        if not key:
            row.errors.append(RowError(line, columns.title("key"), _("Type the household reference (the same on "
                                                                     "every line of one household).")))
            plan.errors.extend(row.errors)
        else:
            groups.setdefault(key, []).append(row)
        if progress:
            progress(1)
    known = _Known.load(groups)
    seen_people: dict[tuple, int] = {}
    for key, rows in groups.items():
        _check_group(plan, key, rows, columns, today, seen_people, known)
        if progress:
            progress(0)  # the lines were counted above; this lets the caller's time limit stop the checks
    return plan


def _read_row(line: int, cells: list, columns: ColumnMap, table: Table, today) -> _Row:
    row = _Row(line)
    row.birth_title = columns.title("birth_on")

    def fail(key: str, message) -> None:
        row.errors.append(RowError(line, columns.title(key) or columns.title("last_name"), str(message)))

    def get(key):
        return columns.cell(cells, key)

    if line in table.overlong:
        row.errors.append(RowError(line, "", _("This line has %(cells)d cells but the first line only %(titles)d "
                                               "titles: check the separator and the quotes.",
                                               cells=table.overlong[line], titles=len(table.headers))))
    person = {"first_name": as_text(get("first_name")), "last_name": as_text(get("last_name")),
              "national_number": as_text(get("national_number")) or None}
    number = get("national_number")
    if isinstance(number, int | float) and not isinstance(number, bool):
        person["national_number"] = as_text(number).zfill(11)
    try:
        person["birth_on"] = as_date(get("birth_on"))
    except CellError as error:
        fail("birth_on", error.message)
        person["birth_on"] = None
    relation = get("relation")
    if relation is not None:
        row.relation_given = True
        person["relation"] = choice(relation, RELATION_WORDS)
        if person["relation"] is None:
            fail("relation", _l("Unknown relation “%(value)s”: write référence, partenaire, enfant, parent, "
                                "frère/sœur, petit-enfant or autre.", value=shown(as_text(relation))))
    row.person = person
    household = {key: as_text(get(key)) or None for key in ("street", "postcode", "municipality", "phone", "email")}
    language = get("preferred_language")
    household["preferred_language"] = choice(language, LANGUAGE_WORDS) if language is not None else None
    if language is not None and household["preferred_language"] is None:
        fail("preferred_language", _l("Unknown language “%(value)s”: write français, néerlandais, allemand, "
                                      "anglais or autre.", value=shown(as_text(language))))
    try:
        household["consent_on"] = as_date(get("consent_on"))
    except CellError as error:
        fail("consent_on", error.message)
        household["consent_on"] = None
    row.household = household
    _check_person(row, fail, today)
    return row


#: Stands in for a missing or misread birth date so that the other identity checks still run.
_PLACEHOLDER_BIRTH = date(2000, 1, 1)


def _check_person(row: _Row, fail, today) -> None:
    """The households domain's own checks of a person (names, birth date, national register number)."""
    birth_on = row.person.get("birth_on")
    if birth_on is None and not any(e.column == row.birth_title for e in row.errors):
        fail("birth_on", _l("Type the birth date, for example 21/03/1985."))
    try:
        cleaned = hs.clean_person({**row.person, "birth_on": birth_on or _PLACEHOLDER_BIRTH,
                                    "relation": row.person.get("relation") or "other"}, today=today)
    except ValidationError as error:
        fail(error.field or "last_name", error.message)
        return
    row.person["national_number"] = cleaned["national_number"]
    row.cleaned = cleaned


def _check_group(plan: Plan, key: str, rows: list[_Row], columns: ColumnMap, today, seen_people,
                 known: _Known) -> None:
    lines = tuple(r.line for r in rows)
    key_title = columns.title("key")
    marked = [r for r in rows if r.person.get("relation") == "reference"]
    if marked:
        reference = marked[0]
        for other in marked[1:]:
            other.errors.append(RowError(other.line, columns.title("relation"), _(
                "Household %(key)s already has a reference person on line %(line)d.", key=key,
                line=reference.line)))
    elif not rows[0].relation_given:
        reference = rows[0]
    else:
        reference = rows[0]
        if reference.person.get("relation") is not None:  # an unknown relation is already an error of its own
            reference.errors.append(RowError(reference.line, columns.title("relation"), _(
                "Household %(key)s has no reference person: write “référence” in the column “%(column)s” of one "
                "of its lines.", key=key, column=columns.title("relation"))))
    reference.person["relation"] = "reference"
    for row in rows:
        row.person.setdefault("relation", "other")
        if row.person.get("relation") is None:
            row.person["relation"] = "other"
    # The household's details come from the reference person's line; other lines repeat them or leave them empty.
    if not reference.errors:
        try:
            given = {k: v for k, v in reference.household.items() if v is not None}
            reference.household = hs.clean_household_values(
                {"preferred_language": "fr", **given, "postcode": given.get("postcode") or ""}, today=today)
        except ValidationError as error:
            reference.errors.append(RowError(reference.line, columns.title(error.field or "postcode")
                                             or columns.title("postcode"), error.message))
    for row in rows:
        if row is reference:
            continue
        for name in HOUSEHOLD_KEYS:
            value = row.household.get(name)
            if value is not None and value != reference.household.get(name):
                row.errors.append(RowError(row.line, columns.title(name), _(
                    "This value differs from the line of the reference person (line %(line)d): the household's "
                    "details are taken from that line; leave this cell empty or write the same.",
                    line=reference.line)))
    # The same person twice in the file.
    for row in rows:
        identity = _identity(row)
        if identity is None:
            continue
        for ident in identity:
            if ident in seen_people and not row.errors:
                row.errors.append(RowError(row.line, columns.title("last_name"), _(
                    "The same person is already on line %(line)d.", line=seen_people[ident])))
        for ident in identity:
            seen_people.setdefault(ident, row.line)
    bad = [r for r in rows if r.errors]
    if bad:
        for row in rows:
            plan.errors.extend(row.errors)
            if not row.errors:
                plan.errors.append(RowError(row.line, key_title, _(
                    "Household %(key)s is not imported because of the error on line %(lines)s.", key=key,
                    lines=", ".join(str(r.line) for r in bad))))
        return
    person = reference.person
    label = f"{person['last_name']} {person['first_name']}"
    if key in known.references:
        plan.present.append(Present(lines, f"{key} ({label})", _("household %(reference)s exists",
                                                                  reference=key)))
        return
    matches = known.matches(reference.cleaned)
    if matches:
        match = matches[0]
        plan.present.append(Present(lines, f"{key} ({label})", _(
            "%(name)s, born on %(birth)s, is already known (household %(reference)s)", name=match.full_name,
            birth=format_local_date(match.birth_on), reference=match.household.reference)))
        return
    for row in rows:
        if row is reference:
            continue
        member = known.active_member(row.cleaned)
        if member is not None:
            row.errors.append(RowError(row.line, columns.title("last_name"), hs.AlreadyMember(member).message))
    if any(r.errors for r in rows):
        for row in rows:
            plan.errors.extend(row.errors)
        return
    members = [r.person for r in rows if r is not reference]
    # The people as they will be written: hs.clean_person's values with their relation, the reference person first.
    people = [{**r.cleaned, "relation": r.person["relation"]} for r in (reference, *(r for r in rows
                                                                                   if r is not reference))]
    plan.items.append(Item(lines, f"{key} ({label})", {
        "household": reference.household, "person": {k: v for k, v in person.items() if k != "relation"},
        "members": members, "people": people, "key": key}))


class KnownMember(NamedTuple):
    """A member already in the database, as the duplicate checks read it (a plain row, not an ORM object)."""

    id: int
    first_name: str
    last_name: str
    first_name_key: str
    last_name_key: str
    birth_on: date
    national_number: str | None
    is_active: bool
    household_id: int
    household_status: str
    household_reference: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def household(self) -> KnownHousehold:
        return KnownHousehold(self.household_reference, self.household_status)


class KnownHousehold(NamedTuple):
    reference: str
    status: str


class _Known:
    """What the database already holds about a file's households, read in a few queries (chunks of keys) before
    the checks: the household references used as keys, and the members who may be the file's persons."""

    def __init__(self) -> None:
        self.references: set[str] = set()
        self.by_identity: dict[tuple, list[KnownMember]] = {}
        self.by_number: dict[str, list[KnownMember]] = {}

    @classmethod
    def load(cls, groups: dict[str, list[_Row]]) -> _Known:
        known = cls()
        for part in chunks(groups):
            known.references.update(db.session.scalars(select(Household.reference)
                                                       .where(Household.reference.in_(part))))
        identities, numbers = set(), set()
        for rows in groups.values():
            for row in rows:
                if row.cleaned and row.person.get("birth_on"):
                    identities.add((row.cleaned["last_name_key"], row.cleaned["birth_on"]))
                if row.cleaned.get("national_number"):
                    numbers.add(row.cleaned["national_number"])
        columns = (Member.id, Member.first_name, Member.last_name, Member.first_name_key, Member.last_name_key,
                   Member.birth_on, Member.national_number, Member.is_active, Member.household_id, Household.status,
                   Household.reference)
        # hs.find_possible_duplicates: members of households not anonymised, with the same folded last name and
        # birth date, or the same national register number.
        members = select(*columns).join(Member.household).where(Household.status != "anonymised")
        found: dict[int, KnownMember] = {}
        for part in chunks(sorted(identities), LOOKUP_CHUNK // 2):
            for row in db.session.execute(members.where(tuple_(Member.last_name_key, Member.birth_on).in_(part))):
                found[row[0]] = KnownMember(*row)
        for part in chunks(sorted(numbers)):
            for row in db.session.execute(members.where(Member.national_number.in_(part))):
                found[row[0]] = KnownMember(*row)
        for member in sorted(found.values()):
            known.by_identity.setdefault((member.last_name_key, member.birth_on), []).append(member)
            if member.national_number:
                known.by_number.setdefault(member.national_number, []).append(member)
        return known

    def matches(self, person: dict) -> list[KnownMember]:
        """The possible duplicates of a person (as hs.clean_person returns it), by id, as
        hs.find_possible_duplicates finds them."""
        found = {m.id: m for m in self.by_identity.get((person["last_name_key"], person["birth_on"]), [])}
        if person.get("national_number"):
            found.update((m.id, m) for m in self.by_number.get(person["national_number"], []))
        return [found[member_id] for member_id in sorted(found)]

    def active_member(self, person: dict) -> KnownMember | None:
        """The person as an active member of an active household, which hs.check_duplicates refuses
        (AlreadyMember) for a person joining another household; None when free."""
        for member in self.matches(person):
            if member.is_active and member.household_status == "active" and _same_person(member, person):
                return member
        return None


def _same_person(member: KnownMember, person: dict) -> bool:
    """The households services' rule (on a person as hs.clean_person returns it): the same national register
    number when both have one, otherwise the same first name, last name (folded) and birth date."""
    if person.get("national_number") and member.national_number:
        return member.national_number == person["national_number"]
    return (member.first_name_key == person["first_name_key"] and member.last_name_key == person["last_name_key"]
            and member.birth_on == person["birth_on"])


def _identity(row: _Row) -> list[tuple] | None:
    """The keys by which a person may be found twice in one file: names folded and birth date, national register
    number."""
    person = row.person
    if not person.get("last_name") or not person.get("birth_on"):
        return None
    if row.cleaned:  # the names folded by hs.clean_person already
        names = (row.cleaned["last_name_key"], row.cleaned["first_name_key"])
    else:
        names = (hs.fold(person["last_name"]), hs.fold(person.get("first_name")))
    idents = [("name", *names, person["birth_on"])]
    if person.get("national_number"):
        idents.append(("nn", person["national_number"]))
    return idents


def write_all(actor, items: list[Item], progress: Progress = None) -> int:
    """Create the households of the plan in bulk, each with its reference person, its members and a first card, as
    hs.create_household and hs.add_member create them, with their audit events (household created, card issued,
    member added). The values are those the plan checked with the households rules (hs.clean_household_values,
    hs.clean_person) and the duplicate checks, in the same transaction. Returns the households created."""
    today = local_today()
    author = actor_id(actor)
    households = [{**_HOUSEHOLD_DEFAULTS, **item.values["household"], "status": "active",
                   "consent_recorded_by_id": author if item.values["household"].get("consent_on") else None}
                  for item in items]
    for row, reference in zip(households, _new_references(today.year, len(households)), strict=True):
        row["reference"] = reference
    insert_rows(Household, households, progress=progress, lines_per_row=[len(item.lines) for item in items])
    by_reference = ids_by(Household.reference, (row["reference"] for row in households))
    household_ids = [by_reference[row["reference"]][0] for row in households]
    insert_rows(Member, [{**_MEMBER_DEFAULTS, **person, "household_id": household_id}
                         for household_id, item in zip(household_ids, items, strict=True)
                         for person in item.values["people"]], progress=progress)
    members = ids_by(Member.household_id, household_ids)  # each household's people in the order written
    insert_rows(HouseholdCard, [{"code": code, "household_id": household_id, "is_active": True,
                                 "issued_by_id": author}
                                for household_id, code in zip(household_ids, _new_card_codes(len(household_ids)),
                                                              strict=True)], progress=progress)
    cards = ids_by(HouseholdCard.household_id, household_ids)
    events = []
    for household_id, row, item in zip(household_ids, households, items, strict=True):
        events.append((household_id, "household.create", {"reference": row["reference"]}))
        events.append((household_id, "card.issue", {"card_id": cards[household_id][0], "replaced_card_ids": [],
                                                    "reason": None}))
        # The reference person is created with the household; the others are added as members.
        events += [(household_id, "member.add", {"member_id": member_id, "relation": person["relation"]})
                   for member_id, person in zip(members[household_id][1:], item.values["people"][1:], strict=True)]
    record_events(audit_rows(actor, Household.__tablename__, events), progress)
    return len(household_ids)


#: Household and member columns an import may leave out, with the models' defaults: every row of one executemany
#: gives the same columns.
_HOUSEHOLD_DEFAULTS = {"street": "", "municipality": "", "phone": "", "email": None, "preferred_language": "fr",
                       "consent_on": None}
_MEMBER_DEFAULTS = {"sex": "not_stated", "presence_percent": 100, "has_sensitive_consent": False,
                    "sensitive_consent_on": None, "disability": "unknown", "homeless": "unknown",
                    "migrant_background": "unknown"}


def _new_references(year: int, count: int) -> list[str]:
    """`count` household references following hs.next_reference: M-2026-0001, M-2026-0002, ..."""
    first = hs.next_reference(year)
    prefix, number = first.rsplit("-", 1)
    return [f"{prefix}-{n:04d}" for n in range(int(number), int(number) + count)]


def _new_card_codes(count: int) -> list[str]:
    """`count` random, unused household card codes (EAN-13, prefix 25), as hs.new_card_code draws them, checked
    against the database by chunks."""
    codes: set[str] = set()
    for _attempt in range(20):
        while len(codes) < count:
            codes.add(random_ean13(PREFIX_HOUSEHOLD_CARD))
        used = set()
        for part in chunks(sorted(codes)):
            used.update(db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.code.in_(part))))
        if not used:
            return list(codes)
        codes -= used
    raise Conflict(_l("No free card code was found: try again."))  # pragma: no cover - 10^10 codes


def describe(item: Item) -> list[str]:
    values = item.values
    person = values["person"]
    return [values["key"], f"{person['last_name']} {person['first_name']}", str(1 + len(values["members"]))]
