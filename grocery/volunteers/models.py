"""Volunteer participants, activities and competences, shifts and attendance, insertion paths, workshops."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES
from grocery.sites.context import site_default
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

#: Engagement types; article 60 is employment (working time), never "volunteering".
ENGAGEMENT_TYPES = {
    "volunteer": _l("Volunteering"),
    "article60": _l("Article 60 §7 employment"),
    "social_activation": _l("Social activation"),
    "internship": _l("Internship or training"),
    "other": _l("Other"),
}

#: Formalities to check before starting, per engagement type; they inform and never block anyone.
FORMALITY_KINDS = {
    # Volunteering (law of 3 July 2005): what a person on benefits declares, and what the organisation owes.
    "c45b": _l("C45B declared to the payment body (unemployed)"),
    "cpas": _l("CPAS informed (integration income)"),
    "medical": _l("Opinion of the médecin-conseil (incapacity)"),
    "fedasil": _l("Fedasil informed (asylum seeker)"),
    "insurance": _l("Volunteer insurance"),
    "organisation_note": _l("Organisation note given to the volunteer (law of 3 July 2005, art. 4)"),
    # Article 60 §7: employment by the CPAS, with the formalities of any employment.
    "employment_contract": _l("Employment contract signed (article 60 §7)"),
    "dimona": _l("Dimona declaration made by the CPAS"),
    "work_regulations": _l("Work regulations handed over"),
    "occupational_health": _l("Occupational health assessment"),
    "accident_insurance": _l("Work accident insurance of the employer"),
    # Social activation: an activity agreed with the CPAS, free of obligation.
    "activation_agreement": _l("Activity agreed with the CPAS social worker (social activation)"),
    # Internship or training: the agreement and the insurance of the school or training body.
    "internship_agreement": _l("Internship agreement signed with the school or training body"),
    "internship_insurance": _l("Insurance of the school or training body confirmed"),
    "employment_service": _l("Employment service informed (job seeker in training)"),
}
#: The checklist of each engagement type, in the order shown. Article 60 is employment: no C45B, no volunteer
#: insurance. "Other" gets the volunteering list, the regime of any unpaid activity at the grocery.
FORMALITIES_BY_ENGAGEMENT = {
    "volunteer": ("c45b", "cpas", "medical", "fedasil", "insurance", "organisation_note"),
    "article60": ("employment_contract", "dimona", "work_regulations", "occupational_health",
                  "accident_insurance"),
    "social_activation": ("activation_agreement", "medical", "insurance", "organisation_note"),
    "internship": ("internship_agreement", "internship_insurance", "employment_service"),
    "other": ("c45b", "cpas", "medical", "fedasil", "insurance", "organisation_note"),
}
FORMALITY_STATUSES = {
    "todo": _l("To do"),
    "requested": _l("Requested"),
    "done": _l("Done"),
    "not_applicable": _l("Not applicable"),
}

#: Capabilities a participant may have and a shift may require.
CAPABILITIES = {
    "till": _l("Trained at the till"),
    "food_hygiene": _l("Food hygiene"),
    "first_aid": _l("First aid"),
    "driving": _l("Driving licence"),
}

ASSIGNMENT_STATUSES = {"booked": _l("Booked"), "waitlisted": _l("Waitlist"), "cancelled": _l("Cancelled")}
ATTENDANCE = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
#: The same marks for an article 60 worker: working time, so absences are justified or not (employer's follow-up).
WORK_ATTENDANCE = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Unjustified absence"),
                   "excused": _l("Justified absence")}
#: Engagement types to which the volunteer expense allowance (law of 3 July 2005, art. 10) applies.
ALLOWANCE_ENGAGEMENTS = ("volunteer", "social_activation", "other")
GOAL_STATUSES = {"open": _l("In progress"), "reached": _l("Reached"), "dropped": _l("Set aside")}
GOAL_DOMAINS = {
    "social": _l("Social life"),
    "skills": _l("Skills"),
    "work": _l("Towards work"),
    "training": _l("Training"),
    "health": _l("Well-being"),
    "other": _l("Other"),
}
EVALUATION_MODES = {"meeting": _l("Meeting"), "phone": _l("Phone call"), "home_visit": _l("Home visit")}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


activity_competences = Table(
    "volunteer_activity_competences",
    db.metadata,
    Column("activity_id", ForeignKey("volunteer_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("volunteer_competences.id", ondelete="CASCADE"), primary_key=True),
)

goal_competences = Table(
    "volunteer_goal_competences",
    db.metadata,
    Column("goal_id", ForeignKey("volunteer_goals.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("volunteer_competences.id", ondelete="CASCADE"), primary_key=True),
)

workshop_competences = Table(
    "volunteer_workshop_competences",
    db.metadata,
    Column("workshop_id", ForeignKey("volunteer_workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("volunteer_competences.id", ondelete="CASCADE"), primary_key=True),
)


class Competence(db.Model):
    """One entry of the competence framework (configurable, seeded in French)."""

    __tablename__ = "volunteer_competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Activity(db.Model):
    """What a shift is for (till, reception, stock...), with the competences it practises."""

    __tablename__ = "volunteer_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    competences: Mapped[list[Competence]] = relationship(secondary=activity_competences,
                                                         order_by=Competence.name)


class Participant(db.Model):
    """A person doing shifts; engagement type and formalities are for the social service only."""

    __tablename__ = "volunteer_participants"
    __table_args__ = (
        CheckConstraint(_in("engagement_type", ENGAGEMENT_TYPES), name="engagement_type_known"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="end_after_start"),
        CheckConstraint(_in("preferred_language", DOCUMENT_LANGUAGES), name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    engagement_type: Mapped[str] = mapped_column(String(20), default="volunteer")
    #: The social worker who follows this person's path.
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: The rhythm the participant chooses, in their words ("deux créneaux par mois").
    rhythm: Mapped[str] = mapped_column(String(120), default="")
    #: The language of the participant's documents (attestations), one of the interface languages.
    preferred_language: Mapped[str] = mapped_column(String(5), default="fr")
    #: Keys of CAPABILITIES.
    capabilities: Mapped[list] = mapped_column(JSON, default=list)
    #: EAN-13 with prefix 26 (grocery.barcodes.PREFIX_VOLUNTEER_BADGE).
    badge_code: Mapped[str] = mapped_column(String(13), unique=True)
    #: Optional link to the same person as a member of a household (shown to social workers only; never read by
    #: the eligibility, budget or till code).
    household_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("household_members.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The PIIS (projet individualisé d'intégration sociale) this path refers to, if any: signature date.
    piis_signed_on: Mapped[date | None] = mapped_column(Date)
    #: The CPAS social worker in charge of the PIIS (name and service, often outside the grocery).
    piis_referent: Mapped[str] = mapped_column(String(160), default="", server_default="")

    referent = relationship("User", foreign_keys=[referent_id])
    household_member = relationship("Member")
    formalities: Mapped[list["Formality"]] = relationship(back_populates="participant", cascade="all, delete-orphan",
                                                          order_by="Formality.id")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def short_name(self) -> str:
        """First name and last initial: what shift logistics show."""
        return f"{self.first_name} {self.last_name[:1]}." if self.last_name else self.first_name

    @property
    def engagement_label(self) -> str:
        return str(ENGAGEMENT_TYPES[self.engagement_type])

    @property
    def is_employment(self) -> bool:
        """Article 60 §7: working time, never volunteering."""
        return self.engagement_type == "article60"

    @property
    def checklist(self) -> list["Formality"]:
        """The formalities of the current engagement type, in their order (recorded rows, or new "to do" ones)."""
        recorded = {f.kind: f for f in self.formalities}
        return [recorded.get(kind) or Formality(kind=kind, status="todo")
                for kind in FORMALITIES_BY_ENGAGEMENT[self.engagement_type]]

    @property
    def other_formalities(self) -> list["Formality"]:
        """Items recorded under another engagement type (kept, shown apart); untouched "to do" rows are left out."""
        current = set(FORMALITIES_BY_ENGAGEMENT[self.engagement_type])
        return [f for f in self.formalities if f.kind not in current and f.status != "todo"]


class Formality(db.Model):
    __tablename__ = "volunteer_formalities"
    __table_args__ = (
        UniqueConstraint("participant_id", "kind", name="uq_volunteer_formalities_participant_kind"),
        CheckConstraint(_in("kind", FORMALITY_KINDS), name="kind_known"),
        CheckConstraint(_in("status", FORMALITY_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="todo")
    #: When the status was reached (declaration sent, answer received...).
    status_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    participant: Mapped[Participant] = relationship(back_populates="formalities")

    @property
    def label(self) -> str:
        return str(FORMALITY_KINDS[self.kind])


class ShiftTemplate(db.Model):
    """A weekly slot from which dated shifts are generated."""

    __tablename__ = "volunteer_shift_templates"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site where the shifts generated from this slot are held.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True, default=site_default)
    #: 0 = Monday ... 6 = Sunday.
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    activity_id: Mapped[int] = mapped_column(ForeignKey("volunteer_activities.id"))
    capacity: Mapped[int] = mapped_column(Integer)
    #: A key of CAPABILITIES, or None.
    required_capability: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    activity: Mapped[Activity] = relationship()


class Shift(db.Model):
    """A dated slot with an activity and a capacity."""

    __tablename__ = "volunteer_shifts"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        UniqueConstraint("template_id", "held_on", name="uq_volunteer_shifts_template_day"),
        Index("ix_volunteer_shifts_held_on", "held_on"),
        Index("ix_volunteer_shifts_site_held_on", "site_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site where the shift is held.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_shift_templates.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    activity_id: Mapped[int] = mapped_column(ForeignKey("volunteer_activities.id"))
    capacity: Mapped[int] = mapped_column(Integer)
    required_capability: Mapped[str | None] = mapped_column(String(20))
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")

    activity: Mapped[Activity] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="shift", order_by="Assignment.id")

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (self.start_time.hour * 60 + self.start_time.minute)

    @property
    def booked(self) -> list["Assignment"]:
        return [a for a in self.assignments if a.status == "booked"]

    @property
    def waitlisted(self) -> list["Assignment"]:
        return [a for a in self.assignments if a.status == "waitlisted"]


class DaySheet(db.Model):
    """A day's attendance sheet once the coordinator validated it: only validated hours count."""

    __tablename__ = "volunteer_day_sheets"
    __table_args__ = (UniqueConstraint("site_id", "held_on", name="uq_volunteer_day_sheets_site_held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Each site validates its own days.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    held_on: Mapped[date] = mapped_column(Date)
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Assignment(db.Model):
    """One participant on one shift: booking, waitlist, attendance and hours."""

    __tablename__ = "volunteer_assignments"
    __table_args__ = (
        UniqueConstraint("shift_id", "participant_id", name="uq_volunteer_assignments_shift_participant"),
        CheckConstraint(_in("status", ASSIGNMENT_STATUSES), name="status_known"),
        CheckConstraint(f"attendance IS NULL OR {_in('attendance', ATTENDANCE)}", name="attendance_known"),
        CheckConstraint("checked_out_at IS NULL OR checked_in_at IS NULL OR checked_out_at > checked_in_at",
                        name="out_after_in"),
        CheckConstraint("validated_minutes IS NULL OR validated_minutes >= 0", name="minutes_positive"),
        Index("ix_volunteer_assignments_participant", "participant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("volunteer_shifts.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="booked")
    #: "coordinator", "kiosk" or "walk_in".
    source: Mapped[str] = mapped_column(String(20), default="coordinator")
    is_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Attendance information for the coordinator; never a sanction, never a status of the person.
    attendance: Mapped[str | None] = mapped_column(String(20))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the day is validated; only these minutes count in paths and attestations.
    validated_minutes: Mapped[int | None] = mapped_column(Integer)
    #: The participant's own words about the shift (optional).
    participant_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="assignments")
    participant: Mapped[Participant] = relationship()
    confirmations: Mapped[list["CompetenceConfirmation"]] = relationship(back_populates="assignment",
                                                                         cascade="all, delete-orphan")


class CompetenceConfirmation(db.Model):
    """A competence practised on a shift or at a workshop, confirmed by the supervisor or the participant."""

    __tablename__ = "volunteer_competence_confirmations"
    __table_args__ = (
        CheckConstraint("confirmed_by IN ('supervisor', 'participant')", name="confirmed_by_known"),
        CheckConstraint("(assignment_id IS NULL) <> (workshop_attendance_id IS NULL)", name="one_source"),
        UniqueConstraint("assignment_id", "competence_id", "confirmed_by", name="uq_volunteer_conf_assignment"),
        UniqueConstraint("workshop_attendance_id", "competence_id", "confirmed_by", name="uq_volunteer_conf_workshop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_assignments.id", ondelete="CASCADE"))
    workshop_attendance_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_workshop_attendances.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("volunteer_competences.id"))
    confirmed_by: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment | None] = relationship(back_populates="confirmations")
    competence: Mapped[Competence] = relationship()


class Goal(db.Model):
    """A goal of the insertion path; shifts count towards it only with the participant's consent."""

    __tablename__ = "volunteer_goals"
    __table_args__ = (
        CheckConstraint(_in("status", GOAL_STATUSES), name="status_known"),
        CheckConstraint(_in("domain", GOAL_DOMAINS), name="domain_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"),
                                                index=True)
    text: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(20), default="social")
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: The participant agreed that their shifts are linked to this goal (Constitutional Court 86/2018).
    has_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competences: Mapped[list[Competence]] = relationship(secondary=goal_competences, order_by=Competence.name)
    piis_link: Mapped["GoalPiisLink | None"] = relationship(cascade="all, delete-orphan", uselist=False)


class GoalPiisLink(db.Model):
    """A goal written into the participant's PIIS. It exists only with the participant's recorded consent (an
    activity in a PIIS is not free of obligation: Constitutional Court 86/2018); withdrawing consent removes it."""

    __tablename__ = "volunteer_goal_piis_links"

    goal_id: Mapped[int] = mapped_column(ForeignKey("volunteer_goals.id", ondelete="CASCADE"), primary_key=True)
    #: The day the participant agreed that this goal is written into their PIIS.
    consent_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Evaluation(db.Model):
    __tablename__ = "volunteer_evaluations"
    __table_args__ = (CheckConstraint(_in("mode", EVALUATION_MODES), name="mode_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"),
                                                index=True)
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20), default="meeting")
    notes: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Workshop(db.Model):
    """A thematic workshop, often proposed by the participants themselves."""

    __tablename__ = "volunteer_workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site that holds the workshop's sessions.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True, default=site_default)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The participant who proposed it, or None when proposed by staff.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="SET NULL"))
    #: Who proposed it when that person is not a participant (a beneficiary, a partner...); empty otherwise.
    proposed_by_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposed_by: Mapped[Participant | None] = relationship()

    @property
    def proposer(self) -> str:
        """Who proposed the workshop, or "" when the team did."""
        return self.proposed_by.full_name if self.proposed_by else self.proposed_by_name
    competences: Mapped[list[Competence]] = relationship(secondary=workshop_competences, order_by=Competence.name)
    sessions: Mapped[list["WorkshopSession"]] = relationship(back_populates="workshop",
                                                             order_by="WorkshopSession.held_on")


class WorkshopSession(db.Model):
    """A dated session; people sign up beforehand within its capacity, then their attendance is recorded."""

    __tablename__ = "volunteer_workshop_sessions"
    __table_args__ = (CheckConstraint("end_time > start_time", name="end_after_start"),
                      CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("volunteer_workshops.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    #: Places for sign-ups; None for sessions created before sign-ups existed (no limit).
    capacity: Mapped[int | None] = mapped_column(Integer)

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")
    attendances: Mapped[list["WorkshopAttendance"]] = relationship(back_populates="session",
                                                                   cascade="all, delete-orphan")
    signups: Mapped[list["WorkshopSignup"]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                           order_by="WorkshopSignup.id")

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - len(self.signups))

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (self.start_time.hour * 60 + self.start_time.minute)


class WorkshopSignup(db.Model):
    """A place taken at a session, by a participant or by a household member (a beneficiary who does not
    volunteer, signed up by a social worker), then whether they came."""

    __tablename__ = "volunteer_workshop_signups"
    __table_args__ = (
        CheckConstraint("(participant_id IS NULL) <> (member_id IS NULL)", name="one_person"),
        UniqueConstraint("session_id", "participant_id", name="uq_volunteer_workshop_signup_participant"),
        UniqueConstraint("session_id", "member_id", name="uq_volunteer_workshop_signup_member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("volunteer_workshop_sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("household_members.id", ondelete="CASCADE"),
                                                  index=True)
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Recorded after the session: True present, False absent, None not recorded yet. A household member's
    #: presence lives only here; a participant's also makes a WorkshopAttendance (their path).
    is_present: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[WorkshopSession] = relationship(back_populates="signups")
    participant: Mapped[Participant | None] = relationship()
    member = relationship("Member")


class WorkshopAttendance(db.Model):
    """A participant present at a workshop session; counted in the path like a validated shift."""

    __tablename__ = "volunteer_workshop_attendances"
    __table_args__ = (UniqueConstraint("session_id", "participant_id", name="uq_volunteer_workshop_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("volunteer_workshop_sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[WorkshopSession] = relationship(back_populates="attendances")
    participant: Mapped[Participant] = relationship()


class AttestationIssue(db.Model):
    """The log of attestations issued (reference number, period, hours)."""

    __tablename__ = "volunteer_attestations"
    __table_args__ = (CheckConstraint("period_to >= period_from", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"),
                                                index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    total_minutes: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PiisReview(db.Model):
    """A review date of the participant's PIIS (planned or held), kept one by one."""

    __tablename__ = "volunteer_piis_reviews"
    __table_args__ = (UniqueConstraint("participant_id", "review_on", name="uq_volunteer_piis_reviews_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"),
                                                index=True)
    review_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Allowance(db.Model):
    """The flat-rate expense allowance (défraiement forfaitaire) paid to a volunteer for one day."""

    __tablename__ = "volunteer_allowances"
    __table_args__ = (
        UniqueConstraint("participant_id", "paid_for_on", name="uq_volunteer_allowances_day"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("volunteer_participants.id", ondelete="CASCADE"),
                                                index=True)
    #: The day of volunteering the allowance is for (ceilings are per day and per calendar year).
    paid_for_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
