"""Stored setting values (only those changed from their default) and the organisation logo."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime


class Setting(db.Model):
    __tablename__ = "settings"

    #: A key of grocery.settings.registry.DEFINITIONS, e.g. "org.name".
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StoredFile(db.Model):
    """A small file kept in the database so that backups carry it (the organisation logo)."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(80))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
