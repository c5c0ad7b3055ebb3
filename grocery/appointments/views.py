"""Office screens: the week of slots, a slot, a household's appointments and standing appointment, moving and
cancelling, proxy mandates, and each site's opening pattern and exceptions."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from grocery.appointments import BOOKERS, PLANNERS, bp
from grocery.appointments import services as aps
from grocery.appointments.forms import (
    STATUS_LABELS,
    WEEKDAYS,
    ClosedDayForm,
    ExtraSessionForm,
    MandateForm,
    OpeningLineForm,
    PeriodForm,
    StandingForm,
)
from grocery.appointments.models import Appointment, OpeningLine, ProxyMandate, Slot, StandingAppointment
from grocery.auth.roles import roles_required
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, apply_service_error, parse_date, parse_int
from grocery.households import services as hs
from grocery.households.models import Household
from grocery.sites.access import belongs_to_current_site, get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.sites.services import has_several_sites
from grocery.timeutil import local_today, to_local, utcnow


@bp.app_context_processor
def _appointment_helpers():
    """`appointment_panel(household)` for the household page's panel (templates/appointments/_household_panel.html),
    and the labels of this domain's pages."""
    return {"appointment_panel": _panel, "appointment_labels": {"status": STATUS_LABELS, "weekdays": WEEKDAYS},
            "local_time": lambda value: to_local(value).strftime("%H:%M")}


def _panel(household) -> dict:
    return {"appointments": aps.household_appointments(household, upcoming_only=True, limit=5),
            "proxies": aps.valid_proxies(household), "several_sites": has_several_sites(),
            "standing": _standing_of(household)}


def _standing_of(household) -> list[StandingAppointment]:
    from sqlalchemy import select

    return list(db.session.scalars(select(StandingAppointment).where(
        StandingAppointment.household_id == household.id, StandingAppointment.ended_at.is_(None))
        .order_by(StandingAppointment.weekday, StandingAppointment.start_time)))


def _fail(error: GroceryError, form=None) -> None:
    """Roll back and show a service refusal next to its field, or as a message."""
    db.session.rollback()
    if form is None or not isinstance(error, ValidationError) or not apply_service_error(form, error):
        flash(error.message, "error")


def _monday(value: str | None):
    day = parse_date(value) if value else None
    day = day or local_today()
    return day - timedelta(days=day.weekday())


def _site_appointment_or_404(appointment_id: int) -> Appointment:
    return get_site_object_or_404(Appointment, appointment_id)


def _redirect_back(household_id: int | None = None, slot_id: int | None = None):
    if request.form.get("back") == "slot" and slot_id is not None:
        return redirect(url_for("appointments.slot", slot_id=slot_id))
    if household_id is not None:
        return redirect(url_for("appointments.household", household_id=household_id))
    return redirect(url_for("appointments.week"))


# --------------------------------------------------------------------------------------------------------------
# The week, a slot, booking
# --------------------------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(BOOKERS)
def week():
    """The current site's week: days across, times down, places left and who is booked in each slot."""
    monday = _monday(request.args.get("week"))
    slots = aps.week_slots(current_site_id(), monday)
    days = [monday + timedelta(days=i) for i in range(7)]
    open_days = [d for d in days if any(s.held_on == d for s in slots)] or days[:5]
    times = sorted({to_local(s.starts_at).strftime("%H:%M") for s in slots})
    grid = {(s.held_on, to_local(s.starts_at).strftime("%H:%M")): s for s in slots}
    return render_template("appointments/week.html", monday=monday, days=open_days, times=times, grid=grid,
                           slots=slots, previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                           today=local_today(), now=utcnow(), can_plan=current_user.role in PLANNERS)


@bp.route("/slots/<int:slot_id>")
@roles_required(BOOKERS)
def slot(slot_id: int):
    """A slot: who is booked, and the search of a household (name, reference or card) to book it."""
    slot = get_site_object_or_404(Slot, slot_id)
    text = request.args.get("q", "").strip()[:100]
    results = hs.search_households(text, limit=20) if text else []
    return render_template("appointments/slot.html", slot=slot, text=text, results=results, now=utcnow(),
                           today=local_today(), eligibility=hs.eligibility_on)


@bp.route("/slots/<int:slot_id>/book", methods=["POST"])
@roles_required(BOOKERS)
def book(slot_id: int):
    slot = get_site_object_or_404(Slot, slot_id)
    household = db.session.get(Household, parse_int(request.form.get("household_id")) or 0)
    if household is None:
        flash(_("Choose a household."), "error")
        return redirect(url_for("appointments.slot", slot_id=slot.id))
    try:
        aps.book_appointment(current_user, household, slot)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("Appointment booked for %(name)s on %(day)s at %(time)s.", name=household.name,
                day=_day(slot), time=to_local(slot.starts_at).strftime("%H:%M")), "success")
    return _redirect_back(household.id, slot.id)


def _day(slot: Slot) -> str:
    from grocery.timeutil import format_local_date

    return format_local_date(slot.held_on, "EEEE d MMMM")


# --------------------------------------------------------------------------------------------------------------
# A household's appointments, standing appointment, move, cancel
# --------------------------------------------------------------------------------------------------------------

def _household_or_404(household_id: int) -> Household:
    """The household (every site's office sees the installation's households); NotFound answers 404."""
    return hs.get_household(household_id)


@bp.route("/households/<int:household_id>")
@roles_required(BOOKERS)
def household(household_id: int):
    """A household's appointments (every site), its standing appointments, and the open slots of the current site
    in a week to book one."""
    household = _household_or_404(household_id)
    monday = _monday(request.args.get("week"))
    site_id = current_site_id()
    return render_template(
        "appointments/household.html", household=household, monday=monday,
        previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
        appointments=aps.household_appointments(household),
        open_slots=aps.open_slots(site_id, max(monday, local_today()), monday + timedelta(days=6)),
        standing=_standing_of(household), standing_form=StandingForm(formdata=None),
        eligibility=hs.eligibility_on(household, local_today()), several_sites=has_several_sites(),
        site_names=_site_names(), site_id=site_id)


def _site_names() -> dict[int, str]:
    from grocery.sites.services import active_sites

    return {site.id: site.name for site in active_sites()}


@bp.route("/households/<int:household_id>/standing", methods=["POST"])
@roles_required(BOOKERS)
def standing_create(household_id: int):
    household = _household_or_404(household_id)
    form = StandingForm()
    if not form.validate():
        flash(_("Choose a day of the week and a time."), "error")
        return redirect(url_for("appointments.household", household_id=household.id))
    try:
        _standing, result = aps.create_standing(current_user, household, site_id=current_site_id(),
                                                weekday=form.weekday.data, start_time=form.start_time.data)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("Standing appointment saved: %(day)s at %(time)s.", day=WEEKDAYS[form.weekday.data],
                time=form.start_time.data.strftime("%H:%M")), "success")
        _flash_standing(result)
    return redirect(url_for("appointments.household", household_id=household.id))


def _flash_standing(result) -> None:
    if result.booked:
        flash(ngettext("%(num)d appointment booked from the standing appointment.",
                       "%(num)d appointments booked from the standing appointment.", len(result.booked)), "info")
    for _standing, when, why in result.skipped[:10]:
        flash(_("Not booked on %(when)s: %(why)s", when=when, why=why), "warning")


@bp.route("/standing/<int:standing_id>/end", methods=["POST"])
@roles_required(BOOKERS)
def standing_end(standing_id: int):
    standing = get_site_object_or_404(StandingAppointment, standing_id)
    try:
        aps.end_standing(current_user, standing)
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The standing appointment has ended; the appointments already booked stay."), "success")
    return redirect(url_for("appointments.household", household_id=standing.household_id))


@bp.route("/<int:appointment_id>/move", methods=["GET", "POST"])
@roles_required(BOOKERS)
def move(appointment_id: int):
    """Move an appointment to another open slot of the same site (the same rules as a booking)."""
    appointment = _site_appointment_or_404(appointment_id)
    if request.method == "POST":
        target = db.session.get(Slot, parse_int(request.form.get("slot_id")) or 0)
        if target is None or not belongs_to_current_site(target.site_id):
            flash(_("Choose a slot."), "error")
        else:
            try:
                aps.move_appointment(current_user, appointment, target)
            except GroceryError as error:
                _fail(error)
            else:
                db.session.commit()
                flash(_("Appointment moved to %(day)s at %(time)s.", day=_day(target),
                        time=to_local(target.starts_at).strftime("%H:%M")), "success")
                return redirect(url_for("appointments.household", household_id=appointment.household_id))
    monday = _monday(request.args.get("week") or appointment.held_on.isoformat())
    slots = [s for s in aps.open_slots(appointment.site_id, max(monday, local_today()), monday + timedelta(days=6))
             if s.id != appointment.slot_id]
    return render_template("appointments/move.html", appointment=appointment, slots=slots, monday=monday,
                           previous=monday - timedelta(days=7), following=monday + timedelta(days=7))


@bp.route("/<int:appointment_id>/cancel", methods=["POST"])
@roles_required(BOOKERS)
def cancel(appointment_id: int):
    appointment = _site_appointment_or_404(appointment_id)
    try:
        aps.cancel_appointment(current_user, appointment, request.form.get("reason", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The appointment is cancelled."), "success")
    return _redirect_back(appointment.household_id, appointment.slot_id)


# --------------------------------------------------------------------------------------------------------------
# Proxy mandates
# --------------------------------------------------------------------------------------------------------------

@bp.route("/households/<int:household_id>/proxies", methods=["GET", "POST"])
@roles_required(BOOKERS)
def proxies(household_id: int):
    """The household's proxy mandates (valid, ended, revoked) and the form to add one."""
    household = _household_or_404(household_id)
    form = MandateForm() if request.method == "POST" else MandateForm(formdata=None, valid_from=local_today())
    status = 200
    if form.validate_on_submit():
        try:
            mandate = aps.create_mandate(current_user, household, full_name=form.full_name.data,
                                         identity_document=form.identity_document.data or "",
                                         valid_from=form.valid_from.data, valid_until=form.valid_until.data)
        except GroceryError as error:
            _fail(error, form)
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s may shop for the household.", name=mandate.full_name), "success")
            return redirect(url_for("appointments.proxies", household_id=household.id))
    elif form.is_submitted():
        from grocery.appointments.services.proxies import check_mandate_values

        add_service_errors(form, lambda: check_mandate_values(full_name=form.full_name.data or "",
                                                              valid_from=form.valid_from.data,
                                                              valid_until=form.valid_until.data))
        flash(_("Some values need correcting: see the messages in red."), "error")
        status = 422
    today = local_today()
    return render_template("appointments/proxies.html", household=household, form=form, today=today,
                           mandates=aps.household_mandates(household)), status


@bp.route("/proxies/<int:mandate_id>/revoke", methods=["POST"])
@roles_required(BOOKERS)
def proxy_revoke(mandate_id: int):
    mandate = db.get_or_404(ProxyMandate, mandate_id)
    try:
        aps.revoke_mandate(current_user, mandate, request.form.get("reason", ""))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The mandate of %(name)s is revoked.", name=mandate.full_name), "success")
    return redirect(url_for("appointments.proxies", household_id=mandate.household_id))


# --------------------------------------------------------------------------------------------------------------
# Opening pattern and exceptions (coordinators, administrators)
# --------------------------------------------------------------------------------------------------------------

def _opening_page(line_form=None, closed_form=None, extra_form=None, period=None, status: int = 200):
    today = local_today()
    site_id = current_site_id()
    return render_template(
        "appointments/opening.html", lines=aps.opening_lines(site_id), exceptions=aps.exceptions_from(site_id, today),
        line_form=line_form or OpeningLineForm(formdata=None),
        closed_form=closed_form or ClosedDayForm(formdata=None),
        extra_form=extra_form or ExtraSessionForm(formdata=None),
        period=period or PeriodForm(formdata=None, date_from=today, date_to=today + timedelta(days=27)),
        weekdays=WEEKDAYS), status


def _session_values(form) -> dict:
    return {"start_time": form.start_time.data, "end_time": form.end_time.data,
            "slot_minutes": form.slot_minutes.data, "households_per_slot": form.households_per_slot.data}


@bp.route("/opening", methods=["GET", "POST"])
@roles_required(PLANNERS)
def opening():
    """The current site's weekly opening pattern, its exceptions, and the generation of its slots."""
    if request.method == "GET":
        return _opening_page()
    form = OpeningLineForm()
    if form.validate():
        try:
            aps.create_opening_line(current_user, weekday=form.weekday.data, **_session_values(form))
        except GroceryError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(_("The opening line is added. Generate the slots to use it."), "success")
            return redirect(url_for("appointments.opening"))
    else:
        add_service_errors(form, lambda: aps.check_session_values(**_session_values(form)))
        flash(_("Some values need correcting: see the messages in red."), "error")
    return _opening_page(line_form=form, status=422)


@bp.route("/opening/<int:opening_line_id>/toggle", methods=["POST"])
@roles_required(PLANNERS)
def opening_toggle(opening_line_id: int):
    line = get_site_object_or_404(OpeningLine, opening_line_id)
    aps.set_opening_line_active(current_user, line, not line.is_active)
    db.session.commit()
    flash(_("The opening line is updated. Generate the slots again to apply it."), "success")
    return redirect(url_for("appointments.opening"))


@bp.route("/opening/closed", methods=["POST"])
@roles_required(PLANNERS)
def close_day():
    form = ClosedDayForm()
    if not form.validate():
        flash(_("Some values need correcting: see the messages in red."), "error")
        return _opening_page(closed_form=form, status=422)
    try:
        _exception, to_move = aps.close_day(current_user, form.held_on.data, form.reason.data)
    except GroceryError as error:
        _fail(error, form)
        return _opening_page(closed_form=form, status=422)
    db.session.commit()
    flash(_("The day is closed; its free slots are cancelled."), "success")
    if to_move:
        flash(ngettext("%(num)d appointment that day must be moved: see the week.",
                       "%(num)d appointments that day must be moved: see the week.", len(to_move)), "warning")
        return redirect(url_for("appointments.week", week=form.held_on.data.isoformat()))
    return redirect(url_for("appointments.opening"))


@bp.route("/opening/extra", methods=["POST"])
@roles_required(PLANNERS)
def extra_session():
    form = ExtraSessionForm()
    if not form.validate():
        add_service_errors(form, lambda: aps.check_session_values(**_session_values(form)))
        flash(_("Some values need correcting: see the messages in red."), "error")
        return _opening_page(extra_form=form, status=422)
    try:
        _exception, result = aps.add_extra_session(current_user, form.held_on.data, reason=form.reason.data or "",
                                                   **_session_values(form))
    except GroceryError as error:
        _fail(error, form)
        return _opening_page(extra_form=form, status=422)
    db.session.commit()
    flash(ngettext("Extra session added: %(num)d slot.", "Extra session added: %(num)d slots.",
                   len(result.created)), "success")
    _flash_standing(result.standing)
    return redirect(url_for("appointments.week", week=form.held_on.data.isoformat()))


@bp.route("/opening/generate", methods=["POST"])
@roles_required(PLANNERS)
def generate():
    form = PeriodForm()
    if not form.validate():
        add_service_errors(form, lambda: aps.check_period(form.date_from.data, form.date_to.data))
        flash(_("Some values need correcting: see the messages in red."), "error")
        return _opening_page(period=form, status=422)
    try:
        result = aps.generate_slots(current_user, form.date_from.data, form.date_to.data)
    except GroceryError as error:
        _fail(error, form)
        return _opening_page(period=form, status=422)
    db.session.commit()
    flash(ngettext("%(num)d slot created.", "%(num)d slots created.", len(result.created)), "success")
    if result.dropped:
        flash(ngettext("%(num)d free slot no longer in the pattern was removed.",
                       "%(num)d free slots no longer in the pattern were removed.", result.dropped), "info")
    if result.kept_booked:
        flash(ngettext("%(num)d booked slot is no longer in the pattern: move its appointments.",
                       "%(num)d booked slots are no longer in the pattern: move their appointments.",
                       len(result.kept_booked)), "warning")
    _flash_standing(result.standing)
    return redirect(url_for("appointments.week", week=form.date_from.data.isoformat()))
