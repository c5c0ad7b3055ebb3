"""Stock forms: products, categories, donors, receptions, waste, counts and labels; labels of the code values."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grocery.forms import BoundedDateField, BoundedIntegerField, MoneyField, choices
from grocery.i18n import language_choices

UNIT_LABELS = {"piece": _l("Piece"), "kg": _l("Kilogram"), "litre": _l("Litre")}
PRICE_RULE_LABELS = {"category": _l("Category default"), "percent": _l("Percentage of retail"),
                     "fixed": _l("Fixed price")}
QUOTA_SCOPE_LABELS = {"household": _l("per household"), "per_adult": _l("per adult"),
                      "per_child": _l("per child"), "per_child_under_3": _l("per child under 3")}
QUOTA_PERIOD_LABELS = {"week": _l("per week"), "month": _l("per month")}
DONOR_KIND_LABELS = {"food_bank": _l("Food bank"), "fead": _l("FEAD / FSE+ programme"),
                     "supermarket": _l("Supermarket surplus"), "private": _l("Private donor"),
                     "collection": _l("Collection"), "purchase": _l("Purchase"), "other": _l("Other")}
WASTE_REASON_LABELS = {"expired": _l("Expired"), "damaged": _l("Damaged"), "recalled": _l("Recalled"),
                       "other": _l("Other")}
MOVEMENT_KIND_LABELS = {"receipt": _l("Receipt"), "sale": _l("Sale"), "return": _l("Return"), "waste": _l("Waste"),
                        "adjustment": _l("Adjustment"), "count": _l("Count"), "transfer": _l("Transfer")}
LABELS = {"unit": UNIT_LABELS, "price_rule": PRICE_RULE_LABELS, "quota_scope": QUOTA_SCOPE_LABELS,
          "quota_period": QUOTA_PERIOD_LABELS, "donor_kind": DONOR_KIND_LABELS, "waste_reason": WASTE_REASON_LABELS,
          "movement_kind": MOVEMENT_KIND_LABELS}


def category_choices(categories, blank=None):
    pairs = [(str(c.id), c.name) for c in categories]
    return choices(([("", blank)] if blank else []) + pairs)


class ProductFieldsMixin:
    """The catalogue fields shared by the product form and the inline form of the reception screen."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=160)])
    category = SelectField(_l("Category"), validate_choice=False)
    unit_kind = SelectField(_l("Sold by"), choices=choices(UNIT_LABELS.items()), default="piece")
    net_weight_g = BoundedIntegerField(_l("Net weight of one piece (g)"), validators=[Optional()],
                                description=_l("For the reports in kilograms."),
                                render_kw={"inputmode": "numeric"})
    retail_price_cents = MoneyField(_l("Retail price (€)"),
                                    description=_l("Per piece, per kg or per litre, as sold in a shop."),
                                    render_kw={"inputmode": "decimal"})


class ProductForm(ProductFieldsMixin, FlaskForm):
    price_rule = SelectField(_l("Rule"), choices=choices(PRICE_RULE_LABELS.items()), default="category")
    social_percent = BoundedIntegerField(_l("Percentage of retail"), validators=[Optional()],
                                  render_kw={"inputmode": "numeric"})
    social_price_cents = MoneyField(_l("Fixed social price (€)"), render_kw={"inputmode": "decimal"})
    quota_quantity = BoundedIntegerField(_l("Quota: at most"), validators=[Optional()],
                                  description=_l("Leave empty for no limit."), render_kw={"inputmode": "numeric"})
    quota_scope = SelectField(_l("Quota applies"), choices=choices(QUOTA_SCOPE_LABELS.items()))
    quota_period = SelectField(_l("Quota period"), choices=choices(QUOTA_PERIOD_LABELS.items()))
    low_stock_threshold = BoundedIntegerField(_l("Low-stock threshold"), validators=[Optional()], default=0,
                                       description=_l("In pieces, grams or millilitres."),
                                       render_kw={"inputmode": "numeric"})
    barcode = StringField(_l("Barcode"), validators=[Optional()],
                          description=_l("Scan it, or leave empty and generate an in-store code."),
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})
    is_active = BooleanField(_l("Active"), default=True)


class BarcodeForm(FlaskForm):
    barcode = StringField(_l("Add a barcode"), validators=[DataRequired()],
                          render_kw={"inputmode": "numeric", "autocomplete": "off"})


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    default_social_percent = BoundedIntegerField(_l("Default social price (percentage of retail)"),
                                          validators=[DataRequired(), NumberRange(0, 100)], default=20)
    sort_order = BoundedIntegerField(_l("Order"), validators=[Optional()], default=0)
    is_active = BooleanField(_l("Category in use"), default=True)
    ddm_grace_days = BoundedIntegerField(
        _l("Days sellable after the best-before date (DDM)"), validators=[Optional(), NumberRange(0, 3650)],
        description=_l("For example 30 for dry goods, 0 for fresh goods. Empty: the default of the settings."))
    quota_quantity = BoundedIntegerField(_l("Quota: at most"), validators=[Optional()],
                                         description=_l("Pieces of the category's products sold by the piece, all "
                                                        "together. Leave empty for no limit."),
                                         render_kw={"inputmode": "numeric"})
    quota_scope = SelectField(_l("Quota applies"), choices=choices(QUOTA_SCOPE_LABELS.items()))
    quota_period = SelectField(_l("Quota period"), choices=choices(QUOTA_PERIOD_LABELS.items()))


class DonorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Type"), choices=choices(DONOR_KIND_LABELS.items()),
                       description=_l("Decides the price of the goods: FEAD goods are free, food-bank goods "
                                      "capped."))
    contact = TextAreaField(_l("Contact"), validators=[Optional(), Length(max=1000)])
    preferred_language = SelectField(_l("Language of the receipts"), choices=lambda: choices(language_choices()),
                                     default="fr", description=_l("Donation receipts are printed in this language."))
    is_active = BooleanField(_l("Active"), default=True)


class ReceptionForm(FlaskForm):
    donor_id = SelectField(_l("Donor"), validate_choice=False)
    received_on = BoundedDateField(_l("Date"), validators=[Optional()])
    programme = StringField(_l("Programme or campaign"), validators=[Optional(), Length(max=120)])


class ReceptionLineForm(ProductFieldsMixin, FlaskForm):
    """One line: a known product (product_id) or a new one from the scanned code (inline product fields)."""

    product_id = HiddenField()
    code = HiddenField()
    quantity = StringField(_l("Quantity (pieces or packs)"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    measure = StringField(_l("Weight or volume (kg / l)"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    use_by_on = BoundedDateField(_l("Use-by date (DLC)"), validators=[Optional()])
    best_before_on = BoundedDateField(_l("Best-before date (DDM)"), validators=[Optional()])
    lot_number = StringField(_l("Lot number"), validators=[Optional(), Length(max=40)])
    unit_cost = StringField(_l("Cost price paid (per piece, kg or litre)"),
                            render_kw={"inputmode": "decimal", "autocomplete": "off"})


class WasteForm(FlaskForm):
    quantity = StringField(_l("Quantity"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = SelectField(_l("Reason"), choices=choices(WASTE_REASON_LABELS.items()))
    weight_g = BoundedIntegerField(_l("Weight (g)"), validators=[Optional()],  # more than zero: record_waste
                                   description=_l("Leave empty to compute it from the product's net weight."),
                                   render_kw={"inputmode": "numeric"})
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class CountOpenForm(FlaskForm):
    category = SelectField(_l("What to count"), validate_choice=False)


class CountPostForm(FlaskForm):
    reason = StringField(_l("Reason of the differences"), validators=[Optional(), Length(max=200)],
                         default=_l("Stock count"))


class MeasureLabelForm(FlaskForm):
    product_id = SelectField(_l("Product"), validate_choice=False)
    value = StringField(_l("Weight (kg) or price (€)"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    copies = BoundedIntegerField(_l("Number of labels"), validators=[Optional(), NumberRange(1, 60)], default=1)


class DdmDecisionForm(FlaskForm):
    """A stock manager's decision on a lot waiting past its best-before date."""

    decision = SelectField(_l("Decision"), choices=choices([("sell", _l("Sell")), ("give", _l("Give away")),
                                                            ("discard", _l("Discard"))]),
                           validate_choice=False)  # the service refuses an unknown decision, in words
    until = BoundedDateField(_l("Sellable until (empty: for good)"), validators=[Optional()])
    recipient = StringField(_l("Given to"), validators=[Optional(), Length(max=120)])
    reason = SelectField(_l("Waste reason"), choices=choices(WASTE_REASON_LABELS.items()), default="expired",
                         validate_choice=False)  # read only for "discard"; the service checks it
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class SiteThresholdForm(FlaskForm):
    """A site's own low-stock threshold for a product (empty: the product's threshold)."""

    site_threshold = BoundedIntegerField(_l("Low-stock threshold at this site"), validators=[Optional()],
                                         description=_l("In pieces, grams or millilitres. Leave empty to follow "
                                                        "the product's threshold."),
                                         render_kw={"inputmode": "numeric"})


class TransferForm(FlaskForm):
    """The transfer being built: where to, a note, and the product being added (its lines are read from the
    request: line_lot / line_quantity pairs)."""

    to_site_id = SelectField(_l("Send to"), validate_choice=False)  # the service refuses an unknown site, in words
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)],
                       description=_l("For example the reason or the van's round."))
    code = StringField(_l("Scan or search a product"), validators=[Optional(), Length(max=160)],
                       render_kw={"autocomplete": "off"})
    lot_id = SelectField(_l("Lot"), validate_choice=False)
    quantity = StringField(_l("Quantity"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
