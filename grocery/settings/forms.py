"""The settings form, built from the registry so that each domain's values appear without code here."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError as WTFValidationError

from grocery.errors import ValidationError
from grocery.forms import choices
from grocery.settings.registry import DEFINITIONS, SettingDef


def _validator(definition: SettingDef):
    def validate(form, field):
        try:
            field.parsed = definition.parse(field.data)
        except ValidationError as error:
            raise WTFValidationError(error.message) from None

    return validate


def _field_for(definition: SettingDef):
    options = {"label": definition.label, "description": definition.help or "",
               "validators": [_validator(definition)]}
    if definition.kind == "bool":
        return BooleanField(**options)
    if definition.kind == "multiline":
        return TextAreaField(**options)
    if definition.kind == "choice":
        return SelectField(choices=choices(definition.choices), **options)
    render_kw = {}
    if definition.kind in {"int", "percent"}:
        render_kw = {"inputmode": "numeric"}
    elif definition.kind == "cents":
        render_kw = {"inputmode": "decimal"}
    return StringField(render_kw=render_kw, **options)


def settings_form_class() -> type[FlaskForm]:
    class SettingsForm(FlaskForm):
        logo = FileField(_l("Logo (PNG or JPEG, at most 512 kB)"))

    for definition in DEFINITIONS.values():
        setattr(SettingsForm, definition.field_name, _field_for(definition))
    return SettingsForm


def initial_data(values: dict) -> dict:
    return {DEFINITIONS[key].field_name: DEFINITIONS[key].display(value) if DEFINITIONS[key].kind != "bool"
            else bool(value) for key, value in values.items()}
