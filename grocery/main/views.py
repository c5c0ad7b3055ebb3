"""Home page: big tiles for the sections of the user's role; health check for monitors and benchmarks."""

from flask import jsonify, render_template

from grocery.auth.roles import ALL_ROLES, public, roles_required
from grocery.main import bp
from grocery.navigation import nav_for_current_user


@bp.route("/")
@roles_required(ALL_ROLES)
def home():
    return render_template("main/home.html", tiles=nav_for_current_user())


@bp.route("/health")
@public
def health():
    """Liveness check; also the trivial endpoint benchmarks compare against."""
    return jsonify({"status": "ok"})
