"""Opening pattern, exceptions and generated slots: local hours stored in UTC, idempotent regeneration that never
drops a booked slot, closed days and extra sessions."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import OpeningException, OpeningLine, Slot
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.appointments.helpers import coming_day, day_slots, eligible_household, open_day


def _count() -> int:
    return _db.session.scalar(select(func.count(Slot.id)))


def test_slots_follow_the_local_hours_in_utc(db):
    """Tuesday 9:00-10:00 by 15 minutes, 2 households: four slots, 9:00 in Brussels stored as UTC."""
    day = coming_day(weekday=1)
    slots = open_day(day)
    assert len(slots) == 4 and all(s.capacity == 2 for s in slots)
    assert slots[0].starts_at == datetime.combine(day, time(9), tzinfo=ZoneInfo("Europe/Brussels")).astimezone(UTC)
    assert [s.ends_at - s.starts_at for s in slots] == [timedelta(minutes=15)] * 4


def test_a_day_when_clocks_change_keeps_its_local_hours(db, monkeypatch):
    """On the last Sunday of March (summer time starts) a 9:00 session still starts at 9:00 in Brussels."""
    import grocery.appointments.services.slots as slots_module

    day = date(2027, 3, 28)
    monkeypatch.setattr(slots_module, "local_today", lambda: date(2027, 3, 1))
    aps.create_opening_line(None, weekday=day.weekday(), start_time=time(9), end_time=time(9, 30), slot_minutes=15,
                            households_per_slot=1)
    aps.generate_slots(None, day - timedelta(days=7), day)
    before, after = day_slots(day - timedelta(days=7))[0], day_slots(day)[0]
    assert before.starts_at.hour == 8 and after.starts_at.hour == 7  # UTC+1 then UTC+2


def test_generating_twice_duplicates_nothing(db):
    day = coming_day()
    open_day(day)
    first = _count()
    again = aps.generate_slots(None, day - timedelta(days=3), day + timedelta(days=3))
    assert again.created == [] or all(s.held_on != day for s in again.created)
    assert len(day_slots(day)) == 4 and _count() >= first


def test_regeneration_never_drops_a_booked_slot(db):
    """A line paused: the next generation drops its free slots and keeps (and lists) the booked one."""
    day = coming_day()
    slots = open_day(day)
    appointment = aps.book_appointment(None, eligible_household(), slots[1])
    line = _db.session.get(OpeningLine, slots[0].line_id)
    aps.set_opening_line_active(None, line, False)
    result = aps.generate_slots(None, day, day)
    assert result.dropped == 3 and [s.id for s in result.kept_booked] == [slots[1].id]
    assert [s.id for s in day_slots(day)] == [slots[1].id]
    assert appointment.status == "booked"


def test_a_slot_with_only_cancelled_appointments_is_closed_not_deleted(db):
    day = coming_day()
    slots = open_day(day)
    appointment = aps.book_appointment(None, eligible_household(), slots[0])
    aps.cancel_appointment(None, appointment, "Empêché")
    line = _db.session.get(OpeningLine, slots[0].line_id)
    aps.set_opening_line_active(None, line, False)
    aps.generate_slots(None, day, day)
    assert [s.id for s in day_slots(day)] == [slots[0].id] and slots[0].is_cancelled


def test_closing_a_day_cancels_free_slots_and_lists_booked_ones(db):
    day = coming_day()
    slots = open_day(day)
    appointment = aps.book_appointment(None, eligible_household(), slots[2])
    exception, to_move = aps.close_day(None, day, "Inventaire")
    assert exception.kind == "closed" and [a.id for a in to_move] == [appointment.id]
    assert [s.is_cancelled for s in slots] == [True, True, False, True]
    # Regenerating makes nothing that day and keeps the booked slot.
    result = aps.generate_slots(None, day, day)
    assert result.created == [] and [s.id for s in result.kept_booked] == [slots[2].id]
    assert len(day_slots(day)) == 4
    with pytest.raises(Conflict):
        aps.close_day(None, day, "Encore")


def test_a_closed_day_before_generation_gets_no_slot(db):
    day = coming_day()
    aps.close_day(None, day, "Férié")
    assert open_day(day) == []


def test_closing_needs_a_day_to_come_and_a_reason(db):
    with pytest.raises(ValidationError) as caught:
        aps.close_day(None, local_today() - timedelta(days=1), "")
    assert set(caught.value.errors) == {"held_on", "reason"}
    assert _db.session.scalar(select(func.count(OpeningException.id))) == 0


def test_an_extra_session_makes_its_slots(db):
    day = coming_day()
    exception, result = aps.add_extra_session(None, day, start_time=time(14), end_time=time(15), slot_minutes=20,
                                              households_per_slot=3, reason="Avant les fêtes")
    assert exception.kind == "extra" and len(result.created) == 3
    assert [s.capacity for s in day_slots(day)] == [3, 3, 3]
    # Generating the period again keeps them.
    assert aps.generate_slots(None, day, day).created == [] and len(day_slots(day)) == 3


def test_an_extra_session_on_a_closed_day_is_refused(db):
    day = coming_day()
    aps.close_day(None, day, "Férié")
    with pytest.raises(Conflict):
        aps.add_extra_session(None, day, start_time=time(14), end_time=time(15), slot_minutes=20,
                              households_per_slot=3)


def test_opening_line_values_are_checked_all_at_once(db):
    with pytest.raises(ValidationError) as caught:
        aps.create_opening_line(None, weekday=9, start_time=time(10), end_time=time(9), slot_minutes=1,
                                households_per_slot=0)
    assert set(caught.value.errors) == {"weekday", "end_time", "slot_minutes", "households_per_slot"}


def test_overlapping_lines_of_a_day_are_refused(db):
    aps.create_opening_line(None, weekday=1, start_time=time(9), end_time=time(12), slot_minutes=15,
                            households_per_slot=2)
    with pytest.raises(ValidationError):
        aps.create_opening_line(None, weekday=1, start_time=time(11), end_time=time(13), slot_minutes=15,
                                households_per_slot=2)


def test_a_period_longer_than_three_months_is_refused(db):
    with pytest.raises(ValidationError):
        aps.generate_slots(None, local_today(), local_today() + timedelta(days=200))


def test_the_command_generates_and_marks_missed(db, runner):
    aps.create_opening_line(None, weekday=coming_day().weekday(), start_time=time(9), end_time=time(10),
                            slot_minutes=30, households_per_slot=1)
    _db.session.commit()
    result = runner.invoke(args=["appointments", "generate", "--days", "14"])
    assert result.exit_code == 0, result.output
    assert _count() == 4
    again = runner.invoke(args=["appointments", "generate", "--days", "14"])
    assert again.exit_code == 0 and _count() == 4
    missed = runner.invoke(args=["appointments", "mark-missed"])
    assert missed.exit_code == 0, missed.output
