"""A real SMTP server on loopback for the tests: aiosmtpd with a recording handler.

The handler keeps every message that crossed the socket as bytes, and can be told to
answer 4xx or 5xx, to drop the connection after DATA, or to be slow.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def closed_port() -> socket.socket:
    """A socket bound to a loopback port and not listening: connecting to that port is
    refused, and nothing else can take the port while the socket is held."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM's, e.g. SMTPUTF8

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)
    rcpt_answers: dict[str, str] = field(default_factory=dict)  # address -> "550 ..."
    rcpt_refusal: str | None = None  # the answer to every RCPT ({address} filled in)
    data_answers: list[str] = field(default_factory=list)  # answers for the next DATAs
    drop_after_data: int = 0  # how many of the next DATAs to record and then hang up on
    drop_after_data_to: set[str] = field(default_factory=set)  # always, for these recipients
    hang_up_at_rcpt: set[str] = field(default_factory=set)  # hang up on RCPT TO these
    on_rcpt: Callable[[str], None] | None = None  # called before RCPT TO is answered
    senders_refused: dict[str, str] = field(default_factory=dict)  # MAIL FROM -> "553 ..."
    delay: float = 0.0
    pipelining: bool = False  # advertise RFC 2920 PIPELINING, as Postfix does
    max_connections: int | None = None  # more at once are greeted with 421 and closed
    open_connections: int = 0
    peers: set = field(default_factory=set)  # the client ports that delivered a mail
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses = [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if answer := self.senders_refused.get(address.lower()):
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        if address.lower() in self.hang_up_at_rcpt:
            server.transport.close()
            return "250 OK"  # never reaches the client: the connection is gone
        answer = self.rcpt_answers.get(address.lower())
        if answer is None and self.rcpt_refusal is not None:
            answer = self.rcpt_refusal.format(address=address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server, on purpose: blocks this connection
        with self.lock:
            if self.data_answers:
                return self.data_answers.pop(0)
            self.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.content,
                    list(envelope.mail_options),
                )
            )
            self.peers.add(session.peer)
            if self.drop_after_data or self.drop_after_data_to & set(envelope.rcpt_tos):
                self.drop_after_data = max(0, self.drop_after_data - 1)
                server.transport.close()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]


class Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


class _LimitedSMTP(SMTP):
    """aiosmtpd's SMTP session, greeting with 421 when the handler's limit of connections
    at once is reached, as a provider that allows a mailbox only so many does."""

    def connection_made(self, transport) -> None:
        handler = self.event_handler
        handler.open_connections += 1
        self._counted = True
        if (
            handler.max_connections is not None
            and handler.open_connections > handler.max_connections
        ):
            transport.write(b"421 4.7.0 Too many concurrent SMTP connections\r\n")
            transport.close()
            return
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        if getattr(self, "_counted", False):
            self.event_handler.open_connections -= 1
            self._counted = False
        super().connection_lost(error)


class LoopbackController(Controller):
    """aiosmtpd's Controller on a port the kernel picks (port 0), read back once bound:
    no window in which another server could take the port."""

    def __init__(self, handler, **options):
        super().__init__(handler, hostname="127.0.0.1", port=0, **options)

    def factory(self):
        return _LimitedSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self._bind()

    async def _bind(self):
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


def start_server(handler: RecordingHandler, **options) -> Controller:
    """Starts a recording server; `options` go to aiosmtpd's SMTP session, e.g.
    `enable_SMTPUTF8=False` for a server that does not offer SMTPUTF8 (RFC 6531)."""
    controller = LoopbackController(handler, **options)
    controller.start()
    assert controller.port != 0
    return controller
