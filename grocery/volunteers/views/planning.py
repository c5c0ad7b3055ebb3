"""The planning (week, today, a shift, templates, generation) and the day sheet (attendance, confirmed
competences, validation)."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import ALL_ROLES, roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.forms import add_service_errors, choices, form_ints, parse_int
from grocery.sites.access import get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.sites.roles import current_role
from grocery.timeutil import local_today
from grocery.volunteers import PLANNERS, PLANNING_READERS, bp, services
from grocery.volunteers.forms import WEEKDAYS, PeriodForm, TemplateForm
from grocery.volunteers.models import (
    ATTENDANCE,
    CAPABILITIES,
    WORK_ATTENDANCE,
    Activity,
    Assignment,
    Competence,
    Participant,
    Shift,
    ShiftTemplate,
)
from grocery.volunteers.views.common import _fail, _parse_date, _parse_time, _participants

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
                           today=local_today(), can_plan=current_role() in PLANNERS)


@bp.route("/today")
@roles_required(ALL_ROLES)
def today():
    """Shift logistics for everyone: who is on which shift today (first name and initial), activity, times."""
    return render_template("volunteers/today.html", rows=services.today_logistics(), day=local_today())


@bp.route("/shifts/<int:shift_id>")
@roles_required(PLANNING_READERS)
def shift(shift_id: int):
    shift = get_site_object_or_404(Shift, shift_id)
    booked_ids = {a.participant_id for a in shift.assignments if a.status != "cancelled"}
    candidates = [p for p in _participants() if p.id not in booked_ids]
    return render_template("volunteers/shift.html", shift=shift, candidates=candidates,
                           can_plan=current_role() in PLANNERS, capabilities=CAPABILITIES,
                           validated=services.is_day_validated(shift.held_on, shift.site_id))


@bp.route("/shifts/<int:shift_id>/assign", methods=["POST"])
@roles_required(PLANNERS)
def shift_assign(shift_id: int):
    shift = get_site_object_or_404(Shift, shift_id)
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
    assignment = _site_assignment_or_404(assignment_id)
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


def _site_assignment_or_404(assignment_id: int) -> Assignment:
    """A booking of one of the current site's shifts, else 404."""
    return get_site_object_or_404(Assignment, assignment_id, site_of=lambda assignment: assignment.shift.site_id)


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@roles_required(PLANNERS)
def shift_cancel(shift_id: int):
    shift = get_site_object_or_404(Shift, shift_id)
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
    _activity_choices(form)

    def values():
        return {"weekday": form.weekday.data, "start_time": form.start_time.data, "end_time": form.end_time.data,
                "capacity": form.capacity.data, "required_capability": form.required_capability.data or None}

    if form.validate_on_submit():
        try:
            services.create_template(current_user, activity=db.get_or_404(Activity, form.activity_id.data),
                                     **values())
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The weekly slot is added."), "success")
            return redirect(url_for("volunteers.templates"))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check_template_values(**values()))
        flash(_("Some values need correcting: see the messages in red."), "error")
    return _templates_page(form)


def _activity_choices(form: TemplateForm) -> None:
    activities = db.session.scalars(select(Activity).where(Activity.is_active.is_(True)).order_by(Activity.name))
    form.activity_id.choices = choices((a.id, a.name) for a in activities)


def _templates_page(form: TemplateForm, period: PeriodForm | None = None, status: int = 200):
    """The current site's weekly slots and the period to plan; a form sent back keeps its values and errors."""
    rows = db.session.scalars(select(ShiftTemplate).where(ShiftTemplate.site_id == current_site_id())
                              .options(selectinload(ShiftTemplate.activity))
                              .order_by(ShiftTemplate.is_active.desc(), ShiftTemplate.weekday,
                                        ShiftTemplate.start_time)).all()
    if period is None:
        today = local_today()
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        period = PeriodForm(formdata=None, date_from=next_month,
                            date_to=(next_month + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    return render_template("volunteers/templates.html", form=form, rows=rows, weekdays=WEEKDAYS,
                           capabilities=CAPABILITIES, period=period), status


@bp.route("/templates/<int:template_id>/toggle", methods=["POST"])
@roles_required(PLANNERS)
def template_toggle(template_id: int):
    template = get_site_object_or_404(ShiftTemplate, template_id)
    services.set_template_active(current_user, template, not template.is_active)
    db.session.commit()
    flash(_("The weekly slot is updated."), "success")
    return redirect(url_for("volunteers.templates"))


@bp.route("/generate", methods=["POST"])
@roles_required(PLANNERS)
def generate():
    """Create the shifts of the active weekly slots for a period; refused, the page comes back with every error
    next to its field."""
    form = PeriodForm()

    def refused():
        slot_form = TemplateForm(formdata=None)
        _activity_choices(slot_form)
        return _templates_page(slot_form, form, 422)

    if not form.validate():
        add_service_errors(form, lambda: services.check_period(form.date_from.data, form.date_to.data))
        return refused()
    try:
        created = services.generate_shifts(current_user, form.date_from.data, form.date_to.data)
    except GroceryError as error:
        _fail(error, form)
        return refused()
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
    assignment = _site_assignment_or_404(assignment_id)
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
    assignment = _site_assignment_or_404(assignment_id)
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
