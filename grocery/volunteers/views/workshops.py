"""Workshops: list, a workshop, its sessions, sign-ups and attendance."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.forms import add_service_errors, arg_int, choices, form_ints, parse_int
from grocery.sites.access import get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.sites.roles import current_role
from grocery.timeutil import local_today
from grocery.volunteers import PATH_ROLES, PLANNERS, PLANNING_READERS, bp, services
from grocery.volunteers.forms import WorkshopForm, WorkshopSessionForm
from grocery.volunteers.models import Participant, Workshop, WorkshopSession, WorkshopSignup
from grocery.volunteers.views.common import _competence_choices, _fail, _participants
from grocery.volunteers.workshops import check_session_values

# --------------------------------------------------------------------------- workshops


@bp.route("/workshops", methods=["GET", "POST"])
@roles_required(PLANNING_READERS)
def workshops():
    if request.method == "POST" and current_role() not in PLANNERS:
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
    rows = db.session.scalars(select(Workshop).where(Workshop.site_id == current_site_id())
                              .options(selectinload(Workshop.sessions), selectinload(Workshop.proposed_by))
                              .order_by(Workshop.created_at.desc())).all()
    return render_template("volunteers/workshops.html", form=form, rows=rows,
                           can_plan=current_role() in PLANNERS)


@bp.route("/workshops/<int:workshop_id>")
@roles_required(PLANNING_READERS)
def workshop(workshop_id: int):
    """Sessions with their places, sign-ups and attendance; a social worker finds household members to sign up."""
    return _workshop_page(workshop_id)


def _workshop_page(workshop_id: int, *, session_form: WorkshopSessionForm | None = None, status: int = 200):
    """The workshop page; `session_form`: the new-session form sent back with its errors next to its fields."""
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id,
                                                        Workshop.site_id == current_site_id()).options(
        selectinload(Workshop.sessions).selectinload(WorkshopSession.attendances),
        selectinload(Workshop.sessions).selectinload(WorkshopSession.signups)
        .selectinload(WorkshopSignup.participant),
        selectinload(Workshop.sessions).selectinload(WorkshopSession.signups)
        .selectinload(WorkshopSignup.member))) or abort(404)
    search, found, search_session = request.args.get("q", "").strip(), [], arg_int("session")
    if current_role() in PATH_ROLES and search:
        from grocery.volunteers.household_link import find_members

        found = find_members(search)
    return render_template("volunteers/workshop.html", workshop=workshop, participants=_participants(),
                           session_form=session_form or WorkshopSessionForm(formdata=None), today=local_today(),
                           can_plan=current_role() in PLANNERS, signs_up_members=current_role() in PATH_ROLES,
                           search=search, found=found, search_session=search_session), status


def _site_session_or_404(session_id: int) -> WorkshopSession:
    """A session of one of the current site's workshops, else 404."""
    return get_site_object_or_404(WorkshopSession, session_id, site_of=lambda session: session.workshop.site_id)


def _back_to_workshop(session: WorkshopSession):
    return redirect(url_for("volunteers.workshop", workshop_id=session.workshop_id) + f"#session-{session.id}")


@bp.route("/workshop-sessions/<int:session_id>/signup", methods=["POST"])
@roles_required(PLANNERS)
def workshop_signup(session_id: int):
    """The coordinator signs a participant up for a session (within its places)."""
    session = _site_session_or_404(session_id)
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
    session = _site_session_or_404(session_id)
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
    signup = get_site_object_or_404(WorkshopSignup, signup_id, site_of=lambda s: s.session.workshop.site_id)
    session = signup.session
    if signup.member_id is not None and current_role() not in PATH_ROLES:
        abort(403)
    if signup.participant_id is not None and current_role() not in PLANNERS | PATH_ROLES:
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
    """Add a dated session; refused, the workshop page comes back with every error next to its field."""
    workshop = get_site_object_or_404(Workshop, workshop_id)
    form = WorkshopSessionForm()

    def values():
        return {"held_on": form.held_on.data, "start_time": form.start_time.data, "end_time": form.end_time.data,
                "capacity": form.capacity.data}

    if not form.validate():
        add_service_errors(form, lambda: check_session_values(**values()))
        return _workshop_page(workshop.id, session_form=form, status=422)
    try:
        services.add_workshop_session(current_user, workshop, **values())
    except GroceryError as error:
        _fail(error, form)
        return _workshop_page(workshop.id, session_form=form, status=422)
    db.session.commit()
    flash(_("The session is added."), "success")
    return redirect(url_for("volunteers.workshop", workshop_id=workshop.id))


@bp.route("/workshop-sessions/<int:session_id>/attendance", methods=["POST"])
@roles_required(PLANNERS)
def workshop_attendance(session_id: int):
    session = _site_session_or_404(session_id)
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
