"""The channels: e-mail over SMTP (smtplib), and the interface an SMS provider implements (none is shipped)."""

from __future__ import annotations

import hashlib
import importlib
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol, runtime_checkable

from flask_babel import lazy_gettext as _l

from grocery.notifications.models import OutboxMessage
from grocery.settings.services import get_setting
from grocery.timeutil import utcnow

#: The environment variable holding the SMTP password (never stored in the database).
PASSWORD_VARIABLE = "GROCERY_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password
#: The environment variable naming the SMS provider to load: "package.module:factory" (see SmsProvider).
SMS_PROVIDER_VARIABLE = "GROCERY_SMS_PROVIDER"
#: Seconds to wait for the SMTP server before counting the try as failed.
SMTP_TIMEOUT = 20


class DeliveryError(Exception):
    """A message could not be delivered this time (server down, refused, rejected recipient): tried again later."""


class ChannelUnavailable(Exception):
    """The channel is not set up (no SMTP server, no SMS provider): the message waits, no try is counted."""


@runtime_checkable
class SmsProvider(Protocol):
    """What an SMS provider plugged into the outbox implements. `send_sms` sends `text` to `phone` (as recorded,
    e.g. "0470 12 34 56": normalise it to the provider's format) and returns when the provider accepted it; it
    raises DeliveryError (or any exception) when it did not, and the outbox tries again later. Load it by naming a
    factory that returns it in GROCERY_SMS_PROVIDER="package.module:factory"."""

    def send_sms(self, phone: str, text: str) -> None: ...


def load_sms_provider() -> SmsProvider:
    """The provider named by GROCERY_SMS_PROVIDER, or ChannelUnavailable when none is configured."""
    target = (os.environ.get(SMS_PROVIDER_VARIABLE) or "").strip()
    if not target:
        raise ChannelUnavailable(str(_l("No SMS provider is configured: the message waits (see the README, "
                                         "“SMS”).")))
    module_name, _, factory_name = target.partition(":")
    try:
        provider = getattr(importlib.import_module(module_name), factory_name or "provider")()
    except Exception as error:  # a mistyped name must say so on the outbox page, not stop the run
        raise ChannelUnavailable(str(_l("The SMS provider %(name)s cannot be loaded: %(error)s", name=target,
                                        error=error))) from error
    if not isinstance(provider, SmsProvider):
        raise ChannelUnavailable(str(_l("The SMS provider %(name)s has no send_sms method.", name=target)))
    return provider


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str
    sender: str
    sender_name: str
    password: str | None

    @classmethod
    def current(cls) -> SmtpSettings:
        return cls(host=str(get_setting("notifications.smtp_host") or "").strip(),
                   port=int(get_setting("notifications.smtp_port")),
                   security=str(get_setting("notifications.smtp_security")),
                   user=str(get_setting("notifications.smtp_user") or "").strip(),
                   sender=str(get_setting("notifications.sender") or get_setting("org.email") or "").strip(),
                   sender_name=str(get_setting("org.name") or ""),
                   password=os.environ.get(PASSWORD_VARIABLE))

    def missing(self) -> str | None:
        """Why e-mail cannot be sent with these settings, or None when it can."""
        if not self.host:
            return str(_l("No SMTP server is set: the message waits (Settings, “Reminders and e-mail”)."))
        if not self.sender:
            return str(_l("No sender address is set: the message waits (Settings, “Reminders and e-mail”)."))
        if self.user and not self.password:
            return str(_l("The SMTP password is missing: set the environment variable %(name)s.",
                          name=PASSWORD_VARIABLE))
        return None


def build_email(message: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    """The e-mail of an outbox message: plain text, in its language, with a Message-ID drawn from the outbox row so
    that a receiving server can recognise a copy."""
    email = EmailMessage()
    email["From"] = Address(display_name=settings.sender_name, addr_spec=settings.sender)
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    domain = settings.sender.rpartition("@")[2] or None
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}-{digest}", domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which replaces the Content-* headers
    return email


class SmtpSender:
    """One SMTP connection for a run of the command, opened at the first message and opened again after a
    failure. Used as a context manager: the connection is closed at the end."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "ssl":
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
            if s.security == "starttls":
                connection.starttls(context=context)
        if s.user:
            connection.login(s.user, s.password or "")
        return connection

    def send(self, message: OutboxMessage) -> None:
        """Hand the message to the SMTP server; DeliveryError when it did not accept it."""
        missing = self.settings.missing()
        if missing:
            raise ChannelUnavailable(missing)
        try:
            if self.connection is None:
                self.connection = self._connect()
            refused = self.connection.send_message(build_email(message, self.settings))
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(_describe(error)) from error
        if refused:
            raise DeliveryError(_describe(next(iter(refused.values()))))


def _describe(error) -> str:
    """A failure in one line, as the outbox page shows it."""
    if isinstance(error, tuple):  # (code, message) of a refused recipient
        code, text = error
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{type(error).__name__}: {error.smtp_code} {text}"[:500]
    return f"{type(error).__name__}: {error}"[:500]
