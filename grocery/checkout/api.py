"""The till's JSON API: catalogue snapshot, card lookup, quote, sale. Session cookie, CSRF token in a header;
errors as {"error": code, "message": text} with a 4xx status."""

import gzip
import json
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, current_app, jsonify, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grocery.auth.roles import MANAGERS, Role, roles_required
from grocery.checkout.catalogue import catalogue_snapshot
from grocery.checkout.models import TillSession
from grocery.checkout.services import (
    find_household_for_till,
    quote_sale,
    record_sale,
    sale_json,
    till_household,
)
from grocery.checkout.till import till_ref
from grocery.dbutil import begin_write
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.timeutil import local_today, utcnow

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


@bp.route("/catalogue")
@roles_required(TILL_ROLES)
def catalogue():
    """Everything the till needs to look codes up locally; gzip-compressed when the browser accepts it."""
    body = json.dumps(catalogue_snapshot(local_today()), separators=(",", ":"), ensure_ascii=False).encode()
    response = current_app.response_class(body, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=1))  # fast; about a sixth of the JSON size
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/households/<card_code>")
@roles_required(TILL_ROLES)
def household(card_code: str):
    return jsonify(till_household(card_code, local_today()))


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
    return jsonify(find_household_for_till(last_name, birth_on, local_today()))


@bp.route("/quote", methods=["POST"])
@roles_required(TILL_ROLES)
def quote():
    data = _json_body()
    return jsonify(quote_sale(_card(data), data.get("lines"), local_today()).as_json())


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


@bp.route("/sales", methods=["POST"])
@roles_required(TILL_ROLES)
def create_sale():
    """201 with the new sale; 200 with the same sale when its uuid was already recorded (a replay)."""
    data = _json_body()
    card = _card(data)
    actor = current_user._get_current_object()
    begin_write()  # SQLite: one writer at a time, taken before anything is read
    try:
        till = till_ref(session.get("till_session_id"), actor)
        sale, created = record_sale(actor, till, sale_uuid=data.get("uuid"), card_code=card,
                                    lines=data.get("lines"), payment=data.get("payment"),
                                    client_created_at=_client_time(data.get("client_created_at")))
        body = sale_json(sale)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(body), 201 if created else 200
