"""The site walk: every route of the app, as each of the five roles granted at one site only (site A, then site B),
with two sites each holding a full set of site-owned objects. For each route: a role the route does not allow gets
403; an allowed role given the other site's objects gets 404 and nothing is written; given its own site's objects a
page answers (not 403/404/500), which proves the 404 is about the site; a route without site-owned ids never gives a
500, and no page shows the other site's marker names ("Nord-..." / "Sud-...")."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from grocery.appointments.models import Slot
from grocery.auth.roles import PUBLIC, Role
from grocery.checkout.models import TillSession
from grocery.extensions import db
from grocery.sites.context import SESSION_KEY, current_site_id, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role, update_site
from grocery.volunteers.models import Assignment, Participant, Shift
from tests.factories import make_criterion, make_donor, make_lot, make_report_scenario, make_shopper, make_user
from tests.foundation.test_hostile_input import (
    RECORDED_ON_REFUSAL,
    SKIPPED,
    Writes,
    argument_value,
    client_as,
)
from tests.foundation.test_route_roles import EXPECTED

SITE = "site"
INSTALLATION = "installation"
#: Every URL argument of the app, classified once: the key of the site's object it names (SITE: a row of one site,
#: the walk gives the other site's) or INSTALLATION (shared by every site: tests/foundation's value). An argument
#: missing here fails the walk, so that no new route escapes it. session_id: a till session under checkout, a
#: workshop session under volunteers.
ARGUMENTS = {
    "appointment_id": SITE, "assignment_id": SITE, "count_id": SITE, "donation_id": SITE, "line_id": SITE,
    "lot_id": SITE, "opening_line_id": SITE, "sale_id": SITE, "session_id": SITE, "shift_id": SITE,
    "signup_id": SITE, "slot_id": SITE, "standing_id": SITE, "template_id": SITE, "transfer_id": SITE,
    "workshop_id": SITE,
    "activity_id": INSTALLATION, "barcode_id": INSTALLATION, "card_code": INSTALLATION, "category_id": INSTALLATION,
    "criterion_id": INSTALLATION, "day": INSTALLATION, "donor_id": INSTALLATION, "goal_id": INSTALLATION,
    "household_id": INSTALLATION, "mandate_id": INSTALLATION, "member_id": INSTALLATION,
    "message_id": INSTALLATION, "participant_id": INSTALLATION, "product_id": INSTALLATION,
    "site_id": INSTALLATION, "token": INSTALLATION, "user_id": INSTALLATION,
}
#: Routes that name a confirmed reception rather than one in progress.
CONFIRMED = {("stock.reception_receipt", "donation_id"): "confirmed_donation_id"}
WORDS = {"A": "Nord", "B": "Sud"}
#: Pages that show every site's rows by design, with the reason (the marker check skips them).
ALL_SITES = {"audit.events": "the installation's audit trail: an administrator has every site"}


def _site_objects(admin, site_id: int, word: str, third: Site) -> dict[str, int]:
    """A full set of site-owned objects at the site, the names marked with `word`: the report scenario's month
    (receptions, lots, a till with sales, a validated shift with its booking), a reception in progress, an open
    count, a lot, a weekly slot, a workshop with a session and a sign-up, opening hours with a slot booked, a closed
    day, a standing appointment, and a transfer to a third site."""
    from grocery.appointments import services as aps
    from grocery.stock.services import add_donation_line, open_count, start_donation, transfer_stock
    from grocery.volunteers.services import create_template
    from grocery.volunteers.workshops import add_workshop_session, create_workshop, sign_up_participant

    with using_site(site_id):
        scenario = make_report_scenario(households=1)
        today = scenario["today"]
        draft = start_donation(admin, make_donor(), today, programme=f"{word}-Collecte")
        line = add_donation_line(draft, scenario["pasta"], quantity=5)
        count = open_count(admin, None)
        lot = make_lot(scenario["pasta"], 8, lot_number=f"{word}-LOT")
        transfer = transfer_stock(admin, third, [(lot, 1)])
        template = create_template(admin, weekday=2, start_time=time(14), end_time=time(16),
                                   activity=scenario["activity"], capacity=2)
        workshop = create_workshop(admin, title=f"{word}-Atelier")
        session = add_workshop_session(admin, workshop, held_on=today + timedelta(days=2), start_time=time(17),
                                       end_time=time(18), capacity=5)
        signup = sign_up_participant(admin, session, scenario["participant"])
        coming = today + timedelta(days=7)
        opening = aps.create_opening_line(admin, weekday=coming.weekday(), start_time=time(9), end_time=time(10),
                                          slot_minutes=30, households_per_slot=2)
        aps.generate_slots(admin, coming, coming)
        slot = db.session.scalars(select(Slot).where(Slot.site_id == site_id, Slot.held_on == coming)
                                  .order_by(Slot.starts_at)).first()
        household = scenario["households"][0]
        appointment = aps.book_appointment(admin, household, slot)
        aps.close_day(admin, coming + timedelta(days=1), f"{word}-Fermeture")
        standing, _result = aps.create_standing(admin, make_shopper()[0], site_id=site_id,
                                                weekday=coming.weekday(), start_time=time(9, 30))
    shift = db.session.scalars(select(Shift).where(Shift.site_id == site_id)).first()
    assignment = db.session.scalars(select(Assignment).where(Assignment.shift_id == shift.id)).first()
    return {
        "appointment_id": appointment.id, "assignment_id": assignment.id, "count_id": count.id,
        "donation_id": draft.id, "confirmed_donation_id": scenario["lots"][0].donation_id, "line_id": line.id,
        "lot_id": lot.id, "opening_line_id": opening.id,
        "sale_id": scenario["sales"][0].id, "till_session_id": scenario["till"].id,
        "workshop_session_id": session.id, "shift_id": shift.id, "signup_id": signup.id, "slot_id": slot.id,
        "standing_id": standing.id, "template_id": template.id, "transfer_id": transfer.id,
        "workshop_id": workshop.id,
    }


def _scenario(db) -> dict:
    """Sites A ("Nord") and B ("Sud") with their objects, a third site C receiving their transfers (so that neither
    transfer is seen from the other site), and the installation's shared rows."""
    from grocery.volunteers.services import create_goal

    admin = make_user(Role.ADMIN)
    site_a = db.session.get(Site, current_site_id())
    update_site(admin, site_a, name="Antenne A")
    site_b = create_site(admin, name="Antenne B")
    site_c = create_site(admin, name="Antenne C")
    make_criterion()
    objects = {"A": _site_objects(admin, site_a.id, WORDS["A"], site_c),
               "B": _site_objects(admin, site_b.id, WORDS["B"], site_c)}
    create_goal(admin, db.session.query(Participant).first(), text="Ponctualité")
    db.session.commit()
    return {"sites": {"A": site_a.id, "B": site_b.id}, "objects": objects, "admin": admin}


def _value(db, rule, name: str, objects: dict, users):
    kind = ARGUMENTS.get(name)
    assert kind is not None, f"{rule.rule}: URL argument {name!r} is not classified in ARGUMENTS"
    if kind == INSTALLATION:
        return argument_value(db, rule, name, users)
    if name == "session_id":
        name = "till_session_id" if rule.endpoint.startswith("checkout.") else "workshop_session_id"
    return objects[CONFIRMED.get((rule.endpoint, name), name)]


def _allowed(endpoint: str, role: Role) -> bool:
    expected = EXPECTED[endpoint]
    return expected is PUBLIC or role in expected


@pytest.mark.parametrize("letter", ["A", "B"])
@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_every_route_as_a_role_of_one_site(app, db, role, letter):
    """Every route as `role` granted at site `letter` only: 403 where the role is not allowed; the other site's ids
    404 with nothing written; its own ids answer; no 500; no page shows the other site's marker names."""
    world = _scenario(db)
    other = "B" if letter == "A" else "A"
    site_id = world["sites"][letter]
    user = make_user(role)
    if role != Role.ADMIN:  # an administrator has every site: the session's choice puts them at this one
        grant_site_role(None, user, db.session.get(Site, site_id), role.value)
    users = {"target": make_user(Role.CASHIER)}
    for objects in world["objects"].values():  # a cashier sees the till sessions they hold: so the 404 is the site's
        db.session.get(TillSession, objects["till_session_id"]).held_by_id = user.id
    db.session.commit()
    client = client_as(app, user)
    with client.session_transaction() as session:
        session[SESSION_KEY] = site_id
    token = client.csrf_token()
    writes = Writes(db.engine)
    marker = WORDS[other] + "-"
    failures: list[str] = []
    posts: list[tuple] = []
    checked: dict[str, int] = {}

    def check(method, rule, url, status_ok, what, *, markers=True, nothing_written=False):
        checked[what] = checked.get(what, 0) + 1
        try:
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        except Exception as error:  # the test app propagates what would be a 500
            writes.take()
            failures.append(f"{method} {url} ({what}): raised {type(error).__name__}: {str(error)[:200]}")
            return
        written = writes.take() - RECORDED_ON_REFUSAL
        body = response.get_data(as_text=True)
        problem = None
        if not status_ok(response.status_code):
            problem = f"answered {response.status_code}"
        elif nothing_written and written:
            problem = f"wrote {sorted(written)}"
        elif markers and marker in body and rule.endpoint not in ALL_SITES:
            problem = f"shows {body[body.index(marker):][:40]!r}"
        if problem:
            failures.append(f"{method} {url} ({what}): {problem}")

    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED:
                continue
            names = sorted(rule.arguments)
            owned = [name for name in names if ARGUMENTS.get(name) == SITE]
            own = rule.build({n: _value(db, rule, n, world["objects"][letter], users) for n in names})[1]
            foreign = rule.build({n: _value(db, rule, n, world["objects"][other], users) for n in names})[1]
            allowed = _allowed(rule.endpoint, role)
            for method in ("GET", "POST"):
                if method not in rule.methods:
                    continue
                if not allowed:
                    check(method, rule, own, lambda status: status == 403, "role not allowed", markers=False,
                          nothing_written=True)
                elif owned:
                    if method == "GET":
                        check("GET", rule, own, lambda status: status not in (403, 404) and status < 500,
                              "own site's ids")
                        check("GET", rule, foreign, lambda status: status == 404, "other site's ids",
                              markers=False, nothing_written=True)
                    else:
                        posts.append((rule, foreign, lambda status: status == 404, "other site's ids", True))
                elif method == "GET":
                    check("GET", rule, own, lambda status: status < 500, "no site-owned id")
                else:
                    posts.append((rule, own, lambda status: status < 500, "no site-owned id", False))
        # POSTs after every GET (a POST without a site id may change this site's rows); the refused ones first.
        posts.sort(key=lambda post: not post[4])
        for rule, url, status_ok, what, refused in posts:
            check("POST", rule, url, status_ok, what, markers=False, nothing_written=refused)
    finally:
        writes.close()
    assert failures == [], "\n".join(failures)
    assert checked["other site's ids"] >= 5 and checked["no site-owned id"] >= 20, checked


def test_every_url_argument_is_classified(app):
    """Is every URL argument of every route (static files aside) in ARGUMENTS, so that a new route cannot escape
    the walk?"""
    names = {name for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED for name in rule.arguments}
    assert names - set(ARGUMENTS) == set()


def test_the_walk_checks_the_markers_it_relies_on(app, db):
    """Do site A's pages show A's marker names (so that their absence from the other site's pages means
    something)?"""
    world = _scenario(db)
    user = make_user(Role.COORDINATOR)
    grant_site_role(None, user, db.session.get(Site, world["sites"]["A"]), Role.COORDINATOR.value)
    db.session.commit()
    client = client_as(app, user)
    pages = {"/stock/receptions": "Nord-Collecte", "/volunteers/workshops": "Nord-Atelier"}
    for url, marker in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker in response.get_data(as_text=True), url


def test_a_user_at_no_open_site_is_refused_clearly_when_writing_a_site_row(app, db):
    """A stock manager whose only site was closed (two others open) writes a lot: is it a NoSite refusal (403, its
    message), not the database layer's wrapped error?"""
    from flask import g

    from grocery.sites.context import NoSite, forget_current_site
    from grocery.sites.services import deactivate_site
    from grocery.stock.models import Lot
    from tests.factories import make_product

    admin = make_user(Role.ADMIN)
    current_site_id()  # the first site, open
    closed = create_site(admin, name="Antenne fermée")
    create_site(admin, name="Antenne ouverte")
    user = make_user(Role.STOCK_MANAGER)
    grant_site_role(None, user, closed, Role.STOCK_MANAGER.value)
    product = make_product()
    deactivate_site(admin, closed)
    db.session.commit()
    with app.test_request_context():
        g._login_user = user  # Flask-Login's user of the request (the account logs in through its login session)
        forget_current_site()
        with pytest.raises(NoSite) as refused:
            make_lot(product, 3)
        assert refused.value.status == 403 and str(refused.value.message)  # not a wrapped StatementError
        db.session.rollback()
    assert db.session.scalar(select(Lot.id).limit(1)) is None
