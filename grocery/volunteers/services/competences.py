"""Activities, the competences they practise, and the default framework seeded in French."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.volunteers.models import Activity, Competence
from grocery.volunteers.services.participants import _clean

# --------------------------------------------------------------------------- activities and competences


def create_activity(actor, name: str, competence_ids: list[int] | None = None) -> Activity:
    """Add an activity, mapped to the competences it practises; names are unique."""
    name = _clean(name, 120)
    if not name:
        raise ValidationError("name", _l("Enter a name."))
    if db.session.scalar(select(Activity.id).where(func.lower(Activity.name) == name.lower())) is not None:
        raise ValidationError("name", _l("This activity already exists."))
    activity = Activity(name=name, competences=_competences(competence_ids))
    db.session.add(activity)
    db.session.flush()
    record_event(actor, "volunteers.activity_create", activity, {"name": name})
    return activity


def set_activity_competences(actor, activity: Activity, competence_ids: list[int]) -> None:
    """Map an activity to the competences it practises."""
    activity.competences = _competences(competence_ids)
    db.session.flush()
    record_event(actor, "volunteers.activity_update", activity, {"competences": sorted(competence_ids)})


def create_competence(actor, name: str) -> Competence:
    """Add an entry to the competence framework; names are unique."""
    name = _clean(name, 120)
    if not name:
        raise ValidationError("name", _l("Enter a name."))
    if db.session.scalar(select(Competence.id).where(func.lower(Competence.name) == name.lower())) is not None:
        raise ValidationError("name", _l("This competence already exists."))
    competence = Competence(name=name)
    db.session.add(competence)
    db.session.flush()
    record_event(actor, "volunteers.competence_create", competence, {"name": name})
    return competence


def _competences(ids) -> list[Competence]:
    ids = sorted({int(i) for i in ids or []})
    if not ids:
        return []
    found = db.session.scalars(select(Competence).where(Competence.id.in_(ids))).all()
    if len(found) != len(ids):
        raise ValidationError("competences", _l("Unknown competence."))
    return list(found)


#: The default competence framework and the activities that practise each competence (seeded in French).
DEFAULT_COMPETENCES = [
    "Accueil du public", "Tenue de caisse", "Gestion de stock", "Hygiène alimentaire", "Travail en équipe",
    "Ponctualité et régularité", "Communication", "Autonomie", "Animation de groupe", "Respect des consignes",
]
DEFAULT_ACTIVITIES = {
    "Caisse": ["Tenue de caisse", "Accueil du public", "Communication", "Ponctualité et régularité"],
    "Accueil": ["Accueil du public", "Communication", "Travail en équipe"],
    "Stock et dons": ["Gestion de stock", "Hygiène alimentaire", "Travail en équipe", "Respect des consignes"],
    "Nettoyage": ["Hygiène alimentaire", "Autonomie", "Respect des consignes"],
    "Animation d'atelier": ["Animation de groupe", "Communication", "Autonomie"],
}


def seed_framework(actor) -> int:
    """Create the default French competence framework and activities, when none exist yet; returns how many
    activities were created."""
    if db.session.scalar(select(func.count(Competence.id))):
        return 0
    competences = {name: Competence(name=name) for name in DEFAULT_COMPETENCES}
    db.session.add_all(competences.values())
    for name, practised in DEFAULT_ACTIVITIES.items():
        if db.session.scalar(select(Activity.id).where(Activity.name == name)) is None:
            db.session.add(Activity(name=name, competences=[competences[c] for c in practised]))
    db.session.flush()
    record_event(actor, "volunteers.framework_seed", "volunteer_competences")
    return len(DEFAULT_ACTIVITIES)
