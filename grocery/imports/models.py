"""The import log: one row per import, holding the uploaded file between the preview and the confirmation."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

IMPORT_KINDS = ("products", "households")
IMPORT_STATUSES = ("pending", "done", "cancelled")
IMPORT_SOURCES = ("web", "cli")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ImportBatch(db.Model):
    """One spreadsheet import: pending while previewed, then done (with its counts) or cancelled."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(_in("kind", IMPORT_KINDS), name="kind_known"),
        CheckConstraint(_in("status", IMPORT_STATUSES), name="status_known"),
        CheckConstraint(_in("source", IMPORT_SOURCES), name="source_known"),
        CheckConstraint("content IS NULL OR status = 'pending'", name="content_only_while_pending"),
        Index("ix_import_batches_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random key of the preview and confirmation URLs (never guessable, never re-posted data).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    #: The uploaded file, kept server-side between the preview and the confirmation, then erased.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: web (upload, preview, confirmation) or cli (flask import-products / import-households).
    source: Mapped[str] = mapped_column(String(8), default="web")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Counts of the finished import: data lines read, imported, already present (skipped), with errors (skipped).
    lines_read: Mapped[int] = mapped_column(Integer, default=0)
    lines_imported: Mapped[int] = mapped_column(Integer, default=0)
    lines_present: Mapped[int] = mapped_column(Integer, default=0)
    lines_invalid: Mapped[int] = mapped_column(Integer, default=0)
    #: Products or households created.
    records_created: Mapped[int] = mapped_column(Integer, default=0)

    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
