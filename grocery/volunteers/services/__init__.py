"""Volunteer shifts and insertion paths: the business rules. Services flush, never commit.

Nothing here reads or writes household, eligibility or checkout data: access to the grocery never depends on
volunteering, and a no-show is attendance information, never a sanction (tests check both).

One module per subdomain: participants (record, badge, formalities), competences (activities, the framework),
planning (templates, shifts, booking), attendance (kiosk, marking, validated days, confirmed competences), path
(goals, PIIS, evaluations, summary, attestation); workshops in grocery/volunteers/workshops.py, allowances in
grocery/volunteers/allowances.py. Callers import from this package (`from grocery.volunteers import services`).
"""

from grocery.volunteers.services.attendance import (
    CHECK_OUT_GRACE,
    KIOSK_CONFIRM_CHECK_OUT_WITHIN,
    KIOSK_DEBOUNCE,
    assignment_minutes,
    confirm_competences,
    confirm_own_competences,
    forgot_check_out,
    is_day_validated,
    kiosk_scan,
    kiosk_sign_up,
    mark_attendance,
    open_shifts_for,
    shift_bounds,
    validate_day,
)
from grocery.volunteers.services.competences import (
    DEFAULT_ACTIVITIES,
    DEFAULT_COMPETENCES,
    _competences,
    create_activity,
    create_competence,
    seed_framework,
    set_activity_competences,
)
from grocery.volunteers.services.participants import (
    BadgeRefused,
    _clean,
    check_participant_values,
    create_participant,
    find_participant_by_badge,
    new_badge_code,
    renew_badge,
    update_formality,
    update_participant,
)
from grocery.volunteers.services.path import (
    add_piis_review,
    create_goal,
    evaluations_due,
    issue_attestation,
    path_summary,
    piis_reviews,
    record_evaluation,
    record_piis,
    update_goal,
)
from grocery.volunteers.services.planning import (
    MAX_GENERATE_DAYS,
    ShiftFull,
    _check_times,
    book_shift,
    cancel_assignment,
    cancel_shift,
    check_period,
    check_template_values,
    create_shift,
    create_template,
    day_shifts,
    generate_shifts,
    record_walk_in,
    set_template_active,
    today_logistics,
    week_shifts,
)

#: Workshop services live in grocery/volunteers/workshops.py; these names stay reachable from here.
_WORKSHOP_NAMES = frozenset({"create_workshop", "add_workshop_session", "record_workshop_attendance",
                             "sign_up_participant", "sign_up_member", "cancel_signup", "WorkshopFull"})


def __getattr__(name: str):
    if name in _WORKSHOP_NAMES:
        from grocery.volunteers import workshops

        return getattr(workshops, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHECK_OUT_GRACE",
    "DEFAULT_ACTIVITIES",
    "DEFAULT_COMPETENCES",
    "KIOSK_CONFIRM_CHECK_OUT_WITHIN",
    "KIOSK_DEBOUNCE",
    "MAX_GENERATE_DAYS",
    "BadgeRefused",
    "ShiftFull",
    "_check_times",
    "_clean",
    "_competences",
    "add_piis_review",
    "assignment_minutes",
    "book_shift",
    "cancel_assignment",
    "cancel_shift",
    "check_participant_values",
    "check_period",
    "check_template_values",
    "confirm_competences",
    "confirm_own_competences",
    "create_activity",
    "create_competence",
    "create_goal",
    "create_participant",
    "create_shift",
    "create_template",
    "day_shifts",
    "evaluations_due",
    "find_participant_by_badge",
    "forgot_check_out",
    "generate_shifts",
    "is_day_validated",
    "issue_attestation",
    "kiosk_scan",
    "kiosk_sign_up",
    "mark_attendance",
    "new_badge_code",
    "open_shifts_for",
    "path_summary",
    "piis_reviews",
    "record_evaluation",
    "record_piis",
    "record_walk_in",
    "renew_badge",
    "seed_framework",
    "set_activity_competences",
    "set_template_active",
    "shift_bounds",
    "today_logistics",
    "update_formality",
    "update_goal",
    "update_participant",
    "validate_day",
    "week_shifts",
]
