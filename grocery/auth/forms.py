"""Login, own password and user administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from grocery.auth.roles import ROLE_LABELS
from grocery.forms import choices
from grocery.i18n import language_choices as interface_language_choices


def role_choices():
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


def language_choices():
    return choices(interface_language_choices())


class LoginForm(FlaskForm):
    # No DataRequired: blank fields get the same generic message as a wrong password and are counted.
    username = StringField(_l("Username"), render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)],
                           render_kw={"autocapitalize": "none"})
    display_name = StringField(_l("Name shown to colleagues"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    preferred_language = SelectField(_l("Language"), choices=language_choices, default="fr")
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Name shown to colleagues"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    preferred_language = SelectField(_l("Language"), choices=language_choices)
    is_active = BooleanField(_l("Account active"))
