"""Spreadsheet imports: products and households from CSV or XLSX, with a preview of every bad row."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS
from grocery.navigation import register_nav

#: cli_group=None: `flask --app grocery import-products FILE` is a top-level command.
bp = Blueprint("imports", __name__, url_prefix="/imports", cli_group=None)

from grocery.imports import cli, models, views  # noqa: E402,F401

register_nav("imports.index", _l("Imports"), MANAGERS, order=85)
