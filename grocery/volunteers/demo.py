"""Demo data: 15 participants of every engagement type, four weeks of shifts with attendance, two workshops."""

import random
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from grocery.auth.models import User
from grocery.demo import register_demo
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.timeutil import local_to_utc, local_today
from grocery.volunteers import services
from grocery.volunteers.models import Activity, Competence

PEOPLE = [
    ("Fatima", "El Amrani", "article60", "Deux jours par semaine", ["till", "food_hygiene"]),
    ("Jean-Marc", "Dubois", "volunteer", "Chaque mardi matin", ["till"]),
    ("Nadia", "Kabongo", "social_activation", "Deux créneaux par mois", []),
    ("Olivier", "Lambert", "volunteer", "Quand je peux", ["driving"]),
    ("Aïcha", "Benali", "article60", "Temps plein", ["till", "food_hygiene"]),
    ("Marie", "Wauters", "volunteer", "Un samedi sur deux", ["food_hygiene"]),
    ("Mamadou", "Diallo", "social_activation", "Une fois par semaine", []),
    ("Sophie", "Leclercq", "internship", "Stage de trois semaines", ["food_hygiene"]),
    ("Rachid", "Haddad", "volunteer", "Le jeudi", ["till"]),
    ("Élise", "Mertens", "other", "À la demande", []),
    ("Ioana", "Popescu", "social_activation", "Deux créneaux par mois", ["food_hygiene"]),
    ("Patrick", "Renard", "volunteer", "Le lundi", ["first_aid"]),
    ("Leïla", "Mansouri", "social_activation", "Une fois par semaine", ["till"]),
    ("Grégory", "Janssens", "internship", "Formation caisse", ["till"]),
    ("Bintou", "Traoré", "volunteer", "Deux créneaux par mois", []),
]

#: Participants who read Dutch: their attestations are printed in Dutch.
DUTCH_SPEAKING = {"Wauters", "Janssens"}

TEMPLATES = [  # weekday, start, end, activity, capacity, capability
    (0, time(9), time(12, 30), "Stock et dons", 3, None),
    (1, time(13), time(17), "Caisse", 2, "till"),
    (1, time(13), time(17), "Accueil", 2, None),
    (3, time(13), time(17), "Caisse", 2, "till"),
    (3, time(9), time(12), "Nettoyage", 2, None),
    (4, time(9), time(12, 30), "Stock et dons", 3, None),
]


@register_demo(40, _l("volunteers"))
def load_volunteers_demo() -> str:
    rng = random.Random(2026)  # demo data only
    coordinator = db.session.scalar(select(User).where(User.username == "coordination"))
    social = db.session.scalar(select(User).where(User.username == "social"))
    services.seed_framework(coordinator)
    activities = {a.name: a for a in db.session.scalars(select(Activity))}
    competences = {c.name: c for c in db.session.scalars(select(Competence))}
    today = local_today()
    start = today - timedelta(days=today.weekday() + 21)  # Monday three weeks ago

    people = []
    for index, (first, last, kind, rhythm, capabilities) in enumerate(PEOPLE):
        person = services.create_participant(
            coordinator, first_name=first, last_name=last, engagement_type=kind, rhythm=rhythm,
            capabilities=capabilities, started_on=start - timedelta(days=30 + 9 * index),
            phone=f"0470 12 {index:02d} {30 + index}", referent_id=social.id if social else None,
            preferred_language="nl" if last in DUTCH_SPEAKING else "fr")
        for kind_done in [formality.kind for formality in person.checklist[:2]]:
            services.update_formality(coordinator, person, kind_done, "done" if index % 3 else "requested",
                                      start - timedelta(days=25))
        people.append(person)

    for weekday, begin, end, name, capacity, capability in TEMPLATES:
        services.create_template(coordinator, weekday=weekday, start_time=begin, end_time=end,
                                 activity=activities[name], capacity=capacity, required_capability=capability)
    shifts = services.generate_shifts(coordinator, start, start + timedelta(days=34))  # 3 past weeks, 2 to come

    for shift in shifts:
        candidates = [p for p in people if not shift.required_capability
                      or shift.required_capability in p.capabilities]
        rng.shuffle(candidates)
        for person in candidates[: rng.randint(1, shift.capacity)]:
            try:
                services.book_shift(coordinator, shift, person, source=rng.choice(["coordinator", "kiosk"]))
            except GroceryError:  # an overlapping demo booking is simply skipped
                continue

    past_days = sorted({s.held_on for s in shifts if s.held_on < today})
    for shift in (s for s in shifts if s.held_on <= today):
        for assignment in shift.booked:
            if shift.held_on == today:
                continue
            roll = rng.random()
            mark = "absent" if roll < 0.07 else "excused" if roll < 0.12 else "late" if roll < 0.2 else "present"
            if mark in ("absent", "excused"):
                services.mark_attendance(coordinator, assignment, mark)
            else:  # through the kiosk, as on the day
                arrival = 25 if mark == "late" else rng.choice([-5, 0, 3, 10])
                badge = assignment.participant.badge_code
                services.kiosk_scan(badge, now=local_to_utc(shift.held_on, shift.start_time) + timedelta(
                    minutes=arrival))
                if rng.random() > 0.1:
                    services.kiosk_scan(badge, now=local_to_utc(shift.held_on, shift.end_time) + timedelta(
                        minutes=rng.choice([-15, 0, 5])))
                practised = shift.activity.competences
                services.confirm_competences(
                    coordinator, assignment,
                    supervisor_ids=[c.id for c in rng.sample(practised, min(2, len(practised)))],
                    participant_ids=[c.id for c in rng.sample(practised, min(rng.randint(1, 3), len(practised)))],
                    comment=rng.choice(["", "", "J'ai aimé parler avec les clients.",
                                        "Je me sens plus à l'aise à la caisse.", "Bonne équipe aujourd'hui."]))
    for day in past_days[:-1]:  # the last past day stays to validate
        services.validate_day(coordinator, day)

    goals = [
        (0, "Préparer une candidature en magasin après le contrat", "work", True, ["Tenue de caisse", "Autonomie"]),
        (2, "Sortir de l'isolement, retrouver un rythme", "social", True, ["Ponctualité et régularité",
                                                                        "Travail en équipe"]),
        (2, "Suivre une formation en hygiène alimentaire", "training", False, ["Hygiène alimentaire"]),
        (4, "Obtenir une expérience de caissière", "work", True, ["Tenue de caisse", "Accueil du public"]),
        (6, "Pratiquer le français avec le public", "social", False, ["Communication", "Accueil du public"]),
        (10, "Reprendre confiance en soi", "health", True, ["Communication"]),
    ]
    for index, text, domain, consent, linked in goals:
        services.create_goal(social, people[index], text=text, domain=domain, has_consent=consent,
                             competence_ids=[competences[c].id for c in linked])
    services.record_evaluation(social, people[0], held_on=today - timedelta(days=40), mode="meeting",
                               notes="Bonne intégration dans l'équipe. Souhaite travailler la caisse.")
    services.record_evaluation(social, people[4], held_on=today - timedelta(days=150), mode="phone",
                               notes="Motivée ; à revoir au prochain trimestre.")

    cooking = services.create_workshop(
        coordinator, title="Cuisiner les invendus", proposed_by=people[2],
        description="Recettes simples avec les produits de la semaine, proposées et animées par les participantes.",
        competence_ids=[competences["Hygiène alimentaire"].id, competences["Animation de groupe"].id])
    budget = services.create_workshop(
        coordinator, title="Parlons budget", description="Échanges et astuces entre participants.",
        competence_ids=[competences["Communication"].id])
    for workshop, offsets in ((cooking, (-14, -7, 7)), (budget, (-10, 4))):
        for offset in offsets:
            session = services.add_workshop_session(coordinator, workshop, held_on=today + timedelta(days=offset),
                                                    start_time=time(14), end_time=time(16))
            if offset < 0:
                services.record_workshop_attendance(coordinator, session,
                                                    [p.id for p in rng.sample(people, 5)])
    return ", ".join((ngettext("%(num)d volunteer", "%(num)d volunteers", len(people)),
                      ngettext("%(num)d shift", "%(num)d shifts", len(shifts)),
                      ngettext("%(num)d workshop", "%(num)d workshops", 2)))
