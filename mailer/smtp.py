"""Transports: how a finished message leaves. SMTP for real, a Maildir for the embedded default.

Each transport sends one message to one recipient and says what became of it by raising
one of four exceptions, or by returning normally when the server took it:

- `Deferred`: a 4xx answer; try again later.
- `Rejected`: a 5xx answer for this recipient or message; final.
- `FateUnknown`: the connection broke after the message was handed over; send it
  again (with the same Message-ID), never drop it.
- `ServerUnavailable`: the server cannot be reached or refused the login; nothing was
  sent and the tick stops.

smtplib rather than aiosmtplib: one reused connection fed with ready bytes is what a
relay limits anyway, and synchronous code keeps the outbox's one-message-at-a-time
bookkeeping simple (see the README).
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mailer.errors import MailerError
from mailer.workspace import ServerAddress


class DeliveryProblem(Exception):
    def __init__(self, answer: str, code: int | None = None, stage: str = ""):
        self.answer = answer
        self.code = code
        self.stage = stage
        super().__init__(answer)


class Deferred(DeliveryProblem):
    pass


class Rejected(DeliveryProblem):
    pass


class FateUnknown(DeliveryProblem):
    pass


class ServerUnavailable(MailerError):
    pass


class Transport(Protocol):
    def open(self) -> None: ...

    def send(self, envelope_from: str, recipient: str, message: bytes) -> None: ...

    def close(self) -> None: ...


class MaildirTransport:
    """The embedded default: every message lands as a file in a Maildir you can open."""

    def __init__(self, path: Path):
        self.path = path
        self._box: mailbox.Maildir | None = None

    def open(self) -> None:
        try:
            self._box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            raise ServerUnavailable(f"cannot write the Maildir {self.path}: {error}") from None

    def send(self, envelope_from: str, recipient: str, message: bytes) -> None:
        if self._box is None:
            self.open()
        assert self._box is not None
        header = f"X-Mailer-Envelope: from=<{envelope_from}> to=<{recipient}>\n".encode()
        self._box.add(header + message.replace(b"\r\n", b"\n"))

    def close(self) -> None:
        self._box = None


@dataclass
class SmtpTransport:
    """One SMTP connection reused for many mails, reconnecting when the server closes it."""

    server: ServerAddress
    rate_per_minute: int | None = None
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _connection: smtplib.SMTP | None = field(default=None, init=False)
    _last_send: float | None = field(default=None, init=False)

    def open(self) -> None:
        if self._connection is None:
            self._connection = self._connect()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def send(self, envelope_from: str, recipient: str, message: bytes) -> None:
        if any(ch in recipient for ch in "\r\n<> "):
            raise Rejected(f"not a deliverable address: {recipient!r}")
        self._pace()
        try:
            self._send_once(envelope_from, recipient, message)
        except _Reconnect:
            # The server closed an idle connection before it saw this message: once more.
            self._connection = None
            self._send_once(envelope_from, recipient, message, retry=False)

    def _send_once(
        self, envelope_from: str, recipient: str, message: bytes, retry: bool = True
    ) -> None:
        self.open()
        connection = self._connection
        assert connection is not None
        stage = "MAIL FROM"
        try:
            # docmd, not mail()/rcpt(): those parse both addresses again for every message.
            utf8 = (
                " SMTPUTF8" if not recipient.isascii() and connection.has_extn("smtputf8") else ""
            )
            envelope = [f"MAIL FROM:<{envelope_from}>{utf8}", f"RCPT TO:<{recipient}>", "DATA"]
            if connection.has_extn("pipelining"):
                # RFC 2920: the three commands in one write, then their three answers.
                connection.send("".join(f"{command}\r\n" for command in envelope))
                answers = [connection.getreply() for _ in envelope]
            else:
                answers = []
                for command in envelope:
                    answers.append(connection.docmd(command))
                    if answers[-1][0] >= 400:
                        break
            code, answer = answers[0]
            if code != 250:
                self._refused_sender(
                    connection, code, answer, envelope_from, data_open=_data_open(answers)
                )
            stage = "RCPT TO"
            code, answer = answers[1]
            if code not in (250, 251):
                self._end_transaction(connection, answers)
                raise _by_code(code, answer, stage)
            stage = "DATA"
            code, answer = answers[2]
            if code != 354:
                self._end_transaction(connection, answers)
                raise _by_code(code, answer, stage)
            # Dot-stuffing (RFC 5321 4.5.2) of our CRLF lines, without a regex per mail.
            body = message.replace(b"\r\n.", b"\r\n..")
            if body.startswith(b"."):
                body = b"." + body
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            connection.send(body + b".\r\n")
            code, answer = connection.getreply()
            if code != 250:
                raise _by_code(code, answer, stage)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            if stage == "DATA":
                raise FateUnknown(f"connection lost during DATA: {error}", stage=stage) from None
            if retry:
                raise _Reconnect() from None
            raise ServerUnavailable(f"{self.server.where} closed the connection: {error}") from None
        finally:
            self._last_send = self.monotonic()

    def _end_transaction(self, connection: smtplib.SMTP, answers: list[tuple[int, bytes]]) -> None:
        """After a refusal: end an open DATA with an empty message, then RSET."""
        if _data_open(answers):
            connection.send(b".\r\n")
            connection.getreply()
        connection.rset()

    def _refused_sender(
        self, connection: smtplib.SMTP, code: int, answer: bytes, sender: str, data_open: bool
    ) -> None:
        self._end_transaction(connection, [(0, b""), (0, b""), (354 if data_open else 0, b"")])
        text = _answer(code, answer)
        if 400 <= code < 500:
            raise Deferred(text, code, "MAIL FROM")
        raise ServerUnavailable(f"{self.server.where} refused the sender {sender}: {text}")

    def _pace(self) -> None:
        if not self.rate_per_minute or self._last_send is None:
            return
        wait = 60.0 / self.rate_per_minute - (self.monotonic() - self._last_send)
        if wait > 0:
            self.sleep(wait)

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def _open_connection(self) -> smtplib.SMTP:
        server = self.server
        context = self.tls_context or ssl.create_default_context()
        connection: smtplib.SMTP | None = None
        try:
            if server.implicit_tls:
                connection = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            connection.ehlo()
            if server.starttls:
                if not connection.has_extn("starttls"):
                    raise ServerUnavailable(f"{server.where} does not offer STARTTLS")
                connection.starttls(context=context)
                connection.ehlo()
            if server.user:
                if server.password is None:
                    raise ServerUnavailable(
                        f"{server.where}: set MAILER_SMTP_PASSWORD for user '{server.user}'"
                    )
                connection.login(server.user, server.password)
            return connection
        except BaseException:
            if connection is not None:
                connection.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        try:
            return self._open_connection()
        except smtplib.SMTPAuthenticationError:
            raise ServerUnavailable(
                f"{server.where} rejected the login for user '{server.user}'"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise ServerUnavailable(
                f"{server.where} offers no login (AUTH) for user '{server.user}'"
            ) from None
        except ssl.SSLCertVerificationError as error:
            raise ServerUnavailable(
                f"{server.where}: the TLS certificate is not trusted ({error.verify_message})"
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise ServerUnavailable(
                f"cannot reach the SMTP server {server.where}: {reason}"
            ) from None


class _Reconnect(Exception):
    pass


def _data_open(answers: list[tuple[int, bytes]]) -> bool:
    return len(answers) == 3 and answers[2][0] == 354


def _answer(code: int, answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return f"{code} {' '.join(text.split())}"


def _by_code(code: int, answer: bytes | str, stage: str) -> DeliveryProblem:
    text = _answer(code, answer)
    if 400 <= code < 500:
        return Deferred(text, code, stage)
    return Rejected(text, code, stage)
