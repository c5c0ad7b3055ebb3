"""The audit log page for administrators, filterable by action, person, record and dates."""

from flask import render_template, request
from sqlalchemy import select

from grocery.audit import bp
from grocery.audit.labels import ACTION_LABELS, TARGET_LABELS, action_label, describe_details, target_label
from grocery.audit.services import search_events
from grocery.auth.models import User
from grocery.auth.roles import Role, roles_required
from grocery.extensions import db
from grocery.forms import arg_int, parse_date
from grocery.i18n import sort_key


@bp.route("/")
@roles_required(Role.ADMIN)
def events():
    filters = {
        "action": request.args.get("action", "").strip() or None,
        "actor_id": arg_int("actor_id", minimum=1),
        "target_type": request.args.get("target_type", "").strip() or None,
        "target_id": request.args.get("target_id", "").strip() or None,
        "date_from": parse_date(request.args.get("date_from")),
        "date_to": parse_date(request.args.get("date_to")),
    }
    page = db.paginate(search_events(**filters), page=arg_int("page", 1, minimum=1), per_page=50, error_out=False)
    actors = db.session.scalars(select(User).order_by(User.display_name)).all()
    query_args = {key: value for key, value in request.args.items() if key != "page"}
    actions = sorted(((key, str(label)) for key, label in ACTION_LABELS.items()), key=lambda pair: sort_key(pair[1]))
    targets = sorted(((key, str(label)) for key, label in TARGET_LABELS.items()), key=lambda pair: sort_key(pair[1]))
    return render_template("admin/audit.html", page=page, filters=filters, actors=actors, query_args=query_args,
                           actions=actions, targets=targets, action_label=action_label, target_label=target_label,
                           describe_details=describe_details)
