"""begin_write: read-modify-write transactions from several threads lose no update."""

import threading

from sqlalchemy import select

from grocery import create_app
from grocery.config import TestingConfig
from grocery.dbutil import begin_write
from grocery.extensions import db as _db
from grocery.settings.models import Setting


def test_concurrent_read_modify_write_on_a_sqlite_file(tmp_path):
    """Do 8 threads each adding 1 to a counter (read, then write) end with 8 on a SQLite file database?"""

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'race.sqlite'}"

    app = create_app(FileConfig)
    with app.app_context():
        _db.create_all()
        _db.session.add(Setting(key="race.counter", value=0))
        _db.session.commit()
    errors = []
    barrier = threading.Barrier(8)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                begin_write()
                row = _db.session.scalar(select(Setting).where(Setting.key == "race.counter"))
                row.value = row.value + 1
                _db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert errors == []
        assert _db.session.get(Setting, "race.counter").value == 8
        _db.session.remove()
        _db.engine.dispose()


def test_run_plain_sends_typed_rows_literals_and_returning(db):
    """run_plain: one row (with RETURNING) or many, values through their column types, the statement's literals
    as compiled, and the statement is seen by the engine's events like any other."""
    from datetime import UTC, date, datetime

    from sqlalchemy import bindparam, event

    from grocery.dbutil import run_plain
    from grocery.households.models import BudgetMovement
    from tests.factories import make_household

    household = make_household()
    table = BudgetMovement.__table__
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    moment = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    row = {"household_id": household.id, "period_start": date(2026, 11, 23), "amount_cents": -300, "kind": "sale",
           "reference": "r-1", "actor_id": None, "created_at": moment, "reason": ""}
    new_id = run_plain(_insert_returning(table), row).scalar()
    run_plain(_insert(table), [{**row, "reference": "r-2"}, {**row, "reference": "r-3", "amount_cents": -100}])
    # A literal in the statement (">= -250") is sent as compiled: only the rows it keeps are changed.
    halve = (table.update().where(table.c.reference == bindparam("ref"), table.c.amount_cents >= -250)
             .values(reason="halved"))
    assert run_plain(halve, [{"ref": "r-1"}, {"ref": "r-3"}]).rowcount == 1
    stored = _db.session.execute(select(BudgetMovement.reference, BudgetMovement.period_start,
                                        BudgetMovement.created_at, BudgetMovement.reason)
                                 .order_by(BudgetMovement.id)).all()
    assert [r.reference for r in stored] == ["r-1", "r-2", "r-3"] and new_id is not None
    assert {(r.period_start, r.created_at) for r in stored} == {(date(2026, 11, 23), moment)}
    assert [r.reason for r in stored] == ["", "", "halved"]
    event.remove(_db.engine, "before_cursor_execute", listener)
    assert len([sql for sql in seen if "budget_movements" in sql]) >= 4


_STATEMENTS = {}


def _insert(table):
    return _STATEMENTS.setdefault(("insert", table.name), table.insert())


def _insert_returning(table):
    return _STATEMENTS.setdefault(("returning", table.name), table.insert().returning(table.c.id))


def test_begin_write_keeps_what_was_only_read(app, db):
    """After reads alone (the logged-in user), begin_write starts the write transaction without a rollback: the
    objects already loaded need no new SELECT."""
    from sqlalchemy import event

    from tests.factories import make_user

    user = make_user()
    _db.session.commit()
    name = user.username  # loaded (reads only since the commit)
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        begin_write()
        assert user.username == name
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    assert [sql for sql in seen if sql.startswith("SELECT")] == []


def test_rows_plain_gives_driver_tuples_and_refuses_columns_to_convert(db):
    """rows_plain: plain tuples for integers and strings, bound values converted; a date column is refused on a
    database that returns dates as text (SQLite), never handed back unconverted."""
    from datetime import date

    import pytest
    from sqlalchemy import bindparam

    from grocery.dbutil import rows_plain
    from grocery.households.models import Household
    from tests.factories import make_household

    household = make_household()
    names = _STATEMENTS.setdefault("plain", select(Household.id, Household.reference).where(
        Household.id == bindparam("id"), Household.created_at.is_not(None)))
    assert rows_plain(names, {"id": household.id}) == [(household.id, household.reference)]
    assert type(rows_plain(names, {"id": household.id})[0]) is tuple
    dated = _STATEMENTS.setdefault("dated", select(Household.id, Household.consent_on).where(
        Household.consent_on.is_(None) | (Household.consent_on < bindparam("day"))))
    if _db.session.get_bind().dialect.name == "sqlite":
        with pytest.raises(TypeError):
            rows_plain(dated, {"day": date(2026, 11, 24)})
    else:
        assert rows_plain(dated, {"day": date(2026, 11, 24)}) == [(household.id, household.consent_on)]
