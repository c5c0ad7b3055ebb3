"""A site (one grocery of the installation) and the sites where a user works, with their role there."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from grocery.auth.roles import Role
from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


def logo_key_for(site_id: int) -> str:
    """The stored file key of a site's logo."""
    return f"sites.{site_id}.logo"


class Site(db.Model):
    """One grocery of the installation (an épicerie, a CPAS's antenne): its stock, tills, sales and shifts are its
    own; households, the catalogue and the settings belong to the installation. The migration 0020 made the first
    one from the organisation settings; an installation with one site shows no site anywhere."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: Street and number (the lines before the postcode), as printed on the site's documents.
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    #: Free text shown to households and on documents, e.g. "Tuesday and Thursday 9:00-12:00".
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    #: An inactive site keeps its history but opens no till, receives no goods and is offered to nobody.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def logo_key(self) -> str:
        """The key of this site's logo among the stored files (grocery.settings.models.StoredFile); documents fall
        back to the organisation's logo when the site has none."""
        return logo_key_for(self.id)

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"


class SiteRole(db.Model):
    """A user's role at one site, or at every site (site_id None). The rule (grocery.sites.services.role_at): an
    administrator has every site; a user without any row works at every site with User.role (every account made
    before sites existed, and every account of a one-site installation); a user with rows works only where they say,
    a row for the site itself winning over a row for every site."""

    __tablename__ = "user_site_roles"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        UniqueConstraint("user_id", "site_id", name="uq_user_site_roles_user_site"),
        # One row for every site per user (a unique constraint lets several NULL site ids through).
        Index("uq_user_site_roles_every_site", "user_id", unique=True,
              sqlite_where=text("site_id IS NULL"), postgresql_where=text("site_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: None: every site of the installation, present and future.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
