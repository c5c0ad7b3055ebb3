"""Kiosk mode: a coordinator opens it on the tablet; then the session reaches only the kiosk, which accepts badge
scans (check in, check out, sign up) and shows nothing beyond first names on today's shifts."""

from flask import flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from grocery.auth.roles import roles_required
from grocery.auth.services import check_kiosk_exit
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.forms import parse_int
from grocery.sites.access import belongs_to_current_site
from grocery.timeutil import local_today
from grocery.volunteers import PLANNERS, bp, services
from grocery.volunteers.models import Shift

SESSION_KEY = "volunteers_kiosk"
#: What a session in kiosk mode may reach.
KIOSK_ENDPOINTS = frozenset({"volunteers.kiosk", "volunteers.kiosk_scan", "volunteers.kiosk_signup",
                             "volunteers.kiosk_competences",
                             "volunteers.kiosk_leave", "static", "main.health", "auth.set_language"})


def in_kiosk_mode() -> bool:
    return bool(current_user.is_authenticated and session.get(SESSION_KEY) == current_user.id)


@bp.before_app_request
def confine_kiosk():
    """A session in kiosk mode is confined to the kiosk endpoints until the coordinator leaves with a password."""
    if SESSION_KEY not in session or request.endpoint is None:
        return None
    if not current_user.is_authenticated or session.get(SESSION_KEY) != current_user.id:
        session.pop(SESSION_KEY, None)
        return None
    if request.endpoint in KIOSK_ENDPOINTS:
        return None
    if request.method != "GET" or request.is_json:
        return jsonify({"error": "kiosk", "message": _("Kiosk mode: only badge scans are accepted.")}), 403
    return redirect(url_for("volunteers.kiosk"))


def _shift_json(shift: Shift) -> dict:
    return {"id": shift.id, "activity": shift.activity.name, "day": format_date(shift.held_on, "EEEE d MMMM"),
            "start": shift.start_time.strftime("%H:%M"), "end": shift.end_time.strftime("%H:%M")}


def _refusal(error: GroceryError):
    db.session.rollback()
    return jsonify({"ok": False, "message": error.message}), error.status


@bp.route("/kiosk/open", methods=["POST"])
@roles_required(PLANNERS)
def kiosk_open():
    session[SESSION_KEY] = current_user.id
    return redirect(url_for("volunteers.kiosk"))


@bp.route("/kiosk")
@roles_required(PLANNERS)
def kiosk():
    if not in_kiosk_mode():
        return render_template("volunteers/kiosk_start.html")
    shifts = [s for s in services.day_shifts(local_today()) if not s.is_cancelled]
    return render_template("volunteers/kiosk.html", shifts=shifts, day=local_today())


@bp.route("/kiosk/scan", methods=["POST"])
@roles_required(PLANNERS)
def kiosk_scan():
    if not in_kiosk_mode():
        return jsonify({"ok": False, "message": _("Kiosk mode is not open on this tablet.")}), 403
    payload = request.get_json(silent=True) or {}
    code = str(payload.get("code", ""))
    try:
        result = services.kiosk_scan(code, confirm_check_out=payload.get("confirm_check_out") is True)
    except GroceryError as error:
        return _refusal(error)
    db.session.commit()
    participant, assignment = result["participant"], result["assignment"]
    messages = {
        "check_in": _("Welcome %(name)s! You are checked in for %(activity)s.", name=participant.first_name,
                      activity=assignment.shift.activity.name) if assignment else "",
        "check_out": _("Thank you %(name)s! You are checked out. See you soon.", name=participant.first_name),
        "ignored": _("Hello %(name)s, your badge was just read: nothing changes. Scan again in a minute if you "
                     "want to check out.", name=participant.first_name),
        "confirm_check_out": _("%(name)s, you checked in less than 15 minutes ago. Do you really want to check "
                               "out now?", name=participant.first_name),
        "nothing_now": _("Hello %(name)s. Your shift has not started yet or is over.", name=participant.first_name),
        None: _("Hello %(name)s. You have no shift today.", name=participant.first_name),
    }
    return jsonify({
        "ok": True, "action": result["action"], "first_name": participant.first_name,
        "confirm": result["action"] == "confirm_check_out",
        "message": messages[result["action"]],
        "shifts": [{**_shift_json(a.shift), "checked_in": a.checked_in_at is not None,
                    "checked_out": a.checked_out_at is not None} for a in result["assignments"]],
        "open_shifts": [_shift_json(s) for s in services.open_shifts_for(participant)],
        "competences": {"assignment_id": assignment.id,
                        "choices": [{"id": c.id, "name": c.name} for c in assignment.shift.activity.competences]}
        if result["action"] == "check_out" else None,
    })


@bp.route("/kiosk/sign-up", methods=["POST"])
@roles_required(PLANNERS)
def kiosk_signup():
    if not in_kiosk_mode():
        return jsonify({"ok": False, "message": _("Kiosk mode is not open on this tablet.")}), 403
    payload = request.get_json(silent=True) or {}
    shift_id = parse_int(str(payload.get("shift_id", "")))
    shift = db.session.get(Shift, shift_id) if shift_id else None
    if shift is None or not belongs_to_current_site(shift.site_id):  # another site's shift: as if it did not exist
        return jsonify({"ok": False, "message": _("This shift no longer exists. Scan your badge again.")}), 404
    try:
        assignment = services.kiosk_sign_up(str(payload.get("code", "")), shift)
    except GroceryError as error:
        return _refusal(error)
    db.session.commit()
    return jsonify({"ok": True, "message": _("You are signed up for %(activity)s on %(day)s, %(start)s-%(end)s.",
                                             activity=shift.activity.name,
                                             day=format_date(shift.held_on, "EEEE d MMMM"),
                                             start=shift.start_time.strftime("%H:%M"),
                                             end=shift.end_time.strftime("%H:%M")),
                    "assignment": assignment.id})


@bp.route("/kiosk/leave", methods=["GET", "POST"])
@roles_required(PLANNERS)
def kiosk_leave():
    """Leaving kiosk mode needs the password of the coordinator who opened it, throttled like the login."""
    if not in_kiosk_mode():
        return redirect(url_for("volunteers.planning"))
    error, status = None, 200
    if request.method == "POST":
        try:
            ok = check_kiosk_exit(current_user, request.form.get("password", ""), request.remote_addr or "unknown")
        except GroceryError as refusal:  # throttled like the login: the attempt is recorded as refused
            db.session.commit()
            error, status = refusal.message, refusal.status
        else:
            db.session.commit()  # the attempt is recorded either way
            if ok:
                session.pop(SESSION_KEY, None)
                flash(_("Kiosk mode is closed."), "success")
                return redirect(url_for("volunteers.planning"))
            error, status = _("Wrong password. Only the coordinator who opened the kiosk can close it."), 422
    return render_template("volunteers/kiosk_leave.html", error=error), status


@bp.route("/kiosk/competences", methods=["POST"])
@roles_required(PLANNERS)
def kiosk_competences():
    """After checking out, the participant confirms the competences they practised (and may leave a comment)."""
    if not in_kiosk_mode():
        return jsonify({"ok": False, "message": _("Kiosk mode is not open on this tablet.")}), 403
    payload = request.get_json(silent=True) or {}
    try:
        ids = [int(i) for i in payload.get("competence_ids") or []]
        assignment_id = int(payload.get("assignment_id") or 0)
    except (TypeError, ValueError):
        return jsonify({"ok": False, "message": _("Choose one to three competences.")}), 422
    try:
        services.confirm_own_competences(str(payload.get("code", "")), assignment_id, ids,
                                         str(payload.get("comment") or ""))
    except GroceryError as error:
        return _refusal(error)
    db.session.commit()
    return jsonify({"ok": True, "message": _("Thank you! Your competences are recorded.")})
