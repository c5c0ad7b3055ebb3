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
    SettingDef("volunteers.allowance_daily_ceiling", "cents", 4231, _l("Volunteer allowance: daily ceiling"),
               "volunteers", help=_l("Flat-rate expense allowance (law of 3 July 2005, art. 10), indexed each "
                                     "1 January. Default: the 2025 amount, EUR 42.31 (the 2026 amount was not "
                                     "confirmed when this was set: check it)."), min=1),
    SettingDef("volunteers.allowance_yearly_ceiling", "cents", 169251, _l("Volunteer allowance: yearly ceiling"),
               "volunteers", help=_l("Counts what the volunteer receives from every organisation. Default: the "
                                     "2025 amount, EUR 1,692.51 (check the indexed 2026 amount)."), min=1),
    SettingDef("volunteers.allowance_ceiling_year", "int", 2025, _l("Year of the allowance ceilings above"),
               "volunteers", help=_l("A warning is shown when allowances of another year are checked against "
                                     "these ceilings."), min=2005, max=2100),
    SettingDef("volunteers.allowance_warn_percent", "percent", 80,
               _l("Warn when a volunteer's allowances reach this share of the yearly ceiling"), "volunteers",
               min=1, max=100),
    SettingDef("volunteers.attestation_signatory", "text", "Pour le CPAS", _l("Signature line of the organisation"),
               "volunteers", help=_l("Printed above the organisation's signature on attestations.")),
)
