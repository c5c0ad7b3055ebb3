"""Activities and the competences they practise."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.forms import form_ints
from grocery.volunteers import PLANNERS, bp, services
from grocery.volunteers.models import Activity, Competence
from grocery.volunteers.views.common import _fail

# --------------------------------------------------------------------------- activities and competences


@bp.route("/activities", methods=["GET", "POST"])
@roles_required(PLANNERS)
def activities():
    if request.method == "POST":
        kind, name = request.form.get("kind"), request.form.get("name", "")
        try:
            if kind == "seed":
                services.seed_framework(current_user)
                name = _("Default framework")
            elif kind == "competence":
                services.create_competence(current_user, name)
            else:
                services.create_activity(current_user, name)
        except GroceryError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(_("“%(name)s” is added.", name=name.strip()), "success")
        return redirect(url_for("volunteers.activities"))
    rows = db.session.scalars(select(Activity).options(selectinload(Activity.competences))
                              .order_by(Activity.name)).all()
    return render_template("volunteers/activities.html", activities=rows,
                           competences=db.session.scalars(select(Competence).order_by(Competence.name)).all())


@bp.route("/activities/<int:activity_id>", methods=["POST"])
@roles_required(PLANNERS)
def activity_update(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    try:
        services.set_activity_competences(current_user, activity, form_ints("competence_ids"))
    except GroceryError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(_("The competences of “%(name)s” are saved.", name=activity.name), "success")
    return redirect(url_for("volunteers.activities"))
