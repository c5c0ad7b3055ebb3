"""Database helpers shared by the domains: a write transaction that serialises with other writers, and plain
statements for the hot paths."""

from sqlalchemy.engine import Result
from sqlalchemy.sql import Executable

from grocery.extensions import db


def run(statement: Executable, params: dict | list[dict] | None = None) -> Result:
    """Execute a Core statement on the session's connection, in the session's transaction, without the ORM's work
    per call. The till's hot paths build their statements once (functools.cache) with bound parameters: building a
    select and running it through the ORM session costs about five times more than this (bench/README)."""
    return db.session.connection().execute(statement, params)


def begin_write() -> None:
    """Start the session's transaction as a write transaction, before anything is read in it.

    SQLite allows one writer at a time, and a transaction that reads and then writes fails if another writer
    committed in between. On SQLite this ends the current transaction (call it first: anything uncommitted is rolled
    back) and starts the next with BEGIN IMMEDIATE, which takes the write lock up front, waiting for it up to the
    busy timeout. On PostgreSQL it does nothing: services lock the rows they change (SELECT ... FOR UPDATE or a
    conditional UPDATE)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session().in_transaction() and _sqlite_in_transaction():
        db.session.rollback()
    db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_in_transaction() -> bool:
    """Whether SQLite itself has a transaction open on the session's connection. The sqlite3 driver opens one only
    before a write: after reads alone (loading the logged-in user) there is nothing to roll back, and the objects
    already loaded stay usable."""
    return bool(db.session.connection().connection.dbapi_connection.in_transaction)
