"""Participants: list, record, badge, household link, allowances and formalities."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.models import User
from grocery.auth.roles import SOCIAL, Role, roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, arg_int, choices, parse_int
from grocery.money import parse_money
from grocery.sites.context import current_site_id
from grocery.sites.roles import current_role
from grocery.timeutil import local_today
from grocery.volunteers import PATH_ROLES, allowances, bp, services
from grocery.volunteers.forms import AllowanceForm, EvaluationForm, GoalForm, ParticipantForm, PiisForm, PiisReviewForm
from grocery.volunteers.models import (
    ATTENDANCE,
    CAPABILITIES,
    FORMALITY_STATUSES,
    WORK_ATTENDANCE,
    Assignment,
    AttestationIssue,
    Evaluation,
    Participant,
    Shift,
)
from grocery.volunteers.views.common import _competence_choices, _fail, _parse_date, _participants

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
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_participant_values(_participant_values(form)))
        flash(_("Some values need correcting: see the messages in red."), "error")
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
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_participant_values(_participant_values(form)))
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("volunteers/participant_form.html", form=form, participant=participant)


@bp.route("/participants/<int:participant_id>")
@roles_required(SOCIAL)
def participant(participant_id: int):
    """The participant page: hours, attendance, competences; goals and evaluations for social workers only."""
    return _participant_page(db.get_or_404(Participant, participant_id))


def _participant_page(participant: Participant, *, allowance_form: AllowanceForm | None = None, status: int = 200):
    """The participant page; `allowance_form`: the allowance form sent back with its errors next to its fields."""
    sees_path = current_role() in PATH_ROLES
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
               Shift.site_id == current_site_id(), Shift.held_on >= local_today())
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
                           allowance=allowance,
                           allowance_form=allowance_form or AllowanceForm(formdata=None, day=local_today()),
                           member_candidates=candidates, piis_form=piis_form, piis_reviews=reviews,
                           piis_review_form=PiisReviewForm(formdata=None),
                           sees_path=sees_path, evaluations=evaluations, upcoming=upcoming,
                           formality_statuses=FORMALITY_STATUSES, capabilities=CAPABILITIES,
                           goal_form=goal_form, evaluation_form=evaluation_form,
                           attendance_labels=WORK_ATTENDANCE if participant.is_employment else ATTENDANCE,
                           today=local_today(), attestations=attestations), status


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


def _allowance_values(form: AllowanceForm):
    """(day, amount in cents) of the allowance form, or one ValidationError naming every wrong field."""
    errors = FieldErrors()
    amount_cents = None
    with errors.collect():
        amount_cents = parse_money(form.amount.data, field="amount")
    with errors.collect():
        allowances.check_allowance_values(form.day.data, 1 if "amount" in errors else amount_cents)
    errors.raise_if_any()
    return form.day.data, amount_cents


@bp.route("/participants/<int:participant_id>/allowances", methods=["POST"])
@roles_required(SOCIAL)
def allowance_record(participant_id: int):
    """Record the flat-rate allowance paid for a day; the ceilings' warnings are shown at once. Refused, the
    participant page comes back with every error next to its field."""
    participant = db.get_or_404(Participant, participant_id)
    form = AllowanceForm()
    if not form.validate():
        add_service_errors(form, lambda: _allowance_values(form))
        db.session.rollback()
        return _participant_page(participant, allowance_form=form, status=422)
    try:
        day, amount_cents = _allowance_values(form)
        _row, status = allowances.record_allowance(current_user, participant, day=day, amount_cents=amount_cents)
    except GroceryError as error:
        _fail(error, form)
        return _participant_page(participant, allowance_form=form, status=422)
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
