"""A real local SMTP relay (aiosmtpd) whose answers the test chooses: 451 for a while, 550, 250.

It records every mail it accepted (envelope and exact bytes), so tests can count deliveries
per Message-ID. Optionally it offers STARTTLS and requires AUTH.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.gateway_process import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        return str(BytesHeaderParser().parsebytes(self.data)["Message-ID"]).strip()


@dataclass
class RelayHandler:
    temporary_failures: int = 0  # answer 451 to this many DATA commands first
    permanent: str | None = None  # answer this (e.g. "550 ...") to every DATA
    reject_rcpt: set[str] = field(default_factory=set)  # RCPT answered 550
    data_delay: float = 0.0  # seconds before answering DATA (for kill-mid-delivery tests)
    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.reject_rcpt:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            if self.permanent is not None:
                answer = self.permanent
            elif self.temporary_failures > 0:
                self.temporary_failures -= 1
                answer = "451 4.3.0 Hệ thống bận, thử lại sau"
            else:
                self.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
                )
                answer = "250 2.0.0 Ok: queued"
            self.answers.append(answer)
        return answer

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]


class Relay:
    def __init__(
        self,
        handler: RelayHandler | None = None,
        tls_context: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.handler = handler or RelayHandler()
        self.port = free_port()
        options: dict[str, Any] = {}
        if tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        if credentials is not None:
            user, password = credentials

            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                             auth_data: Any) -> AuthResult:  # fmt: skip
                ok = isinstance(auth_data, LoginPassword) and (
                    auth_data.login.decode(), auth_data.password.decode()) == (user, password)
                return AuthResult(success=ok)

            options.update(authenticator=authenticate, auth_require_tls=tls_context is not None)
        else:
            options.update(auth_require_tls=False)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Relay:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
