"""Household imports: one line per person, grouped by a household key; checks through the households rules."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.households import services as hs
from grocery.households.models import Household
from grocery.imports.columns import Column, ColumnMap, Item, Plan, Present, Progress, RowError
from grocery.imports.parsing import CellError, Table, as_date, as_text, choice, shown
from grocery.timeutil import format_local_date, local_today

COLUMNS = (
    Column("key", _l("Household"), ("référence", "ménage", "dossier", "n° ménage", "numéro de ménage",
                                    "household"), required=True,
           help=_l("The same value on every line of one household (a file number, a name...).")),
    Column("last_name", _l("Last name"), ("nom", "nom de famille", "last name", "surname"), required=True),
    Column("first_name", _l("First name"), ("prénom", "first name"), required=True),
    Column("birth_on", _l("Birth date"), ("date de naissance", "né le", "née le", "naissance", "birth date",
                                          "date of birth"), required=True,
           help=_l("dd/mm/yyyy, for example 21/03/1985.")),
    Column("relation", _l("Relation"), ("lien", "lien de parenté", "relation"),
           help=_l("référence, partenaire, enfant, parent, frère/sœur, petit-enfant or autre; empty: the first "
                   "line of a household is the reference person.")),
    Column("national_number", _l("National register number"), ("numéro national", "n° national",
                                                                 "numéro de registre national", "registre national",
                                                                 "niss", "national number"),
           help=_l("11 digits, with or without dots and dashes.")),
    Column("street", _l("Street and number"), ("rue", "adresse", "street", "address")),
    Column("postcode", _l("Postcode"), ("code postal", "cp", "postcode", "postal code"), required=True,
           help=_l("4 digits.")),
    Column("municipality", _l("Municipality"), ("commune", "localité", "ville", "municipality", "city")),
    Column("phone", _l("Phone"), ("téléphone", "tél", "gsm", "phone")),
    Column("email", _l("E-mail"), ("e-mail", "email", "courriel", "mail")),
    Column("preferred_language", _l("Language"), ("langue", "language"),
           help=_l("français, néerlandais, allemand, anglais or autre; empty: français.")),
    Column("consent_on", _l("Consent given on"), ("consentement", "date du consentement", "consent",
                                                  "consent date"),
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
}
LANGUAGE_WORDS = {"fr": "fr", "francais": "fr", "french": "fr", "nl": "nl", "neerlandais": "nl", "dutch": "nl",
                  "flamand": "nl", "de": "de", "allemand": "de", "german": "de", "en": "en", "anglais": "en",
                  "english": "en", "autre": "other", "other": "other"}


class _Row:
    """One person line: its values and the errors found in it."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[RowError] = []
        self.person: dict = {}
        self.household: dict = {}
        self.relation_given = False
        self.birth_title = ""


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
    seen_people: dict[tuple, int] = {}
    for key, rows in groups.items():
        _check_group(plan, key, rows, columns, today, seen_people)
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


def _check_group(plan: Plan, key: str, rows: list[_Row], columns: ColumnMap, today, seen_people) -> None:
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
        identity = _identity(row.person)
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
    existing = db.session.scalar(select(Household.reference).where(Household.reference == key))
    if existing:
        plan.present.append(Present(lines, f"{key} ({label})", _("household %(reference)s exists",
                                                                  reference=existing)))
        return
    matches = hs.find_possible_duplicates(person)
    if matches:
        match = matches[0]
        plan.present.append(Present(lines, f"{key} ({label})", _(
            "%(name)s, born on %(birth)s, is already known (household %(reference)s)", name=match.full_name,
            birth=format_local_date(match.birth_on), reference=match.household.reference)))
        return
    for row in rows:
        if row is reference:
            continue
        try:
            hs.check_duplicates(row.person, household_id=None, confirm=True)
        except GroceryError as error:
            row.errors.append(RowError(row.line, columns.title("last_name"), error.message))
    if any(r.errors for r in rows):
        for row in rows:
            plan.errors.extend(row.errors)
        return
    members = [r.person for r in rows if r is not reference]
    plan.items.append(Item(lines, f"{key} ({label})", {
        "household": reference.household, "person": {k: v for k, v in person.items() if k != "relation"},
        "members": members, "key": key}))


def _identity(person: dict) -> list[tuple] | None:
    if not person.get("last_name") or not person.get("birth_on"):
        return None
    idents = [("name", hs.fold(person["last_name"]), hs.fold(person.get("first_name")), person["birth_on"])]
    if person.get("national_number"):
        idents.append(("nn", person["national_number"]))
    return idents


def write(actor, item: Item) -> int:
    """Create one household with its reference person, card and members through the households services (their
    duplicate checks and audit events included); returns 1."""
    values = item.values
    household = hs.create_household(actor, household=values["household"], person=values["person"],
                                    confirm_duplicates=False)
    for person in values["members"]:
        hs.add_member(actor, household, person, confirm_duplicates=True)
    return 1


def describe(item: Item) -> list[str]:
    values = item.values
    person = values["person"]
    return [values["key"], f"{person['last_name']} {person['first_name']}", str(1 + len(values["members"]))]
