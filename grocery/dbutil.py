"""Database helpers shared by the domains: a write transaction that serialises with other writers."""

from grocery.extensions import db


def begin_write() -> None:
    """Start the session's transaction as a write transaction, before anything is read in it.

    SQLite allows one writer at a time, and a transaction that reads and then writes fails if another writer
    committed in between. On SQLite this ends the current transaction (call it first: anything uncommitted is rolled
    back) and starts the next with BEGIN IMMEDIATE, which takes the write lock up front, waiting for it up to the
    busy timeout. On PostgreSQL it does nothing: services lock the rows they change (SELECT ... FOR UPDATE or a
    conditional UPDATE)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.rollback()
    db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
