"""Spreadsheet imports: products and households from CSV or XLSX, with a preview of every bad row."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS
from grocery.navigation import register_nav

#: cli_group=None: `flask --app grocery import-products FILE` is a top-level command.
bp = Blueprint("imports", __name__, url_prefix="/imports", cli_group=None)

from grocery.imports import cli, models, views  # noqa: E402,F401
from grocery.imports.limits import config_defaults  # noqa: E402

bp.record_once(lambda state: config_defaults(state.app))

register_nav("imports.index", _l("Imports"), MANAGERS, order=85)
