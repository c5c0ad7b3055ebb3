"""Administrators list, create and edit accounts, reset passwords, and say at which sites each one works."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grocery.admin import bp
from grocery.auth.forms import ResetPasswordForm, UserCreateForm, UserEditForm
from grocery.auth.models import User
from grocery.auth.roles import Role, roles_required
from grocery.auth.services import check_new_user, create_user, set_password, update_user
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, apply_service_error, choices, parse_int
from grocery.sites.forms import GrantForm
from grocery.sites.models import Site
from grocery.sites.services import active_sites, grant_site_role, grants_of, has_several_sites, revoke_site_role


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    show_inactive = request.args.get("inactive") == "1"
    query = select(User).order_by(User.is_active_account.desc(), User.display_name)
    if not show_inactive:
        query = query.where(User.is_active_account.is_(True))
    return render_template("admin/users.html", users=db.session.scalars(query).all(), show_inactive=show_inactive)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_create():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = create_user(current_user, username=form.username.data, password=form.password.data,
                               role=form.role.data, display_name=form.display_name.data,
                               preferred_language=form.preferred_language.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        except GroceryError as error:
            db.session.rollback()
            apply_service_error(form, ValidationError("username", error.message))
        else:
            db.session.commit()
            flash(_("The account “%(username)s” is created.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        add_service_errors(form, lambda: check_new_user(username=form.username.data, password=form.password.data,
                                                        role=form.role.data,
                                                        preferred_language=form.preferred_language.data))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user, is_active=user.is_active_account)
    password_form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        try:
            changed = update_user(current_user, user, display_name=form.display_name.data, role=form.role.data,
                                  preferred_language=form.preferred_language.data, is_active=form.is_active.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The account is updated.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, password_form=password_form,
                           **_sites_context(user))


def _sites_context(user: User, grant_form: GrantForm | None = None) -> dict:
    """The user form's part about sites: the user's grants, and the form to give one when the installation has
    several sites (or the user still has grants to remove)."""
    grants = grants_of(user)
    if not grants and not has_several_sites():
        return {"grants": [], "grant_form": None}
    form = grant_form or GrantForm(prefix="grant", formdata=None, data={"role": user.role})
    form.site.choices = grant_site_choices()
    return {"grants": grants, "grant_form": form}


def grant_site_choices() -> list:
    return choices([("all", _("Every site"))] + [(str(site.id), site.name) for site in active_sites()])


def _grant_target(value) -> tuple[bool, Site | None]:
    """(valid, site) of the grant form's site field: "all" (every site, None) or an active site's id."""
    if value == "all":
        return True, None
    site_id = parse_int(value)
    site = db.session.get(Site, site_id) if site_id is not None else None
    return site is not None, site


@bp.route("/users/<int:user_id>/sites", methods=["POST"])
@roles_required(Role.ADMIN)
def user_site_grant(user_id: int):
    user = db.get_or_404(User, user_id)
    grant_form = GrantForm(prefix="grant")
    grant_form.site.choices = grant_site_choices()
    if grant_form.validate_on_submit():
        valid, site = _grant_target(grant_form.site.data)
        try:
            if not valid:
                raise ValidationError("site", _("Choose one of the sites."))
            grant_site_role(current_user, user, site, grant_form.role.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(grant_form, error) or flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s now works at %(site)s as %(role)s.", name=user.display_name,
                    site=site.name if site is not None else _("every site"),
                    role=Role(grant_form.role.data).label), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id) + "#sites")
    form = UserEditForm(obj=user, is_active=user.is_active_account, formdata=None)
    return render_template("admin/user_form.html", form=form, user=user, password_form=ResetPasswordForm(
        prefix="reset", formdata=None), **_sites_context(user, grant_form)), 422


@bp.route("/users/<int:user_id>/sites/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def user_site_revoke(user_id: int):
    user = db.get_or_404(User, user_id)
    value = request.form.get("site", "")
    site_id = None if value == "all" else parse_int(value)
    if value != "all" and site_id is None:
        abort(404)
    if revoke_site_role(current_user, user, site_id):
        db.session.commit()
        flash(_("The site is taken away from %(name)s.", name=user.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id) + "#sites")


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    password_form = ResetPasswordForm(prefix="reset")
    if password_form.validate_on_submit():
        try:
            set_password(current_user, user, password_form.password.data)
        except ValidationError as error:
            db.session.rollback()
            password_form.password.errors = [error.message]
        else:
            db.session.commit()
            flash(_("The password of “%(username)s” is reset; their other sessions are closed.",
                    username=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    form = UserEditForm(obj=user, is_active=user.is_active_account, formdata=None)
    return render_template("admin/user_form.html", form=form, user=user, password_form=password_form,
                           **_sites_context(user)), 422
