"""A real SMTP server (aiosmtpd) on a free local port, and the settings that point the outbox at it."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from grocery.extensions import db as _db
from grocery.settings.services import update_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: keeps every message it accepts; `refuse` makes it answer 451 (try again later)."""

    def __init__(self) -> None:
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"


class SmtpServer:
    """An SMTP server that can be stopped (down: connections refused) and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.mailbox.messages


def point_outbox_at(port: int) -> None:
    update_settings(None, {"notifications.smtp_host": "127.0.0.1", "notifications.smtp_port": port,
                           "notifications.smtp_security": "none", "notifications.sender": "epicerie@example.be",
                           "notifications.queue_from_hour": 0})
    _db.session.commit()


@pytest.fixture()
def smtp(db):
    """A running local SMTP server the outbox sends to."""
    server = SmtpServer()
    server.start()
    point_outbox_at(server.port)
    yield server
    server.stop()


@pytest.fixture()
def smtp_down(db):
    """A port where no SMTP server listens yet (start() brings one up), the outbox pointed at it."""
    server = SmtpServer()
    point_outbox_at(server.port)
    yield server
    server.stop()
