"""A no-show never touches grocery access: the same person's household keeps its eligibility and budget."""

from datetime import timedelta

from grocery.auth.roles import Role
from grocery.households.services import budget_left, eligibility_on
from grocery.timeutil import local_today
from grocery.volunteers.services import book_shift, mark_attendance, validate_day
from tests.factories import make_decision, make_household, make_participant, make_shift, make_user


def test_eligibility_and_budget_do_not_change_with_attendance(db):
    """Does a beneficiary who volunteers and does not come keep exactly the same access and budget? (yes)"""
    coordinator = make_user(Role.COORDINATOR)
    household = make_household(person={"first_name": "Awa", "last_name": "Diallo"})
    make_decision(household, budget_cents=4000, budget_override_motive="Test")
    participant = make_participant(first_name="Awa", last_name="Diallo")
    day = local_today() - timedelta(days=1)
    before = (eligibility_on(household, local_today()), budget_left(household, local_today()))
    for start_hour in (9, 14):
        from datetime import time

        shift = make_shift(held_on=day, start_time=time(start_hour, 0), end_time=time(start_hour + 2, 0))
        assignment = book_shift(coordinator, shift, participant)
        mark_attendance(coordinator, assignment, "absent")
    validate_day(coordinator, day)
    after = (eligibility_on(household, local_today()), budget_left(household, local_today()))
    assert after == before
    assert after[0].eligible and after[1] == 4000
