"""PostgreSQL races: ten desks book the last two places of a slot; one household booked in two slots of a day at
once from two desks."""

from functools import partial

import pytest
from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment, Slot
from grocery.extensions import db as _db
from grocery.households.models import Household
from tests.appointments.helpers import coming_day, eligible_household, open_day
from tests.checkout.races import race


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")


def _book(household_id: int, slot_id: int) -> int:
    return aps.book_appointment(None, _db.session.get(Household, household_id), _db.session.get(Slot, slot_id)).id


def test_ten_desks_book_the_last_two_places(app, db):
    slot = open_day(coming_day(), per_slot=2)[0]
    households = [eligible_household() for _ in range(10)]
    db.session.commit()
    booked, refused = race(app, [partial(_book, h.id, slot.id) for h in households])
    assert len(booked) == 2 and sorted(refused) == ["slot_full"] * 8
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.slot_id == slot.id)) == 2


def test_one_household_in_two_slots_of_a_day_at_once(app, db):
    first, second = open_day(coming_day())[:2]
    household = eligible_household()
    db.session.commit()
    booked, refused = race(app, [partial(_book, household.id, first.id), partial(_book, household.id, second.id)])
    assert len(booked) == 1 and refused == ["double_booking"]
