"""Households, their members, eligibility decisions and criteria, cards and the budget ledger."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

HOUSEHOLD_STATUSES = ("active", "closed", "anonymised")
RELATIONS = ("reference", "partner", "child", "parent", "sibling", "grandchild", "other")
OUTCOMES = ("granted", "refused", "suspended", "ended")
PERIOD_KINDS = ("week", "month")
MOVEMENT_KINDS = ("sale", "refund", "adjustment")
LANGUAGES = ("fr", "nl", "de", "en", "other")
#: Sex as recorded for the ESF+ indicators ("women"); "not_stated" when the person did not say.
SEXES = ("not_stated", "female", "male")
#: Answers to the optional, self-declared questions (disability, homelessness, migrant or foreign background).
DECLARATIONS = ("unknown", "yes", "no")
#: Kinds of the lines of a decision's budget: income and fixed charges.
LINE_KINDS = ("income", "charge")
INCOME_TYPES = ("integration_income", "salary", "unemployment", "sickness", "pension", "family_allowance",
                "alimony", "other_income")
CHARGE_TYPES = ("rent", "energy", "water", "insurance", "debt", "health", "childcare", "transport", "other_charge")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def pick_reference_person(active_members: list):
    """The active member whose relation is "reference", else the first active member (None when none)."""
    for member in active_members:
        if member.relation == "reference":
            return member
    return active_members[0] if active_members else None


class Household(db.Model):
    """The unit that has access to the grocery, a card and a budget."""

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint(_in("status", HOUSEHOLD_STATUSES), name="status_known"),
        CheckConstraint(_in("preferred_language", LANGUAGES), name="language_known"),
        Index("ix_households_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human-friendly reference, e.g. M-2026-0042 (year of creation, sequence in that year).
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    #: Belgian postcode, 4 digits; kept after anonymisation for statistics.
    postcode: Mapped[str] = mapped_column(String(4))
    municipality: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    preferred_language: Mapped[str] = mapped_column(String(5), default="fr")
    #: The household agreed to receive reminders (appointments) at its e-mail address; never e-mailed without it.
    accepts_reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Names of the persons authorised to shop for the household (shown at the till).
    proxy_names: Mapped[list] = mapped_column(JSON, default=list)
    #: Day the household consented to the processing of its data, and who recorded it.
    consent_on: Mapped[date | None] = mapped_column(Date)
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="active")
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: Confidential notes of the social service; never shown at the till.
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consent_recorded_by = relationship("User", foreign_keys=[consent_recorded_by_id])
    note_versions: Mapped[list["NoteVersion"]] = relationship(
        back_populates="household", order_by="(NoteVersion.written_at.desc(), NoteVersion.id.desc())",
        cascade="all, delete-orphan")
    members: Mapped[list["Member"]] = relationship(
        back_populates="household", order_by="Member.id", cascade="all, delete-orphan")
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="household", order_by="(Decision.decided_on.desc(), Decision.id.desc())",
        cascade="all, delete-orphan")
    cards: Mapped[list["HouseholdCard"]] = relationship(
        back_populates="household", order_by="HouseholdCard.id.desc()", cascade="all, delete-orphan")

    @property
    def active_members(self) -> list["Member"]:
        return [m for m in self.members if m.is_active]

    @property
    def reference_person(self) -> "Member | None":
        return pick_reference_person(self.active_members)

    @property
    def active_card(self) -> "HouseholdCard | None":
        return next((card for card in self.cards if card.is_active), None)

    @property
    def name(self) -> str:
        person = self.reference_person
        return f"{person.last_name} {person.first_name}" if person else self.reference

    def __repr__(self) -> str:
        return f"<Household {self.reference}>"


class Member(db.Model):
    """A person of a household; identified by name and birth date, optionally by national register number."""

    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint(_in("relation", RELATIONS), name="relation_known"),
        CheckConstraint(_in("sex", SEXES), name="sex_known"),
        CheckConstraint("presence_percent >= 1 AND presence_percent <= 100", name="presence_in_range"),
        CheckConstraint(_in("disability", DECLARATIONS), name="disability_known"),
        CheckConstraint(_in("homeless", DECLARATIONS), name="homeless_known"),
        CheckConstraint(_in("migrant_background", DECLARATIONS), name="migrant_background_known"),
        # Without the person's consent the sensitive answers stay "unknown".
        CheckConstraint("has_sensitive_consent OR (disability = 'unknown' AND homeless = 'unknown' "
                        "AND migrant_background = 'unknown')", name="sensitive_needs_consent"),
        Index("ix_household_members_identity", "last_name_key", "birth_on"),
        Index("ix_household_members_national_number", "national_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    #: Names folded (lower case, no accents, no spaces or hyphens) to search and find duplicates.
    first_name_key: Mapped[str] = mapped_column(String(100), default="")
    last_name_key: Mapped[str] = mapped_column(String(100))
    birth_on: Mapped[date] = mapped_column(Date)
    #: Relation to the reference person of the household.
    relation: Mapped[str] = mapped_column(String(12), default="other")
    #: Belgian national register number, 11 digits without separators (check digits verified).
    national_number: Mapped[str | None] = mapped_column(String(11))
    #: False once the person has left the household (kept for history and statistics).
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[date | None] = mapped_column(Date)
    #: female, male or not_stated (ESF+ indicator "women").
    sex: Mapped[str] = mapped_column(String(12), default="not_stated", server_default="not_stated")
    #: Share of the time the person lives in the household (shared custody: 50); counts as a fraction of a person
    #: in the budget scale and the reste à vivre. 100: full time.
    presence_percent: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    #: The person agreed to record the optional self-declared answers below (disability, homelessness,
    #: background), on consent_on; without it they stay "unknown".
    has_sensitive_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sensitive_consent_on: Mapped[date | None] = mapped_column(Date)
    #: Self-declared answers for the ESF+ indicators: unknown, yes or no.
    disability: Mapped[str] = mapped_column(String(8), default="unknown", server_default="unknown")
    homeless: Mapped[str] = mapped_column(String(8), default="unknown", server_default="unknown")
    migrant_background: Mapped[str] = mapped_column(String(8), default="unknown",
                                                    server_default="unknown")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="members")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Member {self.id} of household {self.household_id}>"


class Criterion(db.Model):
    """An eligibility criterion from the configurable list, with the proof it needs and how long a proof lasts."""

    __tablename__ = "eligibility_criteria"
    __table_args__ = (CheckConstraint("proof_validity_days >= 0", name="validity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    required_proof: Mapped[str] = mapped_column(String(200), default="")
    #: A proof dated more than this many days before the decision is too old (0: no limit).
    proof_validity_days: Mapped[int] = mapped_column(Integer, default=90)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Decision(db.Model):
    """An eligibility decision. Never edited after saving: a renewal or a change is a new decision."""

    __tablename__ = "eligibility_decisions"
    __table_args__ = (
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome_known"),
        CheckConstraint(_in("budget_period", PERIOD_KINDS), name="period_known"),
        CheckConstraint("valid_until >= valid_from", name="validity_ordered"),
        CheckConstraint("income_cents IS NULL OR income_cents >= 0", name="income_not_negative"),
        CheckConstraint("charges_cents IS NULL OR charges_cents >= 0", name="charges_not_negative"),
        CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
        CheckConstraint("persons >= 1", name="persons_positive"),
        CheckConstraint("persons_hundredths >= 1", name="persons_hundredths_positive"),
        Index("ix_eligibility_decisions_lookup", "household_id", "valid_from", "valid_until"),
        Index("ix_eligibility_decisions_valid_until", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(12))
    motive: Mapped[str] = mapped_column(Text, default="")
    #: The previous decision of the household this one replaces (history stays).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_decisions.id", ondelete="SET NULL"))
    #: Monthly income and fixed charges seen by the social worker (None when not assessed).
    income_cents: Mapped[int | None] = mapped_column(Integer)
    charges_cents: Mapped[int | None] = mapped_column(Integer)
    #: Persons counted in the household on valid_from.
    persons: Mapped[int] = mapped_column(Integer, default=1)
    #: The same persons weighted by their presence (shared custody), in hundredths: 250 = 2,5 persons.
    persons_hundredths: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    #: Reste à vivre per person per day, its day count (30 by default) and the threshold in force when decided.
    remaining_per_day_cents: Mapped[int | None] = mapped_column(Integer)
    days_in_month: Mapped[int] = mapped_column(Integer, default=30)
    threshold_cents: Mapped[int] = mapped_column(Integer, default=700)
    budget_period: Mapped[str] = mapped_column(String(8), default="week")
    #: Budget granted per period (0 unless granted); scale_budget_cents is what the scale proposed.
    budget_cents: Mapped[int] = mapped_column(Integer, default=0)
    scale_budget_cents: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the budget differs from the scale (required when it does).
    budget_override_motive: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="decisions")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")
    criteria: Mapped[list["DecisionCriterion"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionCriterion.id")
    lines: Mapped[list["DecisionLine"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionLine.id")
    #: The sites where the household may shop under this decision (DecisionSite); none: every site of the
    #: installation (every decision made before sites existed, every decision of a one-site installation).
    sites = relationship("Site", secondary="decision_sites", order_by="Site.id", viewonly=True)
    site_links: Mapped[list["DecisionSite"]] = relationship(cascade="all, delete-orphan")

    @property
    def income_lines(self) -> list["DecisionLine"]:
        return [line for line in self.lines if line.kind == "income"]

    @property
    def charge_lines(self) -> list["DecisionLine"]:
        return [line for line in self.lines if line.kind == "charge"]

    @property
    def is_budget_overridden(self) -> bool:
        return self.budget_cents != self.scale_budget_cents


#: The only columns of a saved decision that may change: anonymisation erases the free-text motives.
_DECISION_ERASABLE = {"motive", "budget_override_motive"}


@event.listens_for(Decision, "before_update")
def _decisions_are_never_edited(_mapper, _connection, target: Decision) -> None:
    """A saved decision is never edited (a new decision supersedes it); only its motives may be erased."""
    state = inspect(target)
    changed = {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}
    erased = all(getattr(target, key) == "" for key in changed & _DECISION_ERASABLE)
    if changed - _DECISION_ERASABLE or not erased:
        raise RuntimeError(f"eligibility decisions are never edited (changed: {sorted(changed)})")


class DecisionCriterion(db.Model):
    """A criterion a decision relied on, with the proof seen and its date."""

    __tablename__ = "decision_criteria"
    __table_args__ = (db.UniqueConstraint("decision_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decisions.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("eligibility_criteria.id", ondelete="RESTRICT"))
    proof_seen: Mapped[str] = mapped_column(String(200), default="")
    proof_dated_on: Mapped[date | None] = mapped_column(Date)
    #: True when the proof was older than the criterion's validity on the day of the decision.
    is_proof_too_old: Mapped[bool] = mapped_column(Boolean, default=False)

    decision: Mapped[Decision] = relationship(back_populates="criteria")
    criterion: Mapped[Criterion] = relationship(lazy="joined")


class DecisionLine(db.Model):
    """One income or fixed-charge line seen for a decision (type, monthly amount, proof); the decision's
    income_cents and charges_cents are their sums. Saved with the decision, never edited."""

    __tablename__ = "decision_lines"
    __table_args__ = (
        CheckConstraint(_in("kind", LINE_KINDS), name="kind_known"),
        CheckConstraint(_in("line_type", INCOME_TYPES + CHARGE_TYPES), name="type_known"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decisions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    #: What the line is: integration_income, salary, ... for income; rent, energy, ... for charges.
    line_type: Mapped[str] = mapped_column(String(20))
    #: Monthly amount.
    amount_cents: Mapped[int] = mapped_column(Integer)
    #: The proof seen (e.g. "fiche de paie de mars"); erased at anonymisation.
    proof: Mapped[str] = mapped_column(String(200), default="")

    decision: Mapped[Decision] = relationship(back_populates="lines")


class DecisionSite(db.Model):
    """A site named by a decision: the household may shop there (and only at the sites its decision names, when it
    names any). Saved with the decision, never edited: a change of sites is a new decision."""

    __tablename__ = "decision_sites"

    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True)


class NoteVersion(db.Model):
    """One version of a household's confidential notes: who wrote it and when. A change adds a version."""

    __tablename__ = "household_note_versions"
    __table_args__ = (Index("ix_household_note_versions_household", "household_id", "written_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="note_versions")
    written_by = relationship("User", foreign_keys=[written_by_id], lazy="joined")


class HouseholdCard(db.Model):
    """A household card code (EAN-13, prefix 25). One active card per household; reissuing deactivates the old."""

    __tablename__ = "household_cards"
    __table_args__ = (
        Index("ix_household_cards_household", "household_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: lost, stolen, damaged, other, household_closed
    deactivation_reason: Mapped[str | None] = mapped_column(String(20))

    household: Mapped[Household] = relationship(back_populates="cards")


class BudgetMovement(db.Model):
    """The budget ledger: consumption (negative) and refunds (positive) within one budget period."""

    __tablename__ = "budget_movements"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind_known"),
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        Index("ix_budget_movements_period", "household_id", "period_start"),
        Index("ix_budget_movements_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    #: First day of the budget period this movement counts in.
    period_start: Mapped[date] = mapped_column(Date)
    #: Negative for consumption, positive for a refund.
    amount_cents: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    #: The sale's uuid (checkout may add a foreign key later).
    reference: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(200), default="")
