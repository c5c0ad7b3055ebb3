"""Import screens: choose a kind, upload a file, see every bad row, then import all or only the valid lines."""

import csv
import io

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.imports import bp
from grocery.imports import services as svc
from grocery.imports.columns import language
from grocery.imports.forms import CancelForm, ConfirmForm, UploadForm
from grocery.imports.limits import ImportLimits, ImportRefused, human_size, number
from grocery.imports.parsing import max_bytes
from grocery.sites.roles import current_role

#: Errors shown on the preview page; the counts always cover every line.
MAX_ERRORS_SHOWN = 500
#: Lines shown in the "to be created" and "already present" tables of the preview.
MAX_ROWS_SHOWN = 100
IMPORT_ROLES = frozenset().union(*(kind.roles for kind in svc.KINDS.values()))


@bp.route("/")
@roles_required(IMPORT_ROLES)
def index():
    kinds = [kind for kind in svc.KINDS.values() if current_role() in kind.roles]
    return render_template("imports/index.html", kinds=kinds,
                           recent=svc.recent_imports(kind.key for kind in kinds))


def _size_limit() -> int:
    return max_bytes(current_app.config)


def _limits_shown() -> dict[str, str]:
    limits = ImportLimits.current()
    return {"rows": number(limits.max_rows), "columns": number(limits.max_columns),
            "chars": number(limits.max_cell_chars)}


def _upload(kind: str):
    spec = svc.kind_of(kind)
    form = UploadForm()
    error = None
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            error = _("Choose a file to import.")
        else:
            data = upload.stream.read(_size_limit() + 1)
            try:
                batch, _plan = svc.start_import(current_user, kind, upload.filename, data, max_bytes=_size_limit())
            except ImportRefused as refusal:
                db.session.rollback()
                error = refusal.message
            else:
                db.session.commit()
                return redirect(url_for(f"imports.{kind}_preview", token=batch.token))
    return render_template("imports/upload.html", spec=spec, form=form, error=error,
                           limit=human_size(_size_limit()), limits=_limits_shown(),
                           language=language()), 422 if error else 200


def _preview(kind: str, token: str):
    spec = svc.kind_of(kind)
    batch = svc.get_import(current_user, kind, token)
    plan = None
    if batch.status == "pending":
        try:
            plan = svc.preview_import(batch)
        except ImportRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(url_for(f"imports.{kind}_upload"))
        db.session.rollback()  # the checks write nothing (default categories created on first use included)
    return render_template("imports/preview.html", spec=spec, batch=batch, plan=plan, confirm_form=ConfirmForm(),
                           cancel_form=CancelForm(), max_errors=MAX_ERRORS_SHOWN, max_rows=MAX_ROWS_SHOWN)


def _confirm(kind: str, token: str):
    batch = svc.get_import(current_user, kind, token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            plan = svc.confirm_import(current_user, batch, only_valid=form.mode.data == "valid")
        except GroceryError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            created = batch.records_created
            db.session.commit()
            flash(_("Import done: %(created)d created, %(present)d line(s) already present, %(invalid)d line(s) "
                    "with errors skipped.", created=created, present=plan.lines_present,
                    invalid=plan.lines_invalid), "success")
    return redirect(url_for(f"imports.{kind}_preview", token=token))


def _cancel(kind: str, token: str):
    batch = svc.get_import(current_user, kind, token)
    if CancelForm().validate_on_submit():
        svc.cancel_import(current_user, batch)
        db.session.commit()
        flash(_("Import cancelled: the file is deleted and nothing was imported."), "success")
    return redirect(url_for(f"imports.{kind}_upload"))


#: The name of the empty model file in each language of the column titles.
MODEL_FILE_NAMES = {"fr": "modele", "nl": "model", "en": "model"}


def _model(kind: str):
    """An empty model file: the main column titles in the user's language, semicolon separated, UTF-8 with BOM
    (opens well in Excel)."""
    spec = svc.kind_of(kind)
    code = language()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow([column.title(code) for column in spec.columns])
    body = "\ufeff" + buffer.getvalue()
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={MODEL_FILE_NAMES[code]}-{kind}.csv"})


def _register(kind: str) -> None:
    """The five routes of one kind of import, each declaring the roles of that kind."""
    roles = svc.KINDS[kind].roles
    routes = (
        ("upload", f"/{kind}", ["GET", "POST"], lambda: _upload(kind)),
        ("model", f"/{kind}/model.csv", ["GET"], lambda: _model(kind)),
        ("preview", f"/{kind}/<token>", ["GET"], lambda token: _preview(kind, token)),
        ("confirm", f"/{kind}/<token>/confirm", ["POST"], lambda token: _confirm(kind, token)),
        ("cancel", f"/{kind}/<token>/cancel", ["POST"], lambda token: _cancel(kind, token)),
    )
    for name, rule, methods, view in routes:
        view.__name__ = f"{kind}_{name}"
        bp.add_url_rule(rule, view.__name__, roles_required(roles)(view), methods=methods)


for _kind in svc.KINDS:
    _register(_kind)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """An upload above the app's MAX_CONTENT_LENGTH: the same clear message as above the import limit."""
    kind = (request.endpoint or "").removeprefix("imports.").split("_")[0]
    message = _("The file is too large (more than %(size)s): split it into several files.",
                size=human_size(_size_limit()))
    if kind in svc.KINDS:
        return render_template("imports/upload.html", spec=svc.KINDS[kind], form=UploadForm(formdata=None),
                               error=message, limit=human_size(_size_limit()), limits=_limits_shown(),
                               language=language()), 413
    return render_template("errors/error.html", code=413, message=message), 413

