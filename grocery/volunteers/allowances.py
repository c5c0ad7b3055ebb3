"""Volunteer expense allowances (défraiement forfaitaire, law of 3 July 2005 art. 10): per day, with the ceilings."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import record_event
from grocery.errors import FieldErrors, ValidationError
from grocery.extensions import db
from grocery.money import format_money
from grocery.settings.services import get_setting
from grocery.timeutil import local_today
from grocery.volunteers.models import ALLOWANCE_ENGAGEMENTS, Allowance, Participant


@dataclass
class AllowanceStatus:
    """What a volunteer received in a calendar year, against the ceilings set, with the warnings to show."""

    year: int
    total_cents: int
    days: int
    daily_ceiling_cents: int
    yearly_ceiling_cents: int
    ceiling_year: int
    rows: list[Allowance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def percent_of_year(self) -> int:
        return round(100 * self.total_cents / self.yearly_ceiling_cents) if self.yearly_ceiling_cents else 0


def allowance_applies(participant: Participant) -> bool:
    """The flat-rate allowance is a volunteering regime: not for article 60 (a salary) nor an internship."""
    return participant.engagement_type in ALLOWANCE_ENGAGEMENTS


def check_allowance_values(day: date | None, amount_cents: int | None) -> None:
    """A day of volunteering already done and an amount above zero; both errors at once."""
    errors = FieldErrors()
    if day is None:
        errors.add("day", _l("Enter the day of volunteering the allowance is for."))
    elif day > local_today():
        errors.add("day", _l("The day is in the future: record the allowance once the day is done."))
    if not amount_cents or amount_cents <= 0:
        errors.add("amount", _l("Enter the amount paid, more than zero."))
    errors.raise_if_any()


def record_allowance(actor, participant: Participant, *, day: date | None, amount_cents: int | None
                     ) -> tuple[Allowance, AllowanceStatus]:
    """Record the flat-rate allowance paid for one day of volunteering (a second entry for the same day corrects
    the first). Never refused for the ceilings: the status returned carries the warnings (near or past the
    yearly ceiling, past the daily one) so that the person paying can act."""
    if not allowance_applies(participant):
        raise ValidationError("amount", _l("Volunteer allowances apply to volunteering only: an article 60 worker "
                                           "is paid a salary, an intern follows their agreement."))
    check_allowance_values(day, amount_cents)
    allowance = db.session.scalar(select(Allowance).where(Allowance.participant_id == participant.id,
                                                          Allowance.paid_for_on == day))
    previous = allowance.amount_cents if allowance else None
    if allowance is None:
        allowance = Allowance(participant_id=participant.id, paid_for_on=day, amount_cents=amount_cents,
                              recorded_by_id=getattr(actor, "id", None))
        db.session.add(allowance)
    else:
        allowance.amount_cents = amount_cents
        allowance.recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_event(actor, "volunteers.allowance_record", participant,
                 {"day": day.isoformat(), "amount_cents": amount_cents, "previous_cents": previous})
    return allowance, allowance_status(participant, day.year)


def allowance_status(participant: Participant, year: int | None = None) -> AllowanceStatus:
    """The year's allowances and the warnings: a day above the daily ceiling, a year total past the warning
    share of the yearly ceiling or past the ceiling, ceilings set for another year than the one shown."""
    year = year or local_today().year
    rows = list(db.session.scalars(select(Allowance).where(
        Allowance.participant_id == participant.id,
        Allowance.paid_for_on.between(date(year, 1, 1), date(year, 12, 31))).order_by(Allowance.paid_for_on)))
    status = AllowanceStatus(year=year, total_cents=sum(r.amount_cents for r in rows), days=len(rows), rows=rows,
                             daily_ceiling_cents=int(get_setting("volunteers.allowance_daily_ceiling")),
                             yearly_ceiling_cents=int(get_setting("volunteers.allowance_yearly_ceiling")),
                             ceiling_year=int(get_setting("volunteers.allowance_ceiling_year")))
    for row in rows:
        if row.amount_cents > status.daily_ceiling_cents:
            status.warnings.append(str(_l(
                "On %(day)s, %(amount)s was paid: above the daily ceiling of %(ceiling)s.",
                day=format_date(row.paid_for_on, "long"), amount=format_money(row.amount_cents),
                ceiling=format_money(status.daily_ceiling_cents))))
    warn_at = status.yearly_ceiling_cents * int(get_setting("volunteers.allowance_warn_percent")) // 100
    if status.total_cents > status.yearly_ceiling_cents:
        status.warnings.append(str(_l(
            "%(total)s paid in %(year)d: above the yearly ceiling of %(ceiling)s. Above it, the allowances may be "
            "treated as pay: stop the flat-rate allowances for this year.",
            total=format_money(status.total_cents), year=year, ceiling=format_money(status.yearly_ceiling_cents))))
    elif status.rows and status.total_cents >= warn_at:
        status.warnings.append(str(_l(
            "%(total)s paid in %(year)d: near the yearly ceiling of %(ceiling)s (%(left)s left).",
            total=format_money(status.total_cents), year=year, ceiling=format_money(status.yearly_ceiling_cents),
            left=format_money(status.yearly_ceiling_cents - status.total_cents))))
    if status.rows and status.ceiling_year != year:
        status.warnings.append(str(_l(
            "The ceilings set are those of %(set)d: check the indexed amounts for %(year)d in the settings.",
            set=status.ceiling_year, year=year)))
    return status


def allowance_total(participant: Participant, date_from: date, date_to: date) -> dict:
    """Total and number of days of allowances paid in a period (for the attestation, when asked)."""
    total, days = db.session.execute(
        select(func.coalesce(func.sum(Allowance.amount_cents), 0), func.count(Allowance.id))
        .where(Allowance.participant_id == participant.id, Allowance.paid_for_on.between(date_from, date_to))).one()
    return {"total_cents": int(total), "days": int(days)}


def attestation_line(data: dict) -> str:
    """The attestation's line for the allowances total (built when printing, in the attestation's language)."""
    return str(_l("Expense allowances paid in the period: %(total)s over %(days)d day(s)",
                  total=format_money(data["total_cents"]), days=data["days"]))
