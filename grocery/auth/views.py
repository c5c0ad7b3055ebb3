"""Login, logout, own password and language choice."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from grocery.auth import bp
from grocery.auth.forms import ChangePasswordForm, LoginForm
from grocery.auth.roles import ALL_ROLES, public, roles_required
from grocery.auth.services import authenticate, set_password
from grocery.auth.sessions import end_session, start_session
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error, parse_int
from grocery.sites.context import SESSION_KEY, forget_current_site
from grocery.sites.roles import forget_current_role
from grocery.sites.services import choose_site


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "unknown")
        except GroceryError as error:
            db.session.commit()  # the failed attempt is recorded for throttling
            flash(error.message, "error")
            status = error.status
        else:
            start_session(user, request.remote_addr)
            db.session.commit()
            session.clear()
            login_user(user)
            session["lang"] = user.preferred_language
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form), status


#: What the browser erases at logout (Clear-Site-Data, honoured in a secure context): its HTTP cache, and the storage
#: of the site: the till's service worker with its caches (the checkout page, the catalogue), the cards snapshot and
#: the queue of sales in IndexedDB, the cart in localStorage. The page does not send the logout while the queue holds
#: sales not yet sent (static/js/app.js): they are the only record of goods that left.
CLEAR_SITE_DATA = '"cache", "storage"'


@bp.route("/logout", methods=["POST"])
@roles_required(ALL_ROLES)
def logout():
    """End the login session and erase what this browser kept of the work (CLEAR_SITE_DATA)."""
    lang = session.get("lang")
    end_session(session.get("_user_id"))
    db.session.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(ALL_ROLES)
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            set_password(user, user, form.password.data,
                         current_password=form.current_password.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        else:
            end_session(session.get("_user_id"))
            start_session(user, request.remote_addr)  # the session token changed: a new session for this browser
            db.session.commit()
            login_user(user)
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/site", methods=["POST"])
@roles_required(ALL_ROLES)
def switch_site():
    """The header's site picker: work at another of one's sites in this login session. The home page follows, as
    the page the user was on may show an object of the site they left."""
    try:
        site = choose_site(current_user, parse_int(request.form.get("site_id")))
    except GroceryError as error:
        flash(error.message, "error")
        return redirect(url_for("main.home")), 303
    session[SESSION_KEY] = site.id
    forget_current_site()
    forget_current_role()
    flash(_("You now work at %(site)s.", site=site.name), "success")
    return redirect(url_for("main.home")), 303


@bp.route("/language", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["GROCERY_LOCALES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.preferred_language != lang:
            current_user.preferred_language = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
