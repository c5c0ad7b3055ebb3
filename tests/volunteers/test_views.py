"""Volunteer screens: privacy by role, the kiosk, the day sheet, attestations with the right wording."""

import ast
from datetime import time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from grocery import ROOT
from grocery.auth.roles import Role
from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, PREFIX_INSTORE_PRODUCT, make_ean13
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.attestation import attestation_text, plain
from grocery.volunteers.models import Assignment, AttestationIssue, Goal, Participant, Shift
from tests.factories import make_activity, make_competence, make_participant, make_shift
from tests.utils import text_of


def _count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


def _social_fixture(db):
    """A participant with sensitive path data and a shift today."""
    person = make_participant(first_name="Nadia", last_name="Kabongo", engagement_type="article60")
    services.create_goal(None, person, text="Sortir de l'isolement", has_consent=True)
    services.record_evaluation(None, person, held_on=local_today(), mode="meeting", notes="Notes confidentielles")
    shift = make_shift(activity=make_activity("Caisse"))
    services.book_shift(None, shift, person)
    db.session.commit()
    return person, shift


def test_cashier_sees_only_todays_logistics(client, login, db):
    """Can a cashier see who is on which shift today, and nothing of the engagement, formalities or path?"""
    person, _shift = _social_fixture(db)
    login(Role.CASHIER)
    page = text_of(client.get("/volunteers/today"))
    assert "Nadia K." in page and "Caisse" in page
    assert "Kabongo" not in page and "article 60" not in page.lower() and "isolement" not in page
    for url in (f"/volunteers/participants/{person.id}", "/volunteers/participants", "/volunteers/",
                "/volunteers/evaluations/due", f"/volunteers/participants/{person.id}/attestation"):
        assert client.get(url).status_code == 403, url


def test_stock_manager_menu_shows_todays_shifts_only(client, login, db):
    login(Role.STOCK_MANAGER)
    page = text_of(client.get("/"))
    assert "Planning du jour" in page or "Today's shifts" in page
    assert "/volunteers/participants" not in page


def test_coordinator_sees_planning_data_but_not_goals_or_evaluations(client, login, db):
    """Does the coordinator see engagement type and formalities but not the goals and evaluations?"""
    person, _shift = _social_fixture(db)
    login(Role.COORDINATOR)
    page = text_of(client.get(f"/volunteers/participants/{person.id}"))
    assert "Formalités" in page and "article 60" in page.lower()
    assert "isolement" not in page and "Notes confidentielles" not in page
    goal = db.session.scalar(select(Goal))
    assert client.get(f"/volunteers/goals/{goal.id}").status_code == 403


def test_social_worker_sees_the_path(client, login, db):
    person, _shift = _social_fixture(db)
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/volunteers/participants/{person.id}"))
    assert "isolement" in page and "Notes confidentielles" in page and "Consentement donné" in page


def test_social_worker_reads_planning_but_cannot_assign(client, login, db):
    _person, shift = _social_fixture(db)
    login(Role.SOCIAL_WORKER)
    assert client.get(f"/volunteers/shifts/{shift.id}").status_code == 200
    other = make_participant()
    db.session.commit()
    response = client.post_form(f"/volunteers/shifts/{shift.id}/assign", {"participant_id": other.id})
    assert response.status_code == 403


def test_overbooking_through_the_screen_shows_a_french_message(client, login, db):
    """Does a full shift refuse a booking with a clear French message and write nothing?"""
    shift = make_shift(capacity=1)
    first, second = make_participant(), make_participant()
    services.book_shift(None, shift, first)
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/shifts/{shift.id}/assign", {"participant_id": second.id},
                                follow_redirects=True)
    assert "Ce créneau est complet" in text_of(response)
    assert _count(Assignment) == 1


def test_double_booking_through_the_screen_is_refused(client, login, db):
    person = make_participant()
    morning, overlapping = make_shift(start_time=time(9), end_time=time(12)), make_shift(start_time=time(10),
                                                                                       end_time=time(11))
    services.book_shift(None, morning, person)
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/shifts/{overlapping.id}/assign", {"participant_id": person.id},
                                follow_redirects=True)
    assert "a déjà un créneau à cette heure" in text_of(response)
    assert _count(Assignment) == 1


def test_check_out_before_check_in_on_the_sheet_is_refused(client, login, db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/assignments/{assignment.id}/attendance",
                                {"attendance": "present", "checked_in": "11:00", "checked_out": "10:00"},
                                follow_redirects=True)
    assert "L'heure de sortie est avant l'heure d'arrivée" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).attendance is None


def test_generate_with_end_before_start_on_the_screen(client, login, db):
    login(Role.COORDINATOR)
    response = client.post_form("/volunteers/generate", {"date_from": "2026-12-31", "date_to": "2026-12-01"},
                                follow_redirects=True)
    assert "La date de fin est avant la date de début" in text_of(response)
    assert _count(Shift) == 0


def test_a_coordinator_plans_a_month_and_validates_a_day(client, login, db):
    """The whole day: templates, generation, attendance, validation."""
    activity = make_activity("Accueil")
    db.session.commit()
    login(Role.COORDINATOR)
    day = local_today() - timedelta(days=1)
    response = client.post_form("/volunteers/templates", {"weekday": day.weekday(), "start_time": "09:00",
                                                          "end_time": "12:00", "activity_id": activity.id,
                                                          "capacity": 2, "required_capability": ""})
    assert response.status_code == 302
    response = client.post_form("/volunteers/generate", {"date_from": (day - timedelta(days=27)).isoformat(),
                                                         "date_to": day.isoformat()}, follow_redirects=True)
    assert "4 créneaux créés" in text_of(response)
    shift = db.session.scalar(select(Shift).where(Shift.held_on == day))
    person = make_participant()
    db.session.commit()
    client.post_form(f"/volunteers/shifts/{shift.id}/assign", {"participant_id": person.id})
    assignment = db.session.scalar(select(Assignment))
    client.post_form(f"/volunteers/assignments/{assignment.id}/attendance", {"attendance": "present"})
    response = client.post_form(f"/volunteers/days/{day.isoformat()}/validate", follow_redirects=True)
    assert "La feuille du jour est validée" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).validated_minutes == 180


# --------------------------------------------------------------------------- kiosk


def _open_kiosk(client, login):
    user = login(Role.COORDINATOR)
    client.post_form("/volunteers/kiosk/open")
    return user


def _scan(client, code):
    return client.post("/volunteers/kiosk/scan", json={"code": code},
                       headers={"X-CSRFToken": client.csrf_token("/volunteers/kiosk")})


def _checked_in_earlier(db, assignment, minutes):
    """Move a kiosk check-in back in time, as if the person had arrived `minutes` ago."""
    from grocery.timeutil import utcnow

    db.session.expire_all()
    db.session.get(Assignment, assignment.id).checked_in_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_kiosk_confines_the_session(client, login, db):
    """Once kiosk mode is open, are the other pages out of reach until the password is given?"""
    person, _shift = _social_fixture(db)
    _open_kiosk(client, login)
    for url in ("/volunteers/", f"/volunteers/participants/{person.id}", "/", "/admin/users"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/volunteers/kiosk")
    assert client.post_form("/logout").status_code == 403
    response = client.post_form("/volunteers/kiosk/leave", {"password": "wrong-password"})
    assert response.status_code == 422 and "Mot de passe incorrect" in text_of(response)
    from tests.factories import PASSWORD

    client.post_form("/volunteers/kiosk/leave", {"password": PASSWORD})
    assert client.get("/volunteers/").status_code == 200


def test_kiosk_page_shows_first_names_only(client, login, db):
    person, _shift = _social_fixture(db)
    _open_kiosk(client, login)
    page = text_of(client.get("/volunteers/kiosk"))
    assert "Nadia" in page and "Kabongo" not in page and person.badge_code not in page


def test_kiosk_scan_checks_in_and_refuses_other_codes(client, login, db):
    """Does a badge scan check in, and are household cards, products and unknown badges refused in French?"""
    person = make_participant(first_name="Awa")
    now_shift = make_shift(start_time=time(0, 0), end_time=time(23, 59, 59))
    services.book_shift(None, now_shift, person)
    db.session.commit()
    _open_kiosk(client, login)
    data = _scan(client, person.badge_code).get_json()
    assert data["ok"] and data["action"] == "check_in" and "Bienvenue Awa" in data["message"]
    assert "Nom" not in str(data.get("shifts"))
    for code, expected in ((make_ean13(PREFIX_HOUSEHOLD_CARD, 5), "n'est pas un badge de bénévole"),
                           (make_ean13(PREFIX_INSTORE_PRODUCT, 5), "n'est pas un badge de bénévole"),
                           (make_ean13("26", 123), "Badge inconnu")):
        response = _scan(client, code)
        assert response.status_code == 422 and expected in response.get_json()["message"]


def test_kiosk_scan_needs_kiosk_mode(client, login, db):
    person = make_participant()
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post("/volunteers/kiosk/scan", json={"code": person.badge_code},
                           headers={"X-CSRFToken": client.csrf_token("/volunteers/kiosk")})
    assert response.status_code == 403


def test_kiosk_sign_up_books_a_shift(client, login, db):
    person = make_participant()
    shift = make_shift(held_on=local_today() + timedelta(days=2))
    db.session.commit()
    _open_kiosk(client, login)
    data = _scan(client, person.badge_code).get_json()
    assert shift.id in [s["id"] for s in data["open_shifts"]]
    response = client.post("/volunteers/kiosk/sign-up", json={"code": person.badge_code, "shift_id": shift.id},
                           headers={"X-CSRFToken": client.csrf_token("/volunteers/kiosk")})
    assert response.get_json()["ok"]
    assert db.session.scalar(select(Assignment.source)) == "kiosk"


# --------------------------------------------------------------------------- attestation


def _validated_hours(person, activity=None, days_ago=1):
    shift = make_shift(held_on=local_today() - timedelta(days=days_ago), activity=activity or make_activity("Caisse"))
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "present")
    services.validate_day(None, shift.held_on)


def test_attestation_wording_for_article_60_never_says_volunteering(app, db):
    """Does an article 60 attestation say "prestations de travail" and never "volontariat"?"""
    competence = make_competence("Tenue de caisse")
    worker = make_participant(engagement_type="article60")
    volunteer = make_participant(engagement_type="volunteer")
    activity = make_activity("Caisse", [competence])
    _validated_hours(worker, activity)
    with app.test_request_context():
        issue, summary = services.issue_attestation(None, worker, local_today() - timedelta(days=5), local_today())
        text = " ".join(attestation_text(worker, issue, summary))
        assert "prestations de travail" in text and "volontariat" not in text.lower()
        assert "Tenue de caisse" in text and "Caisse: 3 h 00" in text
        _validated_hours(volunteer, activity, days_ago=2)
        issue, summary = services.issue_attestation(None, volunteer, local_today() - timedelta(days=5),
                                                    local_today(), own_words="J’ai repris confiance")
        text = " ".join(attestation_text(volunteer, issue, summary))
        assert "volontariat" in text.lower() and "J'ai repris confiance" in text


def test_attestation_pdf_is_made_and_logged(client, login, db):
    person = make_participant(first_name="Élise", last_name="Mertens")
    _validated_hours(person)
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    day = local_today()
    response = client.post_form(f"/volunteers/participants/{person.id}/attestation",
                                {"date_from": (day - timedelta(days=7)).isoformat(), "date_to": day.isoformat(),
                                 "own_words": "Merci à l’équipe · vraiment"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert _count(AttestationIssue) == 1


def test_attestation_without_hours_on_the_screen(client, login, db):
    person = make_participant()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/volunteers/participants/{person.id}/attestation",
                                {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    assert "Aucune heure validée" in text_of(response)
    assert _count(AttestationIssue) == 0


def test_plain_keeps_accents_and_middle_dot():
    assert plain("assistant·e sociale « élevé » – œuvre’s “ok”") == "assistant·e sociale « élevé » - oeuvre's \"ok\""


# --------------------------------------------------------------------------- no sanction


def _imports(package: str):
    for path in (ROOT / "grocery" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Import):
                yield path, [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                yield path, [node.module or ""]


def test_eligibility_budget_and_till_never_read_volunteer_data():
    """Is there any code path from volunteer data to grocery eligibility? (no: those domains never import it)"""
    for package in ("households", "checkout", "stock"):
        for path, names in _imports(package):
            for name in names:
                assert not name.startswith("grocery.volunteers"), f"{path}: {name}"


def test_volunteers_read_households_only_for_the_member_link():
    """Only the member-link module (social workers) reads the households domain; nothing reads the till."""
    for path, names in _imports("volunteers"):
        for name in names:
            assert not name.startswith("grocery.checkout"), f"{path}: {name}"
            if name.startswith("grocery.households"):
                assert path.name == "household_link.py", f"{path}: {name}"


def test_no_show_writes_nothing_outside_volunteer_tables(db):
    """Does recording no-shows and validating the day change any non-volunteer table (other than the audit log)?"""
    person = make_participant()
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    assignment = services.book_shift(None, shift, person)
    db.session.flush()
    others = [t for t in db.metadata.sorted_tables if not t.name.startswith("volunteer_") and t.name != "audit_events"]

    def counts():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in others}

    before = counts()
    services.mark_attendance(None, assignment, "absent")
    services.validate_day(None, shift.held_on)
    assert counts() == before
    assert db.session.get(Participant, person.id).ended_on is None


def test_participant_confirms_own_competences_at_the_kiosk(client, login, db):
    """After checking out, can the participant confirm 1 to 3 competences of the activity with a comment?"""
    caisse, accueil, autre = make_competence("Tenue de caisse"), make_competence("Accueil"), make_competence("X")
    person = make_participant(first_name="Awa")
    shift = make_shift(activity=make_activity("Caisse", [caisse, accueil]), start_time=time(0, 0),
                       end_time=time(23, 59, 59))
    assignment = services.book_shift(None, shift, person)
    db.session.commit()
    _open_kiosk(client, login)
    _scan(client, person.badge_code)
    _checked_in_earlier(db, assignment, minutes=20)  # a scan right after the check-in is ignored (debounce)
    data = _scan(client, person.badge_code).get_json()
    assert data["action"] == "check_out"
    assert {c["name"] for c in data["competences"]["choices"]} == {"Tenue de caisse", "Accueil"}
    token = client.csrf_token("/volunteers/kiosk")

    def send(ids, code=person.badge_code):
        return client.post("/volunteers/kiosk/competences", headers={"X-CSRFToken": token},
                           json={"code": code, "assignment_id": assignment.id, "competence_ids": ids,
                                 "comment": "J'ai aimé"})

    assert send([autre.id]).status_code == 422
    assert send([]).status_code == 422
    other = make_participant()
    db.session.commit()
    assert send([caisse.id], code=other.badge_code).status_code == 404
    response = send([caisse.id, accueil.id])
    assert response.get_json()["ok"], response.get_json()
    db.session.expire_all()
    saved = db.session.get(Assignment, assignment.id)
    assert {c.competence_id for c in saved.confirmations if c.confirmed_by == "participant"} == {caisse.id,
                                                                                                 accueil.id}
    assert saved.participant_comment == "J'ai aimé"


def test_kiosk_double_scan_is_calm_and_an_early_check_out_is_asked(client, login, db):
    """A badge read twice is ignored with a calm message (the person stays checked in); a check-out within 15
    minutes of the check-in asks first and is done only with confirm_check_out."""
    person = make_participant(first_name="Awa")
    assignment = services.book_shift(None, make_shift(start_time=time(0, 0), end_time=time(23, 59, 59)), person)
    db.session.commit()
    _open_kiosk(client, login)
    assert _scan(client, person.badge_code).get_json()["action"] == "check_in"
    data = _scan(client, person.badge_code).get_json()
    assert data["ok"] and data["action"] == "ignored" and not data["confirm"] and "rien ne change" in data["message"]
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).checked_out_at is None
    _checked_in_earlier(db, assignment, minutes=5)
    data = _scan(client, person.badge_code).get_json()
    assert data["action"] == "confirm_check_out" and data["confirm"] and "moins de 15 minutes" in data["message"]
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).checked_out_at is None
    page = text_of(client.get("/volunteers/kiosk"))
    assert "Oui, je pars" in page
    data = client.post("/volunteers/kiosk/scan", json={"code": person.badge_code, "confirm_check_out": True},
                       headers={"X-CSRFToken": client.csrf_token("/volunteers/kiosk")}).get_json()
    assert data["action"] == "check_out"
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).checked_out_at is not None
