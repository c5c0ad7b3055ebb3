"""Administrators list, add and edit the installation's sites, their logos, and close or reopen them."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grocery.admin import bp
from grocery.auth.roles import ALL_ROLES, Role, roles_required
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error
from grocery.sites.forms import SiteForm
from grocery.sites.logos import logos_present, remove_site_logo, set_site_logo, site_logo
from grocery.sites.models import Site, logo_key_for
from grocery.sites.services import (
    create_site,
    deactivate_site,
    open_till_count,
    reactivate_site,
    role_at,
    update_site,
)


@bp.route("/sites")
@roles_required(Role.ADMIN)
def sites():
    rows = db.session.scalars(select(Site).order_by(Site.is_active.desc(), Site.name)).all()
    logos = logos_present([site.id for site in rows])
    return render_template("sites/list.html", sites=rows, has_logo={site.id for site in rows
                                                                       if logo_key_for(site.id) in logos})


def _save(form: SiteForm, site: Site | None):
    """Create or update the site from the form, with its logo if one was sent; the response or None (form errors)."""
    values = {name: getattr(form, name).data or "" for name in ("name", "address", "postcode", "city",
                                                                 "opening_hours")}
    upload = form.logo.data
    try:
        if site is None:
            site = create_site(current_user, **values)
            changed = True
        else:
            changed = bool(update_site(current_user, site, **values))
        if upload and getattr(upload, "filename", ""):
            set_site_logo(current_user, site, upload.read())
            changed = True
    except ValidationError as error:
        db.session.rollback()
        apply_service_error(form, error) or flash(error.message, "error")
        return None
    except GroceryError as error:
        db.session.rollback()
        apply_service_error(form, ValidationError("name", error.message))
        return None
    db.session.commit()
    flash(_("The site “%(name)s” is saved.", name=site.name) if changed else _("Nothing was changed."), "success")
    return redirect(url_for("admin.sites"))


@bp.route("/sites/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def site_create():
    form = SiteForm()
    if form.validate_on_submit() and (response := _save(form, None)) is not None:
        return response
    return render_template("sites/form.html", form=form, site=None, logo=None), 422 if form.errors else 200


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def site_edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit() and (response := _save(form, site)) is not None:
        return response
    return render_template("sites/form.html", form=form, site=site, logo=site_logo(site),
                           open_tills=open_till_count(site)), 422 if form.errors else 200


@bp.route("/sites/<int:site_id>/logo/delete", methods=["POST"])
@roles_required(Role.ADMIN)
def site_logo_delete(site_id: int):
    site = db.get_or_404(Site, site_id)
    if remove_site_logo(current_user, site):
        db.session.commit()
        flash(_("The logo is removed."), "success")
    return redirect(url_for("admin.site_edit", site_id=site.id))


def _change_site_state(site_id: int, change, done_message):
    """Deactivate or reactivate a site (`change`: the service), then back to the list, or to the site's page with
    the service's refusal."""
    site = db.get_or_404(Site, site_id)
    try:
        change(current_user, site)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.site_edit", site_id=site.id))
    db.session.commit()
    flash(done_message(site.name), "success")
    return redirect(url_for("admin.sites"))


@bp.route("/sites/<int:site_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def site_deactivate(site_id: int):
    return _change_site_state(site_id, deactivate_site, lambda name: _(
        "The site “%(name)s” is deactivated; its history stays in the reports.", name=name))


@bp.route("/sites/<int:site_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def site_reactivate(site_id: int):
    return _change_site_state(site_id, reactivate_site, lambda name: _(
        "The site “%(name)s” is active again.", name=name))


@bp.route("/sites/<int:site_id>/logo")
@roles_required(ALL_ROLES)
def site_logo_image(site_id: int):
    """The site's logo, for its documents: 404 for a site the user does not work at, or without a logo."""
    site = db.session.get(Site, site_id)
    if site is None or role_at(current_user, site.id) is None:
        abort(404)
    stored = site_logo(site)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
