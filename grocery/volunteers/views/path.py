"""The insertion path, for social workers: goals, PIIS and reviews, evaluations, attestation."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grocery.auth.roles import SOCIAL, roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.timeutil import local_today
from grocery.volunteers import PATH_ROLES, allowances, bp, services
from grocery.volunteers.forms import AttestationForm, EvaluationForm, GoalForm, PiisForm, PiisReviewForm
from grocery.volunteers.models import Goal, Participant
from grocery.volunteers.views.common import _competence_choices, _fail

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
