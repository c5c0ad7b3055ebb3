"""Demo households: about 40 households of varied composition with granted, expiring, expired, suspended and
refused decisions (purchases come from the checkout demo); each member's sex, and the optional self-declared answers
(disability, homelessness, background) of the persons who consented, so the FSE+ report has figures."""

import random
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from grocery.auth.models import User
from grocery.demo import register_demo
from grocery.extensions import db
from grocery.households.models import Criterion
from grocery.households.natnum import national_number_check
from grocery.timeutil import local_today

#: The four example criteria; the migration seeds them too (a fresh production database has them).
DEFAULT_CRITERIA = [
    ("Revenu d'intégration sociale (RIS)", "Attestation du CPAS de moins de 3 mois", 90),
    ("Reste à vivre sous le seuil", "Extraits de compte et factures des 3 derniers mois", 90),
    ("Médiation de dettes en cours", "Attestation du médiateur de dettes", 180),
    ("Orientation par un partenaire", "Courrier du service partenaire", 180),
]

LAST_NAMES = ["Dubois", "Lambert", "Martin", "Peeters", "Janssens", "Diallo", "Benali", "Kowalski", "Nguyen",
              "Leclercq", "Mertens", "Mbala", "Ouedraogo", "Rossi", "Yilmaz", "Dupont", "Lemaire", "Haddad",
              "Simon", "Laurent", "Fontaine", "Goossens", "El Amrani", "Kabongo", "Popescu", "Renard", "Charlier",
              "Wouters", "Bastin", "Sow", "Delvaux", "Hermans", "Ferreira", "Gilson", "Petit", "Collard",
              "Bouzid", "Maes", "Tshibanda", "Horvath"]
ADULT_FIRST = ["Fatima", "Marie", "Jean", "Nathalie", "Mohamed", "Sophie", "Ahmed", "Isabelle", "Pierre", "Aïcha",
               "Luc", "Véronique", "Karim", "Christine", "Mamadou", "Sandrine", "Olivier", "Leila", "Patrick",
               "Aurélie"]
#: Households who read Dutch: their cards (and the till's receipts) are printed in Dutch.
DUTCH_SPEAKING = {"Peeters", "Janssens", "Goossens", "Wouters", "Hermans", "Maes"}
#: First names of women and girls above and below (the others are men's and boys'): the demo's recorded sex.
FEMALE_FIRST = {"Fatima", "Marie", "Nathalie", "Sophie", "Isabelle", "Aïcha", "Véronique", "Christine", "Sandrine",
                "Leila", "Aurélie", "Emma", "Lina", "Louise", "Inès", "Sarah", "Chloé", "Léa", "Zoé"}
CHILD_FIRST = ["Lucas", "Emma", "Noah", "Lina", "Adam", "Louise", "Inès", "Nathan", "Sarah", "Yanis", "Chloé",
               "Rayan", "Léa", "Amir", "Zoé", "Elias"]
STREETS = ["rue de Fer", "rue des Brasseurs", "avenue Reine Astrid", "chaussée de Louvain", "rue Saint-Nicolas",
           "boulevard du Nord", "rue de Bomel", "rue Godefroid", "rue des Tanneries", "place de l'Ange"]
PLACES = [("5000", "Namur"), ("5002", "Saint-Servais"), ("5004", "Bouge"), ("5020", "Jambes"), ("5100", "Jambes"),
          ("5001", "Belgrade")]


def _national_number(birth_on: date, serial: int) -> str:
    body = f"{birth_on:%y%m%d}{serial:03d}"
    return body + national_number_check(body, born_2000_or_later=birth_on.year >= 2000)


def _birth(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randint(low * 365 + 10, high * 365 + 300))


def _profile(first_name: str, serial: int, today: date) -> dict:
    """The demo answers of one person (serial: a number proper to the person): the sex of the first name, one in
    thirteen "not stated"; two persons in three consented to the optional questions, and some of them said yes
    (a disability, homelessness, a migrant or foreign background), the others no or "unknown"."""
    profile = {"sex": "not_stated" if serial % 13 == 5 else "female" if first_name in FEMALE_FIRST else "male"}
    if serial % 3 == 0:
        return profile
    return {**profile, "has_sensitive_consent": True,
            "sensitive_consent_on": today - timedelta(days=30 + serial % 200),
            "disability": "yes" if serial % 7 == 1 else "no",
            "homeless": "yes" if serial % 11 == 2 else "unknown" if serial % 5 == 4 else "no",
            "migrant_background": "yes" if serial % 4 == 1 else "unknown" if serial % 9 == 8 else "no"}


@register_demo(20, _l("households"))
def load_households() -> str:
    from grocery.households import services as hs

    rng = random.Random(2026)
    today = local_today()
    social = db.session.scalar(select(User).where(User.username == "social"))
    if not db.session.scalar(select(Criterion.id).limit(1)):
        for name, proof, days in DEFAULT_CRITERIA:
            hs.save_criterion(None, None, name=name, required_proof=proof, proof_validity_days=days)
    criteria = hs.active_criteria()
    counts = {"granted": 0, "expiring": 0, "expired": 0, "suspended": 0, "refused": 0, "none": 0, "closed": 0}
    households = []
    for index, last_name in enumerate(LAST_NAMES):
        postcode, municipality = rng.choice(PLACES)
        adults = 1 if index % 3 == 0 else rng.choice([1, 2, 2, 3])
        children = rng.choice([0, 0, 1, 2, 3, 4]) if index % 7 else 0
        reference_birth = _birth(rng, today, 22, 78 if children == 0 else 45)
        address = {"street": f"{rng.choice(STREETS)} {rng.randint(1, 180)}", "postcode": postcode,
                   "municipality": municipality, "phone": f"0470 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                   f"{rng.randint(10, 99)}", "email": f"{last_name.lower().replace(' ', '')}@example.org"
                   if index % 4 == 0 else None, "preferred_language": "nl" if last_name in DUTCH_SPEAKING else "fr",
                   "proxy_names": ["Josiane Collin"] if index % 9 == 2 else [],
                   "consent_on": today - timedelta(days=rng.randint(20, 400)),
                   "notes": "Suivi budgétaire en cours." if index % 5 == 0 else ""}
        first_name = rng.choice(ADULT_FIRST)
        serial = 10 * index
        household = hs.create_household(
            social, household=address,
            person={"first_name": first_name, "last_name": last_name, "birth_on": reference_birth,
                    "national_number": _national_number(reference_birth, 100 + index) if index % 2 == 0 else None,
                    **_profile(first_name, serial, today)},
            confirm_duplicates=True)
        if adults > 1:
            partner_birth = _birth(rng, today, 20, 70)
            first_name = rng.choice(ADULT_FIRST)
            hs.add_member(social, household, {"first_name": first_name, "last_name": last_name,
                                              "birth_on": partner_birth, "relation": "partner",
                                              **_profile(first_name, serial + 1, today)},
                          confirm_duplicates=True)
        if adults > 2:
            first_name = rng.choice(CHILD_FIRST)
            hs.add_member(social, household, {"first_name": first_name, "last_name": last_name,
                                              "birth_on": _birth(rng, today, 18, 24), "relation": "child",
                                              **_profile(first_name, serial + 2, today)},
                          confirm_duplicates=True)
        for child in range(children):
            low, high = [(0, 2), (3, 14), (3, 14), (15, 17)][(index + child) % 4]
            first_name = rng.choice(CHILD_FIRST)
            # a child's sex is recorded; the optional questions are asked of adults only
            hs.add_member(social, household, {"first_name": first_name, "last_name": last_name,
                                              "birth_on": _birth(rng, today, low, high - 1 if high > low else high),
                                              "relation": "child",
                                              "sex": _profile(first_name, serial + 3 + child, today)["sex"]},
                          confirm_duplicates=True)
        households.append(household)

    def decide(household, outcome, start, until=None, motive="", income=None, charges=None, decided_on=None):
        chosen = rng.sample(criteria, k=min(len(criteria), rng.choice([1, 2])))
        items = [{"criterion_id": c.id, "proof_seen": c.required_proof,
                  "proof_dated_on": (decided_on or start) - timedelta(days=rng.randint(3, 120))} for c in chosen]
        return hs.decide_eligibility(social, household, outcome=outcome, valid_from=start, valid_until=until,
                                     decided_on=decided_on or start, motive=motive, income_cents=income,
                                     charges_cents=charges, criteria=items)

    for index, household in enumerate(households):
        income = rng.randint(95000, 190000)
        charges = int(income * rng.uniform(0.8, 0.97))
        kind = index % 10
        if kind in (0, 1, 2, 3, 4):  # granted, running
            start = today - timedelta(days=rng.randint(5, 60))
            decide(household, "granted", start, income=income, charges=charges,
                   motive="Reste à vivre sous le seuil après enquête sociale.")
            counts["granted"] += 1
        elif kind == 5:  # expiring within two weeks
            start = hs.add_months(today, -3) + timedelta(days=2 + 3 * (index // 10))
            decide(household, "granted", start, income=income, charges=charges, motive="Revenu d'intégration.")
            counts["expiring"] += 1
        elif kind == 6:  # expired
            start = hs.add_months(today, -5)
            decide(household, "granted", start, income=income, charges=charges, motive="Situation temporaire.")
            counts["expired"] += 1
        elif kind == 7:  # renewed: an old decision, then a renewal
            old_start = hs.add_months(today, -3) - timedelta(days=20)
            old = decide(household, "granted", old_start, income=income, charges=charges,
                         motive="Première demande.")
            decide(household, "granted", old.valid_until + timedelta(days=1), income=income, charges=charges,
                   motive="Renouvellement : situation inchangée.", decided_on=old.valid_until - timedelta(days=5))
            counts["granted"] += 1
        elif kind == 8:
            counts["none"] += 1
        else:
            decide(household, "granted", today - timedelta(days=30), income=income, charges=charges,
                   motive="Orientation par le service de médiation de dettes.")
            counts["granted"] += 1
    suspended = households[8]
    decide(suspended, "granted", today - timedelta(days=40), income=120000, charges=105000,
           motive="Reste à vivre sous le seuil.")
    hs.decide_eligibility(social, suspended, outcome="suspended", valid_from=today - timedelta(days=3),
                          motive="Documents de revenus non remis malgré deux rappels.")
    counts["suspended"] += 1
    counts["none"] -= 1
    refused = households[18]
    hs.decide_eligibility(social, refused, outcome="refused", valid_from=today, income_cents=260000,
                          charges_cents=120000, motive="Reste à vivre au-dessus du seuil ; orientation vers "
                          "l'épicerie de quartier.")
    counts["refused"] += 1
    counts["none"] -= 1
    hs.close_household(social, households[28], day=today - timedelta(days=10))
    counts["closed"] += 1
    hs.close_household(social, households[38], day=today - timedelta(days=30))
    hs.anonymise_household(None, households[38])
    counts["none"] -= 1
    overridden = households[11]
    hs.decide_eligibility(social, overridden, outcome="granted", valid_from=today - timedelta(days=2),
                          decided_on=today - timedelta(days=2), income_cents=98000, charges_cents=91000,
                          motive="Renouvellement anticipé : naissance attendue.",
                          budget_cents=hs.scale_budget(overridden, today)[1] + 1500,
                          budget_override_motive="Régime sans gluten prescrit (certificat médical).")
    old_card = households[1]
    hs.issue_card(social, old_card, reason="lost")
    return ", ".join((
        ngettext("%(num)d household", "%(num)d households", len(households)),
        ngettext("%(num)d with access running", "%(num)d with access running", counts["granted"]),
        ngettext("%(num)d to renew within 14 days", "%(num)d to renew within 14 days", counts["expiring"]),
        ngettext("%(num)d expired", "%(num)d expired", counts["expired"]),
        ngettext("%(num)d suspended", "%(num)d suspended", counts["suspended"]),
        ngettext("%(num)d refused", "%(num)d refused", counts["refused"]),
        ngettext("%(num)d closed", "%(num)d closed", counts["closed"]),
        ngettext("%(num)d anonymised", "%(num)d anonymised", 1),
        ngettext("%(num)d without a decision", "%(num)d without a decision", counts["none"]),
        ngettext("%(num)d criterion", "%(num)d criteria", len(criteria))))
