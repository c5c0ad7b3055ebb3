"""Money, time and the UTC column type."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grocery.errors import ValidationError
from grocery.money import cents_to_input, format_money, parse_money


@pytest.mark.parametrize("text, cents", [("12,50", 1250), ("12.5", 1250), ("0,05", 5), ("7", 700),
                                         ("1 234,00", 123400), (" 3,1 ", 310),
                                         # what people type, euro sign included (issue 18)
                                         ("12,5", 1250), ("12,50 €", 1250), ("12.50", 1250), (" 12,5€ ", 1250),
                                         ("€ 12,50", 1250), ("€12", 1200), ("12,50 EUR", 1250),
                                         ("1.234,50 €", 123450), ("12,50\u00a0€", 1250)])
def test_parse_money(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "12,5 $", "-3", "-3 €", "€ -3", "1,234", "12,50,1", "1e3", "--1", "€",
                                  "€€12", "12 € €", "12,5 euros", "douze €", "1234567890123 €", "EUR"])
def test_parse_money_refuses(text):
    with pytest.raises(ValidationError) as raised:
        parse_money(text)
    assert raised.value.message


def test_negative_allowed_when_asked():
    assert parse_money("-2,50", allow_negative=True) == -250
    assert parse_money("-2,50 €", allow_negative=True) == -250


def test_money_field_accepts_the_euro_sign(app):
    """A form's MoneyField gives cents for "12,50 €" and refuses letters with a message."""
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from grocery.forms import MoneyField

    class PriceForm(FlaskForm):
        price = MoneyField("price")

    with app.test_request_context(method="POST"):
        for typed, cents in [(" 12,5€ ", 1250), ("12,50 €", 1250), ("12.50", 1250)]:
            form = PriceForm(formdata=MultiDict({"price": typed}), meta={"csrf": False})
            assert form.validate() and form.price.data == cents
        form = PriceForm(formdata=MultiDict({"price": "12 francs"}), meta={"csrf": False})
        assert not form.validate() and form.price.data is None and form.price.errors


@given(st.integers(min_value=0, max_value=10**9))
def test_input_round_trip(cents):
    assert parse_money(cents_to_input(cents)) == cents


def test_format_money_in_french_and_english(app):
    """A bare language gets its Belgian format (English too: euro after, decimal comma); a territory is kept."""
    with app.test_request_context():
        assert format_money(1250, "fr_BE").replace("\u202f", " ").replace("\xa0", " ") == "12,50 €"
        assert format_money(1250, "en").replace("\xa0", " ") == "12,50 €"
        assert format_money(1250, "en_US") == "€12.50"


def test_utc_column_refuses_naive_and_returns_aware(db):
    """Does the datetime column refuse naive values and give back aware UTC ones?"""
    from grocery.audit.models import AuditEvent

    event = AuditEvent(action="t.naive", occurred_at=datetime(2026, 1, 1, 12, 0))
    db.session.add(event)
    with pytest.raises(Exception, match="naive"):
        db.session.flush()
    db.session.rollback()
    brussels = timezone(timedelta(hours=1))
    event = AuditEvent(action="t.aware", occurred_at=datetime(2026, 1, 1, 13, 0, tzinfo=brussels), details={})
    db.session.add(event)
    db.session.flush()
    db.session.expire(event)
    assert event.occurred_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert event.occurred_at.tzinfo is not None


def test_local_day_bounds_follow_brussels(app):
    from datetime import date

    from grocery.timeutil import local_day_bounds

    with app.app_context():
        start, end = local_day_bounds(date(2026, 7, 1))
    assert start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC) and end - start == timedelta(hours=24)
