"""The insertion path: goals (and their PIIS link), the PIIS and its reviews, evaluations, the path summary and
the attestation."""

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.i18n import sort_key
from grocery.settings.services import get_setting
from grocery.timeutil import local_today
from grocery.volunteers.models import (
    ATTENDANCE,
    EVALUATION_MODES,
    GOAL_DOMAINS,
    GOAL_STATUSES,
    Activity,
    Assignment,
    AttestationIssue,
    Competence,
    CompetenceConfirmation,
    Evaluation,
    Goal,
    GoalPiisLink,
    Participant,
    PiisReview,
    Shift,
    Workshop,
    WorkshopAttendance,
    WorkshopSession,
)
from grocery.volunteers.services.competences import _competences
from grocery.volunteers.services.participants import _clean

# --------------------------------------------------------------------------- insertion path


def _check_goal_values(text: str, domain: str, status: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("text", _l("Describe the goal."))
    if domain not in GOAL_DOMAINS:
        raise ValidationError("domain", _l("Choose one of the proposed domains."))
    if status not in GOAL_STATUSES:
        raise ValidationError("status", _l("Choose one of the proposed statuses."))
    return text[:2000]


def _check_piis_link(participant: Participant, piis_linked: bool, piis_consent: bool) -> None:
    if not piis_linked:
        return
    if participant.piis_signed_on is None:
        raise ValidationError("piis_linked", _l("Record the participant's PIIS (date and referent) before linking a "
                                                "goal to it."))
    if not piis_consent:
        raise ValidationError("piis_consent", _l("A goal is written into the PIIS only with the participant's "
                                                 "consent: record it, or leave the goal out of the PIIS."))


def _set_piis_link(actor, goal: Goal, piis_linked: bool) -> bool:
    """Link or unlink; returns whether it changed. The link row exists only with the consent date."""
    if piis_linked and goal.piis_link is None:
        goal.piis_link = GoalPiisLink(consent_on=local_today(), recorded_by_id=getattr(actor, "id", None))
        return True
    if not piis_linked and goal.piis_link is not None:
        goal.piis_link = None
        return True
    return False


def create_goal(actor, participant: Participant, *, text: str, domain: str = "social", status: str = "open",
                has_consent: bool = False, competence_ids: list[int] | None = None, piis_linked: bool = False,
                piis_consent: bool = False) -> Goal:
    """A goal of the path. Shifts count towards it only if the participant consented (then the date is kept);
    it is written into their PIIS only with their consent to that too (Constitutional Court 86/2018)."""
    text = _check_goal_values(text, domain, status)
    _check_piis_link(participant, piis_linked, piis_consent)
    goal = Goal(participant_id=participant.id, text=text, domain=domain, status=status,
                has_consent=bool(has_consent), consent_on=local_today() if has_consent else None,
                competences=_competences(competence_ids))
    db.session.add(goal)
    _set_piis_link(actor, goal, piis_linked)
    db.session.flush()
    record_event(actor, "volunteers.goal_create", goal, {"participant": participant.id, "consent": goal.has_consent,
                                                         "piis": goal.piis_link is not None})
    return goal


def update_goal(actor, goal: Goal, *, text: str, domain: str, status: str, has_consent: bool,
                competence_ids: list[int] | None = None, piis_linked: bool | None = None,
                piis_consent: bool = False) -> None:
    """Change a goal; giving or withdrawing consent is logged and takes effect at once on the linked hours. The
    PIIS link needs the participant's consent; unlinking removes it (piis_linked None leaves it as it is)."""
    text = _check_goal_values(text, domain, status)
    if piis_linked is not None and not (piis_linked and goal.piis_link is not None):
        _check_piis_link(db.session.get(Participant, goal.participant_id), piis_linked, piis_consent)
    consent_changed = bool(has_consent) != goal.has_consent
    goal.text, goal.domain, goal.status = text, domain, status
    goal.competences = _competences(competence_ids)
    if consent_changed:
        goal.has_consent = bool(has_consent)
        goal.consent_on = local_today() if has_consent else None
    piis_changed = piis_linked is not None and _set_piis_link(actor, goal, piis_linked)
    db.session.flush()
    detail = {"consent": goal.has_consent} if consent_changed else {}
    if piis_changed:
        detail["piis"] = goal.piis_link is not None
    record_event(actor, "volunteers.goal_update", goal, detail)


def record_piis(actor, participant: Participant, *, signed_on: date | None, referent: str) -> None:
    """Reference the participant's PIIS (signature date, referent social worker of the CPAS). Removing it is
    refused while goals are written into it."""
    referent = _clean(referent, 160)
    if signed_on is not None and signed_on > local_today():
        raise ValidationError("signed_on", _l("The date is in the future: enter the day the PIIS was signed."))
    if signed_on is None:
        linked = db.session.scalar(select(func.count(GoalPiisLink.goal_id)).join(Goal, Goal.id == GoalPiisLink.goal_id)
                                   .where(Goal.participant_id == participant.id))
        if linked:
            raise ValidationError("signed_on", _l("Goals are written into this PIIS: take them out of it first."))
        referent = ""
    participant.piis_signed_on, participant.piis_referent = signed_on, referent
    db.session.flush()
    record_event(actor, "volunteers.piis_update", participant, {"has_piis": signed_on is not None})


def add_piis_review(actor, participant: Participant, *, review_on: date | None, note: str = "") -> PiisReview:
    """Keep a review date of the PIIS (planned or held), one per day."""
    if participant.piis_signed_on is None:
        raise ValidationError("review_on", _l("Record the participant's PIIS first."))
    if review_on is None:
        raise ValidationError("review_on", _l("Enter the date of the review."))
    if review_on < participant.piis_signed_on:
        raise ValidationError("review_on", _l("The review is before the signature of the PIIS: correct the date."))
    exists = db.session.scalar(select(PiisReview.id).where(PiisReview.participant_id == participant.id,
                                                           PiisReview.review_on == review_on))
    if exists is not None:
        raise ValidationError("review_on", _l("A review is already recorded on this day."))
    review = PiisReview(participant_id=participant.id, review_on=review_on, note=_clean(note, 300),
                        recorded_by_id=getattr(actor, "id", None))
    db.session.add(review)
    db.session.flush()
    record_event(actor, "volunteers.piis_review_add", review, {"participant": participant.id})
    return review


def piis_reviews(participant: Participant) -> list[PiisReview]:
    return list(db.session.scalars(select(PiisReview).where(PiisReview.participant_id == participant.id)
                                   .order_by(PiisReview.review_on)))


def record_evaluation(actor, participant: Participant, *, held_on: date | None, mode: str, notes: str) -> Evaluation:
    """Keep each evaluation of the path (date, mode, notes)."""
    if held_on is None:
        raise ValidationError("held_on", _l("Enter the date of the evaluation."))
    if held_on > local_today():
        raise ValidationError("held_on", _l("The date is in the future: record the evaluation once it took place."))
    if mode not in EVALUATION_MODES:
        raise ValidationError("mode", _l("Choose one of the proposed modes."))
    evaluation = Evaluation(participant_id=participant.id, held_on=held_on, mode=mode, notes=(notes or "").strip(),
                            author_id=getattr(actor, "id", None))
    db.session.add(evaluation)
    db.session.flush()
    record_event(actor, "volunteers.evaluation_record", evaluation, {"participant": participant.id})
    return evaluation


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def evaluations_due(within_days: int = 30) -> list[dict]:
    """Participants with goals whose next evaluation (last one, or the start, plus the configured cadence in
    months) falls within `within_days` or is overdue."""
    cadence = int(get_setting("volunteers.evaluation_cadence_months"))
    today = local_today()
    last = dict(db.session.execute(select(Evaluation.participant_id, func.max(Evaluation.held_on))
                                   .group_by(Evaluation.participant_id)).all())
    with_goals = set(db.session.scalars(select(Goal.participant_id).where(Goal.status == "open")))
    participants = db.session.scalars(select(Participant).where(Participant.id.in_(with_goals))
                                      .options(selectinload(Participant.referent))
                                      .order_by(Participant.last_name)).all()
    due = []
    for participant in participants:
        if participant.ended_on is not None and participant.ended_on < today:
            continue
        since = last.get(participant.id) or participant.started_on
        next_on = _add_months(since, cadence)
        if next_on <= today + timedelta(days=within_days):
            due.append({"participant": participant, "last_on": last.get(participant.id), "due_on": next_on,
                        "is_overdue": next_on < today})
    return sorted(due, key=lambda row: row["due_on"])


def _counted_rows(participant_id: int, date_from: date | None = None, date_to: date | None = None):
    """Validated shift hours and workshop hours of a participant: (day, activity name, minutes, kind, source id).

    Every site's, on purpose: a participant belongs to the installation, their engagement is with the one
    organisation (its attestation, its allowance ceilings per person and year), so the path and the attestation
    count the hours given at any of its sites; counting one site's would understate what the person did."""
    query = (select(Shift.held_on, Activity.name, Assignment.validated_minutes, Assignment.id, Activity.id)
             .join(Assignment.shift).join(Shift.activity)
             .where(Assignment.participant_id == participant_id, Assignment.validated_minutes.is_not(None)))
    workshop_query = (select(WorkshopSession.held_on, Workshop.title, WorkshopAttendance.minutes,
                             WorkshopAttendance.id, Workshop.id)
                      .join(WorkshopAttendance.session).join(WorkshopSession.workshop)
                      .where(WorkshopAttendance.participant_id == participant_id))
    if date_from:
        query = query.where(Shift.held_on >= date_from)
        workshop_query = workshop_query.where(WorkshopSession.held_on >= date_from)
    if date_to:
        query = query.where(Shift.held_on <= date_to)
        workshop_query = workshop_query.where(WorkshopSession.held_on <= date_to)
    rows = [(d, name, m, "shift", ident, act) for d, name, m, ident, act in db.session.execute(query)]
    rows += [(d, name, m, "workshop", ident, w) for d, name, m, ident, w in db.session.execute(workshop_query)]
    return rows


def path_summary(participant: Participant, date_from: date | None = None, date_to: date | None = None) -> dict:
    """What the participant page and the attestation show: validated hours by month and activity, attendance
    counts, competences with hours and confirmations, goals with the hours linked to them (consent only)."""
    rows = _counted_rows(participant.id, date_from, date_to)
    by_month: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_activity: dict[str, int] = defaultdict(int)
    for day, name, minutes, kind, _ident, _act in rows:
        label = name if kind == "shift" else str(_l("Workshop: %(title)s", title=name))
        by_month[day.replace(day=1)][label] += minutes
        by_activity[label] += minutes
    total = sum(by_activity.values())

    attendance = dict.fromkeys(ATTENDANCE, 0)
    query = (select(Assignment.attendance, func.count(Assignment.id)).join(Assignment.shift)
             .where(Assignment.participant_id == participant.id, Assignment.status == "booked",
                    Assignment.attendance.is_not(None)).group_by(Assignment.attendance))
    if date_from:
        query = query.where(Shift.held_on >= date_from)
    if date_to:
        query = query.where(Shift.held_on <= date_to)
    attendance.update(dict(db.session.execute(query).all()))

    # Competences: hours practised (activity or workshop mapping) and confirmations.
    activity_ids = {act for *_rest, kind, _i, act in rows if kind == "shift"}
    workshop_ids = {w for *_rest, kind, _i, w in rows if kind == "workshop"}
    activities = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids))
                                                      .options(selectinload(Activity.competences)))}
    workshops = {w.id: w for w in db.session.scalars(select(Workshop).where(Workshop.id.in_(workshop_ids))
                                                     .options(selectinload(Workshop.competences)))}
    competences: dict[int, dict] = {}

    def entry(competence: Competence) -> dict:
        return competences.setdefault(competence.id, {"competence": competence, "minutes": 0,
                                                      "supervisor": 0, "participant": 0})

    for _day, _name, minutes, kind, _ident, owner in rows:
        practised = activities[owner].competences if kind == "shift" else workshops[owner].competences
        for competence in practised:
            entry(competence)["minutes"] += minutes
    assignment_ids = [ident for *_rest, kind, ident, _a in rows if kind == "shift"]
    attendance_ids = [ident for *_rest, kind, ident, _a in rows if kind == "workshop"]
    confirmations = db.session.scalars(
        select(CompetenceConfirmation).options(selectinload(CompetenceConfirmation.competence))
        .where(CompetenceConfirmation.assignment_id.in_(assignment_ids)
               | CompetenceConfirmation.workshop_attendance_id.in_(attendance_ids))).all()
    for confirmation in confirmations:
        entry(confirmation.competence)[confirmation.confirmed_by] += 1
    comments = [text for (text,) in db.session.execute(
        select(Assignment.participant_comment).where(Assignment.id.in_(assignment_ids),
                                                     Assignment.participant_comment != "")
        .order_by(Assignment.id))]

    goals = db.session.scalars(select(Goal).where(Goal.participant_id == participant.id)
                               .options(selectinload(Goal.competences)).order_by(Goal.created_at, Goal.id)).all()
    goal_rows = []
    for goal in goals:
        linked = None
        if goal.has_consent:
            ids = {c.id for c in goal.competences}
            linked = sum(m for _d, _n, m, kind, _i, owner in rows
                         if ids & {c.id for c in (activities[owner].competences if kind == "shift"
                                                  else workshops[owner].competences)})
        goal_rows.append({"goal": goal, "linked_minutes": linked})
    return {
        "total_minutes": total,
        "by_month": {month: dict(values) for month, values in sorted(by_month.items())},
        "by_activity": dict(sorted(by_activity.items(), key=lambda item: -item[1])),
        "attendance": attendance,
        "competences": sorted(competences.values(), key=lambda e: (-e["minutes"], sort_key(e["competence"].name))),
        "comments": comments,
        "goals": goal_rows,
    }


def issue_attestation(actor, participant: Participant, date_from: date | None, date_to: date | None,
                      own_words: str = "", show_allowances: bool = False) -> tuple[AttestationIssue, dict]:
    """Log an attestation for a period with validated hours and return it with its content. A period without
    validated hours is refused. When asked, the content carries the expense allowances paid in the period
    (volunteering only)."""
    if date_from is None or date_to is None:
        raise ValidationError("date_from", _l("Enter the first and last day of the period."))
    if date_to < date_from:
        raise ValidationError("date_to", _l("The end date is before the start date: correct one of them."))
    summary = path_summary(participant, date_from, date_to)
    if summary["total_minutes"] == 0:
        raise ValidationError("date_from", _l("No validated hours in this period: choose another period or "
                                              "validate the attendance sheets first."))
    year = local_today().year
    count = db.session.scalar(select(func.count(AttestationIssue.id))
                              .where(AttestationIssue.reference.like(f"ATT-{year}-%")))
    reference = f"ATT-{year}-{count + 1:05d}"
    issue = AttestationIssue(reference=reference, participant_id=participant.id, period_from=date_from,
                             period_to=date_to, total_minutes=summary["total_minutes"],
                             issued_by_id=getattr(actor, "id", None))
    db.session.add(issue)
    db.session.flush()
    record_event(actor, "volunteers.attestation_issue", issue,
                 {"participant": participant.id, "reference": reference})
    summary["own_words"] = (own_words or "").strip()[:1500]
    if show_allowances:
        from grocery.volunteers.allowances import allowance_applies, allowance_total

        if allowance_applies(participant):
            summary["allowances"] = allowance_total(participant, date_from, date_to)
    return issue, summary
