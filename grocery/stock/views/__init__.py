"""Stock pages (thin views), one module per screen family; importing the package registers every route on the
blueprint. Site-owned objects (lots, receptions, counts, transfers) are reached through the current site only."""

from grocery.stock.views import catalogue, common, counts, labels, lists, lots, receptions, transfers  # noqa: F401
