"""Forms of the imports: the upload and the confirmation choice."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), render_kw={"accept": ".csv,.txt,.xlsx"})


class ConfirmForm(FlaskForm):
    #: "all" (refused while errors remain) or "valid" (only the valid lines).
    mode = HiddenField(default="all")


class CancelForm(FlaskForm):
    pass
