"""The site form (administrators), the grant form of the user page and the header's site picker."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from grocery.auth.forms import role_choices


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("As printed on the site's documents and shown in the header."))
    address = TextAreaField(_l("Street and number"), validators=[Optional(), Length(max=500)],
                            render_kw={"rows": 2})
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), Length(max=500)],
                                  description=_l("Printed on the site's documents, e.g. “Tuesday and Thursday "
                                                 "9:00-12:00”."), render_kw={"rows": 2})
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 kB)"),
                     description=_l("Printed on this site's documents; without one they print the "
                                    "organisation's logo."))


class GrantForm(FlaskForm):
    #: "all" (every site) or a site id.
    site = SelectField(_l("Site"), validators=[DataRequired()])
    role = SelectField(_l("Role there"), choices=role_choices, validators=[DataRequired()])
