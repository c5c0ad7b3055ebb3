"""Languages: Dutch as an interface language, Belgian formats per language, documents in their reader's language."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grocery.auth.models import User
from grocery.auth.roles import Role
from grocery.i18n import formatting_locale, in_language, locale_for
from grocery.money import format_amount, format_money
from grocery.reports.exports import csv_response, kilos
from grocery.stock.models import Donor
from grocery.stock.services import add_donation_line, confirm_donation, start_donation
from grocery.timeutil import format_local_date, format_local_datetime, local_today
from grocery.volunteers import services as volunteer_services
from grocery.volunteers.attestation import attestation_text
from grocery.volunteers.models import Participant
from tests.factories import (
    PASSWORD,
    make_activity,
    make_decision,
    make_donor,
    make_household,
    make_participant,
    make_product,
    make_shift,
)
from tests.utils import text_of


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("language", "money", "short", "long", "moment"), [
    ("fr", "1 234,50 €", "2/02/2026", "2 février 2026", "2/02/2026 15:05"),
    ("nl", "€ 1.234,50", "2/02/2026", "2 februari 2026", "2/02/2026, 15:05"),
    ("en", "1.234,50 €", "02/02/2026", "2 February 2026", "02/02/2026, 15:05"),
])
def test_dates_and_money_follow_the_language_in_belgian_usage(app, language, money, short, long, moment):
    """Are amounts in euros and dates day/month/year with four digits in every language (never "2/2/26")?"""
    with app.test_request_context(), force_locale(language):
        assert _plain(format_money(123450)) == money
        assert format_local_date(date(2026, 2, 2)) == short
        assert format_local_date(date(2026, 2, 2), "long") == long
        # 14:05 UTC is 15:05 in Brussels in winter
        assert format_local_datetime(datetime(2026, 2, 2, 14, 5, tzinfo=UTC)) == moment
        assert format_amount(-123450) == "-1234,50" and kilos(12345) == "12,345"


@pytest.mark.parametrize(("language", "hours", "duration"), [("fr", "1,5 h", "1 h 30"), ("nl", "1,5 u", "1 u 30"),
                                                            ("en", "1,5 h", "1 h 30")])
def test_hours_are_written_the_way_each_language_writes_them(app, language, hours, duration):
    with app.test_request_context(), force_locale(locale_for(language)):
        assert app.jinja_env.filters["hours"](90) == hours
        assert app.jinja_env.from_string("{{ _('%(hours)d h %(minutes)02d', hours=1, minutes=30) }}").render() \
            == duration


def test_formats_use_the_belgian_variant_of_each_language(app):
    assert [str(formatting_locale(code)) for code in ("fr", "nl", "en", "nl_NL")] == ["fr_BE", "nl_BE", "en_BE",
                                                                                       "nl_NL"]
    with app.app_context():
        assert locale_for("nl") == "nl_BE"
        assert locale_for("de") == locale_for("other") == "fr_BE"  # no German interface: the default language
        assert locale_for(None) == "fr_BE"


def test_report_csv_uses_the_readers_decimal_sign_and_semicolons(app):
    with app.test_request_context(), force_locale("nl_BE"):
        body = csv_response([["a", format_amount(1250)]], "x.csv").get_data()
    assert body == "\ufeffa;12,50\r\n".encode()


# --------------------------------------------------------------------------- the interface in Dutch


def test_a_visitor_switches_the_login_page_to_dutch(client, db):
    """Does the login page offer Nederlands, and does choosing it keep Dutch for the visit?"""
    page = client.get("/login").get_data(as_text=True)
    assert 'value="nl"' in page and "Nederlands" in page and 'lang="fr"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/language", data={"lang": "nl", "next": "/login", "csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert re.search(r'class="button primary"[^>]*lang="nl" aria-pressed="true"', page)


def test_a_dutch_user_sees_dutch_pages_and_formats(client, login, db):
    """Does a coordinator whose account says Dutch get Dutch pages, Dutch messages and Dutch amounts?"""
    login(Role.COORDINATOR, preferred_language="nl")
    dashboard = _plain(text_of(client.get("/reports/")))
    assert "€ 0,00" in dashboard and "0,00 €" not in dashboard
    page = text_of(client.get("/stock/donors/new"))
    assert '<html lang="nl">' in page
    assert "Taal van de ontvangstbewijzen" in page and "Langue des attestations de don" not in page
    with force_locale("nl_BE"):
        assert gettext("Donor") in page  # whatever the Dutch catalog says for it (English until translated)


def test_the_language_chosen_is_kept_on_the_account(client, login, db):
    """Does a user's choice of Nederlands survive logging out and in again, on another device?"""
    user = login(Role.SOCIAL_WORKER)
    client.post_form("/language", {"lang": "nl", "next": "/"})
    assert db.session.scalar(select(User.preferred_language).where(User.id == user.id)) == "nl"
    client.post_form("/logout")
    other_device = client.application.test_client()
    other_device.post("/login", data={"username": user.username, "password": PASSWORD,
                                      "csrf_token": other_device.csrf_token("/login")})
    assert '<html lang="nl">' in other_device.get("/").get_data(as_text=True)


def test_an_unknown_language_is_ignored(client, login, db):
    user = login(Role.SOCIAL_WORKER)
    client.post_form("/language", {"lang": "de", "next": "/"})
    assert db.session.scalar(select(User.preferred_language).where(User.id == user.id)) == "fr"
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_the_database_refuses_a_language_without_catalogs(db):
    """Is a donor's language other than fr/nl/en refused by the database itself (CHECK constraint)?"""
    donor = make_donor()
    db.session.commit()
    donor.preferred_language = "de"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --------------------------------------------------------------------------- documents in their reader's language


def _fragment(page: str, start: str) -> str:
    """The element that begins with `start`, up to the end of the page's content (what a document renders)."""
    return page[page.index(start):]


def test_card_sheet_in_the_households_language_while_the_page_stays_french(client, login, db):
    """A French social worker prints the card of a Dutch-speaking household: the card in Dutch, the page in French."""
    household = make_household(preferred_language="nl", person={"first_name": "Lotte"})
    decision = make_decision(household)
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/households/{household.id}/card"))
    assert '<html lang="fr">' in page and "Retour au ménage" in page  # the interface: French
    card = _fragment(page, '<div class="hh-card" lang="nl">')
    with force_locale("nl_BE"):
        dutch = gettext("Valid until %(day)s", day=format_local_date(decision.valid_until))
    with force_locale("fr_BE"):
        french = gettext("Valid until %(day)s", day=format_local_date(decision.valid_until))
    assert dutch in card and "Lotte" in card
    assert french not in page


def test_donor_receipt_in_the_donors_language_while_the_page_stays_french(client, login, db):
    """A French stock manager prints the receipt of a Flemish donor: receipt in Dutch (€ 12,50), buttons in French."""
    donor = make_donor(name="Voedselbank Brussel", kind="food_bank", preferred_language="nl")
    product = make_product(name="Rijst 1 kg", retail_price_cents=1250)
    donation = start_donation(None, donor, local_today(), "")
    add_donation_line(donation, product, quantity=3)
    confirm_donation(None, donation)
    db.session.commit()
    login(Role.STOCK_MANAGER)
    page = _plain(text_of(client.get(f"/stock/receptions/{donation.id}/receipt")))
    assert '<html lang="fr">' in page and "Imprimer" in page  # the interface: French
    receipt = _fragment(page, '<article class="receipt" lang="nl">')
    assert "€ 37,50" in receipt and "37,50 €" not in receipt
    with force_locale("nl_BE"):
        thanks = gettext("Estimated value at the retail reference price. Thank you for your donation!")
    assert thanks in receipt


def test_attestation_in_the_participants_language_while_the_interface_stays_french(app, db):
    """An attestation for a Dutch-speaking volunteer is written in Dutch (dates, hours); French after it."""
    person = make_participant(preferred_language="nl")
    shift = make_shift(held_on=local_today() - timedelta(days=1), activity=make_activity("Kassa"))
    volunteer_services.mark_attendance(None, volunteer_services.book_shift(None, shift, person), "present")
    volunteer_services.validate_day(None, shift.held_on)
    with app.test_request_context():
        assert str(get_locale()) == "fr_BE"
        issue, summary = volunteer_services.issue_attestation(None, person, date(2026, 1, 1), local_today())
        text = " ".join(attestation_text(person, issue, summary))
        assert "1 januari 2026" in text and "Kassa: 3 u 00" in text
        assert "janvier" not in text
        assert str(get_locale()) == "fr_BE"  # the social worker's interface is untouched


def test_in_language_restores_the_users_language(app):
    with app.test_request_context(), force_locale("fr_BE"):
        with in_language("nl") as code:
            assert code == "nl" and _plain(format_money(100)) == "€ 1,00"
        assert _plain(format_money(100)) == "1,00 €"


# --------------------------------------------------------------------------- forms for the language of documents


def test_donor_form_records_the_language_of_the_receipts(client, login, db):
    login(Role.STOCK_MANAGER)
    response = client.post_form("/stock/donors/new", {"name": "Colruyt Halle", "kind": "supermarket",
                                                      "preferred_language": "nl", "is_active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(Donor.preferred_language).where(Donor.name == "Colruyt Halle")) == "nl"
    refused = client.post_form("/stock/donors/new", {"name": "Aldi", "kind": "supermarket",
                                                     "preferred_language": "de"})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Donor).where(Donor.name == "Aldi")) == 0


def test_participant_form_records_the_language_of_the_attestations(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/volunteers/participants/new", {
        "first_name": "Jan", "last_name": "Peeters", "engagement_type": "volunteer", "referent_id": 0,
        "started_on": "2026-05-01", "preferred_language": "nl"})
    assert response.status_code == 302, text_of(response)
    assert db.session.scalar(select(Participant.preferred_language)) == "nl"
    refused = client.post_form("/volunteers/participants/new", {
        "first_name": "Ana", "last_name": "Silva", "engagement_type": "volunteer", "referent_id": 0,
        "started_on": "2026-05-01", "preferred_language": "pt"})
    tag = re.search(r"<select [^>]*id=\"preferred_language\"[^>]*>", text_of(refused)).group(0)
    assert refused.status_code == 200 and 'aria-invalid="true"' in tag
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_the_account_form_offers_every_interface_language(app):
    """Can an administrator give an account any interface language (else editing a Dutch user's role would
    silently turn them French)?"""
    from grocery.auth.forms import language_choices

    with app.test_request_context():
        assert {choice.value for choice in language_choices()} == set(app.config["GROCERY_LOCALES"])
