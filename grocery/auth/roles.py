"""Roles, and the decorators every view uses to declare who may call it."""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SOCIAL_WORKER = "social_worker"
    STOCK_MANAGER = "stock_manager"
    CASHIER = "cashier"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.SOCIAL_WORKER: _l("Social worker"),
    Role.STOCK_MANAGER: _l("Stock manager"),
    Role.CASHIER: _l("Cashier"),
}

ALL_ROLES = frozenset(Role)
#: Office roles that manage the grocery.
MANAGERS = frozenset({Role.ADMIN, Role.COORDINATOR})
#: Roles that may see social data (households, incomes, insertion paths).
SOCIAL = frozenset({Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER})


class _Public:
    def __repr__(self) -> str:
        return "PUBLIC"


#: Marker for routes open to anonymous visitors (login page, static files).
PUBLIC = _Public()
ROLES_ATTRIBUTE = "_grocery_roles"


def roles_required(*roles: Role | frozenset | set) -> Callable:
    """Declare which roles may call a view; grocery.security enforces it before every request."""
    allowed: set[Role] = set()
    for role in roles:
        if isinstance(role, frozenset | set):
            allowed |= role
        else:
            allowed.add(Role(role))
    if not allowed:
        raise ValueError("roles_required needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        setattr(wrapper, ROLES_ATTRIBUTE, frozenset(allowed))
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """Declare a view open to anonymous visitors."""
    setattr(view, ROLES_ATTRIBUTE, PUBLIC)
    return view


def declared_roles(view: Callable | None):
    """What a view declared: PUBLIC, a frozenset of roles, or None when it declared nothing."""
    return getattr(view, ROLES_ATTRIBUTE, None) if view is not None else None
