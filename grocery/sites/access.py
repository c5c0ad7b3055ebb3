"""Objects reached by an id: a page or a POST of site A given the id of site B's object answers 404, never the
object (as if it did not exist), so that nothing of another site shows through an id."""

from collections.abc import Callable
from typing import TypeVar

from flask import abort

from grocery.extensions import db
from grocery.sites.context import current_site_id

T = TypeVar("T")


def get_site_object_or_404(model: type[T], ident, *, site_of: Callable[[T], int] | None = None) -> T:
    """The `model` row with this id when it belongs to the current site, else 404. `site_of`: how to read the site
    of a child row that has no site_id of its own (an assignment: its shift's site); by default `obj.site_id`."""
    obj = db.session.get(model, ident) if ident is not None else None
    if obj is None or (site_of(obj) if site_of is not None else obj.site_id) != current_site_id():
        abort(404)
    return obj


def belongs_to_current_site(site_id: int | None) -> bool:
    """Whether a row of this site may be shown or changed in the current request."""
    return site_id is not None and site_id == current_site_id()
