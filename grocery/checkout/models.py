"""Till sessions and the cash moved in and out of the drawer."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.sites.context import site_default
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

#: Euro coins and notes counted at the till, in cents.
DENOMINATIONS = (20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)


class TillSession(db.Model):
    """A cash drawer opened with a float and closed with a blind count."""

    __tablename__ = "till_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("float_cents >= 0", name="float_not_negative"),
        CheckConstraint("counted_cents IS NULL OR counted_cents >= 0", name="count_not_negative"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_has_time"),
        # One open session per till of a site ("Caisse 1" may be open at two sites at once).
        Index("uq_till_sessions_open_till", "site_id", "till_name", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        Index("ix_till_sessions_opened_at", "opened_at"),
        Index("ix_till_sessions_site_opened", "site_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site of the till: the current site when the session was opened. Its sales and their stock movements
    #: belong to it.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    #: One of the names in the setting checkout.till_names.
    till_name: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Who works in this till session: the opener, or the cashier it was handed over to (logged). Only the holder
    #: (and coordinators, administrators) may sell in it, move its cash or close it.
    held_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    float_cents: Mapped[int]
    #: {denomination in cents (as a string): count} when the float was counted coin by coin.
    float_detail: Mapped[dict | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_cents: Mapped[int | None]
    count_detail: Mapped[dict | None] = mapped_column(JSON)
    #: Cash the drawer should hold at closing, computed when it is closed (after the blind count).
    expected_cents: Mapped[int | None]
    #: counted - expected: negative when cash is missing.
    difference_cents: Mapped[int | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    #: The last time the server heard from the till working in this session (catalogue, card, quote, sale, card
    #: snapshot): what tells an offline sale from an online one (grocery.checkout.offline).
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The silences of this till the server saw: [[start, end], ...] (ISO times, the most recent last, at most
    #: offline.MAX_GAPS): an offline sale must have been made within one of them.
    contact_gaps: Mapped[list | None] = mapped_column(JSON)

    opened_by = relationship("User", foreign_keys=[opened_by_id])
    held_by = relationship("User", foreign_keys=[held_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    cash_movements: Mapped[list["CashMovement"]] = relationship(
        back_populates="session", order_by="CashMovement.created_at")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class CashMovement(db.Model):
    """Cash put into or taken out of the drawer outside sales (change brought in, cash taken to the safe)."""

    __tablename__ = "cash_movements"
    __table_args__ = (
        CheckConstraint("kind IN ('cash_in', 'cash_out')", name="kind_known"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[TillSession] = relationship(back_populates="cash_movements")
    actor = relationship("User")

    @property
    def signed_cents(self) -> int:
        return self.amount_cents if self.kind == "cash_in" else -self.amount_cents


class Sale(db.Model):
    """One checkout: what a household took, what it paid, from which lots; created once per client uuid."""

    __tablename__ = "sales"
    __table_args__ = (
        CheckConstraint("payment_method IN ('cash', 'card', 'free')", name="payment_method_known"),
        CheckConstraint("status IN ('completed', 'voided')", name="status_known"),
        CheckConstraint("total_cents >= 0 AND paid_cents >= 0 AND retail_cents >= 0", name="amounts_not_negative"),
        CheckConstraint("payment_method <> 'free' OR total_cents = 0", name="free_only_when_zero"),
        CheckConstraint("review_status IS NULL OR review_status IN ('pending', 'reviewed')",
                        name="review_status_known"),
        Index("ix_sales_household_created", "household_id", "created_at"),
        Index("ix_sales_review_status", "review_status"),
        Index("ix_sales_created_at", "created_at"),
        Index("ix_sales_site_created", "site_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site of its till session (written with the sale, for the reports per site).
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    #: Created by the browser when the sale starts; a replay of the same uuid returns this sale.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    till_session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    #: The card scanned at the till (kept for the record even if the card is replaced later).
    card_code: Mapped[str] = mapped_column(String(13))
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the browser created the sale (it may reach the server later).
    client_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First day of the household's budget period the sale was counted in.
    budget_period_start: Mapped[date]
    total_cents: Mapped[int]
    retail_cents: Mapped[int]
    paid_cents: Mapped[int]
    payment_method: Mapped[str] = mapped_column(String(10))
    tendered_cents: Mapped[int | None]
    change_cents: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default="completed")
    receipt_prints: Mapped[int] = mapped_column(default=0)
    #: The household's budget left after this sale, at the time of the sale: what its receipt shows, reprinted a
    #: month later too. None for sales recorded before it was kept (migration 0010).
    budget_left_cents: Mapped[int | None]
    #: What the receipt names, as it was at the time of the sale: {"greeting": "Fatima B.", "products":
    #: {"<product id>": "name"}}. None for sales recorded before it was kept (the receipt reads today's names).
    receipt_figures: Mapped[dict | None] = mapped_column(JSON)
    #: Made while the till was offline and accepted as such (grocery.checkout.offline): recorded even when a check
    #: failed by the time it arrived.
    offline: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: "pending" when an offline sale failed a check (listed for the coordinator), "reviewed" once looked at;
    #: None for every other sale.
    review_status: Mapped[str | None] = mapped_column(String(10))
    #: What failed, for the review list: [{"code": ..., "product_id": ... or None, "message": ...}].
    review_reasons: Mapped[list | None] = mapped_column(JSON)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["SaleLine"]] = relationship(back_populates="sale", order_by="SaleLine.id")
    refunds: Mapped[list["SaleRefund"]] = relationship(back_populates="sale", order_by="SaleRefund.id")
    till_session: Mapped[TillSession] = relationship()
    cashier = relationship("User", foreign_keys=[cashier_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    shortfalls: Mapped[list["StockShortfall"]] = relationship(back_populates="sale", order_by="StockShortfall.id")

    #: Not stored: set by record_sale on the sale it creates, so that the till's answer needs no second read: the
    #: lines as written (dicts). None on a sale read back.
    written_lines = None

    @property
    def savings_cents(self) -> int:
        return self.retail_cents - self.total_cents


class SaleLine(db.Model):
    """One product from one lot in a sale, priced by that lot's source."""

    __tablename__ = "sale_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_within_quantity"),
        CheckConstraint("price_cents >= 0 AND retail_cents >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    #: In the product's base unit: pieces, grams (kg products) or millilitres (litre products).
    quantity: Mapped[int]
    #: Social price paid for this quantity from this lot.
    price_cents: Mapped[int]
    #: Retail reference value of this quantity (to show savings and report value distributed).
    retail_cents: Mapped[int]
    #: The lot's source (donor type) at the time of sale, e.g. "fead", "food_bank".
    source: Mapped[str] = mapped_column(String(20))
    #: Programme goods given free of charge (FEAD / FSE+).
    is_free_programme: Mapped[bool] = mapped_column(default=False)
    #: The lot was past its best-before date (DDM) when sold.
    past_best_before: Mapped[bool] = mapped_column(default=False)
    refunded_quantity: Mapped[int] = mapped_column(default=0)

    sale: Mapped[Sale] = relationship(back_populates="lines")
    product = relationship("Product")
    lot = relationship("Lot")


class SaleRefund(db.Model):
    """A void (the whole sale) or a refund of some lines, with its reason; stock and budget are given back."""

    __tablename__ = "sale_refunds"
    __table_args__ = (
        CheckConstraint("kind IN ('void', 'refund')", name="kind_known"),
        CheckConstraint("condition IS NULL OR condition IN ('resellable', 'damaged', 'expired', 'recalled')",
                        name="condition_known"),
        CheckConstraint("amount_cents >= 0 AND cash_returned_cents >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    #: The open till session the cash (if any) was given back from.
    till_session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200))
    #: The state of the goods given back (checkout.services.REFUND_CONDITIONS): "resellable" goods went back to
    #: their lot; "damaged", "expired" or "recalled" goods went back and were written off as waste with that
    #: reason. None for refunds recorded before it was kept (their goods went back to their lot).
    condition: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    amount_cents: Mapped[int]
    retail_cents: Mapped[int]
    cash_returned_cents: Mapped[int] = mapped_column(default=0)

    sale: Mapped[Sale] = relationship(back_populates="refunds")
    lines: Mapped[list["SaleRefundLine"]] = relationship(back_populates="refund")
    actor = relationship("User")


class SaleRefundLine(db.Model):
    __tablename__ = "sale_refund_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("sale_refunds.id"), index=True)
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"), index=True)
    quantity: Mapped[int]
    amount_cents: Mapped[int]

    refund: Mapped[SaleRefund] = relationship(back_populates="lines")
    sale_line: Mapped[SaleLine] = relationship()


class StockShortfall(db.Model):
    """Units an offline sale handed over that no lot could cover (the stock said there were none left): the shelf
    had them, the records did not. Listed for the stock manager; the next posted count of the product settles it."""

    __tablename__ = "stock_shortfalls"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_shortfalls_product_open", "product_id", "settled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    #: In the product's base unit.
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a posted stock count of the product settled it (None: still open).
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_count_id: Mapped[int | None] = mapped_column(ForeignKey("stock_counts.id"))

    sale: Mapped[Sale] = relationship(back_populates="shortfalls")
    product = relationship("Product")
