"""Jinja filters and globals: money, local dates and times, navigation, organisation name."""

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf.csrf import generate_csrf

from grocery.money import format_money
from grocery.navigation import nav_for_current_user
from grocery.timeutil import to_local


def _datetime(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(to_local(value).replace(tzinfo=None), fmt)


def _date(value: date | datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, fmt)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
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
        }
