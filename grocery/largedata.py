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
from sqlalchemy import func, insert, select, text

from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, gtin_check_digit, make_ean13
from grocery.extensions import db

BATCH = 20_000
FIRST_NAMES = ["Fatima", "Jean", "Marie", "Mohamed", "Aïcha", "Luc", "Sofia", "Pierre", "Nadia", "Olivier", "Inès",
               "Youssef", "Julie", "Ahmed", "Sarah", "Marc", "Leïla", "Thomas", "Amina", "David"]
LAST_NAMES = ["Dubois", "Peeters", "Janssens", "El Amrani", "Lambert", "Dupont", "Maes", "Benali", "Martin",
              "Jacobs", "Diallo", "Leroy", "Willems", "Haddad", "Simon", "Claes", "Nowak", "Mertens"]
CATEGORIES = [("Fruits et légumes", 20), ("Frais", 20), ("Épicerie sèche", 20), ("Conserves", 20),
              ("Boissons", 20), ("Hygiène", 25), ("Entretien", 25), ("Bébé", 15)]
SOURCES = ["food_bank", "fead", "supermarket", "private", "collection", "purchase"]


def _chunks(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert(model, rows, bar=None) -> None:
    """Bulk-insert `rows`; rows of a site-owned table without a site go to the current site (the first one unless
    the command runs inside grocery.sites.context.using_site)."""
    if rows and "site_id" in model.__table__.c and "site_id" not in rows[0]:
        from grocery.sites.context import current_site_id

        site_id = current_site_id()
        for row in rows:
            row["site_id"] = site_id
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)
        if bar is not None:
            bar.update(len(chunk))
    if rows and "id" in rows[0]:
        _WITH_EXPLICIT_IDS.add(model.__table__.name)


_WITH_EXPLICIT_IDS: set[str] = set()


def _advance_sequences() -> None:
    """PostgreSQL: rows inserted with their own ids leave the tables' id sequences behind; move each past the
    highest id, or the next row the application adds would collide (SQLite takes max(id) + 1 by itself)."""
    if db.session.get_bind().dialect.name != "postgresql":
        _WITH_EXPLICIT_IDS.clear()
        return
    for table in sorted(_WITH_EXPLICIT_IDS):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    _WITH_EXPLICIT_IDS.clear()


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def generate_history(*, households: int = 2000, products: int = 5000, sale_lines: int = 1_000_000,
                     years: int = 3, seed: int = 42, restocks: int = 6, volunteers: int = 60,
                     echo=click.echo) -> dict:
    """Add households with decisions and cards; products with barcodes; for each product a first lot at the start
    and `restocks` later receptions (donations by source with their lines and receipt movements, the rest of the
    previous lot discarded as waste); `years` of till sessions with sales taking from the lot of the day, their
    stock movements and budget consumption; `volunteers` participants with shifts and validated attendance.
    Flushes; the caller commits."""
    from grocery.auth.models import User
    from grocery.checkout.models import Sale, SaleLine, TillSession
    from grocery.households.models import BudgetMovement, Decision, Household, HouseholdCard, Member
    from grocery.stock.models import (
        Donation,
        DonationLine,
        Donor,
        Lot,
        Product,
        ProductBarcode,
        ProductCategory,
        StockMovement,
    )

    rng = random.Random(seed)
    today = date.today()
    start_day = today - timedelta(days=365 * years)
    now = datetime.now(UTC)
    cashier = db.session.scalar(select(User).where(User.role == "cashier").order_by(User.id))
    if cashier is None:
        raise click.ClickException(gettext("Create a cashier account first (flask demo, or create-user --role "
                                           "cashier)."))

    # --- households, members, decisions (six months each, renewed), cards -------------------------------------
    echo(gettext("Households: %(num)d", num=households))
    first_household = _next_id(Household)
    first_member = _next_id(Member)
    year = today.year
    household_rows, member_rows, decision_rows, card_rows = [], [], [], []
    cards: dict[int, str] = {}
    for n in range(households):
        hid = first_household + n
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
        _insert(Household, household_rows, bar)
        _insert(Member, member_rows, bar)
        _insert(Decision, decision_rows, bar)
        _insert(HouseholdCard, card_rows, bar)

    # --- catalogue, donors, receptions: lots received over the years ------------------------------------------
    categories = []
    for name, percent in CATEGORIES:
        category = db.session.scalar(select(ProductCategory).where(ProductCategory.name == name))
        if category is None:
            category = ProductCategory(name=name, default_social_percent=percent)
            db.session.add(category)
            db.session.flush()
        categories.append(category.id)
    from grocery.stock.ddm import grace_days_by_category, hold_from

    grace = grace_days_by_category()
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
    first_product = _next_id(Product)
    first_lot = _next_id(Lot)
    first_donation = _next_id(Donation)
    product_rows, barcode_rows, lot_rows = [], [], []
    prices: dict[int, tuple[int, int, str]] = {}  # product id -> (retail, social, source)
    #: Each product's lots in arrival order: (received on, lot id). Sales take from the latest lot received;
    #: what is left of a lot when the next one arrives is discarded as waste, so only the last lot keeps stock.
    product_lots: dict[int, tuple[list[date], list[int]]] = {}
    donations: dict[tuple[date, str], int] = {}
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
        arrivals = [start_day]
        if restocks and open_days:
            arrivals += sorted(rng.sample(open_days, min(restocks, len(open_days))))
        lot_ids = []
        for index, received_on in enumerate(arrivals):
            donation_id = donations.setdefault((received_on, source), first_donation + len(donations))
            lot_id = first_lot + len(lot_rows)
            last = index == len(arrivals) - 1
            best_before = (today + timedelta(days=rng.randint(30, 400)) if last
                           else arrivals[index + 1] + timedelta(days=rng.randint(0, 20)))
            lot_rows.append({"id": lot_id, "product_id": pid, "donation_id": donation_id, "source": source,
                             "received_on": received_on, "use_by_on": None, "best_before_on": best_before,
                             "ddm_hold_from": hold_from(best_before, grace[category_id]),
                             "quantity_received": 0, "quantity_on_hand": 0})
            lot_ids.append(lot_id)
        product_lots[pid] = (arrivals, lot_ids)
    donation_rows = [{"id": donation_id, "donor_id": donors[source], "received_on": received_on,
                      "programme": "FSE+" if source == "fead" else "", "status": "confirmed",
                      "created_at": datetime.combine(received_on, time(8, 0), tzinfo=UTC),
                      "confirmed_at": datetime.combine(received_on, time(8, 0), tzinfo=UTC)}
                     for (received_on, source), donation_id in donations.items()]

    # --- sales over the years ------------------------------------------------------------------------------------
    lines_per_sale = 10
    sale_count = sale_lines // lines_per_sale
    first_session = _next_id(TillSession)
    session_rows = []
    for index, day in enumerate(open_days):
        session_rows.append({"id": first_session + index, "till_name": "Caisse 1", "status": "closed",
                             "opened_at": datetime.combine(day, time(8, 30), tzinfo=UTC),
                             "opened_by_id": cashier.id, "held_by_id": cashier.id, "float_cents": 5000,
                             "closed_at": datetime.combine(day, time(12, 30), tzinfo=UTC), "closed_by_id": cashier.id,
                             "counted_cents": 5000, "expected_cents": 5000, "difference_cents": 0})
    first_sale = _next_id(Sale)
    household_ids = list(cards)
    product_ids = list(prices)
    sold: dict[int, int] = dict.fromkeys((row["id"] for row in lot_rows), 0)
    sale_rows, line_rows, movement_rows, budget_rows = [], [], [], []
    with click.progressbar(length=sale_count, label=gettext("Sales")) as bar:
        for n in range(sale_count):
            sid = first_sale + n
            day_index = n * len(open_days) // sale_count
            day = open_days[day_index]
            hid = rng.choice(household_ids)
            at = datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(seconds=rng.randint(0, 3 * 3600))
            sale_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            total = retail_total = 0
            for pid in rng.sample(product_ids, min(lines_per_sale, len(product_ids))):
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
                movement_rows.append({"lot_id": lot_id, "kind": "sale", "quantity": -quantity, "occurred_at": at,
                                      "reference": sale_uuid, "actor_id": cashier.id})
            sale_rows.append({"id": sid, "uuid": sale_uuid, "till_session_id": first_session + day_index,
                              "household_id": hid, "card_code": cards[hid], "cashier_id": cashier.id,
                              "created_at": at, "budget_period_start": day - timedelta(days=day.weekday()),
                              "total_cents": total, "retail_cents": retail_total, "paid_cents": total,
                              "payment_method": "cash" if total else "free", "tendered_cents": None,
                              "change_cents": None, "status": "completed", "receipt_prints": 1})
            if total:
                budget_rows.append({"household_id": hid, "period_start": day - timedelta(days=day.weekday()),
                                     "amount_cents": -total, "kind": "sale", "reference": sale_uuid,
                                     "actor_id": cashier.id, "created_at": at})
            bar.update(1)
    remaining = 500
    receipt_rows, line_rows_donated, waste_rows = [], [], []
    waste_reasons = ["expired", "damaged", "recalled", "other"]
    for row in lot_rows:
        arrivals, lot_ids = product_lots[row["product_id"]]
        index = lot_ids.index(row["id"]) if len(lot_ids) > 1 else 0
        last = index == len(lot_ids) - 1
        leftover = remaining if last else rng.choice([0, 0, 0, 1, 2, 3, 5, 8])
        received = sold[row["id"]] + leftover
        if received == 0:
            received = leftover = 1 + rng.randint(0, 4)
        row["quantity_received"] = received
        row["quantity_on_hand"] = leftover if last else 0
        received_at = datetime.combine(row["received_on"], time(8, 0), tzinfo=UTC)
        receipt_rows.append({"lot_id": row["id"], "kind": "receipt", "quantity": received, "occurred_at": received_at,
                             "donation_id": row["donation_id"]})
        line_rows_donated.append({"donation_id": row["donation_id"], "product_id": row["product_id"],
                                  "quantity": received, "best_before_on": row["best_before_on"]})
        if not last and leftover:
            discarded_at = datetime.combine(arrivals[index + 1], time(18, 0), tzinfo=UTC)
            waste_rows.append({"lot_id": row["id"], "kind": "waste", "quantity": -leftover,
                               "reason": rng.choices(waste_reasons, weights=[70, 20, 3, 7])[0],
                               "occurred_at": discarded_at, "actor_id": cashier.id})
    total_rows = (len(product_rows) * 2 + len(donation_rows) + len(line_rows_donated) + len(lot_rows)
                  + len(receipt_rows) + len(waste_rows) + len(session_rows) + len(sale_rows) + len(line_rows)
                  + len(movement_rows) + len(budget_rows))
    with click.progressbar(length=total_rows, label=gettext("Writing")) as bar:
        _insert(Product, product_rows, bar)
        _insert(ProductBarcode, barcode_rows, bar)
        _insert(Donation, donation_rows, bar)
        _insert(DonationLine, line_rows_donated, bar)
        _insert(Lot, lot_rows, bar)
        _insert(StockMovement, receipt_rows, bar)
        _insert(StockMovement, waste_rows, bar)
        _insert(TillSession, session_rows, bar)
        _insert(Sale, sale_rows, bar)
        _insert(SaleLine, line_rows, bar)
        _insert(StockMovement, movement_rows, bar)
        _insert(BudgetMovement, budget_rows, bar)
    db.session.flush()
    result = {"households": households, "products": products, "sales": len(sale_rows), "sale_lines": len(line_rows),
              "till_sessions": len(session_rows), "donations": len(donation_rows), "lots": len(lot_rows),
              "waste_movements": len(waste_rows)}
    if volunteers:
        result.update(generate_volunteering(open_days, participants=volunteers, rng=rng, actor=cashier))
    _advance_sequences()
    return result


VOLUNTEER_SHIFTS = [("Caisse", time(9, 0), time(12, 0), 3), ("Réception des dons", time(8, 0), time(10, 0), 2),
                    ("Accueil", time(13, 30), time(16, 30), 2)]
ENGAGEMENTS = (["volunteer", "article60", "social_activation", "internship", "other"], [60, 10, 20, 5, 5])


def generate_volunteering(open_days: list[date], *, participants: int, rng: random.Random, actor) -> dict:
    """Participants with engagement types, three shifts per opening day, bookings with attendance, validated day
    sheets (minutes frozen as validate_day does) and one attestation per participant and year with hours. Days
    already validated in the database are left alone."""
    from grocery.barcodes import PREFIX_VOLUNTEER_BADGE
    from grocery.volunteers.models import Activity, Assignment, AttestationIssue, DaySheet, Participant, Shift

    activities = {}
    for name, *_rest in VOLUNTEER_SHIFTS:
        activity = db.session.scalar(select(Activity).where(Activity.name == name))
        if activity is None:
            activity = Activity(name=name)
            db.session.add(activity)
            db.session.flush()
        activities[name] = activity.id
    validated = set(db.session.scalars(select(DaySheet.held_on)))
    days = [day for day in open_days if day not in validated]
    if not days:
        return {"participants": 0, "shifts": 0, "assignments": 0}
    first_participant = _next_id(Participant)
    people = []
    for n in range(participants):
        pid = first_participant + n
        started = days[0] + timedelta(days=rng.randint(0, max(0, (days[-1] - days[0]).days // 2)))
        ended = None if rng.random() < 0.7 else started + timedelta(days=rng.randint(60, 500))
        people.append({"id": pid, "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
                       "engagement_type": rng.choices(*ENGAGEMENTS)[0], "started_on": started, "ended_on": ended,
                       "capabilities": [], "badge_code": make_ean13(PREFIX_VOLUNTEER_BADGE, 9_000_000_000 + pid)})
    first_shift = _next_id(Shift)
    shift_rows, assignment_rows, sheet_rows = [], [], []
    minutes_by_year: dict[tuple[int, int], int] = {}
    for day in days:
        available = [p["id"] for p in people if p["started_on"] <= day and (p["ended_on"] is None
                                                                              or p["ended_on"] >= day)]
        rng.shuffle(available)
        for name, start, end, capacity in VOLUNTEER_SHIFTS:
            shift_id = first_shift + len(shift_rows)
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            shift_rows.append({"id": shift_id, "held_on": day, "start_time": start, "end_time": end,
                               "activity_id": activities[name], "capacity": capacity, "is_cancelled": False})
            for _ in range(min(rng.randint(1, capacity), len(available))):
                participant_id = available.pop()
                attendance = rng.choices(["present", "late", "absent", "excused"], weights=[80, 8, 8, 4])[0]
                validated_minutes = minutes if attendance in ("present", "late") else 0
                assignment_rows.append({"shift_id": shift_id, "participant_id": participant_id, "status": "booked",
                                        "source": "coordinator", "attendance": attendance,
                                        "validated_minutes": validated_minutes})
                key = (participant_id, day.year)
                minutes_by_year[key] = minutes_by_year.get(key, 0) + validated_minutes
        sheet_rows.append({"held_on": day, "validated_at": datetime.combine(day, time(18, 0), tzinfo=UTC),
                           "validated_by_id": getattr(actor, "id", None)})
    attestation_rows = [{"reference": f"ATT-GEN-{pid}-{year}", "participant_id": pid, "period_from": date(year, 1, 1),
                         "period_to": date(year, 12, 31), "total_minutes": minutes,
                         "issued_at": datetime(year, 12, 31, 12, 0, tzinfo=UTC) if year < days[-1].year
                         else datetime.combine(days[-1], time(12, 0), tzinfo=UTC)}
                        for (pid, year), minutes in sorted(minutes_by_year.items()) if minutes]
    with click.progressbar(length=len(people) + len(shift_rows) + len(assignment_rows) + len(sheet_rows)
                           + len(attestation_rows), label=gettext("Volunteering")) as bar:
        _insert(Participant, people, bar)
        _insert(Shift, shift_rows, bar)
        _insert(Assignment, assignment_rows, bar)
        _insert(DaySheet, sheet_rows, bar)
        _insert(AttestationIssue, attestation_rows, bar)
    return {"participants": len(people), "shifts": len(shift_rows), "assignments": len(assignment_rows),
            "attestations": len(attestation_rows)}


#: What the command prints for each figure generate_history returns.
RESULT_LABELS = {
    "households": _l("households"), "products": _l("products"), "sales": _l("sales"), "sale_lines": _l("sale lines"),
    "till_sessions": _l("till sessions"), "donations": _l("donations"), "lots": _l("lots"),
    "waste_movements": _l("waste movements"), "participants": _l("participants"), "shifts": _l("shifts"),
    "assignments": _l("shift bookings"), "attestations": _l("attestations"),
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
    def generate_large(households, products, sale_lines, years, seed, restocks, volunteers):
        """Generate a multi-year history (benchmarks, load tests); run `flask demo` first for the accounts."""
        result = generate_history(households=households, products=products, sale_lines=sale_lines, years=years,
                                  seed=seed, restocks=restocks, volunteers=volunteers)
        db.session.commit()
        click.echo(", ".join(gettext("%(what)s: %(num)d", what=RESULT_LABELS.get(key, key), num=value)
                             for key, value in result.items()))
