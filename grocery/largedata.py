"""A generated multi-year history for benchmarks and load tests: `flask --app grocery generate-large`.

Rows are written with bulk inserts (not through the services) so that a million sale lines take a minute or two;
the result stays consistent with the rules the services keep: every lot's cached quantity equals the sum of its
movements (receipt, sales, waste), every lot comes from a confirmed donation line, every sale consumes the budget of
its period, prices follow the lot's source, only validated days carry volunteer minutes, and every lot carries the
day it would wait for a stock manager's decision past its best-before date and its category's grace days, as a
reception through the services sets it (grocery.stock.ddm)."""

import random
import uuid
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

import click
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, gtin_check_digit, make_ean13
from grocery.bulkwrite import advance_sequences, insert_rows, next_id
from grocery.extensions import db

FIRST_NAMES = ["Fatima", "Jean", "Marie", "Mohamed", "Aïcha", "Luc", "Sofia", "Pierre", "Nadia", "Olivier", "Inès",
               "Youssef", "Julie", "Ahmed", "Sarah", "Marc", "Leïla", "Thomas", "Amina", "David"]
LAST_NAMES = ["Dubois", "Peeters", "Janssens", "El Amrani", "Lambert", "Dupont", "Maes", "Benali", "Martin",
              "Jacobs", "Diallo", "Leroy", "Willems", "Haddad", "Simon", "Claes", "Nowak", "Mertens"]
CATEGORIES = [("Fruits et légumes", 20), ("Frais", 20), ("Épicerie sèche", 20), ("Conserves", 20),
              ("Boissons", 20), ("Hygiène", 25), ("Entretien", 25), ("Bébé", 15)]
SOURCES = ["food_bank", "fead", "supermarket", "private", "collection", "purchase"]


SITE_HOURS = "Mardi, jeudi et samedi 9:00-12:30"
#: Of a household's sales, the share at its home site (the rest at any site of the federation).
HOME_SHARE = 0.9


def federation_sites(count: int) -> list[int]:
    """The ids of `count` active sites: the installation's active sites in id order, and new ones ("Antenne 02",
    ...) when there are fewer. One site: the current site, as without sites."""
    from grocery.sites.context import current_site_id, forget_current_site
    from grocery.sites.models import Site

    if count < 1:
        raise click.ClickException(gettext("A federation has at least one site."))
    first = current_site_id()  # a database made from the models gets its first site here
    if count == 1:
        return [first]
    active = list(db.session.scalars(select(Site.id).where(Site.is_active.is_(True)).order_by(Site.id)))
    taken = {name.casefold() for name in db.session.scalars(select(Site.name))}
    number = len(active)
    while len(active) < count:
        number += 1
        name = f"Antenne {number:02d}"
        if name.casefold() in taken:
            continue
        site = Site(name=name, address=f"Rue de l'Antenne {number}", postcode="5000", city="Namur",
                    opening_hours=SITE_HOURS, is_active=True)
        db.session.add(site)
        db.session.flush()
        active.append(site.id)
    forget_current_site()
    return active[:count]


def generate_history(*, households: int = 2000, products: int = 5000, sale_lines: int = 1_000_000,
                     years: int = 3, seed: int = 42, restocks: int = 6, volunteers: int = 60, sites: int = 1,
                     echo=click.echo) -> dict:
    """Add households with decisions and cards; products with barcodes; at each of `sites` sites, for each product
    a first lot at the start and `restocks` later receptions (donations by source with their lines and receipt
    movements, the rest of the previous lot discarded as waste), and `years` of till sessions with sales taking from
    the site's lot of the day, their stock movements and budget consumption; `volunteers` participants with shifts
    and validated attendance at their site. Households belong to the installation; each has a home site (the sites
    in turn) where it does HOME_SHARE of its shopping, the rest at any site, from its one budget. The sale count is
    shared evenly between the sites. Written site by site (memory stays that of one site). Flushes; the caller
    commits. With one site the dataset is the one this function made before sites."""
    from grocery.auth.models import User
    from grocery.households.models import Decision, Household, HouseholdCard, Member
    from grocery.stock.models import Donor, Product, ProductBarcode, ProductCategory

    rng = random.Random(seed)
    today = date.today()
    start_day = today - timedelta(days=365 * years)
    now = datetime.now(UTC)
    cashier = db.session.scalar(select(User).where(User.role == "cashier").order_by(User.id))
    if cashier is None:
        raise click.ClickException(gettext("Create a cashier account first (flask demo, or create-user --role "
                                           "cashier)."))
    site_ids = federation_sites(sites)

    # --- households, members, decisions (six months each, renewed), cards -------------------------------------
    echo(gettext("Households: %(num)d", num=households))
    first_household = next_id(Household)
    first_member = next_id(Member)
    year = today.year
    household_rows, member_rows, decision_rows, card_rows = [], [], [], []
    cards: dict[int, str] = {}
    home_households: dict[int, list[int]] = {site_id: [] for site_id in site_ids}
    for n in range(households):
        hid = first_household + n
        home_households[site_ids[n % len(site_ids)]].append(hid)
        household_rows.append({"id": hid, "reference": f"G-{year}-{hid:06d}", "postcode": f"{rng.randint(1000, 9999)}",
                               "municipality": "Namur", "status": "active", "proxy_names": []})
        adults = rng.choice([1, 1, 2, 2, 3])
        children = rng.choice([0, 0, 1, 2, 3, 4])
        for person in range(adults + children):
            born = date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)) if person < adults else \
                today - timedelta(days=rng.randint(100, 17 * 365))
            last = rng.choice(LAST_NAMES)
            member_rows.append({"id": first_member + len(member_rows), "household_id": hid,
                                "first_name": rng.choice(FIRST_NAMES), "last_name": last,
                                "first_name_key": "", "last_name_key": last.lower(), "birth_on": born,
                                "relation": "reference" if person == 0 else ("partner" if person < adults else "child"),
                                "is_active": True})
        budget = 1000 * adults + 500 * children
        valid_from = start_day
        while valid_from <= today:
            valid_until = valid_from + timedelta(days=182)
            decision_rows.append({"household_id": hid, "decided_on": valid_from, "valid_from": valid_from,
                                  "valid_until": valid_until, "outcome": "granted", "motive": "Enquête sociale",
                                  "persons": adults + children, "budget_period": "week", "budget_cents": budget,
                                  "scale_budget_cents": budget})
            valid_from = valid_until + timedelta(days=1)
        body = f"{PREFIX_HOUSEHOLD_CARD}{9_000_000_000 + hid:010d}"
        cards[hid] = body + gtin_check_digit(body)
        card_rows.append({"code": cards[hid], "household_id": hid, "is_active": True, "issued_at": now})
    with click.progressbar(length=len(household_rows) + len(member_rows) + len(decision_rows) + len(card_rows),
                           label=gettext("Households, members, decisions, cards")) as bar:
        insert_rows(Household, household_rows, bar)
        insert_rows(Member, member_rows, bar)
        insert_rows(Decision, decision_rows, bar)
        insert_rows(HouseholdCard, card_rows, bar)
    del household_rows, member_rows, decision_rows, card_rows

    # --- catalogue (shared by the sites) and donors -------------------------------------------------------------
    categories = []
    for name, percent in CATEGORIES:
        category = db.session.scalar(select(ProductCategory).where(ProductCategory.name == name))
        if category is None:
            category = ProductCategory(name=name, default_social_percent=percent)
            db.session.add(category)
            db.session.flush()
        categories.append(category.id)
    from grocery.stock.ddm import grace_days_by_category

    donors = {}
    for kind in SOURCES:
        donor = db.session.scalar(select(Donor).where(Donor.name == f"Donateur généré ({kind})"))
        if donor is None:
            donor = Donor(name=f"Donateur généré ({kind})", kind=kind)
            db.session.add(donor)
            db.session.flush()
        donors[kind] = donor.id
    open_days = [start_day + timedelta(days=d) for d in range((today - start_day).days)
                 if (start_day + timedelta(days=d)).weekday() in (1, 3, 5)]
    site = _SiteStock(site_ids[0], rng=rng, start_day=start_day, open_days=open_days, restocks=restocks,
                      today=today, grace=grace_days_by_category(), donors=donors)
    first_product = next_id(Product)
    product_rows, barcode_rows = [], []
    prices: dict[int, tuple[int, int, str]] = {}  # product id -> (retail, social, source)
    for n in range(products):
        pid = first_product + n
        retail = rng.randint(50, 1500)
        source = rng.choices(SOURCES, weights=[30, 15, 25, 10, 10, 10])[0]
        percent = rng.choice([10, 20, 30])
        social = 0 if source == "fead" else min((retail * percent + 50) // 100,
                                                 (retail * 10 + 50) // 100 if source == "food_bank" else retail)
        category_id = rng.choice(categories)
        product_rows.append({"id": pid, "name": f"Produit généré {pid:05d}", "category_id": category_id,
                             "unit_kind": "piece", "net_weight_g": rng.choice([250, 500, 1000]),
                             "retail_price_cents": retail, "price_rule": "percent", "social_percent": percent,
                             "low_stock_threshold": 5, "is_active": True})
        barcode_rows.append({"product_id": pid, "code": make_ean13("54", 10**8 + pid),
                             "is_instore": False})
        prices[pid] = (retail, social, source)
        site.receive(pid, source, category_id)  # the first site's lots, drawn with the product as before sites
    insert_rows(Product, product_rows)
    insert_rows(ProductBarcode, barcode_rows)
    categories_of = {row["id"]: row["category_id"] for row in product_rows}
    del product_rows, barcode_rows

    # --- site by site: receptions, till sessions and sales over the years, the rest wasted, written -----------
    sale_count = sale_lines // LINES_PER_SALE
    household_ids = list(cards)
    result = {"households": households, "products": products, "sales": 0, "sale_lines": 0, "till_sessions": 0,
              "donations": 0, "lots": 0, "waste_movements": 0}
    with click.progressbar(length=sale_count, label=gettext("Sales")) as bar:
        for index, site_id in enumerate(site_ids):
            if index:
                site = _SiteStock(site_id, rng=rng, start_day=start_day, open_days=open_days, restocks=restocks,
                                  today=today, grace=site.grace, donors=donors)
                for pid, (_retail, _social, source) in prices.items():
                    site.receive(pid, source, categories_of[pid])
            count = sale_count * (index + 1) // len(site_ids) - sale_count * index // len(site_ids)
            site.sell(count, prices=prices, cards=cards, household_ids=household_ids,
                      home=home_households[site_id] if len(site_ids) > 1 else None, cashier_id=cashier.id, bar=bar)
            for key, value in site.write().items():
                result[key] += value
    db.session.flush()
    if len(site_ids) > 1:
        result["sites"] = len(site_ids)
    if volunteers:
        result.update(generate_volunteering(open_days, participants=volunteers, rng=rng, actor=cashier,
                                            site_ids=site_ids))
    advance_sequences()
    return result


LINES_PER_SALE = 10
WASTE_REASONS = (["expired", "damaged", "recalled", "other"], [70, 20, 3, 7])


class _SiteStock:
    """One site's generated stock and sales: its lots (per product, in arrival order; sales take from the latest lot
    received, what is left of a lot when the next one arrives is discarded as waste, so only the last lot keeps
    stock), its receptions, its till sessions (one a day, "Caisse 1") and its sales with their stock movements and
    budget consumption. Ids are taken from the tables' highest at creation (the previous site is written by then)."""

    def __init__(self, site_id: int, *, rng, start_day, open_days, restocks, today, grace, donors) -> None:
        from grocery.checkout.models import Sale, TillSession
        from grocery.stock.models import Donation, Lot

        self.site_id, self.rng, self.open_days, self.restocks, self.today = site_id, rng, open_days, restocks, today
        self.start_day, self.grace, self.donors = start_day, grace, donors
        self.first_lot, self.first_donation = next_id(Lot), next_id(Donation)
        self.first_session, self.first_sale = next_id(TillSession), next_id(Sale)
        self.lot_rows: list[dict] = []
        #: product id -> (arrival days, lot ids)
        self.product_lots: dict[int, tuple[list[date], list[int]]] = {}
        self.donations: dict[tuple[date, str], int] = {}
        self.sold: dict[int, int] = {}
        self.sale_rows, self.line_rows, self.movement_rows, self.budget_rows = [], [], [], []

    def receive(self, pid: int, source: str, category_id: int) -> None:
        """The product's lots at this site: one at the start, `restocks` on random opening days."""
        from grocery.stock.ddm import hold_from

        rng, open_days = self.rng, self.open_days
        arrivals = [self.start_day]
        if self.restocks and open_days:
            arrivals += sorted(rng.sample(open_days, min(self.restocks, len(open_days))))
        lot_ids = []
        for index, received_on in enumerate(arrivals):
            donation_id = self.donations.setdefault((received_on, source), self.first_donation + len(self.donations))
            lot_id = self.first_lot + len(self.lot_rows)
            last = index == len(arrivals) - 1
            best_before = (self.today + timedelta(days=rng.randint(30, 400)) if last
                           else arrivals[index + 1] + timedelta(days=rng.randint(0, 20)))
            self.lot_rows.append({"id": lot_id, "site_id": self.site_id, "product_id": pid,
                                  "donation_id": donation_id, "source": source, "received_on": received_on,
                                  "use_by_on": None, "best_before_on": best_before,
                                  "ddm_hold_from": hold_from(best_before, self.grace[category_id]),
                                  "quantity_received": 0, "quantity_on_hand": 0})
            self.sold[lot_id] = 0
            lot_ids.append(lot_id)
        self.product_lots[pid] = (arrivals, lot_ids)

    def sell(self, count: int, *, prices, cards, household_ids, home, cashier_id, bar) -> None:
        """`count` sales spread over the opening days, each of LINES_PER_SALE products from the lot of the day; the
        household is one of the site's own (`home`) HOME_SHARE of the time, else any (every one when `home` is
        None: one site)."""
        rng, open_days, site_id = self.rng, self.open_days, self.site_id
        self.cashier_id = cashier_id
        self.session_rows = [
            {"id": self.first_session + index, "site_id": site_id, "till_name": "Caisse 1", "status": "closed",
             "opened_at": datetime.combine(day, time(8, 30), tzinfo=UTC), "opened_by_id": cashier_id,
             "held_by_id": cashier_id, "float_cents": 5000,
             "closed_at": datetime.combine(day, time(12, 30), tzinfo=UTC), "closed_by_id": cashier_id,
             "counted_cents": 5000, "expected_cents": 5000, "difference_cents": 0}
            for index, day in enumerate(open_days)]
        product_ids = list(prices)
        sold, product_lots = self.sold, self.product_lots
        sale_rows, line_rows, movement_rows, budget_rows = (self.sale_rows, self.line_rows, self.movement_rows,
                                                            self.budget_rows)
        for n in range(count):
            sid = self.first_sale + n
            day_index = n * len(open_days) // count
            day = open_days[day_index]
            hid = rng.choice(home) if home and rng.random() < HOME_SHARE else rng.choice(household_ids)
            at = datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(seconds=rng.randint(0, 3 * 3600))
            sale_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            total = retail_total = 0
            for pid in rng.sample(product_ids, min(LINES_PER_SALE, len(product_ids))):
                retail, social, source = prices[pid]
                arrivals, lot_ids = product_lots[pid]
                lot_id = lot_ids[bisect_right(arrivals, day) - 1]
                quantity = rng.choice([1, 1, 1, 2, 3])
                sold[lot_id] += quantity
                total += social * quantity
                retail_total += retail * quantity
                line_rows.append({"sale_id": sid, "product_id": pid, "lot_id": lot_id, "quantity": quantity,
                                  "price_cents": social * quantity, "retail_cents": retail * quantity,
                                  "source": source, "is_free_programme": source == "fead",
                                  "past_best_before": False, "refunded_quantity": 0})
                movement_rows.append({"lot_id": lot_id, "site_id": site_id, "kind": "sale", "quantity": -quantity,
                                      "occurred_at": at, "reference": sale_uuid, "actor_id": cashier_id})
            sale_rows.append({"id": sid, "site_id": site_id, "uuid": sale_uuid,
                              "till_session_id": self.first_session + day_index, "household_id": hid,
                              "card_code": cards[hid], "cashier_id": cashier_id, "created_at": at,
                              "budget_period_start": day - timedelta(days=day.weekday()), "total_cents": total,
                              "retail_cents": retail_total, "paid_cents": total,
                              "payment_method": "cash" if total else "free", "tendered_cents": None,
                              "change_cents": None, "status": "completed", "receipt_prints": 1})
            if total:
                budget_rows.append({"household_id": hid, "period_start": day - timedelta(days=day.weekday()),
                                     "amount_cents": -total, "kind": "sale", "reference": sale_uuid,
                                     "actor_id": cashier_id, "created_at": at})
            bar.update(1)

    def write(self) -> dict:
        """Receive what was sold plus what is left (500 pieces on each product's last lot), discard the rest of
        the earlier lots, and write the site's rows; returns its figures."""
        from grocery.checkout.models import Sale, SaleLine, TillSession
        from grocery.households.models import BudgetMovement
        from grocery.stock.models import Donation, DonationLine, Lot, StockMovement

        rng, site_id = self.rng, self.site_id
        remaining = 500
        receipt_rows, line_rows_donated, waste_rows = [], [], []
        for row in self.lot_rows:
            arrivals, lot_ids = self.product_lots[row["product_id"]]
            index = lot_ids.index(row["id"]) if len(lot_ids) > 1 else 0
            last = index == len(lot_ids) - 1
            leftover = remaining if last else rng.choice([0, 0, 0, 1, 2, 3, 5, 8])
            received = self.sold[row["id"]] + leftover
            if received == 0:
                received = leftover = 1 + rng.randint(0, 4)
            row["quantity_received"] = received
            row["quantity_on_hand"] = leftover if last else 0
            received_at = datetime.combine(row["received_on"], time(8, 0), tzinfo=UTC)
            receipt_rows.append({"lot_id": row["id"], "site_id": site_id, "kind": "receipt", "quantity": received,
                                 "occurred_at": received_at, "donation_id": row["donation_id"]})
            line_rows_donated.append({"donation_id": row["donation_id"], "product_id": row["product_id"],
                                      "quantity": received, "best_before_on": row["best_before_on"]})
            if not last and leftover:
                discarded_at = datetime.combine(arrivals[index + 1], time(18, 0), tzinfo=UTC)
                waste_rows.append({"lot_id": row["id"], "site_id": site_id, "kind": "waste", "quantity": -leftover,
                                   "reason": rng.choices(*WASTE_REASONS)[0], "occurred_at": discarded_at,
                                   "actor_id": self.cashier_id})
        donation_rows = [{"id": donation_id, "site_id": site_id, "donor_id": self.donors[source],
                          "received_on": received_on, "programme": "FSE+" if source == "fead" else "",
                          "status": "confirmed", "created_at": datetime.combine(received_on, time(8, 0), tzinfo=UTC),
                          "confirmed_at": datetime.combine(received_on, time(8, 0), tzinfo=UTC)}
                         for (received_on, source), donation_id in self.donations.items()]
        insert_rows(Donation, donation_rows)
        insert_rows(DonationLine, line_rows_donated)
        insert_rows(Lot, self.lot_rows)
        insert_rows(StockMovement, receipt_rows)
        insert_rows(StockMovement, waste_rows)
        insert_rows(TillSession, self.session_rows)
        insert_rows(Sale, self.sale_rows)
        insert_rows(SaleLine, self.line_rows)
        insert_rows(StockMovement, self.movement_rows)
        insert_rows(BudgetMovement, self.budget_rows)
        return {"sales": len(self.sale_rows), "sale_lines": len(self.line_rows),
                "till_sessions": len(self.session_rows), "donations": len(donation_rows),
                "lots": len(self.lot_rows), "waste_movements": len(waste_rows)}


VOLUNTEER_SHIFTS = [("Caisse", time(9, 0), time(12, 0), 3), ("Réception des dons", time(8, 0), time(10, 0), 2),
                    ("Accueil", time(13, 30), time(16, 30), 2)]
ENGAGEMENTS = (["volunteer", "article60", "social_activation", "internship", "other"], [60, 10, 20, 5, 5])


def generate_volunteering(open_days: list[date], *, participants: int, rng: random.Random, actor,
                          site_ids: list[int] | None = None) -> dict:
    """Participants with engagement types, each working at one of `site_ids` (in turn; default: the current
    site), three shifts per opening day at each site, bookings with attendance, validated day sheets per site
    (minutes frozen as validate_day does) and one attestation per participant and year with hours. Days already
    validated at a site are left alone there."""
    from grocery.barcodes import PREFIX_VOLUNTEER_BADGE
    from grocery.sites.context import current_site_id
    from grocery.volunteers.models import Activity, Assignment, AttestationIssue, DaySheet, Participant, Shift

    site_ids = site_ids or [current_site_id()]
    activities = {}
    for name, *_rest in VOLUNTEER_SHIFTS:
        activity = db.session.scalar(select(Activity).where(Activity.name == name))
        if activity is None:
            activity = Activity(name=name)
            db.session.add(activity)
            db.session.flush()
        activities[name] = activity.id
    validated = set(db.session.execute(select(DaySheet.site_id, DaySheet.held_on)))
    days_at = {site_id: [day for day in open_days if (site_id, day) not in validated] for site_id in site_ids}
    days = sorted({day for site_days in days_at.values() for day in site_days})
    if not days:
        return {"participants": 0, "shifts": 0, "assignments": 0}
    first_participant = next_id(Participant)
    people = []
    for n in range(participants):
        pid = first_participant + n
        started = days[0] + timedelta(days=rng.randint(0, max(0, (days[-1] - days[0]).days // 2)))
        ended = None if rng.random() < 0.7 else started + timedelta(days=rng.randint(60, 500))
        people.append({"id": pid, "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
                       "engagement_type": rng.choices(*ENGAGEMENTS)[0], "started_on": started, "ended_on": ended,
                       "capabilities": [], "badge_code": make_ean13(PREFIX_VOLUNTEER_BADGE, 9_000_000_000 + pid)})
    first_shift = next_id(Shift)
    shift_rows, assignment_rows, sheet_rows = [], [], []
    minutes_by_year: dict[tuple[int, int], int] = {}
    for index, site_id in enumerate(site_ids):
        staff = people[index::len(site_ids)]
        for day in days_at[site_id]:
            available = [p["id"] for p in staff if p["started_on"] <= day and (p["ended_on"] is None
                                                                                or p["ended_on"] >= day)]
            rng.shuffle(available)
            for name, start, end, capacity in VOLUNTEER_SHIFTS:
                shift_id = first_shift + len(shift_rows)
                minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
                shift_rows.append({"id": shift_id, "site_id": site_id, "held_on": day, "start_time": start,
                                   "end_time": end, "activity_id": activities[name], "capacity": capacity,
                                   "is_cancelled": False})
                for _ in range(min(rng.randint(1, capacity), len(available))):
                    participant_id = available.pop()
                    attendance = rng.choices(["present", "late", "absent", "excused"], weights=[80, 8, 8, 4])[0]
                    validated_minutes = minutes if attendance in ("present", "late") else 0
                    assignment_rows.append({"shift_id": shift_id, "participant_id": participant_id,
                                            "status": "booked", "source": "coordinator", "attendance": attendance,
                                            "validated_minutes": validated_minutes})
                    key = (participant_id, day.year)
                    minutes_by_year[key] = minutes_by_year.get(key, 0) + validated_minutes
            sheet_rows.append({"site_id": site_id, "held_on": day,
                               "validated_at": datetime.combine(day, time(18, 0), tzinfo=UTC),
                               "validated_by_id": getattr(actor, "id", None)})
    attestation_rows = [{"reference": f"ATT-GEN-{pid}-{year}", "participant_id": pid, "period_from": date(year, 1, 1),
                         "period_to": date(year, 12, 31), "total_minutes": minutes,
                         "issued_at": datetime(year, 12, 31, 12, 0, tzinfo=UTC) if year < days[-1].year
                         else datetime.combine(days[-1], time(12, 0), tzinfo=UTC)}
                        for (pid, year), minutes in sorted(minutes_by_year.items()) if minutes]
    with click.progressbar(length=len(people) + len(shift_rows) + len(assignment_rows) + len(sheet_rows)
                           + len(attestation_rows), label=gettext("Volunteering")) as bar:
        insert_rows(Participant, people, bar)
        insert_rows(Shift, shift_rows, bar)
        insert_rows(Assignment, assignment_rows, bar)
        insert_rows(DaySheet, sheet_rows, bar)
        insert_rows(AttestationIssue, attestation_rows, bar)
    return {"participants": len(people), "shifts": len(shift_rows), "assignments": len(assignment_rows),
            "attestations": len(attestation_rows)}


#: What the command prints for each figure generate_history returns.
RESULT_LABELS = {
    "households": _l("households"), "products": _l("products"), "sales": _l("sales"), "sale_lines": _l("sale lines"),
    "till_sessions": _l("till sessions"), "donations": _l("donations"), "lots": _l("lots"),
    "waste_movements": _l("waste movements"), "participants": _l("participants"), "shifts": _l("shifts"),
    "assignments": _l("shift bookings"), "attestations": _l("attestations"), "sites": _l("sites"),
}


def register_largedata_cli(app) -> None:
    @app.cli.command("generate-large")
    @click.option("--households", default=2000, show_default=True)
    @click.option("--products", default=5000, show_default=True)
    @click.option("--sale-lines", default=1_000_000, show_default=True)
    @click.option("--years", default=3, show_default=True)
    @click.option("--seed", default=42, show_default=True)
    @click.option("--restocks", default=6, show_default=True, help="Receptions per product after the first lot.")
    @click.option("--volunteers", default=60, show_default=True, help="Participants doing shifts (0: none).")
    @click.option("--sites", default=1, show_default=True,
                  help="Sites of the federation (the existing ones first, then new antennes).")
    def generate_large(households, products, sale_lines, years, seed, restocks, volunteers, sites):
        """Generate a multi-year history (benchmarks, load tests); run `flask demo` first for the accounts."""
        result = generate_history(households=households, products=products, sale_lines=sale_lines, years=years,
                                  seed=seed, restocks=restocks, volunteers=volunteers, sites=sites)
        db.session.commit()
        click.echo(", ".join(gettext("%(what)s: %(num)d", what=RESULT_LABELS.get(key, key), num=value)
                             for key, value in result.items()))
