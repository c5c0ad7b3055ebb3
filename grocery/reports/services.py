"""Report figures built from the ledgers with aggregate queries only: a fixed number of SQL statements per report.

Rules shared by every report:
- a period is a range of local calendar days [start, end], both included;
- a sale counts when it is completed (not voided) and was made in the period; its refunds (whenever made) reduce
  its quantities (quantity - refunded_quantity) and its amounts (the refunds' own amounts, SaleRefund);
- weights: kg and litre products are counted in grams (1 ml = 1 g), piece products by their net weight per piece
  (a piece without a net weight counts as units only);
- goods received count on the day they were received (the reception's date, Lot.received_on), not on the day
  the reception was confirmed in the application; stock at the end of a period follows the same date;
- values of goods received, waste and stock: donated goods at the product's current retail reference price, bought
  goods (lots with a cost price, purchases) at their cost price; values distributed are the retail reference values
  written on the sale lines, net of refunds;
- persons reached are the distinct members (by member id) of the households served, present in the household
  during the period, with their age on the last day of the period;
- a report's scope (`sites`): a tuple of site ids (the report of those sites: their sales, their stock movements
  and lots, their shifts and workshops) or None (the whole installation, consolidated). The scope is a condition of
  the same statements, never an extra one; households and persons are distinct counts over the scope (a household
  that shopped at two sites counts once in the consolidated report), while amounts, quantities and visits of the
  consolidated report are the sums of the sites'.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.forms import DATE_MAX, DATE_MIN
from grocery.i18n import sort_key
from grocery.timeutil import local_day_bounds, local_today

#: Age bands of the reports (inclusive bounds in years; None: no upper bound).
AGE_BANDS = ((0, 2), (3, 14), (15, 17), (18, 24), (25, 64), (65, None))
PRESETS = ("this_month", "last_month", "this_quarter", "this_year", "last_year")
PRESET_LABELS = {
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "this_quarter": _l("This quarter"),
    "this_year": _l("This year"),
    "last_year": _l("Last year"),
}
#: A report's scope: the ids of its sites, or None for the whole installation.
Sites = Sequence[int] | None
#: Longest period a report accepts (days), so that a typing mistake does not scan a century of data.
MAX_PERIOD_DAYS = 3700


def band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"{low}+" if high is None else f"{low}-{high}"


def age_band(birth_on: date, day: date) -> tuple[int, int | None] | None:
    """The age band of a person on `day` (None when born after it)."""
    if birth_on > day:
        return None
    age = day.year - birth_on.year - ((day.month, day.day) < (birth_on.month, birth_on.day))
    for band in AGE_BANDS:
        if band[1] is None or age <= band[1]:
            return band
    return None  # pragma: no cover


# --------------------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date
    preset: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from local midnight of the first day to local midnight after the last."""
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[1]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query_args(self) -> dict:
        if self.preset:
            return {"preset": self.preset}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def preset_period(preset: str, today: date | None = None) -> Period:
    """The period of a preset (this month, last month, this quarter, this year, last year)."""
    today = today or local_today()
    if preset == "this_month":
        return Period(_month_start(today), _month_end(today), preset)
    if preset == "last_month":
        last = _month_start(today) - timedelta(days=1)
        return Period(_month_start(last), last, preset)
    if preset == "this_quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        return Period(start, _month_end(date(today.year, first_month + 2, 1)), preset)
    if preset == "this_year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), preset)
    if preset == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), preset)
    raise ValidationError("preset", _l("Unknown period: choose one of the proposed periods."))


def _parse_day(text: str, field_name: str) -> date:
    text = (text or "").strip()
    for parse in (date.fromisoformat, _parse_french):
        try:
            day = parse(text)
        except ValueError:
            continue
        if DATE_MIN <= day <= DATE_MAX:  # 0001-01-01 or 9999-12-31 would overflow the period arithmetic
            return day
    raise ValidationError(field_name, _l("Write the date as DD/MM/YYYY (for example 31/01/2026)."))


def _parse_french(text: str) -> date:
    parts = text.replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        raise ValueError(text)
    return date(int(parts[2]), int(parts[1]), int(parts[0]))


def parse_period(preset: str | None = None, start: str | None = None, end: str | None = None,
                 today: date | None = None) -> Period:
    """The period asked for: free dates when both are given (ISO from the date inputs, or DD/MM/YYYY), else a
    preset (this month by default). The end may not be before the start."""
    start, end = (start or "").strip(), (end or "").strip()
    if start or end:
        if not start:
            raise ValidationError("start", _l("Give the first day of the period."))
        if not end:
            raise ValidationError("end", _l("Give the last day of the period."))
        first, last = _parse_day(start, "start"), _parse_day(end, "end")
        if last < first:
            raise ValidationError("end", _l("The end of the period is before its start: swap the two dates."))
        if (last - first).days > MAX_PERIOD_DAYS:
            raise ValidationError("end", _l("The period is too long: choose at most ten years."))
        return Period(first, last)
    return preset_period(preset or "this_month", today)


# --------------------------------------------------------------------------------------------------------------
# SQL building blocks
# --------------------------------------------------------------------------------------------------------------

def _net_quantity():
    from grocery.checkout.models import SaleLine

    return SaleLine.quantity - SaleLine.refunded_quantity


def _grams(quantity, product):
    """Grams of a quantity in base units: grams/ml as they are, pieces by their net weight (0 when unknown)."""
    return case((product.unit_kind == "piece", quantity * func.coalesce(product.net_weight_g, 0)), else_=quantity)


def _pieces(quantity, product):
    return case((product.unit_kind == "piece", quantity), else_=0)


def _priced_cents(quantity, product, price):
    """Value of a quantity at a price per piece / kg / litre (pieces x price, or grams x price per kg / 1000,
    rounded half up)."""
    return case((product.unit_kind == "piece", quantity * price), else_=(2 * quantity * price + 1000) // 2000)


def _stock_value_cents(quantity, product, lot):
    """Value of a quantity of a lot: at its cost price when it was bought, else at the retail reference price."""
    return case((lot.unit_cost_cents.is_not(None), _priced_cents(quantity, product, lot.unit_cost_cents)),
                else_=_priced_cents(quantity, product, product.retail_price_cents))


def _int(value) -> int:
    return int(value or 0)


def _in_sites(column, sites: Sites):
    """The condition that `column` (a site_id) is one of the scope's sites (always true for the installation)."""
    return true() if sites is None else column.in_(list(sites))


def _completed_sales_in(period: Period, sites: Sites = None):
    from grocery.checkout.models import Sale

    start, end = period.bounds
    return and_(Sale.status == "completed", Sale.created_at >= start, Sale.created_at < end,
                _in_sites(Sale.site_id, sites))


def _moved_in(period: Period, kind: str, sites: Sites = None):
    from grocery.stock.models import Lot, StockMovement

    if kind == "receipt":
        # A reception counts on its received date (the query joins Lot), not when it was confirmed.
        return and_(StockMovement.kind == kind, Lot.received_on >= period.start, Lot.received_on <= period.end,
                    _in_sites(StockMovement.site_id, sites))
    start, end = period.bounds
    return and_(StockMovement.kind == kind, StockMovement.occurred_at >= start, StockMovement.occurred_at < end,
                _in_sites(StockMovement.site_id, sites))


@dataclass
class Quantities:
    """Pieces (piece products), grams (all products with a known weight) and value in cents (retail_cents: the
    retail reference value, except for goods received, wasted or in stock, where bought goods count at cost)."""
    pieces: int = 0
    grams: int = 0
    retail_cents: int = 0

    def add(self, pieces=0, grams=0, retail_cents=0) -> None:
        self.pieces += _int(pieces)
        self.grams += _int(grams)
        self.retail_cents += _int(retail_cents)


# --------------------------------------------------------------------------------------------------------------
# Activity report
# --------------------------------------------------------------------------------------------------------------

def sales_summary(period: Period, sites: Sites = None) -> dict:
    """Households served (distinct), visits (sales), amount paid, retail value distributed and savings, net of
    refunds. Two statements."""
    from grocery.checkout.models import Sale, SaleRefund

    condition = _completed_sales_in(period, sites)
    households, visits, paid, retail = db.session.execute(
        select(func.count(distinct(Sale.household_id)), func.count(Sale.id),
               func.coalesce(func.sum(Sale.paid_cents), 0), func.coalesce(func.sum(Sale.retail_cents), 0))
        .where(condition)).one()
    refunded, refunded_retail = db.session.execute(
        select(func.coalesce(func.sum(SaleRefund.amount_cents), 0), func.coalesce(func.sum(SaleRefund.retail_cents), 0))
        .join(Sale, Sale.id == SaleRefund.sale_id).where(condition)).one()
    paid, retail = _int(paid) - _int(refunded), _int(retail) - _int(refunded_retail)
    return {"households": _int(households), "visits": _int(visits), "paid_cents": paid, "retail_cents": retail,
            "savings_cents": retail - paid, "refunded_cents": _int(refunded)}


def _served_household_ids(period: Period, sites: Sites = None):
    from grocery.checkout.models import Sale

    return select(Sale.household_id).where(_completed_sales_in(period, sites)).distinct()


def persons_by_age_band(period: Period, household_ids=None, sites: Sites = None) -> dict:
    """Distinct persons of the given households (default: those served in the period) by age band on the last day
    of the period; members who left before the period, or born after it, are not counted. One statement."""
    from grocery.households.models import Member

    if household_ids is None:
        household_ids = _served_household_ids(period, sites)
    rows = db.session.execute(
        select(Member.birth_on, func.count(distinct(Member.id)))
        .where(Member.household_id.in_(household_ids), Member.birth_on <= period.end,
               or_(Member.left_on.is_(None), Member.left_on >= period.start))
        .group_by(Member.birth_on))
    bands = {band_label(band): 0 for band in AGE_BANDS}
    for birth_on, count in rows:
        band = age_band(birth_on, period.end)
        if band is not None:
            bands[band_label(band)] += _int(count)
    return {"bands": bands, "total": sum(bands.values())}


def distribution(period: Period, sites: Sites = None) -> dict:
    """Units and kilograms distributed (sales of the period, net of refunds) by category and by source. One
    statement."""
    from grocery.checkout.models import Sale, SaleLine
    from grocery.stock.models import Product, ProductCategory

    net = _net_quantity()
    rows = db.session.execute(
        select(ProductCategory.name, ProductCategory.sort_order, SaleLine.source,
               func.sum(_pieces(net, Product)), func.sum(_grams(net, Product)))
        .join(Sale, Sale.id == SaleLine.sale_id).join(Product, Product.id == SaleLine.product_id)
        .join(ProductCategory, ProductCategory.id == Product.category_id)
        .where(_completed_sales_in(period, sites))
        .group_by(ProductCategory.name, ProductCategory.sort_order, SaleLine.source))
    by_category: dict[str, Quantities] = {}
    order: dict[str, tuple] = {}
    by_source: dict[str, Quantities] = {}
    total = Quantities()
    for name, sort_order, source, pieces, grams in rows:
        by_category.setdefault(name, Quantities()).add(pieces, grams)
        order[name] = (sort_order or 0, name)
        by_source.setdefault(source, Quantities()).add(pieces, grams)
        total.add(pieces, grams)
    return {"by_category": {name: by_category[name] for name in sorted(by_category, key=order.get)},
            "by_source": dict(sorted(by_source.items(), key=lambda item: -item[1].grams)),
            "total": total}


def donations_received(period: Period, sites: Sites = None) -> dict:
    """Goods received in the period (receipt movements of the ledger) by source (donor type) and by donor:
    units, kilograms and value (donations at the reference price, purchases at cost). One statement."""
    from grocery.stock.models import Donation, Donor, Lot, Product, StockMovement

    quantity = StockMovement.quantity
    rows = db.session.execute(
        select(Lot.source, Donor.name, func.count(distinct(Lot.donation_id)), func.sum(_pieces(quantity, Product)),
               func.sum(_grams(quantity, Product)), func.sum(_stock_value_cents(quantity, Product, Lot)))
        .join(Lot, Lot.id == StockMovement.lot_id).join(Product, Product.id == Lot.product_id)
        .outerjoin(Donation, Donation.id == Lot.donation_id).outerjoin(Donor, Donor.id == Donation.donor_id)
        .where(_moved_in(period, "receipt", sites))
        .group_by(Lot.source, Donor.name))
    by_source: dict[str, Quantities] = {}
    by_donor: list[dict] = []
    total = Quantities()
    donations = 0
    for source, donor, count, pieces, grams, retail in rows:
        by_source.setdefault(source, Quantities()).add(pieces, grams, retail)
        by_donor.append({"source": source, "donor": donor, "donations": _int(count),
                         "quantities": Quantities(_int(pieces), _int(grams), _int(retail))})
        total.add(pieces, grams, retail)
        donations += _int(count)
    by_donor.sort(key=lambda row: (-row["quantities"].retail_cents, row["donor"] or ""))
    return {"by_source": dict(sorted(by_source.items(), key=lambda item: -item[1].retail_cents)),
            "by_donor": by_donor, "total": total, "donations": donations}


def waste_by_reason(period: Period, sites: Sites = None) -> dict:
    """Waste movements of the period by reason: units, kilograms (the weight written on the movement, else the
    product's) and value (donated goods at the reference price, bought goods at cost). One statement."""
    from grocery.stock.models import Lot, Product, StockMovement

    quantity = -StockMovement.quantity
    grams = func.coalesce(-StockMovement.weight_g, _grams(quantity, Product))
    rows = db.session.execute(
        select(StockMovement.reason, func.sum(_pieces(quantity, Product)), func.sum(grams),
               func.sum(_stock_value_cents(quantity, Product, Lot)))
        .join(Lot, Lot.id == StockMovement.lot_id).join(Product, Product.id == Lot.product_id)
        .where(_moved_in(period, "waste", sites)).group_by(StockMovement.reason))
    by_reason: dict[str, Quantities] = {}
    total = Quantities()
    for reason, pieces, weight, retail in rows:
        by_reason.setdefault(reason or "other", Quantities()).add(pieces, weight, retail)
        total.add(pieces, weight, retail)
    return {"by_reason": dict(sorted(by_reason.items(), key=lambda item: -item[1].grams)), "total": total}


def _after_end_quantity(period: Period):
    """Sum of the movements after the period, per lot, as a subquery: stock at the end of the period
    is the cached quantity on hand minus what moved since (cheap for recent periods). Joined to the lots of the
    scope: a lot's movements all count for its stock, whatever site wrote them."""
    from grocery.stock.models import MOVEMENT_KINDS, StockMovement

    _start, end = period.bounds
    # Receipts are left out: a lot received by the end of the period is in its stock, even when the reception was
    # confirmed later (lots received after the end are left out by their received date).
    kinds = [kind for kind in MOVEMENT_KINDS if kind != "receipt"]
    return (select(StockMovement.lot_id.label("lot_id"), func.sum(StockMovement.quantity).label("moved"))
            .where(StockMovement.kind.in_(kinds), StockMovement.occurred_at >= end)
            .group_by(StockMovement.lot_id).subquery())


def _may_hold_stock(after):
    """The lots that may hold stock at the end of the period: those holding some now or moved after it (`after`,
    outer-joined). The others, most lots of a long history, emptied long ago, are dropped right after the scan of
    the lots instead of going through the joins and the sums (issue #15: 1.75 million lots in a federation)."""
    from grocery.stock.models import Lot

    return or_(Lot.quantity_on_hand > 0, after.c.lot_id.is_not(None))


def stock_at_end(period: Period, sites: Sites = None) -> dict:
    """Stock on hand at the end of the period by category: units, kilograms, value (donated goods at the
    reference price, bought goods at cost). One statement."""
    from grocery.stock.models import Lot, Product, ProductCategory

    after = _after_end_quantity(period)
    quantity = Lot.quantity_on_hand - func.coalesce(after.c.moved, 0)
    rows = db.session.execute(
        select(ProductCategory.name, ProductCategory.sort_order, func.sum(_pieces(quantity, Product)),
               func.sum(_grams(quantity, Product)), func.sum(_stock_value_cents(quantity, Product, Lot)))
        .select_from(Lot).outerjoin(after, after.c.lot_id == Lot.id)
        .join(Product, Product.id == Lot.product_id)
        .join(ProductCategory, ProductCategory.id == Product.category_id)
        .where(Lot.received_on <= period.end, _in_sites(Lot.site_id, sites), _may_hold_stock(after))
        .group_by(ProductCategory.name, ProductCategory.sort_order)
        .order_by(ProductCategory.sort_order, ProductCategory.name))
    by_category: dict[str, Quantities] = {}
    total = Quantities()
    for name, _order, pieces, grams, retail in rows:
        by_category[name] = Quantities(_int(pieces), _int(grams), _int(retail))
        total.add(pieces, grams, retail)
    return {"by_category": by_category, "total": total}


def volunteering(period: Period, sites: Sites = None) -> dict:
    """Validated volunteer hours by activity (shifts) and workshop hours, participants by engagement type (those
    active in the period, and those with hours), attestations issued in the period. Four statements.

    Participants belong to the installation: the report of some sites counts the hours of their shifts and
    workshops, and, as active participants and attestations, those of the participants active in the period who have
    worked at one of these sites (a shift or a workshop session held there by the end of the period)."""
    from grocery.volunteers.models import (
        ENGAGEMENT_TYPES,
        Activity,
        Assignment,
        AttestationIssue,
        Participant,
        Shift,
        Workshop,
        WorkshopAttendance,
        WorkshopSession,
    )

    shift_minutes = db.session.execute(
        select(literal("shift"), Activity.name, func.sum(Assignment.validated_minutes),
               func.count(distinct(Assignment.participant_id)))
        .join(Shift, Shift.id == Assignment.shift_id).join(Activity, Activity.id == Shift.activity_id)
        .where(Shift.held_on.between(period.start, period.end), Assignment.validated_minutes > 0,
               _in_sites(Shift.site_id, sites))
        .group_by(Activity.name)
        .union_all(
            select(literal("workshop"), Workshop.title, func.sum(WorkshopAttendance.minutes),
                   func.count(distinct(WorkshopAttendance.participant_id)))
            .join(WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
            .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
            .where(WorkshopSession.held_on.between(period.start, period.end), WorkshopAttendance.minutes > 0,
                   _in_sites(Workshop.site_id, sites))
            .group_by(Workshop.title))).all()
    by_activity = []
    for kind, name, minutes, people in shift_minutes:
        label = name if kind == "shift" else str(_l("Workshop: %(title)s", title=name))
        by_activity.append({"activity": label, "minutes": _int(minutes), "participants": _int(people)})
    by_activity.sort(key=lambda row: (-row["minutes"], row["activity"]))

    if sites is None:
        worked_here = true()
    else:  # worked at one of the scope's sites by the end of the period
        worked_here = or_(
            exists(select(Assignment.id).join(Shift, Shift.id == Assignment.shift_id)
                   .where(Assignment.participant_id == Participant.id, Shift.held_on <= period.end,
                          _in_sites(Shift.site_id, sites))),
            exists(select(WorkshopAttendance.id)
                   .join(WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
                   .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
                   .where(WorkshopAttendance.participant_id == Participant.id, WorkshopSession.held_on <= period.end,
                          _in_sites(Workshop.site_id, sites))))
    active = dict(db.session.execute(
        select(Participant.engagement_type, func.count(Participant.id))
        .where(Participant.started_on <= period.end,
               or_(Participant.ended_on.is_(None), Participant.ended_on >= period.start), worked_here)
        .group_by(Participant.engagement_type)).all())
    with_hours_ids = (
        select(Assignment.participant_id.label("pid")).join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.held_on.between(period.start, period.end), Assignment.validated_minutes > 0,
               _in_sites(Shift.site_id, sites))
        .union(select(WorkshopAttendance.participant_id).join(
            WorkshopSession, WorkshopSession.id == WorkshopAttendance.session_id)
            .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
            .where(WorkshopSession.held_on.between(period.start, period.end), WorkshopAttendance.minutes > 0,
                   _in_sites(Workshop.site_id, sites)))
        .subquery())
    with_hours = dict(db.session.execute(
        select(Participant.engagement_type, func.count(Participant.id))
        .where(Participant.id.in_(select(with_hours_ids.c.pid))).group_by(Participant.engagement_type)).all())
    by_engagement = {kind: {"active": _int(active.get(kind)), "with_hours": _int(with_hours.get(kind))}
                     for kind in ENGAGEMENT_TYPES if active.get(kind) or with_hours.get(kind)}
    start, end = period.bounds
    attested = (true() if sites is None else AttestationIssue.participant_id.in_(
        select(Participant.id).where(worked_here)))
    attestations, attested_minutes = db.session.execute(
        select(func.count(AttestationIssue.id), func.coalesce(func.sum(AttestationIssue.total_minutes), 0))
        .where(AttestationIssue.issued_at >= start, AttestationIssue.issued_at < end, attested)).one()
    return {"by_activity": by_activity, "total_minutes": sum(row["minutes"] for row in by_activity),
            "by_engagement": by_engagement, "attestations": _int(attestations),
            "attested_minutes": _int(attested_minutes)}


def activity_report(period: Period, sites: Sites = None) -> dict:
    """The whole activity report of a period for the scope's sites (None: the installation), in a fixed number of
    statements whatever the data size and the scope."""
    return {
        "period": period,
        "sites": sites,
        "sales": sales_summary(period, sites),
        "persons": persons_by_age_band(period, sites=sites),
        "distribution": distribution(period, sites),
        "donations": donations_received(period, sites),
        "waste": waste_by_reason(period, sites),
        "stock": stock_at_end(period, sites),
        "volunteering": volunteering(period, sites),
    }


# --------------------------------------------------------------------------------------------------------------
# FEAD / FSE+ programme report
# --------------------------------------------------------------------------------------------------------------

#: The self-declared answers counted by the ESF+ indicators (member column names).
DECLARED = ("disability", "homeless", "migrant_background")


def esf_indicators(period: Period, household_ids) -> dict:
    """The ESF+ common indicators on end recipients of food support (Regulation (EU) 2021/1057, annex on material
    deprivation): distinct persons reached, of which children under 18, young people 18-29, persons 65 and over,
    women, persons with disabilities, homeless persons, persons with a migrant or foreign background. Ages on the
    last day of the period; sex and the self-declared answers as recorded, "not stated" / "unknown" counted (an
    answer without the person's consent is always unknown). One statement."""
    from grocery.households.models import Member

    rows = db.session.execute(
        select(Member.birth_on, Member.sex, Member.has_sensitive_consent, Member.disability, Member.homeless,
               Member.migrant_background, func.count(distinct(Member.id)))
        .where(Member.household_id.in_(household_ids), Member.birth_on <= period.end,
               or_(Member.left_on.is_(None), Member.left_on >= period.start))
        .group_by(Member.birth_on, Member.sex, Member.has_sensitive_consent, Member.disability, Member.homeless,
                  Member.migrant_background))
    figures = {"total": 0, "children": 0, "young": 0, "seniors": 0, "women": 0, "sex_not_stated": 0}
    for name in DECLARED:
        figures[name] = {"yes": 0, "unknown": 0}
    for birth_on, sex, consent, disability, homeless, background, count in rows:
        count = _int(count)
        age = period.end.year - birth_on.year - ((period.end.month, period.end.day) < (birth_on.month, birth_on.day))
        figures["total"] += count
        figures["children"] += count if age < 18 else 0
        figures["young"] += count if 18 <= age <= 29 else 0
        figures["seniors"] += count if age >= 65 else 0
        figures["women"] += count if sex == "female" else 0
        figures["sex_not_stated"] += count if sex not in ("female", "male") else 0
        for name, answer in zip(DECLARED, (disability, homeless, background), strict=True):
            if not consent or answer not in ("yes", "no"):
                figures[name]["unknown"] += count
            elif answer == "yes":
                figures[name]["yes"] += count
    return figures


def programme_deliveries(period: Period, source: str = "fead", sites: Sites = None) -> dict:
    """Value (retail reference value of the sale lines, net of refunds) and weight distributed in the period from
    each delivery (reception) of the source, and per programme (the reception's programme label). One statement."""
    from grocery.checkout.models import Sale, SaleLine
    from grocery.stock.models import Donation, Donor, Lot, Product

    net = _net_quantity()
    value = (SaleLine.retail_cents * net * 2 + SaleLine.quantity) // (SaleLine.quantity * 2)
    rows = db.session.execute(
        select(Lot.donation_id, Donation.received_on, Donation.programme, Donor.name,
               func.sum(_grams(net, Product)), func.sum(value), func.sum(_pieces(net, Product)))
        .select_from(SaleLine).join(Sale, Sale.id == SaleLine.sale_id).join(Lot, Lot.id == SaleLine.lot_id)
        .join(Product, Product.id == SaleLine.product_id)
        .outerjoin(Donation, Donation.id == Lot.donation_id).outerjoin(Donor, Donor.id == Donation.donor_id)
        .where(_completed_sales_in(period, sites), SaleLine.source == source,
               SaleLine.quantity > SaleLine.refunded_quantity)
        .group_by(Lot.donation_id, Donation.received_on, Donation.programme, Donor.name))
    deliveries, programmes = [], {}
    for donation_id, received_on, programme, donor, grams, cents, pieces in rows:
        row = {"donation_id": donation_id, "received_on": received_on, "programme": programme or "",
               "donor": donor, "grams": _int(grams), "value_cents": _int(cents), "pieces": _int(pieces)}
        deliveries.append(row)
        total = programmes.setdefault(row["programme"], {"programme": row["programme"], "grams": 0,
                                                         "value_cents": 0, "deliveries": 0})
        total["grams"] += row["grams"]
        total["value_cents"] += row["value_cents"]
        total["deliveries"] += 1
    deliveries.sort(key=lambda row: (row["received_on"] or date.min, row["donation_id"] or 0))
    return {"deliveries": deliveries,
            "programmes": sorted(programmes.values(), key=lambda row: sort_key(row["programme"])),
            "grams": sum(row["grams"] for row in deliveries),
            "value_cents": sum(row["value_cents"] for row in deliveries)}


@dataclass
class ProgrammeRow:
    product_id: int
    name: str
    unit_kind: str
    net_weight_g: int | None
    received: int = 0
    distributed: int = 0
    wasted: int = 0
    in_stock: int = 0
    households: int = 0
    persons: int = 0

    def grams(self, quantity: int) -> int | None:
        if self.unit_kind != "piece":
            return quantity
        return quantity * self.net_weight_g if self.net_weight_g else None


def programme_report(period: Period, source: str = "fead", sites: Sites = None) -> dict:
    """Per product from one source (FEAD / FSE+ by default): base units received, distributed (net of refunds),
    wasted in the period and in stock at its end, with the households and persons reached; totals with the
    distinct households and persons (by age band), the ESF+ indicators of the persons reached, and the value and
    weight distributed per delivery and per programme, for the scope's sites (None: the installation). Nine
    statements."""
    from grocery.checkout.models import Sale, SaleLine
    from grocery.households.models import Member
    from grocery.stock.models import Lot, Product, StockMovement

    # The figures per product id first; the products' names and units are read at the end for the products that
    # have a figure (not by looking for every product that ever had a lot of the source among all the lots).
    rows: dict[int, ProgrammeRow] = defaultdict(lambda: ProgrammeRow(0, "", "piece", None))

    def ledger(kind: str) -> dict[int, int]:
        return {pid: _int(qty) for pid, qty in db.session.execute(
            select(Lot.product_id, func.sum(StockMovement.quantity)).join(Lot, Lot.id == StockMovement.lot_id)
            .where(Lot.source == source, _moved_in(period, kind, sites)).group_by(Lot.product_id))}

    for pid, quantity in ledger("receipt").items():
        rows[pid].received = quantity
    for pid, quantity in ledger("waste").items():
        rows[pid].wasted = -quantity

    sold_condition = and_(_completed_sales_in(period, sites), SaleLine.source == source,
                          SaleLine.quantity > SaleLine.refunded_quantity)
    # Grouping by `product_id + 0` (not the bare column) keeps SQLite from walking the whole (product_id, sale_id)
    # index of every sale line ever made: it starts from the sales of the period instead (3 s -> 20 ms on 1M lines).
    product = (SaleLine.product_id + 0).label("pid")
    for pid, quantity, households in db.session.execute(
            select(product, func.sum(_net_quantity()), func.count(distinct(Sale.household_id)))
            .join(Sale, Sale.id == SaleLine.sale_id).where(sold_condition).group_by(product)):
        rows[pid].distributed = _int(quantity)
        rows[pid].households = _int(households)

    member_condition = and_(Member.birth_on <= period.end,
                            or_(Member.left_on.is_(None), Member.left_on >= period.start))
    for pid, persons in db.session.execute(
            select(product, func.count(distinct(Member.id)))
            .join(Sale, Sale.id == SaleLine.sale_id).join(Member, Member.household_id == Sale.household_id)
            .where(sold_condition, member_condition).group_by(product)):
        rows[pid].persons = _int(persons)

    after = _after_end_quantity(period)
    for pid, quantity in db.session.execute(
            select(Lot.product_id, func.sum(Lot.quantity_on_hand - func.coalesce(after.c.moved, 0)))
            .select_from(Lot).outerjoin(after, after.c.lot_id == Lot.id)
            .where(Lot.source == source, Lot.received_on <= period.end, _in_sites(Lot.site_id, sites),
                   _may_hold_stock(after))
            .group_by(Lot.product_id)):
        rows[pid].in_stock = _int(quantity)

    # The households are found from the sales of the period (index on created_at) having a line of the source.
    served = (select(Sale.household_id).where(
        _completed_sales_in(period, sites),
        select(SaleLine.id).where(SaleLine.sale_id == Sale.id, SaleLine.source == source,
                                  SaleLine.quantity > SaleLine.refunded_quantity).exists())
              .distinct())
    households = _int(db.session.scalar(select(func.count()).select_from(served.subquery())))
    persons = persons_by_age_band(period, served)
    figured = {pid: row for pid, row in rows.items() if row.received or row.distributed or row.wasted or row.in_stock}
    for product_id, name, unit_kind, weight in db.session.execute(
            select(Product.id, Product.name, Product.unit_kind, Product.net_weight_g)
            .where(Product.id.in_(list(figured)))) if figured else ():
        row = figured[product_id]
        row.product_id, row.name, row.unit_kind, row.net_weight_g = product_id, name, unit_kind, weight
    shown = sorted(figured.values(), key=lambda row: row.name.lower())
    #: Pieces (piece products) and grams (all products with a known weight) of each column.
    totals: dict[str, int] = defaultdict(int)
    for row in shown:
        for key in ("received", "distributed", "wasted", "in_stock"):
            quantity = getattr(row, key)
            totals[key] += quantity if row.unit_kind == "piece" else 0
            totals[f"{key}_grams"] += row.grams(quantity) or 0
    return {"period": period, "sites": sites, "source": source, "rows": shown, "households": households,
            "persons": persons,
            "indicators": esf_indicators(period, served),
            "deliveries": programme_deliveries(period, source, sites),
            "totals": dict(totals)}


# --------------------------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------------------------

def till_today(day: date | None = None, sites: Sites = None) -> dict:
    """Today's till activity: open sessions, sales, households, amount paid (net of refunds). Three statements."""
    from grocery.checkout.models import TillSession

    day = day or local_today()
    summary = sales_summary(Period(day, day), sites)
    summary["open_tills"] = _int(db.session.scalar(
        select(func.count(TillSession.id)).where(TillSession.status == "open", _in_sites(TillSession.site_id, sites))))
    return summary


def served_by_window(periods: list[Period], sites: Sites = None) -> list[tuple[Period, int, int]]:
    """(period, sales, distinct households) for each of a FIXED list of windows (days of a chart, months), in one
    statement (a UNION ALL of one aggregate per window)."""
    from grocery.checkout.models import Sale

    selects = [select(literal(index).label("window"), func.count(Sale.id), func.count(distinct(Sale.household_id)))
               .where(_completed_sales_in(period, sites)) for index, period in enumerate(periods)]
    query = selects[0].union_all(*selects[1:]) if len(selects) > 1 else selects[0]
    counts = {index: (_int(sales), _int(households)) for index, sales, households in db.session.execute(query)}
    return [(period, *counts.get(index, (0, 0))) for index, period in enumerate(periods)]


def daily_sales(day: date, days: int = 30, sites: Sites = None) -> list[tuple[Period, int, int]]:
    """Sales and households served on each of the last `days` days up to `day`."""
    return served_by_window([Period(day - timedelta(days=n), day - timedelta(days=n))
                             for n in range(days - 1, -1, -1)], sites)


def monthly_households(day: date, months: int = 12, sites: Sites = None) -> list[tuple[Period, int, int]]:
    """Sales and distinct households served in each of the last `months` calendar months up to `day`'s month."""
    starts = [_month_start(day)]
    while len(starts) < months:
        starts.append(_month_start(starts[-1] - timedelta(days=1)))
    return served_by_window([Period(start, _month_end(start)) for start in reversed(starts)], sites)


def understaffed_shifts(day: date | None = None, sites: Sites = None) -> list[dict]:
    """This week's coming shifts (not cancelled) of the scope's sites with fewer bookings than places. Two
    statements."""
    from grocery.volunteers.services import week_shifts

    day = day or local_today()
    monday = day - timedelta(days=day.weekday())
    rows = []
    for shift in week_shifts(monday):
        if shift.is_cancelled or shift.held_on < day or (sites is not None and shift.site_id not in sites):
            continue
        booked = len(shift.booked)
        if booked < shift.capacity:
            rows.append({"shift": shift, "booked": booked, "missing": shift.capacity - booked})
    return rows


def decisions_expiring(day: date, days: int | None = None, limit: int = 10) -> dict:
    """Active households whose last decision is a grant in force that ends within `days` (setting
    households.expiry_warning_days): no renewal recorded yet. The count and the `limit` soonest, with the
    reference person's name. One statement (the count comes with the rows; the households domain's
    expiring_soon() loads every household)."""
    from grocery.households.models import Decision, Household, Member
    from grocery.settings.services import get_setting

    days = int(get_setting("households.expiry_warning_days")) if days is None else days
    # The household's last decision (no other ends later) is a grant in force ending within the window: found from
    # the decisions ending in the window (index on valid_until), not by grouping every decision ever made.
    later = aliased(Decision)
    condition = and_(Household.status == "active", Decision.outcome == "granted", Decision.valid_from <= day,
                     Decision.valid_until >= day, Decision.valid_until <= day + timedelta(days=days),
                     ~exists().where(later.household_id == Decision.household_id,
                                     later.valid_until > Decision.valid_until))

    def person(column):
        return (select(column).where(Member.household_id == Household.id, Member.is_active.is_(True))
                .order_by((Member.relation != "reference"), Member.id).limit(1).scalar_subquery())

    # One row per household (two decisions may end the same day), the count of them all over the window.
    soonest = (select(Household.id.label("household_id"), Household.reference.label("reference"),
                      func.max(Decision.valid_until).label("until"), func.count().over().label("total"))
               .join(Decision, Decision.household_id == Household.id).where(condition)
               .group_by(Household.id, Household.reference)
               .order_by(func.max(Decision.valid_until), Household.reference).limit(limit).subquery())
    rows = db.session.execute(
        select(soonest.c.household_id, soonest.c.reference, person(Member.last_name), person(Member.first_name),
               soonest.c.until, soonest.c.total)
        .join(Household, Household.id == soonest.c.household_id)
        .order_by(soonest.c.until, soonest.c.reference)).all()
    return {"count": _int(rows[0][5]) if rows else 0,
            "rows": [{"household_id": hid, "reference": reference,
                      "name": f"{last_name} {first_name}" if last_name else reference,
                      "valid_until": until} for hid, reference, last_name, first_name, until, _total in rows]}


def dashboard(day: date | None = None, sites: Sites = None) -> dict:
    """Everything the dashboard shows, for `day` (today by default) and the scope's sites (None: the installation).
    The stock tiles are the current site's (the stock lists' own rule); decisions belong to the installation."""
    from grocery.stock.services import expired_lots, low_stock, near_expiry_lots

    day = day or local_today()
    month = Period(_month_start(day), _month_end(day), "this_month")
    return {
        "day": day,
        "till": till_today(day, sites),
        "month": sales_summary(month, sites),
        "month_period": month,
        "near_expiry": near_expiry_lots(day),
        "expired": expired_lots(day),
        "low_stock": low_stock(),
        "understaffed": understaffed_shifts(day, sites),
        "expiring": decisions_expiring(day),
        "daily": daily_sales(day, sites=sites),
        "monthly": monthly_households(day, sites=sites),
    }
