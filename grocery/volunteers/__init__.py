"""Volunteer shifts linked to insertion paths: participants, planning, kiosk attendance, paths, attestations."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import Role
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register, register_section

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")

#: Who may plan shifts and take attendance.
PLANNERS = frozenset({Role.COORDINATOR, Role.ADMIN})
#: Who may read the planning.
PLANNING_READERS = frozenset({Role.COORDINATOR, Role.ADMIN, Role.SOCIAL_WORKER})
#: Goals and evaluations of the insertion path: social workers (and administrators), not coordinators.
PATH_ROLES = frozenset({Role.SOCIAL_WORKER, Role.ADMIN})

from grocery.volunteers import demo, household_link, kiosk, views  # noqa: E402,F401

register_nav("volunteers.planning", _l("Volunteers"), PLANNING_READERS, order=40)
register_nav("volunteers.today", _l("Today's shifts"), [Role.CASHIER, Role.STOCK_MANAGER], order=40)

register_section("volunteers", _l("Volunteers and insertion"), 40)
register(
    SettingDef("volunteers.evaluation_cadence_months", "int", 4, _l("Months between path evaluations"),
               "volunteers", help=_l("Quarterly is 3, three times a year is 4."), min=1, max=12),
    SettingDef("volunteers.checkin_early_minutes", "int", 30, _l("Check-in opens this many minutes before a shift"),
               "volunteers", min=0, max=180),
    SettingDef("volunteers.late_after_minutes", "int", 15, _l("Late after this many minutes"), "volunteers",
               help=_l("Information for the coordinator only, never a sanction."), min=0, max=120),
    SettingDef("volunteers.attestation_signatory", "text", "Pour le CPAS", _l("Signature line of the organisation"),
               "volunteers", help=_l("Printed above the organisation's signature on attestations.")),
)
