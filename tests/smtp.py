"""A real SMTP server on loopback that keeps the messages it receives, for email tests."""

import email
import email.policy
import logging
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.live_server import free_port

# aiosmtpd logs every connection at INFO; once pytest has closed its streams at the end of a
# run, a connection the server drops then makes the logging module print a traceback.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted"


class SmtpServer:
    """Runs aiosmtpd on 127.0.0.1 in a thread; ``messages`` holds what arrived."""

    def __init__(self):
        self._mailbox = _Mailbox()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(self._mailbox, hostname=self.host, port=self.port)

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._mailbox.messages)

    def clear(self) -> None:
        self._mailbox.messages.clear()

    def messages_to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header contains ``address`` (letter case ignored)."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    @staticmethod
    def body(message: EmailMessage) -> str:
        """The plain-text body of ``message``."""
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part else ""
