"""Scenarios for the reminder tests: a fixed moment of today, a volunteer booked on tomorrow's shift."""

from datetime import time, timedelta

from grocery.extensions import db
from grocery.timeutil import local_to_utc, local_today
from tests.factories import make_participant, make_shift


def today_at(hour: int = 10, minute: int = 0, days: int = 0):
    """Today (+ days) at this local time, as the aware UTC datetime the outbox works with."""
    return local_to_utc(local_today() + timedelta(days=days), time(hour, minute))


def volunteer_booked_tomorrow(*, email: str = "marie@example.be", language: str = "fr", **participant):
    """A participant booked on tomorrow's 9:00-12:00 shift; returns the assignment (committed)."""
    from grocery.volunteers.services import book_shift

    person = make_participant(first_name="Marie", email=email, preferred_language=language, **participant)
    shift = make_shift(held_on=local_today() + timedelta(days=1), start_time=time(9, 0), end_time=time(12, 0))
    assignment = book_shift(None, shift, person)
    db.session.commit()
    return assignment
