"""Forms of the appointments domain (the services check the business rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from grocery.appointments.models import APPOINTMENT_STATUSES
from grocery.forms import BoundedDateField, BoundedIntegerField, choices

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]
STATUS_LABELS = APPOINTMENT_STATUSES


class SessionFields:
    start_time = TimeField(_l("Start"), validators=[DataRequired()])
    end_time = TimeField(_l("End"), validators=[DataRequired()])
    slot_minutes = BoundedIntegerField(_l("Slot length (minutes)"), validators=[DataRequired()], minimum=1,
                                       maximum=1440, default=15)
    households_per_slot = BoundedIntegerField(_l("Households per slot"), validators=[DataRequired()], minimum=1,
                                              maximum=1000, default=2)


class OpeningLineForm(FlaskForm, SessionFields):
    weekday = SelectField(_l("Day"), coerce=int, choices=choices(enumerate(WEEKDAYS)))


class ClosedDayForm(FlaskForm):
    held_on = BoundedDateField(_l("Day"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("Holiday, stock count, training..."))


class ExtraSessionForm(FlaskForm, SessionFields):
    held_on = BoundedDateField(_l("Day"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class PeriodForm(FlaskForm):
    date_from = BoundedDateField(_l("From"), validators=[DataRequired()])
    date_to = BoundedDateField(_l("To"), validators=[DataRequired()])


class MandateForm(FlaskForm):
    full_name = StringField(_l("First and last name of the proxy"), validators=[DataRequired(), Length(max=120)])
    identity_document = StringField(_l("Identity document to check"), validators=[Optional(), Length(max=120)],
                                    description=_l("What the cashier checks, e.g. identity card. No number."))
    valid_from = BoundedDateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = BoundedDateField(_l("Valid until"), validators=[Optional()],
                                   description=_l("Leave empty for a mandate without end."))


class StandingForm(FlaskForm):
    weekday = SelectField(_l("Day"), coerce=int, choices=choices(enumerate(WEEKDAYS)))
    start_time = TimeField(_l("Time"), validators=[DataRequired()])
