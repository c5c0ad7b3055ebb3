"""Till forms: open with a float, cash in and out, blind closing count, refund of a sale."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from grocery.checkout import bp
from grocery.checkout.models import DENOMINATIONS
from grocery.checkout.till import till_names
from grocery.forms import MoneyField, choices


def _with_denominations(form_class):
    """Add one optional count field per coin and note (d_20000 ... d_1)."""
    for cents in DENOMINATIONS:
        setattr(form_class, f"d_{cents}", IntegerField(
            validators=[Optional(), NumberRange(min=0, max=100000, message=_l("A count cannot be negative."))],
            render_kw={"inputmode": "numeric", "min": "0", "data-denomination": str(cents)}))
    return form_class


class CountMixin:
    def denomination_fields(self):
        return [(cents, getattr(self, f"d_{cents}")) for cents in DENOMINATIONS]

    def count_detail(self) -> dict:
        return {str(cents): f.data for cents, f in self.denomination_fields() if f.data not in (None, "")}


@_with_denominations
class OpenTillForm(CountMixin, FlaskForm):
    till_name = SelectField(_l("Till"), choices=lambda: choices((n, n) for n in till_names()))
    float_cents = MoneyField(_l("Float (total)"), render_kw={"inputmode": "decimal", "placeholder": "50,00"})


@_with_denominations
class CloseTillForm(CountMixin, FlaskForm):
    counted_cents = MoneyField(_l("Cash counted (total)"), render_kw={"inputmode": "decimal"})
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2})


class CashMovementForm(FlaskForm):
    kind = RadioField(_l("Movement"), choices=lambda: choices([("cash_in", _l("Cash in")),
                                                               ("cash_out", _l("Cash out"))]), default="cash_in")
    amount_cents = MoneyField(_l("Amount"), render_kw={"inputmode": "decimal"})
    reason = StringField(_l("Reason"), render_kw={"placeholder": _l("e.g. change from the bank")})


def refund_condition_choices() -> list[tuple[str, str]]:
    """The states returned goods can be in (checkout.services.REFUND_CONDITIONS), as the refund form offers them."""
    return [("resellable", _l("In good state: back on the shelf")),
            ("damaged", _l("Damaged: written off as waste")),
            ("expired", _l("Unfit to eat (past its date, spoiled): written off as waste")),
            ("recalled", _l("Recalled by the producer: written off as waste"))]


# The sale page renders the choices itself (the same labels as RefundForm).
bp.add_app_template_global(refund_condition_choices)


class RefundForm(FlaskForm):
    """Give back some lines or cancel the sale: the state of the goods decides whether they can be sold again."""

    condition = RadioField(_l("State of the goods"), choices=lambda: choices(refund_condition_choices()),
                           default="resellable")
    reason = StringField(_l("Reason (required)"), render_kw={"maxlength": 200})
