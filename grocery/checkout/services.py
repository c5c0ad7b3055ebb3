"""Sales at the till: quote, commit (eligibility, quotas, budget, FEFO lots priced by source); voids and refunds
live in grocery.checkout.refunds."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached, selectinload

from grocery.checkout.models import Sale, SaleLine, TillSession
from grocery.checkout.price_labels import (
    check_labels_for_products,
    item_numbers_of,
    price_with_labels,
    take_price_labels,
)

# Re-exported: the views and the demo take them from here.
from grocery.checkout.refunds import (  # noqa: F401
    REFUND_CONDITIONS,
    can_void_or_refund,
    mark_receipt_printed,
    refund_condition,
    refund_sale,
)
from grocery.checkout.till import TillClosed, TillRef
from grocery.dbutil import run, run_plain
from grocery.errors import (
    GroceryError,
    InsufficientStock,
    NotEligible,
    OverBudget,
    QuotaExceeded,
    ValidationError,
)
from grocery.extensions import db
from grocery.money import format_money
from grocery.timeutil import local_day_bounds, local_today, utcnow

MAX_LINES = 200
MAX_QUANTITY = 100_000
#: Ids are 32-bit integers in the database: a larger number names no row (and must not reach the driver).
MAX_ID = 2**31 - 1
#: Cash handed over for one sale, in cents (10,000 €): more is a typing error, and stays within the column's range.
MAX_TENDERED_CENTS = 1_000_000


class UnknownCard(GroceryError):
    code = "unknown_card"
    status = 404
    default_message = _l("Unknown card: check the card or look the household up by name and birth date.")


class CardReplaced(GroceryError):
    code = "card_replaced"
    status = 403
    default_message = _l("Card replaced: ask for the new card or see the social service.")


class UuidConflict(GroceryError):
    code = "uuid_conflict"
    status = 409
    default_message = _l("This sale number is already used by another sale: start a new sale.")


class UnknownProduct(GroceryError):
    code = "unknown_product"
    status = 404
    default_message = _l("Unknown product.")


@dataclass
class PricedLine:
    product_id: int
    #: The product as the till read it (grocery.stock.services.TillProduct).
    product: object
    name: str
    quantity: int
    price_cents: int
    retail_cents: int
    allocations: list = field(default_factory=list)
    #: The social price of each allocation, in the same order.
    allocation_prices: list[int] = field(default_factory=list)
    free_programme_quantity: int = 0
    past_best_before: bool = False


@dataclass
class Quote:
    household_id: int | None
    lines: list[PricedLine]
    total_cents: int
    retail_cents: int
    budget_left_cents: int | None
    violations: list[dict]

    @property
    def savings_cents(self) -> int:
        return self.retail_cents - self.total_cents

    def as_json(self) -> dict:
        return {
            "lines": [
                {"product_id": line.product_id, "name": line.name, "quantity": line.quantity,
                 "price_cents": line.price_cents, "retail_cents": line.retail_cents,
                 "free_programme_quantity": line.free_programme_quantity,
                 "past_best_before": line.past_best_before}
                for line in self.lines
            ],
            "total_cents": self.total_cents,
            "retail_cents": self.retail_cents,
            "savings_cents": self.savings_cents,
            "budget_left_cents": self.budget_left_cents,
            "budget_after_cents": None if self.budget_left_cents is None
            else self.budget_left_cents - self.total_cents,
            "violations": self.violations,
        }


# --------------------------------------------------------------------------------------------------------------
# Household at the till
# --------------------------------------------------------------------------------------------------------------

_CARD_ERRORS = {"unknown_card": UnknownCard, "card_replaced": CardReplaced}


def till_site(site_id: int | None) -> int:
    """The site a till request sells at: the till session's (the API passes it, read with the till's status at no
    extra statement), else the current site (grocery.sites.context)."""
    if site_id is not None:
        return site_id
    from grocery.sites.context import current_site_id

    return current_site_id()


def household_for_card(card_code: str, day: date, *, site_id: int | None = None,
                       lock: bool = False) -> tuple[dict, object]:
    """The till summary of a card and its household (a TillHousehold), or the refusal a cashier must see (never
    more): at the till's site `site_id` (None: the current site), a household whose decision names other sites is
    refused. With lock, the household is locked before its budget is read (a sale)."""
    from grocery.households.services import till_lookup

    site_id = till_site(site_id)
    summary, household = till_lookup(card_code, day, lock=lock, site_id=site_id)
    if not summary["eligible"]:
        error = _CARD_ERRORS.get(summary["reason_code"], NotEligible)
        raise error(summary["reason"])
    return summary, household


def till_household(card_code: str, day: date, *, site_id: int | None = None) -> dict:
    """What the till's card lookup sends (till_visit's summary)."""
    return till_visit(card_code, day, site_id=site_id)[0]


def till_visit(card_code: str, day: date, *, site_id: int | None = None) -> tuple[dict, object]:
    """The till summary at the till's site plus the state of the quotas, products' and categories', for this
    household (what is left this period, whatever the site it shopped at), its proxies valid today (id, name, the
    document to check: they replace the old free-text names), its appointment of the day at the site (None: a
    walk-in, served the same) and the renewal warning of the last days of its access; and the household (a
    TillHousehold)."""
    from grocery.checkout.visit import household_visit, renewal_warning
    from grocery.households.services import till_summary

    site_id = till_site(site_id)
    summary, household = household_for_card(card_code, day, site_id=site_id)
    sent = till_summary(card_code, day, summary=summary, quotas=quota_state(household.id, summary["quota_basis"], day))
    visit = household_visit(household.id, site_id, day)
    valid_until = date.fromisoformat(summary["valid_until"]) if summary["valid_until"] else None
    sent.update(proxies=visit["proxies"], appointment=visit["appointment"],
                renewal_warning=renewal_warning(valid_until, day, household.decisions))
    return sent, household


def find_household_for_till(last_name: str, birth_on: date | None, day: date, *,
                            site_id: int | None = None) -> tuple[dict, object]:
    """A forgotten card: the household whose active member has this last name and birth date, only when exactly
    one matches; the till then gets the same summary as with the card (and the household, as till_visit)."""
    from grocery.households.models import HouseholdCard, Member
    from grocery.households.services import fold

    key = fold(last_name)
    if not key or birth_on is None:
        raise ValidationError("last_name", _l("Type the last name and the birth date."))
    household_ids = db.session.scalars(
        select(Member.household_id).where(Member.last_name_key == key, Member.birth_on == birth_on,
                                          Member.is_active.is_(True)).distinct()).all()
    if not household_ids:
        raise UnknownCard(_l("No household found with this name and birth date: check them or see the social "
                             "service."))
    if len(household_ids) > 1:
        raise ValidationError("last_name", _l("Several households match: ask for the card or see the social "
                                              "service."))
    code = db.session.scalar(select(HouseholdCard.code).where(HouseholdCard.household_id == household_ids[0],
                                                              HouseholdCard.is_active.is_(True)))
    if code is None:
        raise NotEligible(_l("This household has no active card: see the social service."))
    return till_visit(code, day, site_id=site_id)


# --------------------------------------------------------------------------------------------------------------
# Quotas
# --------------------------------------------------------------------------------------------------------------

QUOTA_MULTIPLIERS = {"household": None, "per_adult": "adults", "per_child": "children",
                     "per_child_under_3": "children_under_3"}


class QuotaRule(NamedTuple):
    """A quota as the till applies it: on one product (its base units), or on a category (the pieces of its products
    sold by the piece, all together)."""

    kind: str  # "product" or "category"
    id: int
    name: str
    #: The unit of the quantities (format_quantity): the product's, "piece" for a category.
    unit_kind: str
    quota_quantity: int
    quota_scope: str | None
    quota_period: str | None

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.id


def product_rule(product) -> QuotaRule | None:
    """The quota rule of a product as the till reads it (TillProduct), None when it has none."""
    if product.quota_quantity is None:
        return None
    return QuotaRule("product", product.id, product.name, product.unit_kind, product.quota_quantity,
                     product.quota_scope, product.quota_period)


def category_rule(product) -> QuotaRule | None:
    """The quota rule of a product's category (TillProduct), None when the category has none; it counts only
    products sold by the piece."""
    if product.category_quota_quantity is None or product.unit_kind != "piece":
        return None
    return QuotaRule("category", product.category_id, product.category_name, "piece",
                     product.category_quota_quantity, product.category_quota_scope, product.category_quota_period)


def quota_limit(rule, basis: dict) -> int | None:
    """How many base units a household may take per quota period under a rule (a product, a QuotaRule), or None
    when unlimited: the quantity, times the persons its scope counts (adults, children, children under 3)."""
    if rule.quota_quantity is None:
        return None
    counted = QUOTA_MULTIPLIERS.get(rule.quota_scope or "household")
    return rule.quota_quantity * (1 if counted is None else int(basis.get(counted, 0)))


def quota_bounds(period: str | None, day: date) -> tuple[date, date]:
    """[start, end) of the quota period containing a day: a Monday-to-Sunday week or a calendar month."""
    if period == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


@cache
def _quota_rules_query():
    """The active products with a quota and the active categories with a quota, in one statement."""
    from grocery.stock.models import Product, ProductCategory

    products = select(literal("product"), Product.id, Product.name, Product.unit_kind, Product.quota_quantity,
                      Product.quota_scope, Product.quota_period).where(Product.quota_quantity.is_not(None),
                                                                       Product.is_active.is_(True))
    categories = (select(literal("category"), ProductCategory.id, ProductCategory.name, literal("piece"),
                         ProductCategory.quota_quantity, ProductCategory.quota_scope, ProductCategory.quota_period)
                  .where(ProductCategory.quota_quantity.is_not(None), ProductCategory.is_active.is_(True)))
    return union_all(products, categories)


def quota_rules() -> list[QuotaRule]:
    """Every active quota rule, products' and categories', by name."""
    db.session.flush()
    return sorted((QuotaRule(*row) for row in run(_quota_rules_query())), key=lambda rule: (rule.name, rule.kind))


@cache
def _quota_used_query():
    from grocery.stock.models import Product

    # "+ 0": start from the household's sales of the period (index on sales), not from every sale of the product
    # or category since the beginning (SQLite would otherwise pick the product index and grow with the history).
    return (select(SaleLine.product_id, Product.category_id, Product.unit_kind,
                   func.sum(SaleLine.quantity - SaleLine.refunded_quantity))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .join(Product, Product.id == SaleLine.product_id)
            .where(Sale.household_id == bindparam("household_id"), Sale.created_at >= bindparam("since"),
                   Sale.created_at < bindparam("until"),
                   or_((SaleLine.product_id + 0).in_(bindparam("product_ids", expanding=True)),
                       (Product.category_id + 0).in_(bindparam("category_ids", expanding=True))))
            .group_by(SaleLine.product_id, Product.category_id, Product.unit_kind))


def quota_windows(rules: list[QuotaRule], day: date):
    """The rules grouped by their period kind (week, month): for each kind, its bounds on the day as UTC times (since,
    until) with the ids of the products and of the categories whose rules count over it."""
    by_period: dict[str, tuple[set[int], set[int]]] = {}
    for rule in rules:
        product_ids, category_ids = by_period.setdefault(rule.quota_period or "week", (set(), set()))
        (product_ids if rule.kind == "product" else category_ids).add(rule.id)
    for period, (product_ids, category_ids) in by_period.items():
        start, end = quota_bounds(period, day)
        yield local_day_bounds(start)[0], local_day_bounds(end - timedelta(days=1))[1], product_ids, category_ids


def quota_used(household_id: int, rules: list[QuotaRule], day: date) -> dict[tuple[str, int], int]:
    """What a household took under each rule in the rule's quota period (sales net of refunds), by rule key: the
    base units of a product; the pieces of a category's products sold by the piece. One statement per period
    kind (week, month) among the rules."""
    used: dict[tuple[str, int], int] = {}
    for since, until, product_ids, category_ids in quota_windows(rules, day):
        rows = run(_quota_used_query(), {"household_id": household_id, "since": since, "until": until,
                                         "product_ids": sorted(product_ids), "category_ids": sorted(category_ids)})
        for product_id, category_id, unit_kind, total in rows:
            total = int(total or 0)
            if product_id in product_ids:
                used[("product", product_id)] = total
            if category_id in category_ids and unit_kind == "piece":
                used[("category", category_id)] = used.get(("category", category_id), 0) + total
    return used


def quota_state(household_id: int, basis: dict, day: date) -> list[dict]:
    """Every quota rule (products' and categories') with what this household used and has left this period."""
    from grocery.stock.services import format_quantity

    rules = quota_rules()
    used = quota_used(household_id, rules, day)
    state = []
    for rule in rules:
        limit = quota_limit(rule, basis)
        taken = used.get(rule.key, 0)
        left = max(0, limit - taken)
        state.append({"kind": rule.kind, "id": rule.id, "name": rule.name, "limit": limit, "used": taken,
                      "left": left, "left_label": format_quantity(rule, left), "period": rule.quota_period or "week"})
    return state


# --------------------------------------------------------------------------------------------------------------
# Quote
# --------------------------------------------------------------------------------------------------------------


def _parse_lines(lines) -> list[tuple[int, int]]:
    """[(product_id, quantity)] from the client's lines, merged by product; refuses malformed input."""
    if not isinstance(lines, list) or not lines:
        raise ValidationError("lines", _l("The sale has no line."))
    if len(lines) > MAX_LINES:
        raise ValidationError("lines", _l("Too many lines in one sale."))
    merged: dict[int, int] = {}
    for line in lines:
        if not isinstance(line, dict):
            raise ValidationError("lines", _l("A line is malformed."))
        product_id, quantity = line.get("product_id"), line.get("quantity")
        if not isinstance(product_id, int) or isinstance(product_id, bool) or not 0 < product_id <= MAX_ID:
            raise ValidationError("lines", _l("A line has no valid product."))
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity <= MAX_QUANTITY:
            raise ValidationError("lines", _l("A quantity must be a whole number more than zero."))
        merged[product_id] = merged.get(product_id, 0) + quantity
        if merged[product_id] > MAX_QUANTITY:
            raise ValidationError("lines", _l("A quantity must be a whole number more than zero."))
    return list(merged.items())


def _products_and_lots(product_ids: list[int], day: date, *, site_id: int | None,
                       lock: bool = False) -> tuple[dict, dict]:
    from grocery.stock.services import till_products_with_lots

    products, lots = till_products_with_lots(product_ids, day, lock=lock, site_id=site_id)
    for product_id in product_ids:
        product = products.get(product_id)
        if product is None or not product.is_active:
            raise UnknownProduct(_l("Unknown product (number %(id)s): scan it again.", id=product_id))
    return products, lots


def price_lines(household_id: int | None, basis: dict | None, lines: list[tuple[int, int]], day: date,
                *, strict: bool, site_id: int | None = None, lock: bool = False,
                labels: dict | None = None) -> tuple[list[PricedLine], list[dict]]:
    """Allocate each line FEFO from the lots of the till's site `site_id` (None: the current site), price it by its
    lots' sources, and check quotas (counted over every site: one set of quotas per household). With strict, the first
    violation is raised; otherwise violations are collected for the cashier. With lock (a sale), the lots are
    locked and allocated as they are at the moment of the write (see till_products_with_lots). `labels`: the price
    labels of labelled pieces by product id (take_price_labels); such a piece is sold at its printed price within
    its lot's source rules (FEAD/FSE+ goods stay free, the source's cap applies)."""
    from grocery.stock.services import (
        allocate_fefo_many,
        format_quantity,
        price_for_quantity_cents,
        retail_value_cents,
        unit_price_cents,
    )

    products, lots = _products_and_lots([product_id for product_id, _q in lines], day, site_id=site_id, lock=lock)
    if labels:
        check_labels_for_products(labels, products, item_numbers_of(labels))
    violations: list[dict] = []
    rules: dict[tuple[str, int], QuotaRule] = {}
    in_category: dict[int, list[tuple[int, int]]] = {}  # category id -> [(product id, quantity)] of the cart
    for product_id, quantity in lines:
        for rule in (product_rule(products[product_id]), category_rule(products[product_id])):
            if rule is not None:
                rules[rule.key] = rule
                if rule.kind == "category":
                    in_category.setdefault(rule.id, []).append((product_id, quantity))
    used = quota_used(household_id, list(rules.values()), day) if household_id and rules else {}
    if basis is not None:
        for category_id, cart in in_category.items():
            rule = rules[("category", category_id)]
            left = max(0, quota_limit(rule, basis) - used.get(rule.key, 0))
            if sum(quantity for _p, quantity in cart) > left:
                message = _l("%(name)s: at most %(left)s more for this household in this period.",
                             name=rule.name, left=format_quantity(rule, left))
                if strict:
                    raise QuotaExceeded(message, product_id=cart[-1][0], category_id=category_id)
                violations.append({"code": "quota_exceeded", "product_id": cart[-1][0], "category_id": category_id,
                                   "message": str(message)})
    allocations_by_product: dict[int, list] = {}
    to_allocate = [(products[product_id], quantity) for product_id, quantity in lines]
    while to_allocate:
        try:
            allocations_by_product.update(allocate_fefo_many(to_allocate, day, lots))
            break
        except InsufficientStock as error:
            if strict:
                raise
            short_id = error.details["product_id"]
            violations.append({"code": "insufficient_stock", "product_id": short_id, "message": error.message})
            to_allocate = [(p, q) for p, q in to_allocate if p.id != short_id]
    priced: list[PricedLine] = []
    caps: dict[str, int | None] = {}
    for product_id, quantity in lines:
        product = products[product_id]
        if basis is not None and product.quota_quantity is not None:
            limit = quota_limit(product, basis)
            left = max(0, limit - used.get(("product", product_id), 0))
            if quantity > left:
                message = _l("%(name)s: at most %(left)s more for this household in this period.",
                             name=product.name, left=format_quantity(product, left))
                if strict:
                    raise QuotaExceeded(message, product_id=product_id)
                violations.append({"code": "quota_exceeded", "product_id": product_id, "message": str(message)})
        allocations = allocations_by_product.get(product_id)
        if allocations is None:
            continue  # short of stock: reported above
        line = PricedLine(product_id=product_id, product=product, name=product.name, quantity=quantity, price_cents=0,
                          retail_cents=retail_value_cents(product, quantity), allocations=allocations)
        labels_left = list((labels or {}).get(product_id, ()))
        for allocation in allocations:
            if labels_left:
                unit = unit_price_cents(product, allocation.lot, caps)  # also reads caps[source]
                price, labels_left = price_with_labels(
                    labels_left, allocation.quantity, retail_price_cents=product.retail_price_cents,
                    cap_percent=caps[allocation.lot.source], unit_price_cents=unit)
            else:
                price = price_for_quantity_cents(product, allocation.lot, allocation.quantity, caps)
            line.allocation_prices.append(price)
            line.price_cents += price
            if allocation.lot.source == "fead":
                line.free_programme_quantity += allocation.quantity
            line.past_best_before = line.past_best_before or allocation.past_best_before
        priced.append(line)
    return priced, violations


def quote_sale(card_code: str, lines, day: date | None = None, *, site_id: int | None = None) -> Quote:
    """What a cart would cost now at the till's site `site_id`: authoritative prices from the site's FEFO lots and
    their sources, the budget left (the household's one budget, whatever the site), and every quota, stock or budget
    violation (nothing is written)."""
    day = day or local_today()
    site_id = till_site(site_id)
    summary, household = household_for_card(card_code, day, site_id=site_id)
    parsed = _parse_lines(lines)
    priced, violations = price_lines(household.id, summary["quota_basis"], parsed, day, strict=False,
                                     site_id=site_id, labels=take_price_labels(lines))
    total = sum(line.price_cents for line in priced)
    left = summary["budget_left_cents"]
    if left is not None and total > left:
        violations.append({"code": "over_budget", "product_id": None, "message": str(_l(
            "The total (%(total)s) is more than the budget left (%(left)s): remove something.",
            total=format_money(total), left=format_money(max(left, 0))))})
    return Quote(household_id=household.id, lines=priced, total_cents=total,
                 retail_cents=sum(line.retail_cents for line in priced), budget_left_cents=left,
                 violations=violations)


# --------------------------------------------------------------------------------------------------------------
# Commit
# --------------------------------------------------------------------------------------------------------------

PAYMENT_METHODS = ("cash", "card", "free")


def _check_uuid(value) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("uuid", _l("The sale has no valid identifier: start a new sale.")) from None


@cache
def _insert_sale_query(dialect: str):
    """INSERT ... ON CONFLICT (uuid) DO NOTHING RETURNING id: no id when the uuid is already recorded (SQLite and
    PostgreSQL both have it; the transaction stays usable, unlike after a unique violation on PostgreSQL)."""
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    return insert(Sale.__table__).on_conflict_do_nothing(index_elements=["uuid"]).returning(Sale.__table__.c.id)


@cache
def _sale_queries() -> SaleQueries:
    return SaleQueries(
        id_by_uuid=select(Sale.id).where(Sale.uuid == bindparam("uuid")),
        lines=select(SaleLine.product_id, SaleLine.quantity, SaleLine.price_cents, SaleLine.retail_cents,
                     SaleLine.is_free_programme).where(SaleLine.sale_id == bindparam("sale_id")).order_by(SaleLine.id),
        insert_lines=SaleLine.__table__.insert())


class SaleQueries(NamedTuple):
    """The sale's statements, built once."""

    id_by_uuid: object
    lines: object
    insert_lines: object


def find_sale(sale_uuid: str) -> Sale | None:
    """The sale recorded with this uuid, with its lines (one light query when there is none, the usual case)."""
    if run(_sale_queries().id_by_uuid, {"uuid": sale_uuid}).first() is None:
        return None
    return db.session.scalar(select(Sale).where(Sale.uuid == sale_uuid).options(selectinload(Sale.lines)))


#: SQLSTATEs after which a sale is tried once more from the start: a serialisation failure, a deadlock.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def _retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def record_sale(actor, till_session: TillSession | TillRef | None, *, sale_uuid, card_code: str, lines,
                payment: dict | None, client_created_at: datetime | None = None,
                day: date | None = None) -> tuple[Sale, bool]:
    """Commit a sale in one transaction: re-check eligibility (at the till session's site), quotas and budget (the
    household's, whatever the site); take the units from the till session's site's lots first-expired-first-out
    (never past use-by), each priced by its lot's source (FEAD free); write the sale, its lines, the stock movements
    and the budget consumption, and what its receipt shows (the budget left after it, the names). Idempotent: a
    replay of the same uuid with the same content (card, lines, payment) returns the existing sale (and False),
    whatever has changed since; the same uuid with another content is a UuidConflict, never the other sale. The
    household row is locked first, then the sellable lots of the sale's products in lot id order (PostgreSQL; SQLite
    serialises writers), and FEFO allocates from them as they are once locked: two sales never deadlock whatever the
    order of their carts, a sale is refused for stock only when the product lacks it, and concurrent sales never
    overspend nor oversell. On PostgreSQL the sale runs in a savepoint and is tried once more after a serialisation
    failure or a deadlock (with another writer), so the till gets a sale or a refusal, not an error. The sale
    returned carries written_lines (see Sale)."""
    sale_uuid = _check_uuid(sale_uuid)
    return in_sale_transaction(_record_sale_once, actor, till_session, sale_uuid=sale_uuid, card_code=card_code,
                               lines=lines, payment=payment, client_created_at=client_created_at, day=day)


def in_sale_transaction(once, actor, till_session, **arguments) -> tuple[Sale, bool]:
    """Run one attempt at a sale (once(actor, till_session, **arguments)); on PostgreSQL in a savepoint, tried once
    more after a serialisation failure or a deadlock."""
    if db.session.get_bind().dialect.name == "sqlite":
        return once(actor, till_session, **arguments)
    for attempt in (1, 2):
        savepoint = db.session.begin_nested()
        try:
            result = once(actor, till_session, **arguments)
        except DBAPIError as error:
            savepoint.rollback()
            if attempt == 1 and _retryable(error):
                continue
            raise
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _record_sale_once(actor, till_session, *, sale_uuid: str, card_code, lines, payment,
                      client_created_at: datetime | None, day: date | None) -> tuple[Sale, bool]:
    from grocery.households.services import budget_period

    try:
        if till_session is None or not till_session.is_open:
            raise TillClosed()
        day = day or local_today()
        # Budget and quotas read under the lock on the household: one budget whatever the site of the till.
        summary, household = household_for_card(card_code, day, site_id=till_session.site_id, lock=True)
        parsed = _parse_lines(lines)
        priced, _violations = price_lines(household.id, summary["quota_basis"], parsed, day, strict=True, lock=True,
                                          site_id=till_session.site_id, labels=take_price_labels(lines))
        total = sum(line.price_cents for line in priced)
        retail = sum(line.retail_cents for line in priced)
        method, tendered, change = _payment(payment, total)
        left = summary["budget_left_cents"] or 0
        if total > left:
            raise OverBudget(_l("The total (%(total)s) is more than the budget left (%(left)s): remove something.",
                                total=format_money(total), left=format_money(max(left, 0))))
    except GroceryError:
        existing = _replayed_sale(sale_uuid, card_code, lines, payment)  # its budget, stock... are taken
        if existing is not None:
            return existing, False
        raise
    period_start, _end = budget_period(household, day)
    values = {"uuid": sale_uuid, "site_id": till_session.site_id, "till_session_id": till_session.id,
              "household_id": household.id,
              "card_code": card_code, "cashier_id": actor.id, "created_at": utcnow(),
              "client_created_at": client_created_at, "budget_period_start": period_start, "total_cents": total,
              "retail_cents": retail, "paid_cents": total, "payment_method": method, "tendered_cents": tendered,
              "change_cents": change, "status": "completed", "receipt_prints": 0, "budget_left_cents": left - total,
              "receipt_figures": _receipt_figures(summary, priced), **ONLINE}
    return write_sale(actor, household, values, priced, lines=lines, payment=payment)


#: The offline columns of an online sale (run_plain applies no default: every row gives every column).
ONLINE = {"offline": False, "review_status": None, "review_reasons": None, "reviewed_by_id": None, "reviewed_at": None}


def _receipt_figures(summary: dict, priced: list[PricedLine]) -> dict:
    return {"greeting": summary["display_name"], "products": {str(line.product_id): line.name for line in priced}}


def write_sale(actor, household, values: dict, priced: list[PricedLine], *, lines, payment) -> tuple[Sale, bool]:
    """Write a checked sale: its row (unless its uuid was recorded meanwhile: then that sale, if a replay), its lines
    from the allocated lots, the stock movements and the budget consumed (values["paid_cents"])."""
    from grocery.households.services import consume_budget_at_till
    from grocery.stock.services import record_movements, retail_value_cents

    sale_uuid, card_code = values["uuid"], values["card_code"]
    sale_id = run_plain(_insert_sale_query(db.session.get_bind().dialect.name), values).scalar()
    if sale_id is None:  # the uuid was recorded meanwhile (a double tap): nothing was written
        existing = _replayed_sale(sale_uuid, card_code, lines, payment)
        if existing is None:  # pragma: no cover - the row that collided cannot vanish within the transaction
            raise UuidConflict()
        return existing, False
    # The ORM object of the row just inserted, without reading it back (its relationships load when used).
    sale = Sale(id=sale_id, **values)
    make_transient_to_detached(sale)
    db.session.add(sale)
    sale_lines, changes = [], []
    for line in priced:
        for allocation, price in zip(line.allocations, line.allocation_prices, strict=True):
            lot = allocation.lot
            sale_lines.append({
                "sale_id": sale_id, "product_id": line.product_id, "lot_id": lot.id,
                "quantity": allocation.quantity, "price_cents": price,
                "retail_cents": retail_value_cents(line.product, allocation.quantity), "source": lot.source,
                "is_free_programme": lot.source == "fead",
                "past_best_before": allocation.past_best_before, "refunded_quantity": 0})
            changes.append((lot.id, line.product, -allocation.quantity))
    if sale_lines:
        run_plain(_sale_queries().insert_lines, sale_lines)  # one executemany for all the lines
        record_movements(changes, "sale", site_id=values["site_id"], actor_id=actor.id, reference=sale_uuid)
    paid = values["paid_cents"]
    if paid > 0:
        consume_budget_at_till(household, paid, period_start=values["budget_period_start"], reference=sale_uuid,
                               actor_id=actor.id)
    sale.written_lines = sale_lines
    return sale, True


def _replayed_sale(sale_uuid: str, card_code, lines, payment) -> Sale | None:
    """The sale recorded earlier with this uuid when this request is a replay of it (same card, same quantity of
    each product, same payment), None when the uuid is new; UuidConflict when the uuid belongs to a sale with
    another content (never show it: it may be another household's)."""
    existing = find_sale(sale_uuid)
    if existing is None:
        return None
    if not _same_content(existing, card_code, lines, payment):
        raise UuidConflict()
    return existing


def _same_content(sale: Sale, card_code, lines, payment) -> bool:
    if not isinstance(card_code, str) or card_code.strip() != (sale.card_code or "").strip():
        return False
    try:
        wanted = dict(_parse_lines(lines))
    except ValidationError:
        return False
    sold: dict[int, int] = {}
    for line in sale.lines:
        sold[line.product_id] = sold.get(line.product_id, 0) + line.quantity
    for shortfall in sale.shortfalls if sale.offline else ():  # an offline sale's units no lot covered
        sold[shortfall.product_id] = sold.get(shortfall.product_id, 0) + shortfall.quantity
    if sold != wanted or not isinstance(payment, dict):
        return False
    if sale.total_cents == 0:  # any method pays nothing
        return payment.get("method") in PAYMENT_METHODS
    if payment.get("method") != sale.payment_method:
        return False
    return sale.payment_method != "cash" or payment.get("tendered_cents") == sale.tendered_cents


def _payment(payment, total: int) -> tuple[str, int | None, int | None]:
    """(method, tendered, change): cash needs at least the total; free only when the total is zero."""
    if not isinstance(payment, dict):
        raise ValidationError("payment", _l("Choose how the household pays."))
    method = payment.get("method")
    if method not in PAYMENT_METHODS:
        raise ValidationError("payment", _l("Choose how the household pays."))
    if total == 0:
        return "free", None, None
    if method == "free":
        raise ValidationError("payment", _l("There is %(total)s to pay.", total=format_money(total)))
    if method == "card":
        return "card", None, None
    tendered = payment.get("tendered_cents")
    if not isinstance(tendered, int) or isinstance(tendered, bool) or tendered < 0:
        raise ValidationError("tendered_cents", _l("Enter the amount given by the household."))
    if tendered < total:
        raise ValidationError("tendered_cents", _l("The amount given is less than the total (%(total)s).",
                                                   total=format_money(total)))
    if tendered > MAX_TENDERED_CENTS:
        raise ValidationError("tendered_cents", _l("The amount given is too large: type it again."))
    return "cash", tendered, tendered - total


SALE_LINE_KEYS = ("product_id", "quantity", "price_cents", "retail_cents", "is_free_programme")


def sale_json(sale: Sale) -> dict:
    """The sale as the till shows it after payment (no social data); its lines read as plain rows."""
    from flask import url_for

    from grocery.households.models import Household
    from grocery.households.services import budget_left

    left = sale.budget_left_cents
    if left is None:  # a replay: the budget left now
        left = budget_left(db.session.get(Household, sale.household_id), local_today())
    lines = sale.written_lines
    if lines is None:
        lines = [line._asdict() for line in run(_sale_queries().lines, {"sale_id": sale.id})]
    return {
        "id": sale.id, "uuid": sale.uuid, "status": sale.status,
        "total_cents": sale.total_cents, "paid_cents": sale.paid_cents, "retail_cents": sale.retail_cents,
        "savings_cents": sale.savings_cents, "payment_method": sale.payment_method,
        "tendered_cents": sale.tendered_cents, "change_cents": sale.change_cents,
        "budget_left_cents": left,
        "offline": bool(sale.offline), "review_status": sale.review_status,
        "lines": [{key: line[key] for key in SALE_LINE_KEYS} for line in lines],
        "receipt_url": url_for("checkout.receipt", sale_id=sale.id),
    }
