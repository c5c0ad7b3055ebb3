"""Hostile values in every query parameter and form field of the route walk, as each role that may reach the route:
never a 5xx, and a refused request writes nothing."""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from flask_login.utils import _create_identifier
from sqlalchemy import event, func, select
from sqlalchemy.exc import DataError
from werkzeug.routing import Rule

from grocery.auth.roles import PUBLIC, Role
from tests.factories import (
    make_criterion,
    make_donor,
    make_report_scenario,
    make_shopper,
    make_user,
)
from tests.foundation.test_route_roles import EXPECTED
from tests.utils import ARGUMENT_TABLES

#: One value of each class that used to give a 500 somewhere (a number beyond INTEGER or any column, a Unicode digit
#: that passes str.isdigit(), a negative number, a NUL character, dates at the limits, brackets nested deep).
HOSTILE = {
    "2**31": str(2**31),
    "10**30": str(10**30),
    "5000 digits": "9" * 5000,
    "superscript two": "²",
    "minus one": "-1",
    "NUL": "a\x00b",
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "nested": "[" * 2000 + "]" * 2000,
}
NESTED_JSON = "[" * 100_000 + "]" * 100_000
#: Field by field, the classes that reach each kind of field's parser (every class also goes to all fields at once):
#: numbers to every field, dates to date fields, long brackets to typed text; NUL is refused before any view. The
#: number beyond a column is the one the database refuses: 2**31 overflows PostgreSQL's INTEGER, SQLite stores it
#: and overflows at 2**63 (10**30); the other is still sent in the all-at-once requests.
_POSTGRES = "postgresql" in os.environ.get("GROCERY_TEST_DATABASE_URL", "")
NUMBERS = ("2**31" if _POSTGRES else "10**30", "5000 digits", "superscript two", "minus one")
BY_KIND = {"date": ("year 1", "year 9999", "superscript two"), "choice": NUMBERS, "text": (*NUMBERS, "nested")}
#: The values the other roles of a route send in all its fields at once (the first role sends every value).
OTHER_ROLES = (NUMBERS[0], "5000 digits", "superscript two", "NUL")

#: Tables a refusal writes by design: a failed login is recorded (throttling).
RECORDED_ON_REFUSAL = {"login_attempts"}
#: Routes not walked: logging out ends the session the walk works in; static files read no parameter.
SKIPPED = {"static", "auth.logout"}
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_ARG_NAMES = re.compile(r"""(?:args\.get|args\.getlist|arg_int|arg_ints)\(\s*["'](\w+)["']""")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields with the values a browser would send untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self._form = {"action": a.get("action", ""), "method": method, "fields": {}, "kinds": {}}
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            self._form["kinds"][a["name"]] = ("date" if kind in {"date", "datetime-local", "month", "week"}
                                              else "choice" if kind in {"checkbox", "radio", "hidden"} else "text")
            if kind in {"checkbox", "radio"} and "checked" not in a:
                self._form["fields"].setdefault(a["name"], None)
                return
            self._form["fields"][a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
            self._form["kinds"][a["name"]] = "choice"
            self._form["fields"].setdefault(a["name"], None)
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if fields.get(self._select) is None or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["kinds"][a["name"]] = "text"
            self._form["fields"][a["name"]] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Writes:
    """Tables written by committed transactions since the last reset (the engine's statements, as they commit)."""

    def __init__(self, engine):
        self.pending: set[str] = set()
        self.committed: set[str] = set()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        self.engine = engine
        self.requests = 0

    def _statement(self, _conn, _cursor, statement, *_args):
        match = re.match(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", statement, re.IGNORECASE)
        if match:
            self.pending.add(match.group(1))

    def _commit(self, _conn):
        self.committed |= self.pending
        self.pending = set()

    def _rollback(self, _conn):
        self.pending = set()

    def take(self) -> set[str]:
        self.requests += 1
        written, self.committed, self.pending = self.committed, set(), set()
        return written

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


def _query_names(app, endpoint: str) -> list[str]:
    """The query parameters a view reads: in its source and in the module functions it calls."""
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return []
    module = sys.modules.get(view.__module__)
    for name in set(re.findall(r"\b(_?\w+)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == view.__module__ and helper is not view:
            source += inspect.getsource(helper)
    return sorted(set(_ARG_NAMES.findall(source)))


def _scenario(db):
    """A small grocery with a row behind every URL argument; returns the users the walk logs in as."""
    from grocery.stock.services import add_donation_line, open_count, start_donation
    from grocery.volunteers.services import create_goal, create_workshop

    scenario = make_report_scenario(households=1)
    make_criterion()
    make_shopper()
    coordinator = scenario["coordinator"]
    donation = start_donation(coordinator, make_donor(), scenario["today"])  # a reception in progress
    add_donation_line(donation, scenario["pasta"], quantity=5)
    open_count(coordinator, None)
    create_goal(coordinator, scenario["participant"], text="Ponctualité")
    create_workshop(coordinator, title="Atelier cuisine")
    users = {role: make_user(role) for role in Role}
    users["target"] = make_user(Role.CASHIER)  # the account admin.user_edit changes, never the walker's own
    db.session.commit()
    return users


def argument_value(db, rule: Rule, name: str, users):
    """The value the walk puts in URL argument `name` of `rule`: the first row of its table (the target account for
    user_id), a card's code, a day, else a 13-digit text (also used by tests/sites/test_site_route_walk.py)."""
    from sqlalchemy import text

    if name == "user_id":
        return users["target"].id
    if name == "session_id":
        table = "till_sessions" if rule.endpoint.startswith("checkout.") else "volunteer_workshop_sessions"
        return db.session.execute(text(f"SELECT min(id) FROM {table}")).scalar() or 999999
    if name in ARGUMENT_TABLES:
        return db.session.execute(text(f"SELECT min(id) FROM {ARGUMENT_TABLES[name]}")).scalar() or 999999
    if name == "card_code":
        from grocery.households.models import HouseholdCard

        return db.session.scalar(select(HouseholdCard.code).limit(1))
    if name == "day":
        return "2026-01-05"
    return "0000000000000"


def _url(db, rule: Rule, users) -> str:
    return rule.build({name: argument_value(db, rule, name, users) for name in rule.arguments})[1]


def client_as(app, user):
    """A client logged in as `user` without the login form (a password hash per route would be slow)."""
    from grocery.auth.sessions import start_session
    from grocery.extensions import db

    client = app.test_client()
    if user is not None:
        with app.test_request_context(environ_base=client.environ_base):  # Flask-Login's strong protection
            identifier = _create_identifier()
        key = start_session(user, "127.0.0.1")  # a login session on the server, as the login form opens one
        db.session.commit()
        with client.session_transaction() as session:
            session.update({"_user_id": key, "_fresh": True, "_id": identifier})
    return client


def _refused(client, response) -> bool:
    if response.status_code >= 400 or (response.request.method == "POST" and response.status_code == 200
                                       and response.mimetype == "text/html"):  # the form shown again
        return True
    if not 300 <= response.status_code < 400:
        return False
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return any(category == "error" for category, _message in flashes)


def _send(client, writes, method: str, url: str, where: str, failures: list[str], **kwargs):
    """One request; a 5xx, an exception escaping the app, or a refusal that committed a write is a failure."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # the test app propagates exceptions: each one would have been a 500
        writes.take()
        failures.append(f"{where}: raised {type(error).__name__}: {str(error)[:160]}")
        return None
    _check(client, writes, response, where, failures)
    return response


def _check(client, writes, response, where: str, failures: list[str]) -> None:
    status = response.status_code
    written = writes.take() - RECORDED_ON_REFUSAL
    if status >= 500:
        failures.append(f"{where}: {status}")
    elif _refused(client, response) and written:
        failures.append(f"{where}: refused ({status}) but wrote {sorted(written)}")


@pytest.fixture()
def walk(app, db):
    users = _scenario(db)
    writes = Writes(db.engine)
    yield users, writes
    writes.close()


def _routes(app):
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or rule.endpoint in seen:
            continue
        seen.add(rule.endpoint)
        yield rule


def _roles(endpoint):
    expected = EXPECTED[endpoint]
    return [None] if expected is PUBLIC else sorted(expected, key=lambda role: role.value)


def test_hostile_values_never_give_a_server_error_nor_write(app, db, walk):
    """Every route as each role that reaches it: each hostile value in each query parameter it reads and in each
    field of each POST form its page shows (the other fields as the page filled them), and a JSON body nested
    100,000 deep: no 5xx, and a refusal (4xx, a form shown again, an error flash) commits nothing."""
    users, writes = walk
    failures: list[str] = []
    posted: set[tuple] = set()
    for rule in _routes(app):
        url = _url(db, rule, users)
        names = _query_names(app, rule.endpoint)
        for index, role in enumerate(_roles(rule.endpoint)):
            user = users[role] if role is not None else None
            who = role.value if role is not None else "anonymous"
            client = client_as(app, user)
            writes.take()
            if "GET" not in rule.methods:
                token = client.csrf_token()
                writes.take()
                _send(client, writes, "POST", url, f"POST {url} nested JSON as {who}", failures, data=NESTED_JSON,
                      content_type="application/json", headers={"X-CSRFToken": token})
                continue
            page = _send(client, writes, "GET", url, f"GET {url} as {who}", failures)
            # Query parameters: every value in each parameter for the first role; then each value in all at once.
            for label in HOSTILE if index == 0 else OTHER_ROLES:
                value = HOSTILE[label]
                batches = [[name] for name in names] if index == 0 else ([names] if names else [])
                for batch in batches:
                    _send(client, writes, "GET", f"{url}?{urlencode(dict.fromkeys(batch, value))}",
                          f"GET {url} {batch}={label} as {who}", failures)
            if page is None or page.status_code != 200 or page.mimetype != "text/html":
                continue
            html = page.get_data(as_text=True)
            parser = _Forms()
            parser.feed(html)
            token = next(iter(_META_TOKEN.findall(html)), None)
            cookie = client.get_cookie("session")
            for form in parser.forms:
                action = urlsplit(form["action"] or url).path
                if form["method"] != "post" or action in {"/logout"}:
                    continue
                key = (who, action, tuple(sorted(form["fields"])))
                if key in posted:
                    continue
                posted.add(key)
                base = {name: value for name, value in form["fields"].items() if value is not None}
                fields = [name for name in form["fields"] if name != "csrf_token"]
                # Each value in all fields at once; for the first role, also in each field alone (as its kind asks).
                sends = [(label, fields) for label in (HOSTILE if index == 0 else OTHER_ROLES)]
                if index == 0:
                    sends += [(label, [name]) for name in fields for label in BY_KIND[form["kinds"].get(name, "text")]]
                for label, batch in sends:
                    value = HOSTILE[label]
                    poster = app.test_client()  # the page's session (and CSRF token), not changed by other posts
                    if cookie is not None:
                        poster.set_cookie("session", cookie.value)
                    data = {**base, **dict.fromkeys(batch, value)}
                    if token and "csrf_token" in base:
                        data["csrf_token"] = token
                    _send(poster, writes, "POST", action, f"POST {action} {batch}={label} as {who}", failures,
                          data=data)
    assert len(posted) > 100 and writes.requests > 2000, "the walk found too few forms: is the login right?"
    assert failures == [], "\n".join(failures[:60]) + f"\n({len(failures)} in all)"


def test_json_bodies_nested_deep_or_with_nul_are_refused(app, client, db, login):
    """Is a JSON body nested 100,000 deep, or holding a NUL character, a 400 with a problem body?"""
    login(Role.CASHIER)
    token = client.csrf_token()
    for body in (NESTED_JSON, json.dumps({"household_card": "a\x00b", "lines": []}),
                 json.dumps({"last_name": "a", "birth_date": "2000-01-01", "x": [{"y": "\x00"}]})):
        for url in ("/api/till/quote", "/api/till/households/lookup"):
            response = client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})
            assert response.status_code == 400, (url, response.json)
            assert response.json["error"] == "bad_input" and response.json["message"]


def test_integers_and_dates_are_read_within_bounds():
    """Are "²", 5,000 digits, 2**31 and dates at the limits refused by the shared parsers, and plain values kept?"""
    from datetime import date

    from grocery.forms import parse_date, parse_int

    for text in ("²", "٣", "9" * 5000, str(2**31), "-1", "1.5", "", " ", "1e3", None):
        assert parse_int(text) is None, text
    assert parse_int(" 42 ") == 42 and parse_int("-5", minimum=-10) == -5 and parse_int("999999999") == 999_999_999
    for text in ("0001-01-01", "9999-12-31", "2026-02-30", "²", None):
        assert parse_date(text) is None, text
    assert parse_date("2026-12-01") == date(2026, 12, 1)


def test_json_depth_is_measured_outside_strings():
    """Does the guard count brackets of the structure only, never those inside strings (escaped quotes included)?"""
    from grocery.requestguard import MAX_JSON_DEPTH, json_depth_exceeds

    deep, shallow = "[" * (MAX_JSON_DEPTH + 1), "[" * MAX_JSON_DEPTH
    assert json_depth_exceeds(deep + "]" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds(shallow + "]" * MAX_JSON_DEPTH)
    assert not json_depth_exceeds(json.dumps({"note": "[" * 100, "quoted": '"[[[' * 40}))
    assert json_depth_exceeds(json.dumps({'a\\"': 1}) + deep)


@pytest.mark.parametrize("error", [OverflowError("Python int too large to convert to SQLite INTEGER"),
                                   RecursionError("maximum recursion depth exceeded"),
                                   DataError("INSERT ...", {}, Exception("integer out of range"))],
                         ids=["overflow", "recursion", "data_error"])
def test_the_safety_net_rolls_back_and_answers_400(error):
    """When a value no parser bounded reaches the database or the JSON decoder, is the half-written work rolled back
    and the answer a 400: a problem body under /api/, the error page elsewhere?"""
    from grocery import create_app
    from grocery.auth.roles import public
    from grocery.config import TestingConfig
    from grocery.extensions import db
    from grocery.stock.models import Donor

    app = create_app(TestingConfig)

    def half_written():
        db.session.add(Donor(name="Half-written", kind="supermarket"))
        db.session.flush()
        raise error

    app.add_url_rule("/api/probe", "api_probe", public(half_written))
    app.add_url_rule("/probe", "probe", public(half_written))
    with app.app_context():
        db.create_all()
        before = db.session.scalar(select(func.count(Donor.id)))
        db.session.remove()
        client = app.test_client()
        api, page = client.get("/api/probe"), client.get("/probe")
        assert api.status_code == 400 and api.json["error"] == "bad_input" and api.json["message"]
        assert page.status_code == 400 and "text/html" in page.content_type
        assert db.session.scalar(select(func.count(Donor.id))) == before
        db.session.remove()
        db.engine.dispose()


def _sale(card, product_id, **changes):
    import uuid

    body = {"uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product_id, "quantity": 1}],
            "payment": {"method": "cash", "tendered_cents": 500}}
    body.update(changes)
    return body


TILL_BODIES = {
    "quote, product 10**30": ("/api/till/quote", lambda card, pid: {
        "household_card": card, "lines": [{"product_id": 10**30, "quantity": 1}]}),
    "quote, product 2**31": ("/api/till/quote", lambda card, pid: {
        "household_card": card, "lines": [{"product_id": 2**31, "quantity": 1}]}),
    "quote, quantity 10**30": ("/api/till/quote", lambda card, pid: {
        "household_card": card, "lines": [{"product_id": pid, "quantity": 10**30}]}),
    "quote, card of ²": ("/api/till/quote", lambda card, pid: {
        "household_card": "²" * 13, "lines": [{"product_id": pid, "quantity": 1}]}),
    "sale, product 10**30": ("/api/till/sales", lambda card, pid: _sale(card, 10**30)),
    "sale, tendered 10**30": ("/api/till/sales", lambda card, pid: _sale(
        card, pid, payment={"method": "cash", "tendered_cents": 10**30})),
    "sale, NUL in uuid": ("/api/till/sales", lambda card, pid: _sale(card, pid, uuid="a\x00b")),
    "lookup, year 9999": ("/api/till/households/lookup", lambda card, pid: {
        "last_name": "Dupont", "birth_date": "9999-12-31"}),
    "lookup, ²": ("/api/till/households/lookup", lambda card, pid: {"last_name": "Dupont", "birth_date": "²"}),
}


@pytest.mark.parametrize("case", list(TILL_BODIES))
def test_hostile_till_bodies_get_a_4xx_and_write_nothing(client, db, login, case):
    """Numbers beyond any column, a sale dated in year 1, a NUL character sent to the till API: a 4xx with a
    problem body (the safety net where the checkout services do not bound the value yet), and no sale written."""
    from grocery.checkout.models import Sale
    from tests.factories import make_lot, make_product, make_till

    till = make_till(login(Role.CASHIER))
    _household, card = make_shopper()
    product = make_product(retail_price_cents=250, price_rule="fixed", social_price_cents=50)
    make_lot(product, 10)
    db.session.commit()
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
    url, body = TILL_BODIES[case]
    response = client.post(url, data=json.dumps(body(card, product.id)), content_type="application/json",
                           headers={"X-CSRFToken": client.csrf_token()})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.json["error"] and response.json["message"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0
