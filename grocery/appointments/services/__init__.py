"""Appointments domain services, one module per subdomain:

- slots: each site's opening pattern and exceptions, and the slots generated from them;
- booking: booking, moving, cancelling, missed appointments, and the till's day list and arrivals;
- standing: standing appointments and their bookings;
- proxies: proxy mandates and the proxy who shopped for a sale;
- common: errors, locks and the eligibility check of a day.

Callers import from this package (`from grocery.appointments import services as aps`). The till (its second step)
uses appointments_for_day, mark_arrived, valid_proxies and record_sale_proxy."""

from grocery.appointments.services.booking import (
    appointments_for_day,
    book_appointment,
    cancel_appointment,
    check_booking,
    household_appointments,
    mark_arrived,
    mark_missed,
    move_appointment,
    open_slots,
    week_slots,
)
from grocery.appointments.services.common import (
    DoubleBooking,
    SiteNotAllowed,
    SlotClosed,
    SlotFull,
    SlotPast,
    decision_allows_site,
)
from grocery.appointments.services.proxies import (
    create_mandate,
    household_mandates,
    migrate_proxy_names,
    record_sale_proxy,
    revoke_mandate,
    valid_proxies,
)
from grocery.appointments.services.slots import (
    GenerationResult,
    add_extra_session,
    check_period,
    check_session_values,
    close_day,
    create_opening_line,
    exceptions_from,
    generate_slots,
    opening_lines,
    set_opening_line_active,
)
from grocery.appointments.services.standing import (
    StandingResult,
    active_standing,
    apply_standing,
    create_standing,
    end_standing,
)

__all__ = [
    "DoubleBooking",
    "GenerationResult",
    "SiteNotAllowed",
    "SlotClosed",
    "SlotFull",
    "SlotPast",
    "StandingResult",
    "active_standing",
    "add_extra_session",
    "apply_standing",
    "appointments_for_day",
    "book_appointment",
    "cancel_appointment",
    "check_booking",
    "check_period",
    "check_session_values",
    "close_day",
    "create_mandate",
    "create_opening_line",
    "create_standing",
    "decision_allows_site",
    "end_standing",
    "exceptions_from",
    "generate_slots",
    "household_appointments",
    "household_mandates",
    "mark_arrived",
    "mark_missed",
    "migrate_proxy_names",
    "move_appointment",
    "open_slots",
    "opening_lines",
    "record_sale_proxy",
    "revoke_mandate",
    "set_opening_line_active",
    "valid_proxies",
    "week_slots",
]
