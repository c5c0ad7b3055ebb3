"""Shopping appointments per site (opening pattern, slots, bookings, standing appointments) and proxy mandates."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS, SOCIAL
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register

bp = Blueprint("appointments", __name__, url_prefix="/appointments", cli_group="appointments")

#: Who books, moves and cancels appointments and manages proxies: the social roles. The cashier ("the desk") does
#: not: booking shows the household's eligibility and the other households booked, social data a volunteer cashier
#: must not see; the till's step only reads the day's list (names and times) and marks arrivals.
BOOKERS = SOCIAL
#: Who sets each site's opening pattern and exceptions.
PLANNERS = MANAGERS

import grocery.notifications  # noqa: E402,F401  (registers the "notifications" section these settings go in)

register(
    SettingDef("notifications.appointment_reminders", "bool", True,
               _l("Remind households of their appointment the day before"), "notifications",
               help=_l("By e-mail, in the household's language, only to households that gave an e-mail address and "
                       "agreed to reminders.")),
    SettingDef("appointments.what_to_bring", "text", "", _l("What to bring to an appointment"), "notifications",
               help=_l("Said in the appointment reminder, for example: your household card and your shopping bags. "
                       "Empty: nothing is said.")),
)

from grocery.appointments import cli, demo, views  # noqa: E402,F401

register_nav("appointments.week", _l("Appointments"), SOCIAL, order=15)
