"""Standing appointments: booked in each generated slot of their weekday and time while access is valid; full,
closed or out-of-access slots are skipped and said."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment
from grocery.errors import Conflict, NotEligible
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.appointments.helpers import coming_day, day_slots, eligible_household
from tests.factories import make_household


def _line(weekday: int, per_slot: int = 1) -> None:
    aps.create_opening_line(None, weekday=weekday, start_time=time(10), end_time=time(11), slot_minutes=30,
                            households_per_slot=per_slot)


def _booked(household) -> list[Appointment]:
    return list(_db.session.scalars(select(Appointment).where(Appointment.household_id == household.id,
                                                              Appointment.status == "booked")
                                    .order_by(Appointment.held_on)))


def test_generation_books_the_standing_appointment_each_week(db):
    """Every Tuesday 10:30: three weeks generated, three appointments at 10:30, none at 10:00."""
    _line(1)
    household = eligible_household()
    standing, first = aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(10, 30))
    assert first.booked == []  # nothing generated yet
    start = local_today() + timedelta(days=1)
    result = aps.generate_slots(None, start, start + timedelta(days=20))
    booked = _booked(household)
    assert len(booked) == 3 == len(result.standing.booked)
    assert all(a.standing_id == standing.id and a.held_on.weekday() == 1 for a in booked)
    assert {a.slot.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Brussels")).time()
            for a in booked} == {time(10, 30)}
    # Generating again books nothing more.
    assert aps.generate_slots(None, start, start + timedelta(days=20)).standing.booked == []
    assert len(_booked(household)) == 3


def test_slots_already_generated_are_booked_when_the_standing_appointment_is_made(db):
    _line(3)
    start = local_today() + timedelta(days=1)
    aps.generate_slots(None, start, start + timedelta(days=13))
    household = eligible_household()
    _standing, result = aps.create_standing(None, household, site_id=_site(), weekday=3, start_time=time(10))
    assert len(result.booked) == 2


def test_full_and_closed_slots_are_skipped_and_said(db):
    _line(1)
    first_tuesday, second_tuesday = coming_day(weekday=1), coming_day(weekday=1, weeks=2)
    aps.generate_slots(None, first_tuesday, second_tuesday)
    other = eligible_household()
    aps.book_appointment(None, other, day_slots(first_tuesday)[0])  # 10:00 full
    aps.close_day(None, second_tuesday, "Férié")
    household = eligible_household()
    _standing, result = aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(10),
                                            apply_from=first_tuesday)
    assert result.booked == [] and len(result.skipped) == 2
    assert all(message for _s, _when, message in result.skipped)
    assert _booked(household) == []


def test_no_booking_after_the_access_ends(db):
    _line(1)
    end = coming_day(weekday=1) + timedelta(days=1)
    household = eligible_household(valid_until=end)
    aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(10))
    start = local_today() + timedelta(days=1)
    result = aps.generate_slots(None, start, start + timedelta(days=27))
    tuesdays = [start + timedelta(days=n) for n in range(28) if (start + timedelta(days=n)).weekday() == 1]
    assert [a.held_on for a in _booked(household)] == [d for d in tuesdays if d <= end]
    assert len(result.standing.skipped) == len([d for d in tuesdays if d > end]) >= 2


def test_a_cancelled_standing_booking_is_not_booked_again(db):
    _line(1)
    household = eligible_household()
    aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(10))
    day = coming_day(weekday=1)
    aps.generate_slots(None, day, day)
    aps.cancel_appointment(None, _booked(household)[0], "Vacances")
    assert aps.generate_slots(None, day, day).standing.booked == []


def test_an_ineligible_household_gets_no_standing_appointment(db):
    with pytest.raises(NotEligible):
        aps.create_standing(None, make_household(), site_id=_site(), weekday=1, start_time=time(10))


def test_one_standing_appointment_per_weekday_and_ending_it(db):
    household = eligible_household()
    standing, _result = aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(10))
    with pytest.raises(Conflict):
        aps.create_standing(None, household, site_id=_site(), weekday=1, start_time=time(11))
    aps.end_standing(None, standing)
    _line(1)
    day = coming_day(weekday=1)
    assert aps.generate_slots(None, day, day).standing.booked == []
    with pytest.raises(Conflict):
        aps.end_standing(None, standing)


def _site() -> int:
    from grocery.sites.context import current_site_id

    return current_site_id()
