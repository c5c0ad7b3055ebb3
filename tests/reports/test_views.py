"""Report pages: who may open them, what they show, CSV for Excel in French, bad periods, statement counts."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from grocery.auth.roles import Role
from tests.factories import make_report_scenario
from tests.utils import text_of

PAGES = ("/reports/", "/reports/activity?preset=this_month", "/reports/activity.csv?preset=this_month",
         "/reports/fead?preset=this_month", "/reports/fead.csv?preset=this_month")


@contextmanager
def counted_statements(db):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("role", [Role.CASHIER, Role.STOCK_MANAGER, Role.SOCIAL_WORKER])
def test_reports_are_refused_to_other_roles(client, login, role):
    """Can a cashier, a stock manager or a social worker open the dashboard or a report? No."""
    login(role)
    for page in PAGES:
        assert client.get(page).status_code == 403, page


def test_reports_are_in_the_navigation_of_coordinators_only(client, login):
    """Does 'Rapports' appear in the coordinator's top bar, and not in the cashier's?"""
    login(Role.COORDINATOR)
    assert "Rapports" in text_of(client.get("/"))
    client.post_form("/logout")
    login(Role.CASHIER)
    assert "Rapports" not in text_of(client.get("/"))


def test_dashboard_shows_today_and_the_alerts(client, db, login):
    """Does the dashboard show today's sales, this month's households, stock alerts and short shifts?"""
    scenario = make_report_scenario()
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get("/reports/"))
    assert "Tableau de bord" in page
    assert "ventes aujourd’hui" in page or "ventes aujourd'hui" in page
    assert "ménages servis ce mois" in page
    assert "Alertes de stock" in page
    assert scenario["households"][1].reference in page  # access ends in ten days
    assert scenario["activity"].name in page  # a coming shift with places left
    assert 'src="data:image/svg+xml;base64,' in page


def test_activity_page_shows_the_figures(client, db, login):
    """Does the activity page show households, persons, amounts and the tables, with printable charts?"""
    scenario = make_report_scenario()
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.get("/reports/activity?preset=this_month")
    assert response.status_code == 200
    page = text_of(response)
    assert "Rapport d’activité" in page or "Rapport d'activité" in page
    assert "10,80\xa0€" in page  # paid: 2 x 5,60 € - 0,40 € refunded
    assert scenario["activity"].name in page
    assert "65+" in page
    assert page.count('src="data:image/svg+xml;base64,') >= 4
    assert "@media print" not in page and "window.print" not in page  # CSS and JS live in static files


def test_activity_csv_opens_in_excel_in_french(client, db, login):
    """Is the CSV UTF-8 with a BOM, semicolon-separated, with French headers and decimal commas?"""
    make_report_scenario()
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.get("/reports/activity.csv?start=2024-01-01&end=2030-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="rapport-activite_2024-01-01_2030-12-31.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert "Ménages servis;2" in lines
    assert "Montant payé (€);10,80" in lines
    assert any(line.startswith("Catégorie;Unités;kg") for line in lines)


def test_fead_page_and_csv(client, db, login):
    """Does the FEAD report list the programme product with its figures, on screen and in CSV?"""
    scenario = make_report_scenario()
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get("/reports/fead?preset=this_month"))
    assert scenario["beans"].name in page
    assert "ménages atteints" in page
    response = client.get("/reports/fead.csv?preset=this_month")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = response.get_data().decode("utf-8-sig").split("\r\n")
    beans_row = next(row for row in rows if row.startswith(scenario["beans"].name))
    assert beans_row.split(";")[1:] == ["pièces", "30", "4", "1", "25", "30,000", "4,000", "1,000", "25,000", "2", "4"]


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-02-01&end=2026-01-01", "La fin de la période est avant son début"),
    ("start=31-31-2026&end=2026-01-01", "JJ/MM/AAAA"),
    ("start=2026-01-01", "dernier jour"),
    ("preset=next_century", "période inconnue"),
])
@pytest.mark.parametrize("page", ["/reports/activity", "/reports/activity.csv", "/reports/fead", "/reports/fead.csv"])
def test_bad_period_gives_a_clear_message_and_writes_nothing(client, db, login, page, query, message):
    """A period ending before it starts, or a date in the wrong form: a French message, no report, no row."""
    from grocery.audit.models import AuditEvent

    login(Role.COORDINATOR)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = client.get(f"{page}?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert message.lower() in text_of(response).lower()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_the_number_of_statements_of_each_page_does_not_grow_with_the_data(client, db, login):
    """Does each report page run the same number of SQL statements for 3 households and for 30 more?"""
    make_report_scenario(households=3)
    db.session.commit()
    login(Role.COORDINATOR)

    def counts():
        result = {}
        for page in PAGES:
            client.get(page)  # warm caches (settings, translations)
            with counted_statements(db) as statements:
                assert client.get(page).status_code == 200, page
            result[page] = len(statements)
        return result

    small = counts()
    make_report_scenario(households=30)
    db.session.commit()
    assert counts() == small
