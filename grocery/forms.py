"""Form helpers shared by the domain packages: a money field in euros stored as cents."""

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError as WTFValidationError

from grocery.errors import ValidationError
from grocery.money import cents_to_input, parse_money


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MoneyField(StringField):
    """Typed as euros ("12,50"), `data` is integer cents (1250) or None when left empty and optional."""

    def __init__(self, label=None, validators=None, allow_negative: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_input(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_money(text, field=self.name, allow_negative=self.allow_negative)
        except ValidationError as error:
            self.data = None
            raise ValueError(error.message) from None


def apply_service_error(form, error: ValidationError) -> bool:
    """Attach a service's ValidationError to the matching form field; False when no field matches."""
    field = form._fields.get(error.field or "")
    if field is None:
        return False
    field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    return True


__all__ = ["MoneyField", "WTFValidationError", "apply_service_error", "choices"]
