"""The volunteers domain keeps each site's shifts, weekly slots, day sheets and workshops apart: a coordinator of
site A sees none of site B's in the lists, gets 404 on B's ids, and validates A's day whatever B did."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.errors import Conflict
from grocery.sites.context import SESSION_KEY, current_site_id, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.models import Assignment, DaySheet, Shift, ShiftTemplate, WorkshopSignup
from tests.factories import make_activity, make_household, make_participant, make_shift, make_user


def _two_sites(db):
    """Site A (the first) and site B, each with a weekly slot, a shift yesterday and one tomorrow with a booked
    participant, a workshop with a session tomorrow; B's sheet of yesterday is validated."""
    admin = make_user(Role.ADMIN)
    site_a = current_site_id()
    site_b = create_site(admin, name="Antenne Nord").id
    yesterday, tomorrow = local_today() - timedelta(days=1), local_today() + timedelta(days=1)
    person = make_participant(first_name="Nadia", last_name="Kabongo")
    objects = {}
    for site, word in ((site_a, "Centre"), (site_b, "Nord")):
        with using_site(site):
            activity = make_activity(f"Tri {word}")
            template = services.create_template(admin, weekday=tomorrow.weekday(), start_time=time(14, 0),
                                                end_time=time(16, 0), activity=activity, capacity=3)
            start = 9 if word == "Centre" else 13
            hours = {"start_time": time(start), "end_time": time(start + 2)}
            past = make_shift(activity=activity, held_on=yesterday, **hours)
            past_booking = services.book_shift(admin, past, person)
            services.mark_attendance(admin, past_booking, "present")
            coming = make_shift(activity=activity, held_on=tomorrow, **hours)
            booking = services.book_shift(admin, coming, person)
            workshop = services.create_workshop(admin, title=f"Atelier {word}")
            session = services.add_workshop_session(admin, workshop, held_on=tomorrow, start_time=time(17, 0),
                                                    end_time=time(18, 0), capacity=5)
            signup = services.sign_up_participant(admin, session, person)
        objects[word] = {"template": template, "past": past, "past_booking": past_booking, "coming": coming,
                         "booking": booking, "workshop": workshop, "session": session, "signup": signup}
    services.validate_day(admin, yesterday, site_b)
    db.session.commit()
    return site_a, site_b, person, objects


def _coordinator_of(db, login, site_id, role=Role.COORDINATOR):
    user = login(role)
    grant_site_role(None, user, db.session.get(Site, site_id), role.value)
    db.session.commit()
    return user


def test_shift_and_workshop_services_read_one_site(db):
    """Do the week, the day, today's logistics and the kiosk's open shifts hold only the site's shifts, and does a
    site's generation plan only its own weekly slots?"""
    site_a, site_b, _person, objects = _two_sites(db)
    tomorrow = local_today() + timedelta(days=1)
    monday = tomorrow - timedelta(days=tomorrow.weekday())
    assert {s.id for s in services.week_shifts(monday, site_a)} >= {objects["Centre"]["coming"].id}
    assert objects["Nord"]["coming"].id not in {s.id for s in services.week_shifts(monday, site_a)}
    assert [s.id for s in services.day_shifts(tomorrow, site_b)] == [objects["Nord"]["coming"].id]
    assert [s.id for s in services.day_shifts(tomorrow)] == [objects["Centre"]["coming"].id]  # current: A
    assert [row["activity"] for row in services.today_logistics(tomorrow, site_b)] == ["Tri Nord"]
    free = make_participant()
    assert {s.site_id for s in services.open_shifts_for(free)} == {site_a}
    created = services.generate_shifts(None, tomorrow + timedelta(days=7), tomorrow + timedelta(days=7),
                                       site_id=site_b)
    assert [(s.site_id, s.template_id) for s in created] == [(site_b, objects["Nord"]["template"].id)]


def test_validation_is_per_site(db):
    """B validated yesterday: is A's day still open (its bookings change, its sheet validates), and B's closed?"""
    site_a, site_b, _person, objects = _two_sites(db)
    yesterday = local_today() - timedelta(days=1)
    assert services.is_day_validated(yesterday, site_b)
    assert not services.is_day_validated(yesterday, site_a)
    assert not services.is_day_validated(yesterday)  # the current site: A
    services.mark_attendance(None, objects["Centre"]["past_booking"], "late")  # A's day still changes
    with pytest.raises(Conflict):
        services.mark_attendance(None, objects["Nord"]["past_booking"], "late")
    db.session.rollback()
    sheet = services.validate_day(None, yesterday, site_a)
    assert sheet.site_id == site_a
    assert objects["Centre"]["past_booking"].validated_minutes == 120
    with pytest.raises(Conflict):
        services.validate_day(None, yesterday, site_a)
    db.session.rollback()
    assert db.session.scalar(select(DaySheet.site_id).where(DaySheet.held_on == yesterday,
                                                            DaySheet.site_id == site_a)) is None


def test_the_attestation_counts_every_sites_hours(db):
    """A participant belongs to the installation: their path counts the validated hours of every site."""
    site_a, _site_b, person, _objects = _two_sites(db)
    services.validate_day(None, local_today() - timedelta(days=1), site_a)
    summary = services.path_summary(person)
    assert summary["total_minutes"] == 240, summary


def test_a_coordinator_of_site_a_sees_nothing_of_site_b_in_the_lists(client, db, login):
    site_a, _site_b, person, objects = _two_sites(db)
    _coordinator_of(db, login, site_a)
    tomorrow, yesterday = local_today() + timedelta(days=1), local_today() - timedelta(days=1)
    a, b = objects["Centre"], objects["Nord"]
    # Activities belong to the installation (their names are offered everywhere): the site's objects are told
    # apart by their links and the workshops' titles.
    pages = {
        "week": (f"/volunteers/?week={tomorrow.isoformat()}", "/volunteers/shifts/{}", "coming"),
        "slots": ("/volunteers/templates", "/volunteers/templates/{}/toggle", "template"),
        "day sheet": (f"/volunteers/days/{tomorrow.isoformat()}", "/volunteers/assignments/{}/attendance",
                      "booking"),
        "workshops": ("/volunteers/workshops", "/volunteers/workshops/{}", "workshop"),
    }
    for label, (url, link, key) in pages.items():
        page = client.get(url).get_data(as_text=True)
        assert link.format(a[key].id) in page, label
        assert link.format(b[key].id) + '"' not in page, label
        assert "Atelier Nord" not in page, label
    # The participant (shared) shows their coming shifts at this site; their hours count every site's.
    page = client.get(f"/volunteers/participants/{person.id}").get_data(as_text=True)
    assert "09:00 · Tri Centre" in page and "13:00 · Tri Nord" not in page
    # Yesterday: B's sheet is validated, A's is not: A's page offers the validation.
    page = client.get(f"/volunteers/days/{yesterday.isoformat()}").get_data(as_text=True)
    assert f"/volunteers/assignments/{a['past_booking'].id}/attendance" in page
    assert f"/volunteers/assignments/{b['past_booking'].id}/attendance" not in page
    assert f"/volunteers/days/{yesterday.isoformat()}/validate" in page
    response = client.post_form(f"/volunteers/days/{yesterday.isoformat()}/validate")
    assert response.status_code == 302
    assert db.session.scalar(select(DaySheet.id).where(DaySheet.site_id == site_a,
                                                       DaySheet.held_on == yesterday)) is not None


def test_today_and_the_kiosk_show_the_sites_shifts(client, db, login):
    site_a, site_b, _person, _objects = _two_sites(db)
    today = local_today()
    with using_site(site_b):
        make_shift(activity=make_activity("Caisse Nord"), held_on=today)
    with using_site(site_a):
        make_shift(activity=make_activity("Caisse Centre"), held_on=today)
    db.session.commit()
    _coordinator_of(db, login, site_a)
    page = client.get("/volunteers/today").get_data(as_text=True)
    assert "Caisse Centre" in page and "Caisse Nord" not in page
    client.post_form("/volunteers/kiosk/open")
    page = client.get("/volunteers/kiosk").get_data(as_text=True)
    assert "Caisse Centre" in page and "Caisse Nord" not in page


def _post_json(client, url, payload):
    return client.post(url, json=payload, headers={"X-CSRFToken": client.csrf_token("/volunteers/kiosk")})


#: Every volunteers route reached by the id of a site's object: (endpoint, method, url of B's object, role).
#: Routes by a participant's, a goal's or an activity's id are not here: those belong to the installation.
SHARED = {"volunteers.activity_update", "volunteers.participant_edit", "volunteers.participant",
          "volunteers.participant_household_link", "volunteers.participant_badge", "volunteers.badge_renew",
          "volunteers.allowance_record", "volunteers.formality_update", "volunteers.goal_new",
          "volunteers.piis_update", "volunteers.piis_review_new", "volunteers.goal_edit", "volunteers.evaluation_new",
          "volunteers.attestation"}


def _routes(b: dict) -> list[tuple[str, str, str, Role, dict]]:
    C, S = Role.COORDINATOR, Role.SOCIAL_WORKER
    return [
        ("volunteers.shift", "GET", f"/volunteers/shifts/{b['coming'].id}", C, {}),
        ("volunteers.shift_assign", "POST", f"/volunteers/shifts/{b['coming'].id}/assign", C,
         {"participant_id": "PERSON", "mode": "book"}),
        ("volunteers.shift_cancel", "POST", f"/volunteers/shifts/{b['coming'].id}/cancel", C, {"reason": "Pluie"}),
        ("volunteers.assignment_cancel", "POST", f"/volunteers/assignments/{b['booking'].id}/cancel", C,
         {"reason": "Malade"}),
        ("volunteers.attendance_mark", "POST", f"/volunteers/assignments/{b['booking'].id}/attendance", C,
         {"attendance": "absent"}),
        ("volunteers.competences_confirm", "POST", f"/volunteers/assignments/{b['booking'].id}/competences", C,
         {"comment": "x"}),
        ("volunteers.template_toggle", "POST", f"/volunteers/templates/{b['template'].id}/toggle", C, {}),
        ("volunteers.workshop", "GET", f"/volunteers/workshops/{b['workshop'].id}", C, {}),
        ("volunteers.workshop_session_new", "POST", f"/volunteers/workshops/{b['workshop'].id}/sessions", C,
         {"held_on": (local_today() + timedelta(days=3)).isoformat(), "start_time": "10:00", "end_time": "11:00",
          "capacity": "4"}),
        ("volunteers.workshop_signup", "POST", f"/volunteers/workshop-sessions/{b['session'].id}/signup", C,
         {"participant_id": "OTHER"}),
        ("volunteers.workshop_signup_member", "POST",
         f"/volunteers/workshop-sessions/{b['session'].id}/signup-member", S, {"member_id": "MEMBER"}),
        ("volunteers.workshop_attendance", "POST", f"/volunteers/workshop-sessions/{b['session'].id}/attendance",
         C, {}),
        ("volunteers.workshop_signup_cancel", "POST", f"/volunteers/workshop-signups/{b['signup'].id}/cancel", S, {}),
    ]


def test_every_volunteers_route_with_an_id_is_walked(app, db):
    """A new volunteers route with an id must be added to the walk below, or named as the installation's."""
    with_ids = {rule.endpoint for rule in app.url_map.iter_rules()
                if rule.endpoint.startswith("volunteers.") and any(a.endswith("_id") for a in rule.arguments)}
    walked = {endpoint for endpoint, *_ in _routes({k: type("X", (), {"id": 1})() for k in
                                                     ("coming", "booking", "template", "workshop", "session",
                                                      "signup")})}
    assert with_ids == walked | SHARED


@pytest.mark.parametrize("index", range(13))
def test_site_b_ids_answer_404_and_change_nothing(client, db, login, index):
    """Each volunteers route given the id of site B's object, by a user of site A: 404, and B's data unchanged."""
    site_a, _site_b, _person, objects = _two_sites(db)
    other = make_participant()
    household = make_household()
    member_id = household.members[0].id
    db.session.commit()
    endpoint, method, url, role, data = _routes(objects["Nord"])[index]
    data = {k: {"PERSON": str(other.id), "OTHER": str(other.id), "MEMBER": str(member_id)}.get(v, v)
            for k, v in data.items()}
    _coordinator_of(db, login, site_a, role)
    b = objects["Nord"]
    before = (b["coming"].is_cancelled, b["booking"].status, b["booking"].attendance, b["template"].is_active,
              len(b["workshop"].sessions), len(b["session"].signups))
    response = client.get(url) if method == "GET" else client.post_form(url, data)
    assert response.status_code == 404, (endpoint, response.status_code)
    assert "Nord" not in response.get_data(as_text=True)
    db.session.expire_all()
    after = (b["coming"].is_cancelled, b["booking"].status, b["booking"].attendance, b["template"].is_active,
             len(b["workshop"].sessions), len(b["session"].signups))
    assert after == before, endpoint
    assert db.session.get(WorkshopSignup, b["signup"].id) is not None
    assert db.session.scalar(select(Assignment.id).where(Assignment.participant_id == other.id)) is None


def test_the_same_routes_answer_for_site_a_ids(client, db, login):
    """The check is the site, not a refusal of everything: A's own objects open for A's coordinator."""
    site_a, _site_b, _person, objects = _two_sites(db)
    _coordinator_of(db, login, site_a)
    a = objects["Centre"]
    assert client.get(f"/volunteers/shifts/{a['coming'].id}").status_code == 200
    assert client.get(f"/volunteers/workshops/{a['workshop'].id}").status_code == 200
    assert client.post_form(f"/volunteers/templates/{a['template'].id}/toggle").status_code == 302
    db.session.expire_all()
    assert db.session.get(ShiftTemplate, a["template"].id).is_active is False


def test_the_kiosk_refuses_site_b_shifts_and_bookings(client, db, login):
    site_a, _site_b, person, objects = _two_sites(db)
    _coordinator_of(db, login, site_a)
    client.post_form("/volunteers/kiosk/open")
    other = make_participant()
    db.session.commit()
    response = _post_json(client, "/volunteers/kiosk/sign-up",
                          {"code": other.badge_code, "shift_id": objects["Nord"]["coming"].id})
    assert response.status_code == 404
    assert db.session.scalar(select(Assignment.id).where(Assignment.participant_id == other.id)) is None
    response = _post_json(client, "/volunteers/kiosk/competences",
                          {"code": person.badge_code, "assignment_id": objects["Nord"]["booking"].id,
                           "competence_ids": [1]})
    assert response.status_code == 404
    # A's own shift is offered and taken.
    response = _post_json(client, "/volunteers/kiosk/sign-up",
                          {"code": other.badge_code, "shift_id": objects["Centre"]["coming"].id})
    assert response.status_code == 200, response.get_json()
    assert db.session.get(Shift, objects["Centre"]["coming"].id).site_id == site_a


def test_a_coordinator_of_both_sites_works_at_the_site_of_the_session(client, db, login):
    """A coordinator of A and B who chose B in the login session: B's shift and workshop open, A's answer 404."""
    site_a, site_b, _person, objects = _two_sites(db)
    user = _coordinator_of(db, login, site_a)
    grant_site_role(None, user, db.session.get(Site, site_b), "coordinator")
    db.session.commit()
    with client.session_transaction() as login_session:
        login_session[SESSION_KEY] = site_b
    a, b = objects["Centre"], objects["Nord"]
    assert client.get(f"/volunteers/shifts/{b['coming'].id}").status_code == 200
    assert client.get(f"/volunteers/workshops/{b['workshop'].id}").status_code == 200
    assert client.get(f"/volunteers/shifts/{a['coming'].id}").status_code == 404
    assert client.get(f"/volunteers/workshops/{a['workshop'].id}").status_code == 404
    page = client.get("/volunteers/workshops").get_data(as_text=True)
    assert "Atelier Nord" in page and "Atelier Centre" not in page
