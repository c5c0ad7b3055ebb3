"""The till's JSON API: catalogue snapshot, card lookup, quote, sale. Session cookie, CSRF token in a header;
errors as {"error": code, "message": text} with a 4xx status."""

import gzip
import json
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, current_app, g, jsonify, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grocery.auth.roles import MANAGERS, Role, roles_required
from grocery.checkout.catalogue import catalogue_snapshot
from grocery.checkout.models import TillSession
from grocery.checkout.offline import (
    charged_cents,
    contact_write_due,
    note_contact,
    offline_accepted,
    record_offline_sale,
)
from grocery.checkout.services import (
    find_household_for_till,
    quote_sale,
    record_sale,
    sale_json,
    till_site,
    till_visit,
)
from grocery.checkout.till import NotTillHolder, TillClosed, till_ref
from grocery.dbutil import begin_write, end_read
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.sites.roles import current_role
from grocery.timeutil import local_today, to_local, utcnow

bp = Blueprint("till_api", __name__, url_prefix="/api/till")
TILL_ROLES = {Role.CASHIER, *MANAGERS}


def _json_body() -> dict:
    """The request's JSON object; malformed JSON or another type is an `invalid` error, never a 500."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(None, _l("The request must be a JSON object."))
    return data


def _card(data: dict) -> str:
    card = data.get("household_card")
    if not isinstance(card, str) or not card:
        raise ValidationError("household_card", _l("Scan the household card first."))
    return card


def current_till_session() -> TillSession | None:
    """The till session this browser works in (chosen when the till was opened or continued)."""
    session_id = session.get("till_session_id")
    return db.session.get(TillSession, session_id) if isinstance(session_id, int) else None


@bp.before_request
def note_till_contact():
    """Every request of a till's page tells the server the till is reachable (grocery.checkout.offline): recorded
    on the till session this browser works in, if the user may work in it, in a transaction of its own; what was
    known before this request is kept in g.till_contact (the offline sale's check), the till session as read in
    g.till_ref (a sale on PostgreSQL uses it, see _sale_till)."""
    g.till_contact = None
    session_id = session.get("till_session_id")
    if not getattr(current_user, "is_authenticated", False) or current_role() not in TILL_ROLES:
        return
    try:
        till = till_ref(session_id, current_user)
    except NotTillHolder:
        return
    g.till_ref = till
    if till is None or not till.is_open:
        return
    if contact_write_due(till):
        begin_write()
        g.till_contact = note_contact(till)
        db.session.commit()
    else:
        g.till_contact = note_contact(till)


def _till_site_id() -> int | None:
    """The site this till sells at: its till session's, read with the till's status by note_till_contact (no
    statement of its own); None when the browser works in no till session (the services then take the current
    site)."""
    till = g.get("till_ref")
    return till.site_id if till is not None else None


@bp.route("/catalogue")
@roles_required(TILL_ROLES)
def catalogue():
    """Everything the till needs to look codes up locally; gzip-compressed when the browser accepts it."""
    snapshot = catalogue_snapshot(local_today(), site_id=_till_site_id())
    body = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False).encode()
    end_read()
    response = current_app.response_class(body, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=1))  # fast; about a sixth of the JSON size
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ping")
@roles_required(TILL_ROLES)
def ping():
    """The till page's heartbeat, every 30 s while it is open: the request itself records the till's contact
    (note_till_contact), which the offline sales' check relies on; the answer says nothing more. Its transaction
    ends with a commit (end_read): one heartbeat every 30 s per tablet would otherwise make the worker's connection
    forget its prepared statements."""
    end_read()
    response = jsonify({"ok": True})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cards-snapshot")
@roles_required(TILL_ROLES)
def cards_snapshot():
    """The cards valid today, for card checks while the till is offline: only for the holder of an open till
    session (this browser's); what the till summary holds and no more; never cached by the browser's HTTP cache."""
    from grocery.checkout.snapshot import cards_snapshot as snapshot

    till = till_ref(session.get("till_session_id"), current_user)
    if till is None or not till.is_open:
        raise TillClosed()
    body = snapshot(local_today(), site_id=till.site_id)
    end_read()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _visit_answer(summary: dict, household) -> dict:
    """The card lookup's answer; the household's appointment of the day at the till's site is marked arrived (in
    a write transaction of its own, only when there is one to mark: a walk-in or an arrival already noted writes
    nothing)."""
    appointment = summary.get("appointment")
    end_read()
    if appointment is not None and not appointment["arrived"]:
        from grocery.appointments.services import mark_arrived

        begin_write()
        try:
            marked = mark_arrived(household, till_site(_till_site_id()))
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        appointment["arrived"] = marked is not None and marked.status == "arrived"
    return summary


@bp.route("/households/<card_code>")
@roles_required(TILL_ROLES)
def household(card_code: str):
    """The card's summary (grocery.checkout.services.till_visit); the scan marks the household's appointment of the
    day arrived."""
    return jsonify(_visit_answer(*till_visit(card_code, local_today(), site_id=_till_site_id())))


@bp.route("/households/lookup", methods=["POST"])
@roles_required(TILL_ROLES)
def household_lookup():
    data = _json_body()
    birth = data.get("birth_date")
    try:
        birth_on = date.fromisoformat(birth) if isinstance(birth, str) and birth else None
    except ValueError:
        birth_on = None
    last_name = data.get("last_name") if isinstance(data.get("last_name"), str) else ""
    summary, household = find_household_for_till(last_name, birth_on, local_today(), site_id=_till_site_id())
    return jsonify(_visit_answer(summary, household))


@bp.route("/appointments")
@roles_required(TILL_ROLES)
def appointments():
    """Today's appointments of this till's site, in order: time, the household's name as the till shows it, arrived
    or not. Only for the holder of an open till session (the site is the till's, never a parameter)."""
    from grocery.checkout.visit import till_appointments

    till = till_ref(session.get("till_session_id"), current_user)
    if till is None or not till.is_open:
        raise TillClosed()
    body = {"day": local_today().isoformat(), "appointments": till_appointments(till.site_id, local_today())}
    end_read()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/quote", methods=["POST"])
@roles_required(TILL_ROLES)
def quote():
    data = _json_body()
    body = quote_sale(_card(data), data.get("lines"), local_today(), site_id=_till_site_id()).as_json()
    end_read()
    return jsonify(body)


#: The earliest client time kept with a sale: before it, the tablet's clock is wrong.
EARLIEST_CLIENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _client_time(value) -> datetime | None:
    """When the browser says it made the sale, kept for the record only when it is plausible: an ISO time with an
    offset, from 2000 to a day after the server's time. Anything else (a clock at year 1 or 9999, no offset, a
    malformed value) is left out; the sale's time is the server's."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return None
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST_CLIENT_TIME <= moment <= utcnow() + timedelta(days=1) else None


def _sale_till(actor):
    """The till session a sale goes to. On PostgreSQL, the one note_till_contact read at the start of this request
    (one statement less per sale): nothing locks the till session's row there, so reading it again in the sale's
    transaction would only narrow, not close, the few milliseconds in which a till closed meanwhile still takes the
    sale. On SQLite it is read again after begin_write, under the write lock that also serialises closing the till."""
    if "till_ref" in g and db.session.get_bind().dialect.name != "sqlite":
        return g.till_ref
    return till_ref(session.get("till_session_id"), actor)


@bp.route("/sales", methods=["POST"])
@roles_required(TILL_ROLES)
def create_sale():
    """201 with the new sale; 200 with the same sale when its uuid was already recorded (a replay). A sale sent
    with "offline": true is recorded as an offline sale (flagged, never refused for budget, quota, stock or access)
    only when grocery.checkout.offline.offline_accepted says the till was silent when it was made. "proxy":
    {"mandate_id", "identity_checked", "identity_note"} records the proxy who shopped, in the sale's transaction (a
    mandate not valid refuses an online sale, flags an offline one for review)."""
    from grocery.checkout.visit import proxy_choice, record_offline_proxy, record_proxy_for_sale

    data = _json_body()
    card = _card(data)
    proxy = proxy_choice(data)
    actor = current_user._get_current_object()
    begin_write()  # SQLite: one writer at a time, taken before anything is read
    try:
        till = _sale_till(actor)
        client_time = _client_time(data.get("client_created_at"))
        if data.get("offline") is True and offline_accepted(g.till_contact, client_time):
            sale, created = record_offline_sale(actor, till, sale_uuid=data.get("uuid"), card_code=card,
                                                lines=data.get("lines"), payment=data.get("payment"),
                                                charged=charged_cents(data), client_created_at=client_time)
            if created:
                record_offline_proxy(actor, sale, proxy, to_local(client_time).date())
        else:
            sale, created = record_sale(actor, till, sale_uuid=data.get("uuid"), card_code=card,
                                        lines=data.get("lines"), payment=data.get("payment"),
                                        client_created_at=client_time)
            if created:
                record_proxy_for_sale(actor, sale, proxy)
        body = sale_json(sale)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(body), 201 if created else 200
