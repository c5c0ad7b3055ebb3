"""Money, time and the UTC column type."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grocery.errors import ValidationError
from grocery.money import cents_to_input, format_money, parse_money


@pytest.mark.parametrize("text, cents", [("12,50", 1250), ("12.5", 1250), ("0,05", 5), ("7", 700),
                                         ("1 234,00", 123400), (" 3,1 ", 310)])
def test_parse_money(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "12,5€", "-3", "1,234", "12,50,1", "1e3", "--1"])
def test_parse_money_refuses(text):
    with pytest.raises(ValidationError) as raised:
        parse_money(text)
    assert raised.value.message


def test_negative_allowed_when_asked():
    assert parse_money("-2,50", allow_negative=True) == -250


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
