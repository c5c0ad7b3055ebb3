"""Every route declares its roles, and each role gets exactly what the single table below says."""

import pytest
from werkzeug.routing import Rule

from grocery.auth.roles import ALL_ROLES, MANAGERS, PUBLIC, SOCIAL, Role, declared_roles

A, C, S, K, X = Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER, Role.STOCK_MANAGER, Role.CASHIER
ALL = ALL_ROLES
TILL = {X, A, C}
STOCK = {K, C, A}

#: endpoint -> PUBLIC or the set of roles that may call it. A new route must be added here.
EXPECTED: dict[str, object] = {
    "static": PUBLIC,
    "main.health": PUBLIC,
    "main.home": ALL,
    "auth.login": PUBLIC,
    "auth.logout": ALL,
    "auth.change_password": ALL,
    "auth.set_language": PUBLIC,
    "admin.users": {A},
    "admin.user_create": {A},
    "admin.user_edit": {A},
    "admin.user_reset_password": {A},
    "admin.user_site_grant": {A},
    "admin.user_site_revoke": {A},
    "admin.sites": {A},
    "admin.site_create": {A},
    "admin.site_edit": {A},
    "admin.site_logo_delete": {A},
    "admin.site_deactivate": {A},
    "admin.site_reactivate": {A},
    "admin.site_logo_image": ALL,
    "auth.switch_site": ALL,
    "audit.events": {A},
    "settings.edit": MANAGERS,
    "settings.logo_delete": MANAGERS,
    "settings.logo": ALL,
    "notifications.mine": SOCIAL,
    "notifications.outbox": MANAGERS,
    "notifications.retry": MANAGERS,
    "notifications.cancel": MANAGERS,
    "households.index": SOCIAL,
    "households.create": SOCIAL,
    "households.view": SOCIAL,
    "households.edit": SOCIAL,
    "households.close": SOCIAL,
    "households.reopen": SOCIAL,
    "households.member_add": SOCIAL,
    "households.member_edit": SOCIAL,
    "households.decide": SOCIAL,
    "households.lift_suspension": SOCIAL,
    "households.card_reissue": SOCIAL,
    "households.card_print": SOCIAL,
    "households.export": SOCIAL,
    "households.anonymise": SOCIAL,
    "households.criteria": MANAGERS,
    "households.criterion_edit": MANAGERS,
    "stock.index": STOCK,
    "stock.near_expiry": STOCK,
    "stock.expired": STOCK,
    "stock.ddm_waiting": STOCK,
    "stock.ddm_decide": STOCK,
    "stock.discard_expired": STOCK,
    "stock.low_stock": STOCK,
    "stock.products": STOCK,
    "stock.product_new": STOCK,
    "stock.product_edit": STOCK,
    "stock.barcode_add": STOCK,
    "stock.barcode_generate": STOCK,
    "stock.barcode_remove": STOCK,
    "stock.categories": STOCK,
    "stock.category_edit": STOCK,
    "stock.donors": STOCK,
    "stock.donor_new": STOCK,
    "stock.donor_edit": STOCK,
    "stock.receptions": STOCK,
    "stock.reception_new": STOCK,
    "stock.reception": STOCK,
    "stock.reception_line": STOCK,
    "stock.reception_line_remove": STOCK,
    "stock.reception_confirm": STOCK,
    "stock.reception_receipt": STOCK,
    "stock.lot": STOCK,
    "stock.counts": STOCK,
    "stock.count": STOCK,
    "stock.count_post": STOCK,
    "stock.shortfalls": STOCK,
    "stock.labels": STOCK,
    "stock.measure_labels": STOCK,
    "stock.product_site_threshold": STOCK,
    "stock.transfers": STOCK,
    "stock.transfer": STOCK,
    "stock.transfer_new": STOCK,
    "checkout.index": TILL,
    "checkout.open_form": TILL,
    "checkout.cash": TILL,
    "checkout.close": TILL,
    "checkout.report": TILL,
    "checkout.sessions": MANAGERS,
    "checkout.offline_sales": MANAGERS,
    "checkout.offline_sale_reviewed": MANAGERS,
    "checkout.screen": TILL,
    "checkout.service_worker": PUBLIC,
    "checkout.receipt": TILL,
    "checkout.receipt_printed": TILL,
    "checkout.sale": TILL,
    "checkout.handover": TILL,
    "checkout.explanation": MANAGERS,
    "till_api.catalogue": TILL,
    "till_api.cards_snapshot": TILL,
    "till_api.ping": TILL,
    "till_api.appointments": TILL,
    "till_api.household": TILL,
    "till_api.household_lookup": TILL,
    "till_api.quote": TILL,
    "till_api.create_sale": TILL,
    "till_openapi.document": TILL,
    # volunteers: planners (C, A), planning readers (C, A, S), social (C, A, S), path (S, A)
    "volunteers.planning": {C, A, S},
    "volunteers.today": ALL,
    "volunteers.shift": {C, A, S},
    "volunteers.shift_assign": {C, A},
    "volunteers.shift_cancel": {C, A},
    "volunteers.assignment_cancel": {C, A},
    "volunteers.templates": {C, A},
    "volunteers.template_toggle": {C, A},
    "volunteers.generate": {C, A},
    "volunteers.day_sheet": {C, A},
    "volunteers.attendance_mark": {C, A},
    "volunteers.competences_confirm": {C, A},
    "volunteers.day_validate": {C, A},
    "volunteers.activities": {C, A},
    "volunteers.activity_update": {C, A},
    "volunteers.participants": {C, A, S},
    "volunteers.participant_new": {C, A, S},
    "volunteers.participant_edit": {C, A, S},
    "volunteers.participant": {C, A, S},
    "volunteers.participant_household_link": {S, A},
    "volunteers.participant_badge": {C, A, S},
    "volunteers.badge_renew": {C, A, S},
    "volunteers.formality_update": {C, A, S},
    "volunteers.allowance_record": {C, A, S},
    "volunteers.attestation": {C, A, S},
    "volunteers.goal_new": {S, A},
    "volunteers.piis_update": {S, A},
    "volunteers.piis_review_new": {S, A},
    "volunteers.goal_edit": {S, A},
    "volunteers.evaluation_new": {S, A},
    "volunteers.evaluations_due": {S, A},
    "volunteers.workshops": {C, A, S},
    "volunteers.workshop": {C, A, S},
    "volunteers.workshop_session_new": {C, A},
    "volunteers.workshop_attendance": {C, A},
    "volunteers.workshop_signup": {C, A},
    "volunteers.workshop_signup_member": {S, A},
    "volunteers.workshop_signup_cancel": {C, A, S},
    "volunteers.kiosk": {C, A},
    "volunteers.kiosk_open": {C, A},
    "volunteers.kiosk_scan": {C, A},
    "volunteers.kiosk_signup": {C, A},
    "volunteers.kiosk_competences": {C, A},
    "volunteers.kiosk_leave": {C, A},
    # appointments: the social roles book and manage proxies; coordinators and admins set the opening hours
    "appointments.week": SOCIAL,
    "appointments.slot": SOCIAL,
    "appointments.book": SOCIAL,
    "appointments.household": SOCIAL,
    "appointments.standing_create": SOCIAL,
    "appointments.standing_end": SOCIAL,
    "appointments.move": SOCIAL,
    "appointments.cancel": SOCIAL,
    "appointments.proxies": SOCIAL,
    "appointments.proxy_revoke": SOCIAL,
    "appointments.opening": MANAGERS,
    "appointments.opening_toggle": MANAGERS,
    "appointments.close_day": MANAGERS,
    "appointments.extra_session": MANAGERS,
    "appointments.generate": MANAGERS,
    # imports: products for the stock roles, households (personal data) for the social roles
    "imports.index": {K, S, C, A},
    "imports.products_upload": STOCK,
    "imports.products_model": STOCK,
    "imports.products_preview": STOCK,
    "imports.products_confirm": STOCK,
    "imports.products_cancel": STOCK,
    "imports.households_upload": SOCIAL,
    "imports.households_model": SOCIAL,
    "imports.households_preview": SOCIAL,
    "imports.households_confirm": SOCIAL,
    "imports.households_cancel": SOCIAL,
    # reports: coordinators and admins only (figures for the CPAS council and funders)
    "reports.dashboard": MANAGERS,
    "reports.activity": MANAGERS,
    "reports.activity_csv": MANAGERS,
    "reports.fead": MANAGERS,
    "reports.fead_csv": MANAGERS,
}


def _url(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        values[name] = 999999 if converter in {"IntegerConverter", "NumberConverter"} else "0000000000000"
    return rule.build(values)[1]


def _method(rule: Rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]


def _rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def test_every_endpoint_is_in_the_table(app):
    """Does a route exist without a row in the table (or a row without a route)?"""
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert endpoints - set(EXPECTED) == set(), "routes missing from EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "EXPECTED names routes that do not exist"


def test_declarations_match_the_table(app):
    """Does each view declare exactly the roles of the table?"""
    for endpoint, expected in EXPECTED.items():
        if endpoint == "static":
            continue
        declared = declared_roles(app.view_functions[endpoint])
        assert declared is not None, f"{endpoint} declares no roles"
        if expected is PUBLIC:
            assert declared is PUBLIC, endpoint
        else:
            assert declared == frozenset(expected), endpoint


def test_undeclared_view_is_refused(app):
    """Is a view that forgot its declaration refused rather than open?"""
    from flask import Flask

    from grocery.security import enforce_roles

    probe = Flask("probe")
    probe.add_url_rule("/forgotten", "forgotten", lambda: "open")
    probe.before_request(enforce_roles)
    with probe.test_client() as c:
        assert c.get("/forgotten").status_code == 403


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_reaches_exactly_its_routes(app, client, login, role):
    """Walk the whole url_map as anonymous and as each role; compare with the table."""
    if role is not None:
        login(role)
    for rule in _rules(app):
        expected = EXPECTED[rule.endpoint]
        url, method = _url(rule), _method(rule)
        response = client.open(url, method=method)
        status, location = response.status_code, response.headers.get("Location", "")
        where = f"{method} {url} as {role or 'anonymous'}: {status}"
        if expected is PUBLIC:
            assert status != 403 and "/login?" not in location, where
        elif role is None:
            if url.startswith("/api/"):
                assert status == 401, where
            else:
                assert status == 302 and "/login" in location, where
        elif role in expected:
            assert status != 403 and "/login" not in location, where
        else:
            assert status == 403, where
