"""The stock domain keeps each site's lots, receptions, counts and transfers apart: a user of site A given the ids of
site B's objects gets 404 and changes nothing; lists show A's rows only; counts cover the site's lots; a site may
keep its own low-stock threshold; transfers are built, listed and seen from both sites through the pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.sites.context import SESSION_KEY, current_site_id, forget_current_site, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role
from grocery.stock.models import Donation, DonationLine, Lot, StockCount, StockMovement, StockTransfer
from grocery.stock.services import (
    add_barcode,
    add_donation_line,
    confirm_donation,
    count_lots,
    low_stock,
    open_count,
    post_count,
    set_count_line,
    set_site_threshold,
    site_threshold,
    start_donation,
    transfer_stock,
)
from grocery.timeutil import local_today
from tests.factories import make_donor, make_lot, make_product, make_user
from tests.utils import text_of


def _two_sites(db):
    """Sites A (the first) and B, and C for a transfer neither side of which is A; each of A and B with a lot (B's
    waiting past its best-before date), a draft and a confirmed reception and an open count."""
    admin = make_user(Role.ADMIN)
    site_a = current_site_id()
    site_b = create_site(admin, name="Antenne Nord").id
    site_c = create_site(admin, name="Antenne Sud").id
    donor = make_donor(name="Banque alimentaire")
    today = local_today()
    rice = make_product(name="Riz 1 kg", low_stock_threshold=5)
    add_barcode(admin, rice, "5410000000019")
    objects = {}
    for site, word in ((site_a, "CENTRE"), (site_b, "NORD")):
        with using_site(site):
            lot = make_lot(rice, 12, lot_number=f"LOT-{word}", best_before_on=today - timedelta(days=60))
            lot.ddm_hold_from = today - timedelta(days=2)
            confirmed = start_donation(admin, donor, today, f"Collecte {word}")
            add_donation_line(confirmed, rice, quantity=3)
            confirm_donation(admin, confirmed)
            draft = start_donation(admin, donor, today, f"Brouillon {word}")
            line = add_donation_line(draft, rice, quantity=2)
            count = open_count(admin)
        objects[word] = {"lot": lot, "confirmed": confirmed, "draft": draft, "line": line, "count": count}
    with using_site(site_b):
        objects["NORD"]["transfer"] = transfer_stock(admin, db.session.get(Site, site_c), [(objects["NORD"]["lot"],
                                                                                           1)])
    db.session.commit()
    return site_a, site_b, site_c, rice, objects


def _worker_of(db, login, site_id, role=Role.STOCK_MANAGER):
    user = login(role)
    grant_site_role(None, user, db.session.get(Site, site_id), role.value)
    db.session.commit()
    return user


def _routes(b):
    """(endpoint, method, url, form) of every stock route reached by the id of a site-owned object, for B's."""
    lot, draft, confirmed, count = b["lot"].id, b["draft"].id, b["confirmed"].id, b["count"].id
    return [
        ("stock.lot", "GET", f"/stock/lots/{lot}", {}),
        ("stock.lot", "POST", f"/stock/lots/{lot}", {"quantity": "1", "reason": "damaged"}),
        ("stock.ddm_decide", "POST", f"/stock/best-before/{lot}", {"decision": "sell"}),
        ("stock.reception", "GET", f"/stock/receptions/{draft}", {}),
        ("stock.reception_line", "POST", f"/stock/receptions/{draft}/lines", {"product_id": "RICE", "quantity": "1"}),
        ("stock.reception_line_remove", "POST", f"/stock/receptions/{draft}/lines/{b['line'].id}/remove", {}),
        ("stock.reception_confirm", "POST", f"/stock/receptions/{draft}/confirm", {}),
        ("stock.reception_receipt", "GET", f"/stock/receptions/{confirmed}/receipt", {}),
        ("stock.count", "GET", f"/stock/counts/{count}", {}),
        ("stock.count", "POST", f"/stock/counts/{count}", {f"counted-{lot}": "3"}),
        ("stock.count_post", "POST", f"/stock/counts/{count}/post", {"reason": "Inventaire"}),
        ("stock.transfer", "GET", f"/stock/transfers/{b['transfer'].id}", {}),
    ]


def test_every_stock_route_with_a_site_objects_id_is_walked(app):
    """A new stock route with the id of a site-owned object must be added to the walk, or named as shared."""
    shared = {"stock.product_edit", "stock.barcode_add", "stock.barcode_generate", "stock.barcode_remove",
              "stock.category_edit", "stock.donor_edit", "stock.product_site_threshold"}
    with_ids = {rule.endpoint for rule in app.url_map.iter_rules()
                if rule.endpoint.startswith("stock.") and any(a.endswith("_id") for a in rule.arguments)}
    fake = type("X", (), {"id": 1})()
    walked = {endpoint for endpoint, *_ in _routes({k: fake for k in ("lot", "draft", "confirmed", "count", "line",
                                                                       "transfer")})}
    assert with_ids == walked | shared


@pytest.mark.parametrize("index", range(12))
def test_site_b_ids_answer_404_and_change_nothing(client, db, login, index):
    """Each stock route given the id of site B's object, by a stock manager of site A: 404, B's stock unchanged."""
    site_a, _site_b, _site_c, rice, objects = _two_sites(db)
    b = objects["NORD"]
    endpoint, method, url, data = _routes(b)[index]
    data = {k: str(rice.id) if v == "RICE" else v for k, v in data.items()}
    _worker_of(db, login, site_a)

    def state():
        db.session.expire_all()
        return (db.session.get(Lot, b["lot"].id).quantity_on_hand, db.session.get(Lot, b["lot"].id).ddm_hold_from,
                db.session.get(Donation, b["draft"].id).status, db.session.get(StockCount, b["count"].id).status,
                db.session.scalar(select(func.count(StockMovement.id))),
                db.session.scalar(select(func.count(DonationLine.id))))

    before = state()
    response = client.get(url) if method == "GET" else client.post_form(url, data)
    assert response.status_code == 404, (endpoint, response.status_code)
    assert "NORD" not in response.get_data(as_text=True)
    assert state() == before, endpoint


def test_the_same_routes_answer_for_site_a_ids(client, db, login):
    """The check is the site, not a refusal of everything: A's own objects open for A's stock manager."""
    site_a, _site_b, _site_c, _rice, objects = _two_sites(db)
    _worker_of(db, login, site_a)
    a = objects["CENTRE"]
    for url in (f"/stock/lots/{a['lot'].id}", f"/stock/receptions/{a['draft'].id}",
                f"/stock/receptions/{a['confirmed'].id}/receipt", f"/stock/counts/{a['count'].id}"):
        assert client.get(url).status_code == 200, url


def test_a_transfer_is_seen_from_both_sites_and_no_other(client, db, login):
    """B sent to C: B's and C's workers open it, listed as sent at B and received at C; A's gets 404."""
    _site_a, site_b, site_c, _rice, objects = _two_sites(db)
    transfer = objects["NORD"]["transfer"]
    user = _worker_of(db, login, site_b)
    grant_site_role(None, user, db.session.get(Site, site_c), "stock_manager")
    db.session.commit()
    with client.session_transaction() as login_session:
        login_session[SESSION_KEY] = site_b
    assert "Envoyé à Antenne Sud" in text_of(client.get(f"/stock/transfers/{transfer.id}"))
    assert "envoyé à Antenne Sud" in text_of(client.get("/stock/transfers"))
    with client.session_transaction() as login_session:
        login_session[SESSION_KEY] = site_c
    forget_current_site()  # the test's application context keeps the current site between requests
    page = text_of(client.get(f"/stock/transfers/{transfer.id}"))
    assert "Reçu du site Antenne Nord" in page, re.findall(r"<h1>.*?</h1>", page, re.S)
    listed = text_of(client.get("/stock/transfers"))
    assert "reçu du site Antenne Nord" in listed
    assert client.get(f"/stock/lots/{objects['NORD']['lot'].id}").status_code == 404  # B's lot, seen from C


def test_a_transfer_answers_404_at_a_third_site(client, db, login):
    site_a, _site_b, _site_c, _rice, objects = _two_sites(db)
    _worker_of(db, login, site_a)
    assert client.get(f"/stock/transfers/{objects['NORD']['transfer'].id}").status_code == 404
    assert client.get("/stock/transfers/99999999999").status_code == 404


def test_lists_show_only_the_current_sites_rows(client, db, login):
    """Receptions, counts, lots waiting past their best-before date and the donors' counts show A's rows only."""
    site_a, _site_b, _site_c, _rice, _objects = _two_sites(db)
    _worker_of(db, login, site_a)
    receptions = text_of(client.get("/stock/receptions"))
    assert "Collecte CENTRE" in receptions and "NORD" not in receptions
    waiting = text_of(client.get("/stock/best-before"))
    assert "LOT-CENTRE" in waiting and "LOT-NORD" not in waiting
    counts = client.get("/stock/counts").get_data(as_text=True)
    assert counts.count("/stock/counts/") == 1 + counts.count('action="/stock/counts/')  # A's count only
    transfers = text_of(client.get("/stock/transfers"))
    assert "Antenne Sud" not in transfers and "Aucun transfert pour l'instant." in transfers


def test_a_count_covers_the_sites_lots_and_posts_on_the_site(db):
    """A count of site A lists A's lots only, refuses B's lot, and posts its movements on A."""
    site_a, site_b, _site_c, _rice, objects = _two_sites(db)
    a, b = objects["CENTRE"], objects["NORD"]
    lots = count_lots(a["count"])
    assert a["lot"] in lots and all(lot.site_id == site_a for lot in lots)
    with pytest.raises(ValidationError):
        set_count_line(a["count"], b["lot"], 0)
    db.session.rollback()
    set_count_line(a["count"], a["lot"], 10)
    movements = post_count(None, a["count"], "Inventaire mensuel")
    assert [(m.site_id, m.quantity) for m in movements] == [(site_a, -2)]
    assert db.session.get(Lot, b["lot"].id).quantity_on_hand == 11
    assert [lot.site_id for lot in count_lots(b["count"])] == [site_b] * len(count_lots(b["count"]))


def test_a_site_keeps_its_own_low_stock_threshold(db):
    """The low-stock list of a site uses its own threshold, else the product's; the change is audited and
    refused when negative."""
    site_a, site_b, _site_c, rice, _objects = _two_sites(db)
    # A holds 15 (12 + 3), B 14: the product's threshold (5) leaves both above.
    assert low_stock(site_id=site_a) == [] and low_stock(site_id=site_b) == []
    assert set_site_threshold(None, rice, 20, site_id=site_b)
    assert [(row.product.id, row.threshold) for row in low_stock(site_id=site_b)] == [(rice.id, 20)]
    assert low_stock(site_id=site_a) == []
    assert site_threshold(rice, site_b) == 20 and site_threshold(rice, site_a) is None
    assert not set_site_threshold(None, rice, 20, site_id=site_b)  # unchanged: nothing written
    with pytest.raises(ValidationError):
        set_site_threshold(None, rice, -1, site_id=site_b)
    assert set_site_threshold(None, rice, None, site_id=site_b)
    assert low_stock(site_id=site_b) == []
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stock.site_threshold")).all()
    assert [(e.details["before"], e.details["after"]) for e in events] == [(None, 20), (20, None)]


def test_the_product_page_offers_the_sites_threshold_only_with_several_sites(client, db, login):
    site_a, _site_b, _site_c, rice, _objects = _two_sites(db)
    _worker_of(db, login, site_a)
    page = text_of(client.get(f"/stock/products/{rice.id}"))
    assert "Stock bas à" in page
    response = client.post_form(f"/stock/products/{rice.id}/site-threshold", {"site_threshold": "30"})
    assert response.status_code == 302
    assert site_threshold(rice, site_a) == 30
    assert "Riz 1 kg" in text_of(client.get("/stock/low-stock"))
    bad = client.post_form(f"/stock/products/{rice.id}/site-threshold", {"site_threshold": "beaucoup"})
    assert bad.status_code == 422 and site_threshold(rice, site_a) == 30


def test_one_site_shows_no_transfer_and_no_site_threshold(client, db, login):
    """An installation with one site: no Transfers tab, no site threshold, and their pages answer 404."""
    product = make_product()
    lot = make_lot(product, 3)
    db.session.commit()
    login(Role.STOCK_MANAGER)
    page = text_of(client.get(f"/stock/products/{product.id}"))
    assert "Stock bas à" not in page and "/stock/transfers" not in page
    assert "Transférer ce lot" not in text_of(client.get(f"/stock/lots/{lot.id}"))
    assert client.get("/stock/transfers").status_code == 404
    assert client.get("/stock/transfers/new").status_code == 404
    assert client.post_form(f"/stock/products/{product.id}/site-threshold",
                            {"site_threshold": "3"}).status_code == 404


def test_a_transfer_is_built_and_sent_through_the_pages(client, db, login):
    """From a lot's page: the lot preselected, a scanned product's lot added, a wrong quantity refused next to its
    field, then sent: the lots move, the transfer's page opens."""
    site_a, site_b, _site_c, _rice, objects = _two_sites(db)
    _worker_of(db, login, site_a)
    lot = objects["CENTRE"]["lot"]
    page = text_of(client.get(f"/stock/lots/{lot.id}"))
    assert "Transférer ce lot vers un autre site" in page
    built = client.get(f"/stock/transfers/new?lot_id={lot.id}")
    assert built.status_code == 200 and "Riz 1 kg" in text_of(built)
    found = client.post_form("/stock/transfers/new", {"action": "find", "code": "5410000000019"})
    assert found.status_code == 200 and re.search(rf'<option selected value="{lot.id}">LOT-CENTRE', text_of(found))
    too_much = client.post_form("/stock/transfers/new", {"action": "add", "lot_id": str(lot.id), "quantity": "99"})
    assert too_much.status_code == 422 and "il ne reste que 12" in text_of(too_much)
    added = client.post_form("/stock/transfers/new", {"action": "add", "lot_id": str(lot.id), "quantity": "4"})
    assert added.status_code == 200 and f'name="line_lot" value="{lot.id}"' in added.get_data(as_text=True)
    nowhere = client.post_form("/stock/transfers/new", {"action": "send", "to_site_id": "",
                                                        "line_lot": str(lot.id), "line_quantity": "4"})
    assert nowhere.status_code == 422 and "Choisissez le site où vont les marchandises." in text_of(nowhere)
    assert db.session.scalar(select(func.count(StockTransfer.id))) == 1  # B's only
    sent = client.post_form("/stock/transfers/new", {"action": "send", "to_site_id": str(site_b), "note": "Van",
                                                     "line_lot": str(lot.id), "line_quantity": "4"})
    assert sent.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).quantity_on_hand == 8
    transfer = db.session.scalar(select(StockTransfer).where(StockTransfer.from_site_id == site_a))
    assert transfer.to_site_id == site_b and transfer.lines[0].to_lot.quantity_on_hand == 4
    assert "Envoyé à Antenne Nord" in text_of(client.get(sent.headers["Location"]))


def test_the_transfer_form_refuses_another_sites_lot(client, db, login):
    """A line naming B's lot (a crafted form) is refused by the send, nothing written."""
    site_a, site_b, _site_c, _rice, objects = _two_sites(db)
    _worker_of(db, login, site_a)
    b_lot = objects["NORD"]["lot"]
    response = client.post_form("/stock/transfers/new", {"action": "send", "to_site_id": str(site_b),
                                                         "line_lot": str(b_lot.id), "line_quantity": "1"})
    assert response.status_code == 422
    assert "n'est pas dans le stock de ce site" in text_of(response)
    assert db.session.scalar(select(func.count(StockTransfer.id))) == 1
    for junk in ("abc", "99999999999", ""):
        response = client.post_form("/stock/transfers/new", {"action": "add", "lot_id": junk, "quantity": "x"})
        assert response.status_code == 422
