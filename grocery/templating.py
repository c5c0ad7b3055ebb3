"""Jinja filters and globals: money, local dates and times, navigation, organisation name."""

from flask import Flask, current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from grocery.i18n import LANGUAGE_NAMES
from grocery.money import format_money
from grocery.navigation import nav_for_current_user
from grocery.timeutil import format_local_date, format_local_datetime


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
