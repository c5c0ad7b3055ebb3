"""Jinja filters and globals: money, local dates and times, navigation, organisation name."""

from datetime import date, datetime

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from grocery.i18n import LANGUAGE_NAMES, formatting_locale
from grocery.money import format_money
from grocery.navigation import nav_for_current_user
from grocery.timeutil import date_pattern, datetime_pattern, to_local


def format_local_datetime(value: datetime | None, fmt: str = "short") -> str:
    """An aware datetime in the grocery's time zone, in the active language's Belgian format."""
    if value is None:
        return ""
    locale = formatting_locale()
    return babel_format_datetime(to_local(value), datetime_pattern(fmt, locale), tzinfo=to_local(value).tzinfo,
                                 locale=locale)


def format_local_date(value: date | datetime | None, fmt: str = "short") -> str:
    """A calendar day (a datetime is first converted to the local day) in the active language's Belgian format;
    "short" always shows the four digits of the year (a birth date in 1926 is not one in 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    locale = formatting_locale()
    return babel_format_date(value, date_pattern(fmt, locale), locale=locale)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["datetime"] = format_local_datetime
    app.jinja_env.filters["date"] = format_local_date
    app.jinja_env.globals["csrf_token"] = generate_csrf

    @app.context_processor
    def inject_shell():
        from grocery.settings.services import get_setting

        locale = get_locale()
        return {
            "nav_items": nav_for_current_user,
            "org_name": lambda: get_setting("org.name"),
            "current_locale": locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"],
            "locales": current_app.config["GROCERY_LOCALES"],
            "language_names": LANGUAGE_NAMES,
        }
