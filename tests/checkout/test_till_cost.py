"""What a till's card lookup, quote and sale cost the database: statements per request, transactions that end with
a commit (PostgreSQL keeps its prepared statements), settings read once per process and seen when changed."""

import json
import uuid

import pytest
from sqlalchemy import event, func, select

from grocery.checkout.models import Sale
from grocery.settings.models import Setting
from grocery.settings.services import get_setting, stored_settings, update_settings
from tests.factories import make_lot, make_product, make_shopper


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def _cart(count=3):
    products = [make_product(price_rule="fixed", social_price_cents=100) for _ in range(count)]
    for product in products:
        make_lot(product, 50)
    return [{"product_id": product.id, "quantity": 1} for product in products]


class Statements:
    """The SQL statements the engine sends, and the transactions its connections end, while counting."""

    def __init__(self, engine):
        self.engine, self.sent, self.ends = engine, [], []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, _conn, _cursor, statement, *_args):
        self.sent.append(statement)

    def _commit(self, _conn):
        self.ends.append("commit")

    def _rollback(self, _conn):
        self.ends.append("rollback")

    def clear(self):
        self.sent.clear()
        self.ends.clear()


def test_a_sale_cycle_reads_the_settings_once_per_process_not_per_request(client, db, till):
    """How many statements do a card lookup, a quote and a sale cost once the till is warm? 5, 4 and 11 (12 on
    PostgreSQL: the savepoint of the retry, less the till's status read once per request): the settings are not
    read again at every request, nor the till's status twice in a sale. The lookup's fifth reads the household's
    proxies and its appointment of the day together (grocery.checkout.visit): a site without appointments costs
    nothing more; a household without appointment (a walk-in) writes nothing."""
    _household, card = make_shopper(budget_cents=5000)
    lines = _cart()
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"

    def cycle():
        lookup = client.get(f"/api/till/households/{card}")
        quote = _post(client, "/api/till/quote", {"household_card": card, "lines": lines})
        sale = _post(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines,
                                                 "payment": {"method": "card"}})
        return lookup, quote, sale

    client.csrf_token()
    cycle()  # the first requests of a process read the settings and write the till's contact
    counted = {}
    with Statements(db.engine) as statements:
        for name, url, body in (("lookup", f"/api/till/households/{card}", None),
                                ("quote", "/api/till/quote", {"household_card": card, "lines": lines}),
                                ("sale", "/api/till/sales", None)):
            token = client.csrf_token()
            statements.clear()
            if name == "lookup":
                response = client.get(url)
            else:
                body = body or {"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines,
                                "payment": {"method": "card"}}
                response = client.post(url, data=json.dumps(body), content_type="application/json",
                                       headers={"X-CSRFToken": token})
            assert response.status_code in (200, 201), response.json
            counted[name] = list(statements.sent)
    assert {name: len(sent) for name, sent in counted.items()} == {"lookup": 5, "quote": 4,
                                                                    "sale": 12 if postgres else 11}
    assert not any("FROM settings" in statement and "WHERE" not in statement
                   for sent in counted.values() for statement in sent)
    assert db.session.scalar(select(func.count(Sale.id))) == 2


def test_read_only_till_requests_end_with_a_commit_on_postgresql(client, db, till):
    """Do the card lookup, the quote and the heartbeat end their transaction with a commit on PostgreSQL? (yes:
    psycopg forgets the connection's prepared statements at every rollback, so the database would plan every
    statement again)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite prepares nothing across transactions")
    _household, card = make_shopper(budget_cents=5000)
    lines = _cart()
    db.session.commit()
    token = client.csrf_token()
    with Statements(db.engine) as statements:
        assert client.get(f"/api/till/households/{card}").status_code == 200
        assert statements.ends[-1] == "commit" and "rollback" not in statements.ends  # (and the till's contact)
        statements.clear()
        response = client.post("/api/till/quote", data=json.dumps({"household_card": card, "lines": lines}),
                               content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert statements.ends == ["commit"]
        statements.clear()
        assert client.get("/api/till/ping").status_code == 200  # the heartbeat, every 30 s
        assert statements.ends == ["commit"]
        statements.clear()
        # A refusal still rolls back: nothing of a failed request is ever committed.
        assert client.get("/api/till/households/2599999999992").status_code == 404
        assert statements.ends == ["rollback"]


def test_a_settings_change_is_seen_by_the_next_request(app, client, db, till):
    """A coordinator changes a source's cap: does the very next quote use it? (yes: update_settings clears the
    process's cache when the change commits)"""
    _household, card = make_shopper(budget_cents=5000)
    product = make_product(price_rule="percent", social_percent=50, retail_price_cents=400)
    make_lot(product, 10, source="supermarket")
    db.session.commit()
    body = {"household_card": card, "lines": [{"product_id": product.id, "quantity": 1}]}
    assert _post(client, "/api/till/quote", body).json["total_cents"] == 200
    update_settings(None, {"stock.cap_percent.supermarket": 25})
    db.session.commit()
    assert _post(client, "/api/till/quote", body).json["total_cents"] == 100


def test_a_change_made_by_another_process_is_seen_within_the_cache_time(app, client, db):
    """Another gunicorn worker (or a `flask` command) changed a setting: this process keeps the value it read for
    at most SETTINGS_CACHE_SECONDS, then reads the new one."""
    assert get_setting("stock.cap_percent.supermarket") != 30
    with app.app_context():  # a request of its own (its g, its session)
        assert get_setting("stock.cap_percent.supermarket") != 30  # read and kept by this process
    # The other process writes the row (not through this process's update_settings).
    db.session.add(Setting(key="stock.cap_percent.supermarket", value=30))
    db.session.commit()
    with app.app_context():  # a request of its own (its g, its session)
        assert get_setting("stock.cap_percent.supermarket") != 30  # still the kept value
    cache = stored_settings(app)
    cache.read_at -= app.config["SETTINGS_CACHE_SECONDS"]  # as if that time had passed
    with app.app_context():  # a request of its own (its g, its session)
        assert get_setting("stock.cap_percent.supermarket") == 30


def test_an_uncommitted_or_rolled_back_change_is_never_kept_for_others(app, db):
    """A change not yet committed is seen by the session that made it only; rolled back, nobody keeps it."""
    with app.app_context():  # a request of its own (its g, its session)
        update_settings(None, {"stock.cap_percent.supermarket": 40})
        assert get_setting("stock.cap_percent.supermarket") == 40  # this transaction sees its own change
        db.session.rollback()
    with app.app_context():  # a request of its own (its g, its session)
        assert get_setting("stock.cap_percent.supermarket") != 40
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0
    assert "stock.cap_percent.supermarket" not in (stored_settings(app).values or {})
