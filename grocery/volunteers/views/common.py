"""Helpers the volunteers' views share: service refusals on forms, parsing, choices, template helpers."""

from datetime import date, datetime, timedelta

from flask import flash
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error, choices, parse_date
from grocery.timeutil import local_today
from grocery.volunteers import bp
from grocery.volunteers.models import EVALUATION_MODES, GOAL_DOMAINS, GOAL_STATUSES, Competence, Participant


def _fail(error: GroceryError, form=None) -> None:
    """Roll back and show a service refusal next to its field, or as a message."""
    db.session.rollback()
    if form is None or not isinstance(error, ValidationError) or not apply_service_error(form, error):
        flash(error.message, "error")


def _parse_date(value: str | None) -> date | None:
    return parse_date(value) if value else None


def _parse_time(value: str | None):
    try:
        return datetime.strptime(value, "%H:%M").time() if value else None
    except ValueError:
        return None


def _participants(active_only: bool = True) -> list[Participant]:
    query = (select(Participant).options(selectinload(Participant.referent))
             .order_by(Participant.last_name, Participant.first_name))
    if active_only:
        query = query.where((Participant.ended_on.is_(None)) | (Participant.ended_on >= local_today()))
    return list(db.session.scalars(query))


def _competence_choices() -> list:
    rows = db.session.scalars(select(Competence).where(Competence.is_active.is_(True)).order_by(Competence.name))
    return choices((c.id, c.name) for c in rows)




@bp.context_processor
def _volunteer_helpers():
    return {"today_iso": lambda: local_today().isoformat(), "timedelta": timedelta,
            "labels": {"goal_domains": GOAL_DOMAINS, "goal_statuses": GOAL_STATUSES,
                       "evaluation_modes": EVALUATION_MODES}}
