"""The navigation registry: each domain package registers the sections its roles see in the top bar."""

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_login import current_user

from grocery.auth.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    roles: frozenset[Role]
    order: int = 100
    #: The blueprint whose pages highlight this item (defaults to the blueprint of `endpoint`), or, with a dot, the
    #: start of the endpoints that do ("admin.site").
    blueprint: str | None = None


NAV_ITEMS: list[NavItem] = []


def register_nav(endpoint: str, label: Any, roles, order: int = 100, blueprint: str | None = None) -> None:
    NAV_ITEMS.append(NavItem(endpoint, label, frozenset(Role(r) for r in roles), order, blueprint))


def nav_for_current_user() -> list[dict]:
    """The items the logged-in user's role at the current site may open, in order, with the active one marked."""
    if not current_user.is_authenticated:
        return []
    from flask import request

    from grocery.sites.roles import current_role

    role = current_role()
    items = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if role not in item.roles or item.endpoint not in current_app.view_functions:
            continue
        blueprint = item.blueprint or item.endpoint.rsplit(".", 1)[0]
        active = ((request.endpoint or "").startswith(blueprint) if "." in blueprint
                  else (request.blueprint or "") == blueprint)
        items.append({"url": url_for(item.endpoint), "label": item.label, "active": active})
    return items
