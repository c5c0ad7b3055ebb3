"""Households and eligibility: households, members, decisions, budget ledger, cards, the till summary, privacy."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import SOCIAL
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register, register_section

#: cli_group=None: `flask --app grocery anonymise` is a top-level command.
bp = Blueprint("households", __name__, url_prefix="/households", cli_group=None)

register_section("households", _l("Households and eligibility"), 10)
register(
    SettingDef("households.decision_months", "int", 3, _l("Validity of a decision (months)"), "households",
               help=_l("Proposed end of validity of a new decision, counted from its start."), min=1, max=24),
    SettingDef("households.expiry_warning_days", "int", 14, _l("Warn about expiring decisions (days before)"),
               "households", help=_l("Decisions ending within this many days appear in the renewals list."),
               min=1, max=90),
    SettingDef("households.remaining_threshold_cents", "cents", 700,
               _l("Reste à vivre threshold (per person per day)"), "households",
               help=_l("Shown next to the computation; the social worker decides."), min=0, max=10000),
    SettingDef("households.remaining_days", "int", 30, _l("Reste à vivre: days per month"), "households",
               help=_l("The monthly income is divided by this many days (30: the CPAS convention, the same for "
                       "every month). 0: the days of the calendar month."), min=0, max=31),
    SettingDef("households.budget_period", "choice", "week", _l("Budget period"), "households",
               choices=(("week", _l("Week (Monday to Sunday)")), ("month", _l("Calendar month")))),
    SettingDef("households.budget_partial_period", "choice", "prorate", _l("Budget of a partial period"),
               "households", help=_l("A decision that starts or ends within a week or a month: its first and last "
                                     "periods are cut to the decision. Prorate gives the budget of the days "
                                     "covered; full gives the whole budget of the period."),
               choices=(("prorate", _l("Prorate to the days covered")), ("full", _l("The whole budget")))),
    SettingDef("households.budget_rounding_cents", "cents", 1, _l("Rounding of a prorated budget"), "households",
               help=_l("A prorated budget is rounded to the nearest multiple of this amount (0,01 €: to the cent; "
                       "0,10 €, 1,00 €...)."), min=1, max=10000),
    SettingDef("households.budget_per_household_cents", "cents", 0, _l("Budget per household"), "households",
               help=_l("Fixed part of the budget of every household, per period."), min=0, max=1000000),
    SettingDef("households.budget_per_adult_cents", "cents", 1000, _l("Budget per adult (18 years and more)"),
               "households", help=_l("For example 10 € per adult per week."), min=0, max=1000000),
    SettingDef("households.budget_per_child_cents", "cents", 500, _l("Budget per child"), "households",
               help=_l("For example 5 € per child per week."), min=0, max=1000000),
    SettingDef("households.anonymise_after_years", "int", 5, _l("Anonymise households inactive for (years)"),
               "households", help=_l("Used by the command flask anonymise when no number of years is given."),
               min=1, max=30),
)

from grocery.households import cli, demo, views  # noqa: E402,F401

register_nav("households.index", _l("Households"), SOCIAL, order=10)
