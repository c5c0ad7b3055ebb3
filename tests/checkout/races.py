"""Concurrent attempts for the PostgreSQL race tests: each in its own thread, session and transaction, all started
together."""

import threading

from grocery.dbutil import begin_write
from grocery.errors import GroceryError
from grocery.extensions import db


def race(app, attempts) -> tuple[list, list[str]]:
    """Run each attempt (a function without argument) at the same moment in its own thread and transaction; an
    attempt that returns is committed, one that raises a GroceryError rolled back. Returns (what the committed
    attempts returned, the error codes of the refused ones); any other exception fails the test."""
    barrier = threading.Barrier(len(attempts))
    results, refused, crashed = [], [], []

    def worker(attempt):
        with app.app_context():
            try:
                barrier.wait()
                begin_write()
                result = attempt()
                db.session.commit()
                results.append(result)
            except GroceryError as error:
                db.session.rollback()
                refused.append(error.code)
            except Exception as error:  # pragma: no cover - reported by the assertion below
                db.session.rollback()
                crashed.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == []
    return results, refused


def till_and_cashier(till_id: int):
    """The till session and the cashier who opened it, read in the attempt's own session."""
    from grocery.auth.models import User
    from grocery.checkout.models import TillSession

    till = db.session.get(TillSession, till_id)
    return till, db.session.get(User, till.opened_by_id)
