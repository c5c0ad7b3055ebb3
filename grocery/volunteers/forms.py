"""Forms of the volunteers domain (the services check the business rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grocery.forms import BoundedDateField, BoundedIntegerField, choices
from grocery.i18n import language_choices
from grocery.volunteers.models import (
    CAPABILITIES,
    ENGAGEMENT_TYPES,
    EVALUATION_MODES,
    GOAL_DOMAINS,
    GOAL_STATUSES,
)

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday")]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ParticipantForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=120)])
    engagement_type = SelectField(_l("Engagement type"), choices=choices(ENGAGEMENT_TYPES.items()))
    referent_id = SelectField(_l("Referent social worker"), coerce=int)
    started_on = BoundedDateField(_l("Start"), validators=[DataRequired()])
    ended_on = BoundedDateField(_l("End"), validators=[Optional()])
    rhythm = StringField(_l("Rhythm chosen by the participant"), validators=[Optional(), Length(max=120)],
                         description=_l("In their words, e.g. “two shifts a month”."))
    preferred_language = SelectField(_l("Language of the attestations"), choices=lambda: choices(language_choices()),
                                     default="fr", description=_l("Attestations are printed in this language."))
    capabilities = CheckboxesField(_l("Capabilities"), choices=choices(CAPABILITIES.items()))


class TemplateForm(FlaskForm):
    weekday = SelectField(_l("Day"), coerce=int, choices=choices(enumerate(WEEKDAYS)))
    start_time = TimeField(_l("Start"), validators=[DataRequired()])
    end_time = TimeField(_l("End"), validators=[DataRequired()])
    activity_id = SelectField(_l("Activity"), coerce=int)
    capacity = BoundedIntegerField(_l("Capacity"), validators=[DataRequired(), NumberRange(1, 50)], default=2)
    required_capability = SelectField(_l("Required capability"),
                                      choices=choices([("", _l("None")), *CAPABILITIES.items()]))


class PeriodForm(FlaskForm):
    date_from = BoundedDateField(_l("From"), validators=[DataRequired()])
    date_to = BoundedDateField(_l("To"), validators=[DataRequired()])


class GoalForm(FlaskForm):
    text = TextAreaField(_l("Goal"), validators=[DataRequired(), Length(max=2000)])
    domain = SelectField(_l("Domain"), choices=choices(GOAL_DOMAINS.items()))
    status = SelectField(_l("Status"), choices=choices(GOAL_STATUSES.items()))
    competences = CheckboxesField(_l("Linked competences"), coerce=int)
    has_consent = BooleanField(_l("The participant agrees that their shifts are linked to this goal"))
    piis_linked = BooleanField(_l("Written into the PIIS"))
    piis_consent = BooleanField(_l("The participant agrees that this goal is written into their PIIS"))


class AllowanceForm(FlaskForm):
    day = BoundedDateField(_l("Day of volunteering"), validators=[DataRequired()])
    amount = StringField(_l("Amount paid"), validators=[DataRequired(), Length(max=12)],
                         description=_l("The flat-rate allowance for that day, e.g. 15,00."),
                         render_kw={"inputmode": "decimal"})


class PiisForm(FlaskForm):
    signed_on = BoundedDateField(_l("PIIS signed on"), validators=[Optional()],
                                 description=_l("Leave empty when the participant has no PIIS."))
    referent = StringField(_l("Referent social worker of the PIIS"), validators=[Optional(), Length(max=160)],
                           description=_l("Name and service, e.g. “M. Dupont, CPAS de Namur, service insertion”."))


class PiisReviewForm(FlaskForm):
    review_on = BoundedDateField(_l("Review date"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class EvaluationForm(FlaskForm):
    held_on = BoundedDateField(_l("Date"), validators=[DataRequired()])
    mode = SelectField(_l("Mode"), choices=choices(EVALUATION_MODES.items()))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class AttestationForm(PeriodForm):
    own_words = TextAreaField(_l("The participant's own words (optional)"),
                              validators=[Optional(), Length(max=1500)])
    show_allowances = BooleanField(_l("Show the total of expense allowances paid in the period"))


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=3000)])
    proposed_by_id = SelectField(_l("Proposed by"), coerce=int)
    proposed_by_name = StringField(_l("Or proposed by another person"), validators=[Optional(), Length(max=120)],
                                   description=_l("A beneficiary, a partner…: their name, when they agree to it "
                                                  "being shown."))
    competences = CheckboxesField(_l("Competences practised"), coerce=int)


class WorkshopSessionForm(FlaskForm):
    held_on = BoundedDateField(_l("Day"), validators=[DataRequired()])
    start_time = TimeField(_l("Start"), validators=[DataRequired()])
    end_time = TimeField(_l("End"), validators=[DataRequired()])
    capacity = BoundedIntegerField(_l("Places"), validators=[DataRequired(), NumberRange(1, 100)], default=12)
