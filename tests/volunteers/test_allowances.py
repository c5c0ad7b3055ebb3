"""Volunteer expense allowances: recorded per day, warnings near and past the ceilings, total on the attestation."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.settings.registry import DEFINITIONS
from grocery.settings.services import update_settings
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.allowances import allowance_status, record_allowance
from grocery.volunteers.attestation import attestation_text, render_attestation
from grocery.volunteers.models import Allowance
from tests.factories import make_activity, make_participant, make_shift
from tests.utils import text_of


def _count(db):
    return db.session.scalar(select(func.count(Allowance.id)))


def test_default_ceilings_are_the_2025_belgian_amounts(db):
    """Are the defaults 42,31 € a day and 1 692,51 € a year, said to be the 2025 amounts?"""
    assert DEFINITIONS["volunteers.allowance_daily_ceiling"].default == 4231
    assert DEFINITIONS["volunteers.allowance_yearly_ceiling"].default == 169251
    assert DEFINITIONS["volunteers.allowance_ceiling_year"].default == 2025


def test_allowance_per_day_with_warnings_near_and_past_the_ceilings(app, db):
    """Does a volunteer's year total warn at 80 % of the yearly ceiling and past it, and a day above the daily
    ceiling warn too, without refusing the payment?"""
    update_settings(None, {"volunteers.allowance_ceiling_year": 2026, "volunteers.allowance_yearly_ceiling": 10000,
                           "volunteers.allowance_daily_ceiling": 4231})
    person = make_participant()
    with app.test_request_context():
        _row, status = record_allowance(None, person, day=date(2026, 3, 2), amount_cents=4000)
        assert status.total_cents == 4000 and status.warnings == []
        _row, status = record_allowance(None, person, day=date(2026, 3, 3), amount_cents=4000)
        assert status.total_cents == 8000 and len(status.warnings) == 1 and "près du plafond annuel" in \
            status.warnings[0]
        _row, status = record_allowance(None, person, day=date(2026, 3, 4), amount_cents=4500)
        assert status.total_cents == 12500
        assert any("au-delà du plafond journalier" in w for w in status.warnings)
        assert any("au-delà du plafond annuel" in w for w in status.warnings)
        # A second entry for a day corrects it.
        _row, status = record_allowance(None, person, day=date(2026, 3, 4), amount_cents=1500)
        assert status.total_cents == 9500 and status.days == 3
        assert not any("plafond journalier" in w for w in status.warnings)
    assert _count(db) == 3


def test_ceilings_of_another_year_are_said(app, db):
    """When the ceilings set are those of 2025 and the payment is in 2026, does the page say so?"""
    person = make_participant()
    with app.test_request_context():
        _row, status = record_allowance(None, person, day=date(2026, 1, 5), amount_cents=1000)
    assert any("2025" in w and "2026" in w for w in status.warnings)
    assert allowance_status(person, 2025).warnings == []


@pytest.mark.parametrize("engagement", ["article60", "internship"])
def test_no_volunteer_allowance_for_employment_or_internship(db, engagement):
    """Is a volunteer allowance refused for an article 60 worker (a salary) and an intern, writing nothing?"""
    person = make_participant(engagement_type=engagement)
    with pytest.raises(ValidationError):
        record_allowance(None, person, day=local_today(), amount_cents=1000)
    assert _count(db) == 0


def test_bad_allowances_are_refused(db):
    person = make_participant()
    for day, amount in ((local_today() + timedelta(days=1), 1000), (local_today(), 0), (None, 1000)):
        with pytest.raises(ValidationError):
            record_allowance(None, person, day=day, amount_cents=amount)
    assert _count(db) == 0


def test_recording_through_the_page_warns_and_cashier_cannot(client, login, db):
    """Does the participant page record an allowance and show the warning, and is a cashier refused?"""
    update_settings(None, {"volunteers.allowance_ceiling_year": local_today().year})
    person = make_participant(first_name="Lina")
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.post_form(f"/volunteers/participants/{person.id}/allowances",
                                    {"day": local_today().isoformat(), "amount": "45,00"}, follow_redirects=True))
    assert "Le défraiement est enregistré" in page and "au-delà du plafond journalier" in page
    assert "45,00" in page
    page = text_of(client.post_form(f"/volunteers/participants/{person.id}/allowances",
                                    {"day": local_today().isoformat(), "amount": "abc"}, follow_redirects=True))
    assert db.session.scalar(select(Allowance.amount_cents)) == 4500


def test_cashier_cannot_record_an_allowance(client, login, db):
    person = make_participant()
    db.session.commit()
    login(Role.CASHIER)
    assert client.post_form(f"/volunteers/participants/{person.id}/allowances",
                            {"day": local_today().isoformat(), "amount": "10"}).status_code == 403
    assert _count(db) == 0


def test_attestation_shows_the_allowance_total_only_when_asked(app, db):
    """Does the attestation print the total paid in the period when asked, and not otherwise?"""
    person = make_participant(engagement_type="volunteer")
    day = local_today() - timedelta(days=1)
    shift = make_shift(held_on=day, activity=make_activity("Caisse"))
    services.mark_attendance(None, services.book_shift(None, shift, person), "present")
    services.validate_day(None, day)
    with app.test_request_context():
        record_allowance(None, person, day=day, amount_cents=1550)
        record_allowance(None, person, day=day - timedelta(days=40), amount_cents=2000)  # outside the period
        issue, summary = services.issue_attestation(None, person, day - timedelta(days=5), day)
        assert "Défraiements" not in " ".join(attestation_text(person, issue, summary))
        issue, summary = services.issue_attestation(None, person, day - timedelta(days=5), day,
                                                    show_allowances=True)
        text = " ".join(attestation_text(person, issue, summary))
        assert render_attestation(person, issue, summary).startswith(b"%PDF")
    assert summary["allowances"] == {"total_cents": 1550, "days": 1}
    assert "Défraiements versés sur la période : 15,50 EUR sur 1 jour(s)" in text, text
