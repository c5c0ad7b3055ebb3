"""The form of the Reminders page: where a member of staff receives their reminders."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class StaffAddressForm(FlaskForm):
    email = StringField(_l("E-mail address for my reminders"), render_kw={"type": "email", "autocomplete": "email"},
                        description=_l("Your work address. Empty: you receive no reminder."))
