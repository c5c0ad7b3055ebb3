"""The home page with each role's sections, and a health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from grocery.main import views  # noqa: E402,F401
