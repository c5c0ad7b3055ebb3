"""Volunteer services: participants and badges, planning rules, attendance and validated hours, paths."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, code_kind, make_ean13
from grocery.errors import Conflict, ValidationError
from grocery.timeutil import local_to_utc, local_today
from grocery.volunteers import services
from grocery.volunteers.models import Assignment, AttestationIssue, DaySheet, Participant, Shift
from tests.factories import make_activity, make_competence, make_participant, make_shift


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_participant_gets_a_unique_volunteer_badge_and_a_formalities_checklist(db):
    """Does a new volunteer get a prefix-26 badge with a check digit and the six formalities of volunteering?"""
    first, second = make_participant(), make_participant()
    assert code_kind(first.badge_code) == "volunteer_badge"
    assert first.badge_code != second.badge_code
    assert {f.kind for f in first.formalities} == {"c45b", "cpas", "medical", "fedasil", "insurance",
                                                      "organisation_note"}
    assert all(f.status == "todo" for f in first.formalities)


def test_participant_end_before_start_is_refused(db):
    """Is an engagement ending before it starts refused with a French message, writing nothing?"""
    with pytest.raises(ValidationError) as error:
        make_participant(started_on=date(2026, 5, 1), ended_on=date(2026, 4, 1))
    assert error.value.field == "ended_on"
    assert _count(db, Participant) == 0


def test_formalities_never_block_a_booking(db):
    """Can a person with every formality still to do be booked on a shift? (yes: they inform, never block)"""
    participant = make_participant()
    shift = make_shift()
    assert services.book_shift(None, shift, participant).status == "booked"


def test_generate_shifts_from_templates_is_idempotent(db):
    """Does generating a month from templates create one shift per matching weekday, and not twice?"""
    activity = make_activity()
    services.create_template(None, weekday=0, start_time=time(9), end_time=time(12), activity=activity, capacity=2)
    services.create_template(None, weekday=3, start_time=time(13), end_time=time(16), activity=activity, capacity=3)
    start = date(2026, 12, 1)  # a Tuesday
    created = services.generate_shifts(None, start, date(2026, 12, 31))
    assert len(created) == 4 + 5  # Mondays 7,14,21,28; Thursdays 3,10,17,24,31
    assert services.generate_shifts(None, start, date(2026, 12, 31)) == []


def test_generate_with_end_before_start_is_refused(db):
    with pytest.raises(ValidationError) as error:
        services.generate_shifts(None, date(2026, 12, 31), date(2026, 12, 1))
    assert "avant" in error.value.message or "before" in error.value.message
    assert _count(db, Shift) == 0


def test_template_end_before_start_is_refused(db):
    with pytest.raises(ValidationError) as error:
        services.create_template(None, weekday=0, start_time=time(12), end_time=time(9), activity=make_activity(),
                                 capacity=2)
    assert error.value.field == "end_time"


def test_capacity_is_enforced_and_the_waitlist_takes_over(db):
    """When a shift is full, is a booking refused unless the waitlist is asked, and is the first waiting person
    promoted when someone cancels?"""
    shift = make_shift(capacity=1)
    first, second, third = make_participant(), make_participant(), make_participant()
    booked = services.book_shift(None, shift, first)
    with pytest.raises(services.ShiftFull):
        services.book_shift(None, shift, second)
    assert _count(db, Assignment) == 1
    waiting = services.book_shift(None, shift, second, waitlist=True)
    services.book_shift(None, shift, third, waitlist=True)
    assert waiting.status == "waitlisted"
    promoted = services.cancel_assignment(None, booked, "malade")
    assert promoted is waiting and waiting.status == "booked"


def test_double_booking_is_refused(db):
    """Can one person be on two overlapping shifts? (no, and nothing is written)"""
    person = make_participant()
    morning = make_shift(start_time=time(9), end_time=time(12))
    overlapping = make_shift(start_time=time(11), end_time=time(14))
    after = make_shift(start_time=time(12), end_time=time(14))
    services.book_shift(None, morning, person)
    with pytest.raises(Conflict) as error:
        services.book_shift(None, overlapping, person)
    assert "déjà" in error.value.message or "already" in error.value.message
    assert _count(db, Assignment) == 1
    services.book_shift(None, after, person)  # back to back is fine


def test_required_capability_is_enforced(db):
    shift = make_shift(required_capability="till")
    with pytest.raises(ValidationError):
        services.book_shift(None, shift, make_participant())
    assert services.book_shift(None, shift, make_participant(capabilities=["till"])).status == "booked"


def test_cancel_needs_a_reason(db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    with pytest.raises(ValidationError):
        services.cancel_assignment(None, assignment, "  ")
    assert assignment.status == "booked"


def test_kiosk_refuses_other_codes_and_unknown_badges(db):
    """Is a household card, a product, an unreadable code or an unknown badge refused with a plain message?"""
    for code in (make_ean13(PREFIX_HOUSEHOLD_CARD, 42), "5410000000009"[:-1] + "0", "abc", make_ean13("26", 1)):
        with pytest.raises(services.BadgeRefused) as error:
            services.kiosk_scan(code)
        assert error.value.message


def test_kiosk_checks_in_then_out_and_hours_follow(db):
    """Does a first scan check in, a second check out, and do the hours come from those times?"""
    person = make_participant()
    shift = make_shift(start_time=time(9), end_time=time(12))
    assignment = services.book_shift(None, shift, person)
    at_nine = local_to_utc(shift.held_on, time(9, 5))
    result = services.kiosk_scan(person.badge_code, now=at_nine)
    assert result["action"] == "check_in" and assignment.attendance == "present"
    result = services.kiosk_scan(person.badge_code, now=at_nine + timedelta(hours=2, minutes=30))
    assert result["action"] == "check_out"
    assert services.assignment_minutes(assignment) == 150


def test_late_check_in_is_marked_late_and_forgotten_check_out_is_flagged(db):
    person = make_participant()
    shift = make_shift(start_time=time(9), end_time=time(12))
    assignment = services.book_shift(None, shift, person)
    services.kiosk_scan(person.badge_code, now=local_to_utc(shift.held_on, time(9, 40)))
    assert assignment.attendance == "late"
    assert services.forgot_check_out(assignment, now=local_to_utc(shift.held_on, time(13)))
    assert services.assignment_minutes(assignment) == 180  # shift times when the check-out is missing


def test_check_out_before_check_in_is_refused(db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    with pytest.raises(ValidationError) as error:
        services.mark_attendance(None, assignment, "present", checked_in=time(10), checked_out=time(9))
    assert error.value.field == "checked_out"
    assert assignment.attendance is None and assignment.checked_in_at is None


def test_only_validated_hours_count(db):
    """Do hours count in the path only after the coordinator validated the day, and is the day then frozen?"""
    person = make_participant()
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "present")
    assert services.path_summary(person)["total_minutes"] == 0
    services.validate_day(None, shift.held_on)
    assert services.path_summary(person)["total_minutes"] == 180
    with pytest.raises(Conflict):
        services.mark_attendance(None, assignment, "absent")
    with pytest.raises(Conflict):
        services.validate_day(None, shift.held_on)


def test_validation_needs_every_attendance_marked(db):
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    services.book_shift(None, shift, make_participant(first_name="Awa"))
    with pytest.raises(ValidationError) as error:
        services.validate_day(None, shift.held_on)
    assert "Awa" in error.value.message
    assert _count(db, DaySheet) == 0


def test_absence_counts_no_hours_and_is_not_a_status(db):
    """Does a no-show leave the participant unchanged (no status, no flag) and count zero hours?"""
    person = make_participant()
    before = {c.key: getattr(person, c.key) for c in Participant.__table__.columns}
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "absent")
    services.validate_day(None, shift.held_on)
    assert assignment.validated_minutes == 0
    assert {c.key: getattr(person, c.key) for c in Participant.__table__.columns} == before
    assert services.book_shift(None, make_shift(), person).status == "booked"


def test_competence_confirmations_are_one_to_three(db):
    competences = [make_competence() for _ in range(4)]
    assignment = services.book_shift(None, make_shift(), make_participant())
    services.mark_attendance(None, assignment, "present")
    with pytest.raises(ValidationError):
        services.confirm_competences(None, assignment, supervisor_ids=[c.id for c in competences],
                                     participant_ids=[])
    services.confirm_competences(None, assignment, supervisor_ids=[competences[0].id],
                                 participant_ids=[competences[0].id, competences[1].id], comment="J'ai aimé")
    assert len(assignment.confirmations) == 3
    assert assignment.participant_comment == "J'ai aimé"


def test_goal_hours_only_with_consent(db):
    """Are validated shifts linked to a goal only when the participant consented?"""
    caisse = make_competence("Tenue de caisse")
    activity = make_activity("Caisse", [caisse])
    person = make_participant()
    shift = make_shift(activity=activity, held_on=local_today() - timedelta(days=2))
    services.mark_attendance(None, services.book_shift(None, shift, person), "present")
    services.validate_day(None, shift.held_on)
    goal = services.create_goal(None, person, text="Reprendre confiance", competence_ids=[caisse.id])
    summary = services.path_summary(person)
    assert summary["goals"][0]["linked_minutes"] is None
    assert summary["total_minutes"] == 180  # still counts as volunteering
    services.update_goal(None, goal, text=goal.text, domain="social", status="open", has_consent=True,
                         competence_ids=[caisse.id])
    assert services.path_summary(person)["goals"][0]["linked_minutes"] == 180
    assert goal.consent_on == local_today()


def test_evaluations_due_follow_the_cadence(db):
    person = make_participant(started_on=local_today() - timedelta(days=200))
    services.create_goal(None, person, text="Formation", domain="training")
    due = services.evaluations_due()
    assert [row["participant"] for row in due] == [person] and due[0]["is_overdue"]
    services.record_evaluation(None, person, held_on=local_today(), mode="meeting", notes="Bien")
    assert services.evaluations_due() == []


def test_evaluation_in_the_future_is_refused(db):
    with pytest.raises(ValidationError):
        services.record_evaluation(None, make_participant(), held_on=local_today() + timedelta(days=3),
                                   mode="meeting", notes="")


def test_attestation_without_validated_hours_is_refused(db):
    person = make_participant()
    with pytest.raises(ValidationError) as error:
        services.issue_attestation(None, person, date(2026, 1, 1), date(2026, 1, 31))
    assert "validated" in error.value.message or "validée" in error.value.message
    assert _count(db, AttestationIssue) == 0


def test_attestation_is_logged_with_a_reference(db):
    person = make_participant()
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    services.mark_attendance(None, services.book_shift(None, shift, person), "present")
    services.validate_day(None, shift.held_on)
    issue, summary = services.issue_attestation(None, person, shift.held_on, shift.held_on, own_words="Merci")
    assert issue.reference.startswith("ATT-") and issue.total_minutes == 180
    assert summary["own_words"] == "Merci"


def test_workshop_attendance_counts_in_the_path(db):
    person = make_participant()
    workshop = services.create_workshop(None, title="Cuisine du monde", proposed_by=person)
    session = services.add_workshop_session(None, workshop, held_on=local_today() - timedelta(days=1),
                                            start_time=time(14), end_time=time(16))
    services.record_workshop_attendance(None, session, [person.id])
    summary = services.path_summary(person)
    assert summary["total_minutes"] == 120


def test_naive_now_is_never_used(db):
    """Does the kiosk work with an aware UTC time (the type refuses naive ones)?"""
    person = make_participant()
    shift = make_shift()
    services.book_shift(None, shift, person)
    now = datetime.combine(shift.held_on, time(8, 0), tzinfo=UTC)
    assert services.kiosk_scan(person.badge_code, now=now)["action"] in {"check_in", "nothing_now"}


def test_a_booking_taken_again_starts_afresh(db):
    """Is a cancelled then re-taken booking cleared of its old attendance?"""
    shift, person = make_shift(), make_participant()
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "excused")
    services.cancel_assignment(None, assignment, "erreur")
    again = services.book_shift(None, shift, person)
    assert again is assignment and again.status == "booked" and again.attendance is None


def test_kiosk_second_scan_within_a_minute_is_ignored(db):
    """Does a badge read twice within 60 s check the person in once and leave them in (nothing written), and a
    scan after a minute still work?"""
    person = make_participant()
    shift = make_shift(start_time=time(9), end_time=time(12))
    assignment = services.book_shift(None, shift, person)
    at_nine = local_to_utc(shift.held_on, time(9, 5))
    assert services.kiosk_scan(person.badge_code, now=at_nine)["action"] == "check_in"
    again = services.kiosk_scan(person.badge_code, now=at_nine + timedelta(seconds=59))
    assert again["action"] == "ignored" and assignment.checked_out_at is None
    later = at_nine + timedelta(hours=2)
    assert services.kiosk_scan(person.badge_code, now=later)["action"] == "check_out"
    assert services.kiosk_scan(person.badge_code, now=later + timedelta(seconds=30))["action"] == "ignored"
    assert assignment.checked_out_at == later


def test_kiosk_asks_before_checking_out_within_15_minutes(db):
    """Is a check-out 2 to 15 minutes after the check-in only done once confirmed, and one after 15 minutes done
    straight away?"""
    person = make_participant()
    shift = make_shift(start_time=time(9), end_time=time(12))
    assignment = services.book_shift(None, shift, person)
    at_nine = local_to_utc(shift.held_on, time(9))
    services.kiosk_scan(person.badge_code, now=at_nine)
    soon = at_nine + timedelta(minutes=5)
    result = services.kiosk_scan(person.badge_code, now=soon)
    assert result["action"] == "confirm_check_out" and result["assignment"] is assignment
    assert assignment.checked_out_at is None
    result = services.kiosk_scan(person.badge_code, now=soon, confirm_check_out=True)
    assert result["action"] == "check_out" and assignment.checked_out_at == soon

    other = make_participant()
    assignment = services.book_shift(None, shift, other)
    services.kiosk_scan(other.badge_code, now=at_nine)
    assert services.kiosk_scan(other.badge_code, now=at_nine + timedelta(minutes=15))["action"] == "check_out"
