"""Catalogue, donors, donations, lots, the append-only stock ledger and stock counts.

Quantities are integers in the product's base unit: pieces for `piece` products, GRAMS for `kg` products and
MILLILITRES for `litre` products. Weights are therefore exact integers, and a weight is never entered for a
product counted by the piece.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES
from grocery.sites.context import site_default
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

UNIT_KINDS = ("piece", "kg", "litre")
PRICE_RULES = ("category", "percent", "fixed")
QUOTA_SCOPES = ("household", "per_adult", "per_child", "per_child_under_3")
QUOTA_PERIODS = ("week", "month")
DONOR_KINDS = ("food_bank", "fead", "supermarket", "private", "collection", "purchase", "other")
#: "transfer": out of a lot of one site (negative) or into the new lot at the other site (positive), see StockTransfer.
MOVEMENT_KINDS = ("receipt", "sale", "return", "waste", "adjustment", "count", "transfer")
WASTE_REASONS = ("expired", "damaged", "recalled", "other")
DONATION_STATUSES = ("draft", "confirmed", "cancelled")
COUNT_STATUSES = ("open", "posted", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ProductCategory(db.Model):
    """A shelf category; its default social price is a percentage of the retail price. It may carry a quota on the
    pieces of all its products together (e.g. baby hygiene: 2 per child under 3 per week), beside product quotas."""

    __tablename__ = "product_categories"
    __table_args__ = (
        CheckConstraint("default_social_percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("quota_quantity IS NULL OR quota_quantity > 0", name="quota_positive"),
        CheckConstraint(f"quota_scope IS NULL OR {_in('quota_scope', QUOTA_SCOPES)}", name="quota_scope_known"),
        CheckConstraint(f"quota_period IS NULL OR {_in('quota_period', QUOTA_PERIODS)}", name="quota_period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: Social price of products following the category rule, in percent of their retail price.
    default_social_percent: Mapped[int] = mapped_column(Integer, default=20)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Days a lot past its best-before date (DDM) stays sellable before it waits for a stock manager's decision;
    #: None: the setting stock.ddm_grace_days.
    ddm_grace_days: Mapped[int | None] = mapped_column(Integer)
    #: At most this many pieces of the category's products sold by the piece, all together, per household (scaled
    #: by quota_scope) per quota_period; None = no category quota. Products sold by weight or volume are not
    #: counted (give them a product quota).
    quota_quantity: Mapped[int | None] = mapped_column(Integer)
    quota_scope: Mapped[str | None] = mapped_column(String(20))
    quota_period: Mapped[str | None] = mapped_column(String(10))


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(_in("unit_kind", UNIT_KINDS), name="unit_kind_known"),
        CheckConstraint(_in("price_rule", PRICE_RULES), name="price_rule_known"),
        CheckConstraint("retail_price_cents >= 0", name="retail_price_positive"),
        CheckConstraint("social_price_cents IS NULL OR social_price_cents >= 0", name="social_price_positive"),
        CheckConstraint("social_percent IS NULL OR social_percent BETWEEN 0 AND 100", name="social_percent_range"),
        CheckConstraint("net_weight_g IS NULL OR net_weight_g > 0", name="net_weight_positive"),
        CheckConstraint("low_stock_threshold >= 0", name="low_stock_positive"),
        CheckConstraint("quota_quantity IS NULL OR quota_quantity > 0", name="quota_positive"),
        CheckConstraint(f"quota_scope IS NULL OR {_in('quota_scope', QUOTA_SCOPES)}", name="quota_scope_known"),
        CheckConstraint(f"quota_period IS NULL OR {_in('quota_period', QUOTA_PERIODS)}", name="quota_period_known"),
        CheckConstraint("item_number IS NULL OR item_number BETWEEN 1 AND 99999", name="item_number_range"),
        Index("ix_products_name", "name"),
        # The till reads the products with a quota rule at every card lookup, quote and sale: a small index.
        Index("ix_products_quota", "name", sqlite_where=text("quota_quantity IS NOT NULL"),
              postgresql_where=text("quota_quantity IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    category_id: Mapped[int] = mapped_column(ForeignKey("product_categories.id"), index=True)
    #: piece, kg or litre: the base unit of quantities is the piece, the gram or the millilitre.
    unit_kind: Mapped[str] = mapped_column(String(10), default="piece")
    #: Net weight of one piece in grams (kg reports); for kg/litre products, 1 base unit = 1 g (1 ml ≈ 1 g).
    net_weight_g: Mapped[int | None] = mapped_column(Integer)
    #: Retail reference price: per piece, per kg or per litre according to unit_kind.
    retail_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    #: category (the category's percentage), percent (social_percent of retail) or fixed (social_price_cents).
    price_rule: Mapped[str] = mapped_column(String(10), default="category")
    #: Fixed social price per piece / kg / litre, for the "fixed" rule.
    social_price_cents: Mapped[int | None] = mapped_column(Integer)
    #: Percentage of retail, for the "percent" rule.
    social_percent: Mapped[int | None] = mapped_column(Integer)
    #: At most this many base units per household (scaled by quota_scope) per quota_period; None = no quota.
    quota_quantity: Mapped[int | None] = mapped_column(Integer)
    quota_scope: Mapped[str | None] = mapped_column(String(20))
    quota_period: Mapped[str | None] = mapped_column(String(10))
    #: Below this quantity on hand (base units) the product is listed as low stock.
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=0)
    #: In-store item reference (5 digits) embedded in variable-measure labels (prefixes 21 and 22).
    item_number: Mapped[int | None] = mapped_column(Integer, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ProductCategory] = relationship(lazy="joined")
    barcodes: Mapped[list["ProductBarcode"]] = relationship(back_populates="product", cascade="all, delete-orphan",
                                                            order_by="ProductBarcode.id")

    @property
    def is_by_measure(self) -> bool:
        return self.unit_kind != "piece"

    @property
    def category_percent(self) -> int:
        """The category's social percentage (the "category" price rule); a column of the till's product rows."""
        return self.category.default_social_percent

    def weight_g(self, quantity: int) -> int | None:
        """The weight in grams of `quantity` base units (None when a piece product has no net weight)."""
        return weight_of(self, quantity)


def weight_of(product, quantity: int) -> int | None:
    """The weight in grams of `quantity` base units of a product (an ORM object or a row with unit_kind and
    net_weight_g); None when a piece product has no net weight."""
    if product.unit_kind != "piece":
        return quantity
    return quantity * product.net_weight_g if product.net_weight_g else None


class ProductBarcode(db.Model):
    """A barcode of a product; one code belongs to one product. EAN-13 form for UPC-A."""

    __tablename__ = "product_barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: EAN-13 (UPC-A stored with its leading zero) or EAN-8 digits, check digit included.
    code: Mapped[str] = mapped_column(String(14), unique=True)
    #: True for codes generated here in the in-store range (prefix 20).
    is_instore: Mapped[bool] = mapped_column(Boolean, default=False)

    product: Mapped[Product] = relationship(back_populates="barcodes")


class Donor(db.Model):
    __tablename__ = "donors"
    __table_args__ = (CheckConstraint(_in("kind", DONOR_KINDS), name="kind_known"),
                      CheckConstraint(_in("preferred_language", DOCUMENT_LANGUAGES), name="language_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    #: The source type; it decides the pricing policy of the lots received from this donor.
    kind: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The language of the donation receipts printed for this donor (one of the interface languages).
    preferred_language: Mapped[str] = mapped_column(String(5), default="fr")


class Donation(db.Model):
    """A reception of goods from one donor: draft lines, then confirmed into lots in one transaction."""

    __tablename__ = "donations"
    __table_args__ = (CheckConstraint(_in("status", DONATION_STATUSES), name="status_known"),
                      Index("ix_donations_site_received", "site_id", "received_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site (grocery.sites) this row belongs to; new rows: the current site (grocery.sites.context).
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    #: Free label of the programme or campaign (e.g. "FSE+ 2026", "Collecte école Saint-Joseph").
    programme: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    donor: Mapped[Donor] = relationship(lazy="joined")
    lines: Mapped[list["DonationLine"]] = relationship(back_populates="donation", cascade="all, delete-orphan",
                                                       order_by="DonationLine.id")


class DonationLine(db.Model):
    """One scanned line of a reception; becomes one lot when the reception is confirmed."""

    __tablename__ = "donation_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: Base units: pieces, grams (kg products) or millilitres (litre products).
    quantity: Mapped[int] = mapped_column(Integer)
    use_by_on: Mapped[date | None] = mapped_column(Date)
    best_before_on: Mapped[date | None] = mapped_column(Date)
    lot_number: Mapped[str] = mapped_column(String(40), default="")
    #: Purchases only: cost price in cents per piece / kg / litre (as the retail price), what the CPAS paid.
    unit_cost_cents: Mapped[int | None] = mapped_column(Integer)

    donation: Mapped[Donation] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class Lot(db.Model):
    """One batch of one product with one expiry date; quantity_on_hand caches the sum of its movements."""

    __tablename__ = "lots"
    __table_args__ = (
        CheckConstraint("quantity_on_hand >= 0", name="quantity_not_negative"),
        CheckConstraint(_in("source", DONOR_KINDS), name="source_known"),
        # No index on quantity_on_hand: every sale changes it, lots are found by product (migration 0009).
        Index("ix_lots_site_product", "site_id", "product_id"),
        # The reports of a period find its receptions by the lots' received date (issue #15: at federation scale).
        Index("ix_lots_received_on", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site (grocery.sites) this row belongs to; new rows: the current site (grocery.sites.context).
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"), index=True)
    #: The donor type of the donation (food_bank, fead, ...): it decides the price of the units of this lot.
    source: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    #: DLC: after this day the lot must not be sold.
    use_by_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: DDM: after this day the lot may still be sold, with a warning.
    best_before_on: Mapped[date | None] = mapped_column(Date)
    lot_number: Mapped[str] = mapped_column(String(40), default="")
    #: Base units received (pieces, grams or millilitres).
    quantity_received: Mapped[int] = mapped_column(Integer)
    #: Cache of the sum of this lot's movements, updated only by services.record_movement.
    quantity_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Purchased lots: cost price in cents per piece / kg / litre; reports value them at cost. None: a donation,
    #: valued at the product's reference (retail) price.
    unit_cost_cents: Mapped[int | None] = mapped_column(Integer)
    #: Past its best-before date and its category's grace days, the lot waits for a decision from this day on and
    #: the till does not sell it (None: no DDM, or sold again for good). Kept by services.refresh_ddm_holds.
    ddm_hold_from: Mapped[date | None] = mapped_column(Date)
    #: The stock manager's decision on a lot that waited: sell (again, until a date or for good), give, discard.
    ddm_decision: Mapped[str | None] = mapped_column(String(10))
    ddm_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(lazy="joined")
    donation: Mapped[Donation | None] = relationship()

    @property
    def expires_on(self) -> date | None:
        """The earliest of the use-by and best-before dates (FEFO order)."""
        dates = [d for d in (self.use_by_on, self.best_before_on) if d is not None]
        return min(dates) if dates else None


class StockMovement(db.Model):
    """Append-only ledger line: a signed quantity of one lot, with its kind, reason, actor and origin."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind_known"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index("ix_stock_movements_lot", "lot_id", "occurred_at"),
        Index("ix_stock_movements_kind_time", "kind", "occurred_at"),
        Index("ix_stock_movements_site_time", "site_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site of the lot (a movement never crosses sites: a transfer is one movement out and one in).
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    kind: Mapped[str] = mapped_column(String(12))
    #: Signed base units: positive in (receipt, return), negative out (sale, waste), either way for counts.
    quantity: Mapped[int] = mapped_column(Integer)
    #: Grams moved (signed like quantity), when known: for kg reports.
    weight_g: Mapped[int | None] = mapped_column(Integer)
    #: Waste reason (expired, damaged, recalled, other) or a free adjustment reason.
    reason: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"), index=True)
    count_id: Mapped[int | None] = mapped_column(ForeignKey("stock_counts.id"), index=True)
    #: Free reference set by other domains (checkout puts the sale uuid there). Not indexed: nothing looks
    #: movements up by it, and every sale line would pay for the index (migration 0009).
    reference: Mapped[str | None] = mapped_column(String(80))

    lot: Mapped[Lot] = relationship()


class StockCount(db.Model):
    """An inventory: counted quantities of some lots, posted as count movements for the differences."""

    __tablename__ = "stock_counts"
    __table_args__ = (CheckConstraint(_in("status", COUNT_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site whose lots are counted.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True, default=site_default)
    #: None: the whole stock; otherwise one category.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("product_categories.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Reason written on every adjustment when the count is posted.
    reason: Mapped[str] = mapped_column(String(200), default="")

    category: Mapped[ProductCategory | None] = relationship(lazy="joined")
    lines: Mapped[list["StockCountLine"]] = relationship(back_populates="count", cascade="all, delete-orphan",
                                                         order_by="StockCountLine.id")


class StockCountLine(db.Model):
    """A counted quantity of one lot; only counted lots are touched when the count is posted."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "lot_id"),
        CheckConstraint("counted >= 0", name="counted_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    counted: Mapped[int] = mapped_column(Integer)
    #: Quantity on hand when the count was posted (None while open).
    expected: Mapped[int | None] = mapped_column(Integer)

    count: Mapped[StockCount] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship(lazy="joined")


class SiteProductThreshold(db.Model):
    """A site's own low-stock threshold for a product, overriding Product.low_stock_threshold there (an antenna
    that sells less keeps less); the only per-site setting of the shared catalogue."""

    __tablename__ = "site_product_thresholds"
    __table_args__ = (
        UniqueConstraint("site_id", "product_id", name="uq_site_product_thresholds_site_product"),
        CheckConstraint("low_stock_threshold >= 0", name="low_stock_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: Base units (pieces, grams or millilitres), as Product.low_stock_threshold.
    low_stock_threshold: Mapped[int] = mapped_column(Integer)


class StockTransfer(db.Model):
    """Goods sent from one site's lots to another site in one transaction: each line takes a quantity out of a lot
    of the sending site and makes a new lot at the receiving site (same product, dates, source and cost). Seen from
    both sites, from no other."""

    __tablename__ = "stock_transfers"
    __table_args__ = (
        CheckConstraint("from_site_id <> to_site_id", name="sites_differ"),
        Index("ix_stock_transfers_from_created", "from_site_id", "created_at"),
        Index("ix_stock_transfers_to_created", "to_site_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    from_site = relationship("Site", foreign_keys=[from_site_id], lazy="joined")
    to_site = relationship("Site", foreign_keys=[to_site_id], lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    lines: Mapped[list["StockTransferLine"]] = relationship(back_populates="transfer", cascade="all, delete-orphan",
                                                            order_by="StockTransferLine.id")


class StockTransferLine(db.Model):
    """One lot's quantity sent: its movement out of the sending lot and its movement into the new lot."""

    __tablename__ = "stock_transfer_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    #: The lot of the sending site the goods left.
    from_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    #: The lot made at the receiving site.
    to_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    #: Base units moved.
    quantity: Mapped[int] = mapped_column(Integer)
    out_movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movements.id"))
    in_movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movements.id"))

    transfer: Mapped[StockTransfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")
    from_lot: Mapped[Lot] = relationship(foreign_keys=[from_lot_id])
    to_lot: Mapped[Lot] = relationship(foreign_keys=[to_lot_id])
