"""Volunteers: planning, day sheets, participants, insertion paths, workshops and attestations (thin views)."""

from datetime import date, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.models import User
from grocery.auth.roles import ALL_ROLES, SOCIAL, Role, roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error, arg_int, choices, form_ints, parse_date, parse_int
from grocery.money import parse_money
from grocery.timeutil import local_today
from grocery.volunteers import PATH_ROLES, PLANNERS, PLANNING_READERS, allowances, bp, services
from grocery.volunteers.forms import (
    WEEKDAYS,
    AllowanceForm,
    AttestationForm,
    EvaluationForm,
    GoalForm,
    ParticipantForm,
    PeriodForm,
    PiisForm,
    PiisReviewForm,
    TemplateForm,
    WorkshopForm,
    WorkshopSessionForm,
)
from grocery.volunteers.models import (
    ATTENDANCE,
    CAPABILITIES,
    EVALUATION_MODES,
    FORMALITY_STATUSES,
    GOAL_DOMAINS,
    GOAL_STATUSES,
    WORK_ATTENDANCE,
    Activity,
    Assignment,
    AttestationIssue,
    Competence,
    Evaluation,
    Goal,
    Participant,
    Shift,
    ShiftTemplate,
    Workshop,
    WorkshopSession,
    WorkshopSignup,
)


def _fail(error: GroceryError, form=None) -> None:
    """Roll back and show a service refusal next to its field, or as a message."""
    db.session.rollback()
    if form is None or not isinstance(error, ValidationError) or not apply_service_error(form, error):
        flash(error.message, "error")


def _parse_date(value: str | None) -> date | None:
    return parse_date(value) if value else None


def _parse_time(value: str | None):
    try:
        return datetime.strptime(value, "%H:%M").time() if value else None
    except ValueError:
        return None


def _participants(active_only: bool = True) -> list[Participant]:
    query = (select(Participant).options(selectinload(Participant.referent))
             .order_by(Participant.last_name, Participant.first_name))
    if active_only:
        query = query.where((Participant.ended_on.is_(None)) | (Participant.ended_on >= local_today()))
    return list(db.session.scalars(query))


def _competence_choices() -> list:
    rows = db.session.scalars(select(Competence).where(Competence.is_active.is_(True)).order_by(Competence.name))
    return choices((c.id, c.name) for c in rows)


# --------------------------------------------------------------------------- planning


@bp.route("/")
@roles_required(PLANNING_READERS)
def planning():
    """The week view: each day's shifts with their bookings."""
    day = _parse_date(request.args.get("week")) or local_today()
    monday = day - timedelta(days=day.weekday())
    shifts = services.week_shifts(monday)
    days = [(monday + timedelta(days=i), [s for s in shifts if s.held_on == monday + timedelta(days=i)])
            for i in range(7)]
    return render_template("volunteers/planning.html", days=days, monday=monday,
                           previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                           today=local_today(), can_plan=current_user.role in PLANNERS)


@bp.route("/today")
@roles_required(ALL_ROLES)
def today():
    """Shift logistics for everyone: who is on which shift today (first name and initial), activity, times."""
    return render_template("volunteers/today.html", rows=services.today_logistics(), day=local_today())


@bp.route("/shifts/<int:shift_id>")
@roles_required(PLANNING_READERS)
def shift(shift_id: int):
    shift = db.get_or_404(Shift, shift_id)
    booked_ids = {a.participant_id for a in shift.assignments if a.status != "cancelled"}
    candidates = [p for p in _participants() if p.id not in booked_ids]
    return render_template("volunteers/shift.html", shift=shift, candidates=candidates,
                           can_plan=current_user.role in PLANNERS, capabilities=CAPABILITIES,
                           validated=services.is_day_validated(shift.held_on))


@bp.route("/shifts/<int:shift_id>/assign", methods=["POST"])
@roles_required(PLANNERS)
def shift_assign(shift_id: int):
    shift = db.get_or_404(Shift, shift_id)
    participant = db.session.get(Participant, parse_int(request.form.get("participant_id")) or 0)
    if participant is None:
        flash(_("Choose a person."), "error")
        return redirect(url_for("volunteers.shift", shift_id=shift.id))
    mode = request.form.get("mode", "book")
    try:
        if mode == "walk_in":
            assignment = services.record_walk_in(current_user, shift, participant)
        else:
            assignment = services.book_shift(current_user, shift, participant, waitlist=mode == "waitlist")
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        if assignment.status == "waitlisted":
            flash(_("%(name)s is on the waitlist.", name=participant.full_name), "success")
        else:
            flash(_("%(name)s is on the shift.", name=participant.full_name), "success")
    return redirect(url_for("volunteers.shift", shift_id=shift.id))


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@roles_required(PLANNERS)
def assignment_cancel(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    try:
        promoted = services.cancel_assignment(current_user, assignment, request.form.get("reason", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The booking is cancelled."), "success")
        if promoted is not None:
            flash(_("%(name)s takes the place (from the waitlist).", name=promoted.participant.full_name), "info")
    return redirect(url_for("volunteers.shift", shift_id=assignment.shift_id))


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@roles_required(PLANNERS)
def shift_cancel(shift_id: int):
    shift = db.get_or_404(Shift, shift_id)
    try:
        services.cancel_shift(current_user, shift, request.form.get("reason", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The shift is cancelled. Warn the people who were booked."), "success")
    return redirect(url_for("volunteers.shift", shift_id=shift.id))


@bp.route("/templates", methods=["GET", "POST"])
@roles_required(PLANNERS)
def templates():
    form = TemplateForm()
    activities = db.session.scalars(select(Activity).where(Activity.is_active.is_(True)).order_by(Activity.name))
    form.activity_id.choices = choices((a.id, a.name) for a in activities)
    if form.validate_on_submit():
        try:
            services.create_template(current_user, weekday=form.weekday.data, start_time=form.start_time.data,
                                     end_time=form.end_time.data,
                                     activity=db.get_or_404(Activity, form.activity_id.data),
                                     capacity=form.capacity.data,
                                     required_capability=form.required_capability.data or None)
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The weekly slot is added."), "success")
            return redirect(url_for("volunteers.templates"))
    rows = db.session.scalars(select(ShiftTemplate).options(selectinload(ShiftTemplate.activity))
                              .order_by(ShiftTemplate.is_active.desc(), ShiftTemplate.weekday,
                                        ShiftTemplate.start_time)).all()
    today = local_today()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    period = PeriodForm(formdata=None, date_from=next_month,
                        date_to=(next_month + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    return render_template("volunteers/templates.html", form=form, rows=rows, weekdays=WEEKDAYS,
                           capabilities=CAPABILITIES, period=period)


@bp.route("/templates/<int:template_id>/toggle", methods=["POST"])
@roles_required(PLANNERS)
def template_toggle(template_id: int):
    template = db.get_or_404(ShiftTemplate, template_id)
    services.set_template_active(current_user, template, not template.is_active)
    db.session.commit()
    flash(_("The weekly slot is updated."), "success")
    return redirect(url_for("volunteers.templates"))


@bp.route("/generate", methods=["POST"])
@roles_required(PLANNERS)
def generate():
    form = PeriodForm()
    if not form.validate():
        flash(_("Enter the first and last day of the period."), "error")
        return redirect(url_for("volunteers.templates"))
    try:
        created = services.generate_shifts(current_user, form.date_from.data, form.date_to.data)
    except GroceryError as error:
        _fail(error)
        return redirect(url_for("volunteers.templates"))
    db.session.commit()
    flash(ngettext("%(num)d shift created.", "%(num)d shifts created.", len(created)), "success")
    return redirect(url_for("volunteers.planning", week=form.date_from.data.isoformat()))


# --------------------------------------------------------------------------- day sheet


@bp.route("/days/<day>")
@roles_required(PLANNERS)
def day_sheet(day: str):
    when = _parse_date(day)
    if when is None:
        abort(404)
    shifts = services.day_shifts(when)
    competences = {}
    for shift in shifts:
        competences[shift.id] = shift.activity.competences
    return render_template("volunteers/day_sheet.html", day=when, shifts=shifts, attendance=ATTENDANCE,
                           validated=services.is_day_validated(when), minutes=services.assignment_minutes,
                           forgot=services.forgot_check_out, competences=competences,
                           work_attendance=WORK_ATTENDANCE,
                           all_competences=db.session.scalars(select(Competence).order_by(Competence.name)).all())


@bp.route("/assignments/<int:assignment_id>/attendance", methods=["POST"])
@roles_required(PLANNERS)
def attendance_mark(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    try:
        services.mark_attendance(current_user, assignment, request.form.get("attendance"),
                                 checked_in=_parse_time(request.form.get("checked_in")),
                                 checked_out=_parse_time(request.form.get("checked_out")))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("Attendance saved for %(name)s.", name=assignment.participant.full_name), "success")
    return redirect(url_for("volunteers.day_sheet", day=assignment.shift.held_on.isoformat()))


@bp.route("/assignments/<int:assignment_id>/competences", methods=["POST"])
@roles_required(PLANNERS)
def competences_confirm(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    try:
        services.confirm_competences(
            current_user, assignment,
            supervisor_ids=form_ints("supervisor_ids"),
            participant_ids=form_ints("participant_ids"),
            comment=request.form.get("comment", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("Competences saved for %(name)s.", name=assignment.participant.full_name), "success")
    return redirect(url_for("volunteers.day_sheet", day=assignment.shift.held_on.isoformat()))


@bp.route("/days/<day>/validate", methods=["POST"])
@roles_required(PLANNERS)
def day_validate(day: str):
    when = _parse_date(day)
    if when is None:
        abort(404)
    try:
        services.validate_day(current_user, when)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The sheet of the day is validated: its hours now count."), "success")
    return redirect(url_for("volunteers.day_sheet", day=when.isoformat()))


# --------------------------------------------------------------------------- participants


def _participant_form(participant: Participant | None = None) -> ParticipantForm:
    form = ParticipantForm(obj=participant)
    if participant is None and request.method == "GET":
        form.started_on.data = local_today()
    social = db.session.scalars(select(User).where(User.role == Role.SOCIAL_WORKER.value,
                                                   User.is_active_account.is_(True)).order_by(User.display_name))
    form.referent_id.choices = choices([(0, _("None")), *((u.id, u.display_name) for u in social)])
    if participant is not None and request.method == "GET":
        form.referent_id.data = participant.referent_id or 0
    return form


def _participant_values(form: ParticipantForm) -> dict:
    return {name: getattr(form, name).data for name in (
        "first_name", "last_name", "phone", "email", "engagement_type", "referent_id", "started_on", "ended_on",
        "rhythm", "capabilities", "preferred_language")}


@bp.route("/participants")
@roles_required(SOCIAL)
def participants():
    show_all = request.args.get("all") == "1"
    return render_template("volunteers/participants.html", participants=_participants(not show_all),
                           show_all=show_all)


@bp.route("/participants/new", methods=["GET", "POST"])
@roles_required(SOCIAL)
def participant_new():
    form = _participant_form()
    if form.validate_on_submit():
        try:
            participant = services.create_participant(current_user, **_participant_values(form))
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("%(name)s is registered; their badge is ready to print.", name=participant.full_name),
                  "success")
            return redirect(url_for("volunteers.participant", participant_id=participant.id))
    return render_template("volunteers/participant_form.html", form=form, participant=None)


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@roles_required(SOCIAL)
def participant_edit(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = _participant_form(participant)
    if form.validate_on_submit():
        try:
            changed = services.update_participant(current_user, participant, **_participant_values(form))
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The details are updated.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("volunteers.participant", participant_id=participant.id))
    return render_template("volunteers/participant_form.html", form=form, participant=participant)


@bp.route("/participants/<int:participant_id>")
@roles_required(SOCIAL)
def participant(participant_id: int):
    """The participant page: hours, attendance, competences; goals and evaluations for social workers only."""
    participant = db.get_or_404(Participant, participant_id)
    sees_path = current_user.role in PATH_ROLES
    summary = services.path_summary(participant)
    evaluations = []
    if sees_path:
        evaluations = db.session.scalars(select(Evaluation).where(Evaluation.participant_id == participant.id)
                                         .order_by(Evaluation.held_on.desc())).all()
    else:
        summary["goals"] = []
    upcoming = db.session.scalars(
        select(Assignment).join(Assignment.shift)
        .where(Assignment.participant_id == participant.id, Assignment.status != "cancelled",
               Shift.held_on >= local_today())
        .options(selectinload(Assignment.shift).selectinload(Shift.activity))
        .order_by(Shift.held_on, Shift.start_time).limit(10)).all()
    attestations = db.session.scalars(select(AttestationIssue).where(AttestationIssue.participant_id == participant.id)
                                      .order_by(AttestationIssue.issued_at.desc())).all()
    goal_form = GoalForm(formdata=None)
    goal_form.competences.choices = _competence_choices()
    evaluation_form = EvaluationForm(formdata=None, held_on=local_today())
    candidates, reviews = [], []
    piis_form = PiisForm(formdata=None, signed_on=participant.piis_signed_on, referent=participant.piis_referent)
    if sees_path:
        from grocery.volunteers.household_link import member_candidates

        candidates = member_candidates(participant)
        reviews = services.piis_reviews(participant)
    allowance = None
    if allowances.allowance_applies(participant):
        allowance = allowances.allowance_status(participant, arg_int("year", minimum=1900, maximum=2199))
    return render_template("volunteers/participant.html", participant=participant, summary=summary,
                           allowance=allowance, allowance_form=AllowanceForm(formdata=None, day=local_today()),
                           member_candidates=candidates, piis_form=piis_form, piis_reviews=reviews,
                           piis_review_form=PiisReviewForm(formdata=None),
                           sees_path=sees_path, evaluations=evaluations, upcoming=upcoming,
                           formality_statuses=FORMALITY_STATUSES, capabilities=CAPABILITIES,
                           goal_form=goal_form, evaluation_form=evaluation_form,
                           attendance_labels=WORK_ATTENDANCE if participant.is_employment else ATTENDANCE,
                           today=local_today(), attestations=attestations)


@bp.route("/participants/<int:participant_id>/household-link", methods=["POST"])
@roles_required(PATH_ROLES)
def participant_household_link(participant_id: int):
    """Link the participant to a household member, or remove the link (social workers)."""
    from grocery.volunteers.household_link import link_household_member

    participant = db.get_or_404(Participant, participant_id)
    raw = request.form.get("member_id", "")
    try:
        changed = link_household_member(current_user, participant, parse_int(raw))
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if changed:
            flash(_("The link with the household is saved."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#household-link")


@bp.route("/participants/<int:participant_id>/badge")
@roles_required(SOCIAL)
def participant_badge(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    return render_template("volunteers/badge.html", participant=participant,
                           data_uri=barcode_data_uri(participant.badge_code))


@bp.route("/participants/<int:participant_id>/badge/renew", methods=["POST"])
@roles_required(SOCIAL)
def badge_renew(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    services.renew_badge(current_user, participant)
    db.session.commit()
    flash(_("A new badge code is made; the old badge no longer works."), "success")
    return redirect(url_for("volunteers.participant_badge", participant_id=participant.id))


@bp.route("/participants/<int:participant_id>/allowances", methods=["POST"])
@roles_required(SOCIAL)
def allowance_record(participant_id: int):
    """Record the flat-rate allowance paid for a day; the ceilings' warnings are shown at once."""
    participant = db.get_or_404(Participant, participant_id)
    form = AllowanceForm()
    if not form.validate():
        flash(_("Enter the day and the amount paid."), "error")
        return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#allowances")
    try:
        _row, status = allowances.record_allowance(current_user, participant, day=form.day.data,
                                                   amount_cents=parse_money(form.amount.data, field="amount"))
    except GroceryError as error:
        _fail(error)
        return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#allowances")
    db.session.commit()
    flash(_("The allowance is recorded."), "success")
    for warning in status.warnings:
        flash(warning, "warning")
    return redirect(url_for("volunteers.participant", participant_id=participant.id, year=status.year)
                    + "#allowances")


@bp.route("/participants/<int:participant_id>/formalities", methods=["POST"])
@roles_required(SOCIAL)
def formality_update(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    try:
        services.update_formality(current_user, participant, request.form.get("kind", ""),
                                  request.form.get("status", ""), _parse_date(request.form.get("status_on")),
                                  request.form.get("note", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The formality is updated."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#formalities")


# --------------------------------------------------------------------------- insertion path (social workers)


@bp.route("/participants/<int:participant_id>/goals", methods=["POST"])
@roles_required(PATH_ROLES)
def goal_new(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = GoalForm()
    form.competences.choices = _competence_choices()
    if not form.validate():
        flash(_("Describe the goal."), "error")
    else:
        try:
            services.create_goal(current_user, participant, text=form.text.data, domain=form.domain.data,
                                 status=form.status.data, has_consent=form.has_consent.data,
                                 competence_ids=form.competences.data, piis_linked=form.piis_linked.data,
                                 piis_consent=form.piis_consent.data)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("The goal is added."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#goals")


@bp.route("/participants/<int:participant_id>/piis", methods=["POST"])
@roles_required(PATH_ROLES)
def piis_update(participant_id: int):
    """Reference the participant's PIIS (date and referent), or remove the reference."""
    participant = db.get_or_404(Participant, participant_id)
    form = PiisForm()
    if not form.validate():
        flash(_("Enter a valid date."), "error")
    else:
        try:
            services.record_piis(current_user, participant, signed_on=form.signed_on.data,
                                 referent=form.referent.data)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("The PIIS reference is saved."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#piis")


@bp.route("/participants/<int:participant_id>/piis/reviews", methods=["POST"])
@roles_required(PATH_ROLES)
def piis_review_new(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = PiisReviewForm()
    if not form.validate():
        flash(_("Enter the date of the review."), "error")
    else:
        try:
            services.add_piis_review(current_user, participant, review_on=form.review_on.data, note=form.note.data)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("The review date is recorded."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#piis")


@bp.route("/goals/<int:goal_id>", methods=["GET", "POST"])
@roles_required(PATH_ROLES)
def goal_edit(goal_id: int):
    goal = db.get_or_404(Goal, goal_id)
    participant = db.get_or_404(Participant, goal.participant_id)
    form = GoalForm(obj=goal)
    form.competences.choices = _competence_choices()
    if request.method == "GET":
        form.competences.data = [c.id for c in goal.competences]
        form.piis_linked.data = form.piis_consent.data = goal.piis_link is not None
    if form.validate_on_submit():
        try:
            services.update_goal(current_user, goal, text=form.text.data, domain=form.domain.data,
                                 status=form.status.data, has_consent=form.has_consent.data,
                                 competence_ids=form.competences.data, piis_linked=form.piis_linked.data,
                                 piis_consent=form.piis_consent.data)
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The goal is updated."), "success")
            return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#goals")
    return render_template("volunteers/goal_form.html", form=form, goal=goal, participant=participant)


@bp.route("/participants/<int:participant_id>/evaluations", methods=["POST"])
@roles_required(PATH_ROLES)
def evaluation_new(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = EvaluationForm()
    if not form.validate():
        flash(_("Enter the date of the evaluation."), "error")
    else:
        try:
            services.record_evaluation(current_user, participant, held_on=form.held_on.data, mode=form.mode.data,
                                       notes=form.notes.data)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("The evaluation is recorded."), "success")
    return redirect(url_for("volunteers.participant", participant_id=participant.id) + "#evaluations")


@bp.route("/evaluations/due")
@roles_required(PATH_ROLES)
def evaluations_due():
    return render_template("volunteers/evaluations_due.html", rows=services.evaluations_due(), today=local_today())


@bp.route("/participants/<int:participant_id>/attestation", methods=["GET", "POST"])
@roles_required(SOCIAL)
def attestation(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = AttestationForm()
    if request.method == "GET":
        today = local_today()
        form.date_from.data = today.replace(month=1, day=1)
        form.date_to.data = today
    if form.validate_on_submit():
        try:
            issue, summary = services.issue_attestation(current_user, participant, form.date_from.data,
                                                        form.date_to.data, form.own_words.data,
                                                        show_allowances=form.show_allowances.data)
        except GroceryError as error:
            _fail(error, form)
        else:
            from grocery.volunteers.attestation import render_attestation

            pdf = render_attestation(participant, issue, summary)
            db.session.commit()
            return Response(pdf, mimetype="application/pdf", headers={
                "Content-Disposition": f'inline; filename="attestation-{issue.reference}.pdf"'})
    return render_template("volunteers/attestation_form.html", form=form, participant=participant,
                           allowances_apply=allowances.allowance_applies(participant))


# --------------------------------------------------------------------------- workshops


@bp.route("/workshops", methods=["GET", "POST"])
@roles_required(PLANNING_READERS)
def workshops():
    if request.method == "POST" and current_user.role not in PLANNERS:
        abort(403)
    form = WorkshopForm()
    form.proposed_by_id.choices = choices([(0, _("The team")), *((p.id, p.full_name) for p in _participants())])
    form.competences.choices = _competence_choices()
    if form.validate_on_submit():
        proposer = db.session.get(Participant, form.proposed_by_id.data) if form.proposed_by_id.data else None
        try:
            workshop = services.create_workshop(current_user, title=form.title.data,
                                                description=form.description.data, proposed_by=proposer,
                                                proposed_by_name=form.proposed_by_name.data,
                                                competence_ids=form.competences.data)
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The workshop is created. Add its sessions."), "success")
            return redirect(url_for("volunteers.workshop", workshop_id=workshop.id))
    rows = db.session.scalars(select(Workshop).options(selectinload(Workshop.sessions),
                                                       selectinload(Workshop.proposed_by))
                              .order_by(Workshop.created_at.desc())).all()
    return render_template("volunteers/workshops.html", form=form, rows=rows,
                           can_plan=current_user.role in PLANNERS)


@bp.route("/workshops/<int:workshop_id>")
@roles_required(PLANNING_READERS)
def workshop(workshop_id: int):
    """Sessions with their places, sign-ups and attendance; a social worker finds household members to sign up."""
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id).options(
        selectinload(Workshop.sessions).selectinload(WorkshopSession.attendances),
        selectinload(Workshop.sessions).selectinload(WorkshopSession.signups)
        .selectinload(WorkshopSignup.participant),
        selectinload(Workshop.sessions).selectinload(WorkshopSession.signups)
        .selectinload(WorkshopSignup.member))) or abort(404)
    search, found, search_session = request.args.get("q", "").strip(), [], arg_int("session")
    if current_user.role in PATH_ROLES and search:
        from grocery.volunteers.household_link import find_members

        found = find_members(search)
    return render_template("volunteers/workshop.html", workshop=workshop, participants=_participants(),
                           session_form=WorkshopSessionForm(formdata=None), today=local_today(),
                           can_plan=current_user.role in PLANNERS, signs_up_members=current_user.role in PATH_ROLES,
                           search=search, found=found, search_session=search_session)


def _back_to_workshop(session: WorkshopSession):
    return redirect(url_for("volunteers.workshop", workshop_id=session.workshop_id) + f"#session-{session.id}")


@bp.route("/workshop-sessions/<int:session_id>/signup", methods=["POST"])
@roles_required(PLANNERS)
def workshop_signup(session_id: int):
    """The coordinator signs a participant up for a session (within its places)."""
    session = db.get_or_404(WorkshopSession, session_id)
    participant = db.session.get(Participant, parse_int(request.form.get("participant_id")) or 0)
    if participant is None:
        flash(_("Choose a person."), "error")
        return _back_to_workshop(session)
    try:
        services.sign_up_participant(current_user, session, participant)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("%(name)s is signed up.", name=participant.full_name), "success")
    return _back_to_workshop(session)


@bp.route("/workshop-sessions/<int:session_id>/signup-member", methods=["POST"])
@roles_required(PATH_ROLES)
def workshop_signup_member(session_id: int):
    """A social worker signs a household member up for a session (workshops are open to households)."""
    session = db.get_or_404(WorkshopSession, session_id)
    try:
        signup = services.sign_up_member(current_user, session, parse_int(request.form.get("member_id")))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("%(name)s is signed up.", name=f"{signup.member.first_name} {signup.member.last_name}"), "success")
    return _back_to_workshop(session)


@bp.route("/workshop-signups/<int:signup_id>/cancel", methods=["POST"])
@roles_required(PLANNING_READERS)
def workshop_signup_cancel(signup_id: int):
    """Free a place: a coordinator for a participant, a social worker for anyone."""
    signup = db.get_or_404(WorkshopSignup, signup_id)
    session = signup.session
    if signup.member_id is not None and current_user.role not in PATH_ROLES:
        abort(403)
    if signup.participant_id is not None and current_user.role not in PLANNERS | PATH_ROLES:
        abort(403)
    try:
        services.cancel_signup(current_user, signup)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The place is freed."), "success")
    return _back_to_workshop(session)


@bp.route("/workshops/<int:workshop_id>/sessions", methods=["POST"])
@roles_required(PLANNERS)
def workshop_session_new(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    form = WorkshopSessionForm()
    if not form.validate():
        flash(_("Enter the day, the start, the end and the number of places (1 to 100)."), "error")
    else:
        try:
            services.add_workshop_session(current_user, workshop, held_on=form.held_on.data,
                                          start_time=form.start_time.data, end_time=form.end_time.data,
                                          capacity=form.capacity.data)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("The session is added."), "success")
    return redirect(url_for("volunteers.workshop", workshop_id=workshop.id))


@bp.route("/workshop-sessions/<int:session_id>/attendance", methods=["POST"])
@roles_required(PLANNERS)
def workshop_attendance(session_id: int):
    session = db.get_or_404(WorkshopSession, session_id)
    try:
        count = services.record_workshop_attendance(current_user, session,
                                                    form_ints("participant_ids"),
                                                    form_ints("member_ids"))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(ngettext("Attendance saved: %(num)d person.", "Attendance saved: %(num)d people.", count), "success")
    return redirect(url_for("volunteers.workshop", workshop_id=session.workshop_id))


# --------------------------------------------------------------------------- activities and competences


@bp.route("/activities", methods=["GET", "POST"])
@roles_required(PLANNERS)
def activities():
    if request.method == "POST":
        kind, name = request.form.get("kind"), request.form.get("name", "")
        try:
            if kind == "seed":
                services.seed_framework(current_user)
                name = _("Default framework")
            elif kind == "competence":
                services.create_competence(current_user, name)
            else:
                services.create_activity(current_user, name)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("“%(name)s” is added.", name=name.strip()), "success")
        return redirect(url_for("volunteers.activities"))
    rows = db.session.scalars(select(Activity).options(selectinload(Activity.competences))
                              .order_by(Activity.name)).all()
    return render_template("volunteers/activities.html", activities=rows,
                           competences=db.session.scalars(select(Competence).order_by(Competence.name)).all())


@bp.route("/activities/<int:activity_id>", methods=["POST"])
@roles_required(PLANNERS)
def activity_update(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    try:
        services.set_activity_competences(current_user, activity, form_ints("competence_ids"))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The competences of “%(name)s” are saved.", name=activity.name), "success")
    return redirect(url_for("volunteers.activities"))


@bp.context_processor
def _volunteer_helpers():
    return {"today_iso": lambda: local_today().isoformat(), "timedelta": timedelta,
            "labels": {"goal_domains": GOAL_DOMAINS, "goal_statuses": GOAL_STATUSES,
                       "evaluation_modes": EVALUATION_MODES}}
