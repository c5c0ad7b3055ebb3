"""The settings page (administrators and coordinators) and the logo image."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grocery.auth.roles import ALL_ROLES, MANAGERS, roles_required
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.settings import bp
from grocery.settings.forms import initial_data, settings_form_class
from grocery.settings.registry import DEFINITIONS, SECTION_NOTES, sections
from grocery.settings.services import all_settings, get_logo, remove_logo, set_logo, update_settings


@bp.route("/", methods=["GET", "POST"])
@roles_required(MANAGERS)
def edit():
    form_class = settings_form_class()
    form = form_class(data=initial_data(all_settings()))
    if form.validate_on_submit():
        values = {key: getattr(form, d.field_name).parsed for key, d in DEFINITIONS.items()}
        try:
            upload = form.logo.data
            if upload and getattr(upload, "filename", ""):
                set_logo(current_user, upload.read())
            changed = update_settings(current_user, values)
        except ValidationError as error:
            db.session.rollback()
            form.logo.errors = [error.message] if error.field == "logo" else form.logo.errors
            if error.field != "logo":
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The settings are saved.") if changed or upload else _("Nothing was changed."), "success")
            return redirect(url_for("settings.edit"))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    notes = {key: notes() for key, notes in SECTION_NOTES.items()}
    return render_template("settings/edit.html", form=form, sections=sections(), logo=get_logo(), notes=notes)


@bp.route("/logo/delete", methods=["POST"])
@roles_required(MANAGERS)
def logo_delete():
    if remove_logo(current_user):
        db.session.commit()
        flash(_("The logo is removed."), "success")
    return redirect(url_for("settings.edit"))


@bp.route("/logo")
@roles_required(ALL_ROLES)
def logo():
    stored = get_logo()
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
