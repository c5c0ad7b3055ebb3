"""Reminders: the outbox of messages to send, delivery by e-mail (SMTP) or SMS, and the send-reminders command."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import SOCIAL
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register, register_section, register_section_notes

#: cli_group=None: `flask --app grocery send-reminders` is a top-level command.
bp = Blueprint("notifications", __name__, url_prefix="/reminders", cli_group=None)

WEEKDAYS = (("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
            ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday")))

register_section("notifications", _l("Reminders and e-mail"), 60)
register(
    SettingDef("notifications.smtp_host", "text", "", _l("SMTP server"), "notifications",
               help=_l("The server that sends the e-mails, for example smtp.example.be. Empty: nothing is sent and "
                       "the messages wait in the outbox. The password is never stored here: it is read from the "
                       "environment variable GROCERY_SMTP_PASSWORD of the server.")),
    SettingDef("notifications.smtp_port", "int", 587, _l("SMTP port"), "notifications",
               help=_l("Usually 587 with STARTTLS, 465 with SSL, 25 without encryption."), min=1, max=65535),
    SettingDef("notifications.smtp_security", "choice", "starttls", _l("Encryption"), "notifications",
               choices=(("starttls", _l("STARTTLS")), ("ssl", _l("SSL/TLS from the start")),
                        ("none", _l("None (local server only)")))),
    SettingDef("notifications.smtp_user", "text", "", _l("SMTP user name"), "notifications",
               help=_l("Empty: the server is used without logging in.")),
    SettingDef("notifications.sender", "email", "", _l("Sender address"), "notifications",
               help=_l("The From address of the reminders. Empty: the organisation's e-mail address.")),
    SettingDef("notifications.app_url", "text", "", _l("Address of the application"), "notifications",
               help=_l("For example https://epicerie.example.be: the staff's e-mails link to it. Empty: no link.")),
    SettingDef("notifications.queue_from_hour", "int", 9, _l("Reminders are prepared from this hour"),
               "notifications", help=_l("Local time, 0 to 23: a reminder for tomorrow is not sent during the night."),
               min=0, max=23),
    SettingDef("notifications.shift_reminders", "bool", True, _l("Remind volunteers of their shift of tomorrow"),
               "notifications", help=_l("Only volunteers whose e-mail address is recorded.")),
    SettingDef("notifications.staff_digest", "bool", True,
               _l("Weekly digest of expiring access to the social workers"), "notifications",
               help=_l("To each social worker who gave an e-mail address on the Reminders page: their households "
                       "whose access ends soon (references and dates only).")),
    SettingDef("notifications.digest_weekday", "choice", "0", _l("Day of the weekly digest"), "notifications",
               choices=WEEKDAYS),
    SettingDef("notifications.max_tries", "int", 8, _l("Give up after this many failed tries"), "notifications",
               min=1, max=30),
    SettingDef("notifications.retry_minutes", "int", 5, _l("Wait after a first failure (minutes)"), "notifications",
               help=_l("The wait doubles after each further failure, at most one day."), min=1, max=1440),
    SettingDef("notifications.keep_days", "int", 90, _l("Delete sent and cancelled messages after (days)"),
               "notifications", help=_l("The outbox keeps what was sent this long, then forgets it."),
               min=7, max=3650),
)

from grocery.notifications import cli, producers, views  # noqa: E402,F401


def _settings_notes() -> list[str]:
    """Under the e-mail settings: whether the server has the SMTP password, and whether e-mail can go."""
    from grocery.notifications.delivery import PASSWORD_VARIABLE, SmtpSettings

    settings = SmtpSettings.current()
    notes = [str(_l("The SMTP password is set in the server's environment (%(name)s).", name=PASSWORD_VARIABLE))
             if settings.password else
             str(_l("No SMTP password in the server's environment (%(name)s): needed only with a user name.",
                    name=PASSWORD_VARIABLE))]
    missing = settings.missing()
    notes.append(missing if missing else str(_l("E-mail is ready: the reminders go through %(host)s.",
                                                 host=settings.host)))
    return notes


register_section_notes("notifications", _settings_notes)

register_nav("notifications.mine", _l("Reminders"), SOCIAL, order=88)
