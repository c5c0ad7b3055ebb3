"""Authentication: login, logout, own password, language."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from grocery.auth import views  # noqa: E402,F401
