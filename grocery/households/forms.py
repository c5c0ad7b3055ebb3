"""Forms of the households domain (the services validate the business rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from grocery.forms import BoundedDateField, BoundedIntegerField, MoneyField, choices

LANGUAGE_LABELS = {"fr": _l("French"), "nl": _l("Dutch"), "de": _l("German"), "en": _l("English"),
                   "other": _l("Other")}
RELATION_LABELS = {"reference": _l("Reference person"), "partner": _l("Partner"), "child": _l("Child"),
                   "parent": _l("Parent"), "sibling": _l("Brother or sister"), "grandchild": _l("Grandchild"),
                   "other": _l("Other")}
OUTCOME_LABELS = {"granted": _l("Granted"), "refused": _l("Refused"), "suspended": _l("Suspended"),
                  "ended": _l("Ended")}
STATUS_LABELS = {"active": _l("Active"), "closed": _l("Closed"), "anonymised": _l("Anonymised")}
PERIOD_LABELS = {"week": _l("week"), "month": _l("month")}
CARD_REASON_LABELS = {"lost": _l("Lost"), "stolen": _l("Stolen"), "damaged": _l("Damaged card"), "other": _l("Other"),
                      "household_closed": _l("Household closed")}
MOVEMENT_LABELS = {"sale": _l("Purchase"), "refund": _l("Refund"), "adjustment": _l("Adjustment")}
SEX_LABELS = {"not_stated": _l("Not stated"), "female": _l("Woman"), "male": _l("Man")}
DECLARATION_LABELS = {"unknown": _l("Unknown / not answered"), "yes": _l("Yes"), "no": _l("No")}
INCOME_LABELS = {"integration_income": _l("Integration income (RIS)"), "salary": _l("Salary"),
                 "unemployment": _l("Unemployment benefit"), "sickness": _l("Sickness or disability benefit"),
                 "pension": _l("Pension"), "family_allowance": _l("Family allowance"),
                 "alimony": _l("Maintenance payments received"), "other_income": _l("Other income")}
CHARGE_LABELS = {"rent": _l("Rent or mortgage"), "energy": _l("Energy"), "water": _l("Water"),
                 "insurance": _l("Insurance"), "debt": _l("Debt repayments"), "health": _l("Health costs"),
                 "childcare": _l("Childcare and school"), "transport": _l("Transport"),
                 "other_charge": _l("Other fixed charge")}


class HouseholdFields(FlaskForm):
    street = StringField(_l("Street and number"))
    postcode = StringField(_l("Postcode"), render_kw={"inputmode": "numeric", "maxlength": 4})
    municipality = StringField(_l("Municipality"))
    phone = StringField(_l("Phone"), render_kw={"type": "tel"})
    email = StringField(_l("E-mail (optional)"), render_kw={"type": "email"})
    preferred_language = SelectField(_l("Preferred language"), choices=lambda: choices(LANGUAGE_LABELS.items()),
                                     default="fr")
    accepts_reminders = BooleanField(_l("Agrees to receive reminders by e-mail"),
                                     description=_l("Appointment reminders, in the preferred language, at the "
                                                    "e-mail address above. Only with the household's agreement."))
    consent_on = BoundedDateField(_l("Consent to data processing given on"), validators=[Optional()])
    notes = TextAreaField(_l("Confidential notes"), description=_l("Seen by the social service only."))


class PersonFields(FlaskForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    birth_on = BoundedDateField(_l("Birth date"), validators=[Optional()])
    national_number = StringField(_l("National register number (optional)"),
                                  description=_l("11 digits, for example 85.07.30-033.28."),
                                  render_kw={"inputmode": "numeric", "autocomplete": "off"})
    confirm_duplicates = BooleanField(_l("I checked: this is another person"))


class HouseholdCreateForm(HouseholdFields, PersonFields):
    """A new household and its reference person."""


class HouseholdEditForm(HouseholdFields):
    """Contact details, consent and notes (the proxies are mandates: grocery.appointments)."""


class MemberForm(PersonFields):
    relation = SelectField(_l("Relation to the reference person"),
                           choices=lambda: choices(RELATION_LABELS.items()), default="child")
    is_active = BooleanField(_l("Lives in the household"), default=True)
    sex = SelectField(_l("Sex"), choices=lambda: choices(SEX_LABELS.items()), default="not_stated")
    presence_percent = BoundedIntegerField(
        _l("Share of the time in the household (%)"), default=100, validators=[Optional(), NumberRange(1, 100)],
        description=_l("100: full time. Shared custody half of the time: 50. Counts in the budget scale and the "
                       "reste à vivre."), render_kw={"inputmode": "numeric"})
    has_sensitive_consent = BooleanField(_l("The person agrees to record the answers below (self-declared)"))
    sensitive_consent_on = BoundedDateField(_l("Consent given on"), validators=[Optional()],
                                            description=_l("Left empty: today."))
    disability = SelectField(_l("Person with a disability"), choices=lambda: choices(DECLARATION_LABELS.items()),
                             default="unknown")
    homeless = SelectField(_l("Homeless person"), choices=lambda: choices(DECLARATION_LABELS.items()),
                           default="unknown")
    migrant_background = SelectField(_l("Migrant or foreign background"),
                                     choices=lambda: choices(DECLARATION_LABELS.items()), default="unknown")


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=lambda: choices(OUTCOME_LABELS.items()), default="granted")
    valid_from = BoundedDateField(_l("Valid from"), validators=[InputRequired()])
    valid_until = BoundedDateField(_l("Valid until"), validators=[Optional()],
                                   description=_l("Left empty: the usual validity is proposed."))
    budget_cents = MoneyField(_l("Budget granted (leave empty to follow the scale)"))
    budget_override_motive = StringField(_l("Why the budget differs from the scale"))
    motive = TextAreaField(_l("Motive"), render_kw={"rows": 3})


class CardReissueForm(FlaskForm):
    reason = SelectField(_l("Why a new card?"), choices=lambda: choices(
        (k, v) for k, v in CARD_REASON_LABELS.items() if k != "household_closed"))


class CriterionForm(FlaskForm):
    name = StringField(_l("Criterion"), validators=[Length(max=120)])
    required_proof = StringField(_l("Required proof"), validators=[Length(max=200)])
    proof_validity_days = BoundedIntegerField(_l("A proof stays valid (days)"), default=90, validators=[Optional()],
                                              description=_l("0: no limit."))
    is_active = BooleanField(_l("Proposed in decisions"), default=True)
