"""Real local SMTP servers for the reliability tests, all on one port so a fault can start and end while the
workers keep the same settings: one that accepts connections and never says a word (the fault of issue 17),
and an aiosmtpd server that records what it is sent, can answer "try again later" to every message, or can
be slow."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.reliability.conftest import free_port, wait_for

RHI_REFERENCE = re.compile(r"RHI-(\d+)")


class SilentSMTP:
    """Accepts every connection and never answers: not even the greeting. Clients wait until their timeout."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> SilentSMTP:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        self.thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.thread.start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            self.accepted.append(conn)

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for conn in self.accepted:
            conn.close()
        if self.thread is not None:
            self.thread.join(timeout=5)


class Recorder:
    """aiosmtpd handler: keeps each accepted message; "tempfail" answers 451 to every message instead."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (recipient, body)
        self.data_commands = 0
        self.tempfail = False
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.data_commands += 1
        if self.tempfail:
            return "451 4.3.0 Mail server busy, try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        body = (
            envelope.content.decode(errors="replace")
            if isinstance(envelope.content, bytes)
            else str(envelope.content)
        )
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient, body))
        return "250 OK"

    def references(self) -> Counter[str]:
        """How many emails arrived for each (subject, RHI reference): a duplicate counts above one. The
        subject names the alert's kind, so one RHI's "due soon" and "overdue" emails are told apart."""
        with self.lock:
            found = []
            for _, raw in self.messages:
                message = email.message_from_string(raw)
                match = RHI_REFERENCE.search(str(message.get_payload()))
                found.append(f"{message['Subject']} RHI-{match.group(1) if match else '?'}")
            return Counter(found)

    def sent(self) -> int:
        with self.lock:
            return len(self.messages)


class MailServer:
    """One port; ``silent()`` is the fault, ``answering()`` a working server that records (the recovery)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self._silent: SilentSMTP | None = None
        self._controller: Controller | None = None

    def silent(self) -> MailServer:
        self.stop()
        self._silent = SilentSMTP(self.port).start()
        return self

    def answering(self) -> MailServer:
        self.stop()
        controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        controller.start()
        self._controller = controller
        wait_for(self._answers, timeout=10, what="the SMTP server to greet")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                return sock.recv(64).startswith(b"220")
        except OSError:
            return False

    def stop(self) -> None:
        if self._silent is not None:
            self._silent.stop()
            self._silent = None
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def env(self) -> dict[str, Any]:
        return {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(self.port),
        }
