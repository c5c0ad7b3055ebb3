"""Booking, moving, cancelling: every refusal writes nothing; the till's day list and arrivals; missed
appointments never cut access or budget."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment
from grocery.audit.models import AuditEvent
from grocery.errors import Conflict, GroceryError, NotEligible, ValidationError
from grocery.households import services as hs
from grocery.timeutil import local_today, to_local
from tests.appointments.helpers import coming_day, eligible_household, open_day
from tests.factories import make_decision, make_household


def _written() -> tuple[int, int]:
    from grocery.extensions import db

    return (db.session.scalar(select(func.count(Appointment.id))),
            db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("appointment.%"))))


def _refused(db, household, slot, error_class, reason: str | None = None):
    """The booking is refused with `error_class` (and the eligibility's `reason` code), and nothing is written."""
    db.session.commit()
    before = _written()
    with pytest.raises(error_class) as caught:
        aps.book_appointment(None, household, slot)
    db.session.rollback()
    assert caught.value.message
    assert caught.value.details.get("reason") == reason
    assert _written() == before
    return caught.value


def test_an_eligible_household_books_a_slot(db):
    """Does a booking hold a place, on the slot's local day, with an audit event?"""
    day = coming_day()
    slot = open_day(day)[0]
    household = eligible_household()
    appointment = aps.book_appointment(None, household, slot)
    assert (appointment.status, appointment.held_on, appointment.site_id) == ("booked", day, slot.site_id)
    assert slot.places_left == 1
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_type == "appointments",
                                                             AuditEvent.target_id == str(appointment.id))) \
        == "appointment.book"


def test_a_household_without_decision_is_refused(db):
    slot = open_day(coming_day())[0]
    _refused(db, make_household(), slot, NotEligible, "no_decision")


def test_a_suspended_household_is_refused(db):
    slot = open_day(coming_day())[0]
    household = eligible_household()
    hs.decide_eligibility(None, household, outcome="suspended", motive="Enquête en cours")
    _refused(db, household, slot, NotEligible, "suspended")


def test_a_closed_household_is_refused(db):
    slot = open_day(coming_day())[0]
    household = eligible_household()
    hs.close_household(None, household)
    _refused(db, household, slot, NotEligible, "household_closed")


def test_a_day_outside_the_access_dates_is_refused(db):
    """Eligible today, but its decision ends before the slot's day: refused with the access dates."""
    day = coming_day(weeks=2)
    slot = open_day(day)[0]
    household = eligible_household(valid_until=local_today() + timedelta(days=3))
    error = _refused(db, household, slot, NotEligible, "outside_access")
    assert "/" in error.message  # the access dates are named


def test_a_full_slot_is_refused(db):
    slot = open_day(coming_day(), per_slot=1)[0]
    aps.book_appointment(None, eligible_household(), slot)
    _refused(db, eligible_household(), slot, aps.SlotFull)


def test_a_closed_day_is_refused(db):
    day = coming_day()
    slot = open_day(day)[0]
    aps.close_day(None, day, "Inventaire")
    assert slot.is_cancelled
    _refused(db, eligible_household(), slot, aps.SlotClosed)


def test_a_second_appointment_the_same_day_is_refused(db):
    first, second = open_day(coming_day())[:2]
    household = eligible_household()
    aps.book_appointment(None, household, first)
    _refused(db, household, second, aps.DoubleBooking)


def test_a_past_slot_is_refused(db):
    """A slot that has started (booking 'now' after its start) is refused."""
    slot = open_day(coming_day())[0]
    household = eligible_household()
    db.session.commit()
    before = _written()
    with pytest.raises(aps.SlotPast):
        aps.book_appointment(None, household, slot, now=slot.starts_at + timedelta(minutes=1))
    db.session.rollback()
    assert _written() == before


def test_a_site_the_decision_does_not_allow_is_refused(db):
    """A decision naming only another site: booking at this site is refused; naming this one, it is booked."""
    from grocery.households.models import DecisionSite
    from grocery.sites.services import create_site

    slot = open_day(coming_day())[0]
    household = eligible_household()
    decision = household.decisions[-1]
    other = create_site(None, name="Antenne Nord")
    decision.site_links.append(DecisionSite(site_id=other.id))
    db.session.flush()
    _refused(db, household, slot, aps.SiteNotAllowed, "site")
    decision = db.session.get(type(decision), decision.id)
    decision.site_links.append(DecisionSite(site_id=slot.site_id))
    db.session.flush()
    assert aps.book_appointment(None, household, slot).status == "booked"


def test_moving_keeps_the_row_and_frees_the_old_place(db):
    first, second = open_day(coming_day(), per_slot=1)[:2]
    household = eligible_household()
    appointment = aps.book_appointment(None, household, first)
    moved = aps.move_appointment(None, appointment, second)
    assert moved.id == appointment.id and moved.slot_id == second.id
    assert (first.places_left, second.places_left) == (1, 0)
    assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "appointment.move"))[
        "from_slot_id"] == first.id


def test_moving_to_a_full_slot_changes_nothing(db):
    first, second = open_day(coming_day(), per_slot=1)[:2]
    appointment = aps.book_appointment(None, eligible_household(), first)
    aps.book_appointment(None, eligible_household(), second)
    db.session.commit()
    with pytest.raises(aps.SlotFull):
        aps.move_appointment(None, appointment, second)
    db.session.rollback()
    assert db.session.get(Appointment, appointment.id).slot_id == first.id


def test_moving_to_another_day_outside_access_is_refused(db):
    near, far = coming_day(weeks=1), coming_day(weeks=3)
    slot = open_day(near)[0]
    other = open_day(far)[0] if far.weekday() != near.weekday() else None
    if other is None:
        aps.generate_slots(None, far, far)
        from tests.appointments.helpers import day_slots

        other = day_slots(far)[0]
    household = eligible_household(valid_until=near + timedelta(days=1))
    appointment = aps.book_appointment(None, household, slot)
    with pytest.raises(NotEligible):
        aps.move_appointment(None, appointment, other)


def test_cancelling_needs_a_reason_and_frees_the_place(db):
    slot = open_day(coming_day(), per_slot=1)[0]
    appointment = aps.book_appointment(None, eligible_household(), slot)
    with pytest.raises(ValidationError):
        aps.cancel_appointment(None, appointment, "  ")
    aps.cancel_appointment(None, appointment, "Malade")
    assert (appointment.status, appointment.cancel_reason, slot.places_left) == ("cancelled", "Malade", 1)
    with pytest.raises(Conflict):
        aps.cancel_appointment(None, appointment, "Encore")
    # The household may book again the same day once cancelled.
    assert aps.book_appointment(None, appointment.household, slot).status == "booked"


def test_the_days_list_is_in_slot_order(db):
    day = coming_day()
    slots = open_day(day)
    late, early = eligible_household(), eligible_household()
    aps.book_appointment(None, late, slots[2])
    aps.book_appointment(None, early, slots[0])
    cancelled = aps.book_appointment(None, eligible_household(), slots[1])
    aps.cancel_appointment(None, cancelled, "Empêché")
    listed = aps.appointments_for_day(slots[0].site_id, day)
    assert [a.household_id for a in listed] == [early.id, late.id]


def test_arrival_marks_the_days_appointment_once(db):
    """Is a card scan idempotent (first arrival time kept), and a walk-in without appointment left alone?"""
    day = coming_day()
    slot = open_day(day)[1]
    household = eligible_household()
    appointment = aps.book_appointment(None, household, slot)
    first = aps.mark_arrived(household, slot.site_id, slot.starts_at - timedelta(minutes=20))
    again = aps.mark_arrived(household, slot.site_id, slot.starts_at + timedelta(minutes=5))
    assert first.id == again.id == appointment.id
    assert appointment.status == "arrived"
    assert appointment.arrived_at == slot.starts_at - timedelta(minutes=20)
    assert aps.mark_arrived(eligible_household(), slot.site_id, slot.starts_at) is None
    # Another day: nothing.
    assert aps.mark_arrived(household, slot.site_id, slot.starts_at + timedelta(days=1)) is None
    assert to_local(appointment.arrived_at).date() == day


def test_missed_appointments_never_cut_access_or_budget(db):
    """RULE: after several missed appointments, the household is still eligible and keeps its whole budget."""
    household = make_household()
    make_decision(household, budget_cents=4000, budget_override_motive="Test")
    today = local_today()
    before = (hs.eligibility_on(household, today), hs.budget_left(household, today))
    slots = [open_day(coming_day(weekday=d))[0] for d in (1, 3)]
    for slot in slots:
        aps.book_appointment(None, household, slot)
    assert aps.mark_missed(None, before=coming_day(weeks=3)) == 2
    missed = db.session.scalars(select(Appointment).where(Appointment.household_id == household.id)).all()
    assert {a.status for a in missed} == {"missed"} and all(a.missed_at for a in missed)
    after = (hs.eligibility_on(household, today), hs.budget_left(household, today))
    assert after[0].eligible and after[0].decision.id == before[0].decision.id
    assert after[1] == before[1] == 4000
    # And it may still book.
    aps.generate_slots(None, coming_day(weeks=3), coming_day(weeks=3))
    next_slot = open_day(coming_day(weekday=5, weeks=3))[0]
    assert aps.book_appointment(None, household, next_slot).status == "booked"


def test_mark_missed_leaves_today_and_arrived_alone(db):
    day = coming_day()
    slots = open_day(day)
    arrived_household, booked_household = eligible_household(), eligible_household()
    aps.book_appointment(None, arrived_household, slots[0])
    aps.book_appointment(None, booked_household, slots[1])
    aps.mark_arrived(arrived_household, slots[0].site_id, slots[0].starts_at)
    assert aps.mark_missed(None, before=day) == 0
    assert aps.mark_missed(None, before=day + timedelta(days=1)) == 1
    statuses = dict(db.session.execute(select(Appointment.household_id, Appointment.status)).all())
    assert statuses == {arrived_household.id: "arrived", booked_household.id: "missed"}


def test_every_refusal_is_a_grocery_error():
    for error in (aps.SlotFull, aps.SlotClosed, aps.SlotPast, aps.DoubleBooking, aps.SiteNotAllowed):
        assert issubclass(error, GroceryError)
