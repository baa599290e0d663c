"""Transports: how a finished message leaves. SMTP for real, a Maildir for the embedded default.

Each transport sends one message to one recipient at a time, in two steps: `start` hands
it over, `finish` waits for the answer (the caller makes the next message in between).
What became of it is said by raising one of four exceptions, or by returning normally
when the server took it:

- `Deferred`: a 4xx answer; try again later.
- `Rejected`: a 5xx answer for this recipient or message; final.
- `FateUnknown`: the connection broke after the message was handed over; send it
  again (with the same Message-ID), never drop it.
- `ServerUnavailable`: the server cannot be reached or refused the login; nothing was
  sent and the tick stops. Only `start` raises it.

smtplib rather than aiosmtplib: one reused connection fed with ready bytes is what a
relay limits anyway, and synchronous code keeps the outbox's one-message-at-a-time
bookkeeping simple (see the README).
"""

from __future__ import annotations

import mailbox
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
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


HANG_UP = "hang-up"  # the stage of a Deferred: the server closed the connection on it


class Rejected(DeliveryProblem):
    pass


class FateUnknown(DeliveryProblem):
    pass


class ServerUnavailable(MailerError):
    pass


class Transport(Protocol):
    """Sends one message at a time; `start` hands it over, `finish` waits for the answer.

    Between the two the caller may prepare the next message while the server reads this
    one. `next_recipient` is a promise that the next `start` is for that address, which
    lets SMTP send its envelope along (RFC 2920) and save a round trip per mail.
    """

    @property
    def where(self) -> str:
        """Where the mail goes, for messages: host:port, or the Maildir's path."""
        ...

    @property
    def sends(self) -> bool:
        """Whether a mail it takes leaves this machine (False: it is kept in a Maildir)."""
        ...

    @property
    def recorded_as(self) -> str:
        """What a mail it took is recorded with in the outbox: the server's acceptance, or
        where it was put instead."""
        ...

    def open(self) -> None: ...

    def start(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        next_recipient: str | None = None,
    ) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


def send(transport: Transport, envelope_from: str, recipient: str, message: bytes) -> None:
    """One message, start to finish."""
    transport.start(envelope_from, recipient, message)
    transport.finish()


class MaildirTransport:
    """The embedded default: every message lands as a file in a Maildir you can open."""

    def __init__(self, path: Path):
        self.path = path
        self._box: mailbox.Maildir | None = None

    sends = False

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def recorded_as(self) -> str:
        return f"put into the Maildir {self.path.name}/new/, not sent (no SMTP server)"

    def open(self) -> None:
        try:
            self._box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            raise ServerUnavailable(f"cannot write the Maildir {self.path}: {error}") from None

    def start(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        next_recipient: str | None = None,
    ) -> None:
        if self._box is None:
            self.open()
        assert self._box is not None
        header = f"X-Mailer-Envelope: from=<{envelope_from}> to=<{recipient}>\n".encode()
        self._box.add(header + message.replace(b"\r\n", b"\n"))

    def finish(self) -> None:
        pass

    def close(self) -> None:
        self._box = None


class _State(Enum):
    """Where an SmtpTransport's connection stands between two calls.

    | state  | what is true                                                          |
    | ------ | --------------------------------------------------------------------- |
    | CLOSED | no connection                                                         |
    | READY  | connected; no message written whose answer is unread                  |
    | SENT   | a message written (maybe the next envelope with it); answer unread    |
    | AHEAD  | that answer read, and the three answers to the next envelope: its     |
    |        | DATA may be open (354), waiting for the body of the announced mail    |

    | from         | event                                          | to     |
    | ------------ | ---------------------------------------------- | ------ |
    | CLOSED       | start(): connect, envelope, body               | SENT   |
    | READY        | start(): envelope, body                        | SENT   |
    | AHEAD        | start() for the announced recipient: body      | SENT   |
    | AHEAD        | start() for anyone else: hang up, then connect | SENT   |
    | SENT         | finish(), no envelope went ahead               | READY  |
    | SENT         | finish(), an envelope went ahead               | AHEAD  |
    | READY        | a refused envelope, after RSET                 | READY  |
    | READY        | close(): QUIT                                  | CLOSED |
    | SENT, AHEAD  | close(): hang up                               | CLOSED |
    | any          | the connection breaks                          | CLOSED |

    Hanging up is the only way to end a DATA that was opened for a mail that will not
    come without delivering anything (RFC 5321 4.1.1.4: the mail is only accepted at the
    final dot). Commands may follow content in one group (RFC 2920 3.1).
    """

    CLOSED = "closed"
    READY = "ready"
    SENT = "sent"
    AHEAD = "ahead"


@dataclass
class _Ahead:
    """An envelope sent along with the message before; its answers once they are read."""

    envelope_from: str
    recipient: str
    answers: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class SmtpTransport:
    """One SMTP connection reused for many mails, reconnecting when the server closes it.

    With PIPELINING (RFC 2920) a mail costs one round trip: its body goes out in one write
    with the envelope of the next mail (MAIL, RCPT, DATA), and one read brings the answer
    to the body and the three answers to that envelope. The next mail's body waits for its
    354, and for the caller, who commits its `sending` mark first. See _State.
    """

    server: ServerAddress
    rate_per_minute: int | None = None
    timeout: float = 30.0
    # RFC 5321 4.5.3.2.6: wait 10 minutes for the answer to the final dot; a server that
    # checks a mail slowly has taken it, and giving up early makes a duplicate.
    final_answer_timeout: float = 600.0
    tls_context: ssl.SSLContext | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _state: _State = field(default=_State.CLOSED, init=False)
    _connection: smtplib.SMTP | None = field(default=None, init=False)  # None when CLOSED
    _ahead: _Ahead | None = field(default=None, init=False)  # in SENT (maybe) and AHEAD
    _last_send: float | None = field(default=None, init=False)

    sends = True
    recorded_as = "250 accepted"

    @property
    def where(self) -> str:
        return self.server.where

    def open(self) -> None:
        if self._state is _State.CLOSED:
            self._connection = self._connect()
            self._state = _State.READY

    def close(self) -> None:
        if self._state in (_State.SENT, _State.AHEAD):
            self._hang_up()
        elif self._state is _State.READY:
            try:
                self._live().quit()
            except (smtplib.SMTPException, OSError):
                self._live().close()
            self._connection, self._state = None, _State.CLOSED

    def start(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        next_recipient: str | None = None,
    ) -> None:
        if not _deliverable(recipient):
            raise Rejected(f"not a deliverable address: {recipient!r}")
        self._pace()
        answers = self._envelope_answers(envelope_from, recipient)
        connection = self._live()
        self._check(connection, answers, envelope_from)
        ahead = b""
        self._ahead = None
        if (
            next_recipient is not None
            and _deliverable(next_recipient)
            and (next_recipient.isascii() or connection.has_extn("smtputf8"))
            and not self.rate_per_minute  # a paced mail would keep the next DATA open
            and connection.has_extn("pipelining")
        ):
            ahead = _envelope_lines(connection, envelope_from, next_recipient)
            self._ahead = _Ahead(envelope_from, next_recipient)
        try:
            connection.send(_dot_stuffed(message) + ahead)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._hang_up()
            raise FateUnknown(f"connection lost during DATA: {error}", stage="DATA") from None
        self._state = _State.SENT

    def finish(self) -> None:
        if self._state is not _State.SENT:
            raise RuntimeError(f"finish() in state {self._state.name}: nothing was handed over")
        connection = self._live()
        try:
            connection.sock.settimeout(self.final_answer_timeout)
            code, answer = connection.getreply()
            connection.sock.settimeout(self.timeout)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._hang_up()
            raise FateUnknown(f"connection lost during DATA: {error}", stage="DATA") from None
        finally:
            self._last_send = self.monotonic()
        self._state = _State.READY
        if self._ahead is not None:
            try:
                self._ahead.answers = [connection.getreply() for _ in range(3)]
                self._state = _State.AHEAD
            except (smtplib.SMTPServerDisconnected, OSError):
                self._hang_up()  # the next mail starts afresh on a new connection
        if code != 250:
            raise _by_code(code, answer, "DATA")

    def _envelope_answers(self, envelope_from: str, recipient: str) -> list[tuple[int, bytes]]:
        """The answers to MAIL, RCPT and DATA for this mail: read ahead, or asked now.

        A reused connection the server closed while idle fails before it saw this mail:
        that is tried once more on a new connection; a second failure is the server's.
        """
        if self._state is _State.AHEAD:
            ahead, self._ahead = self._ahead, None
            assert ahead is not None  # AHEAD always has one (see _State)
            if (ahead.envelope_from, ahead.recipient) == (envelope_from, recipient):
                self._state = _State.READY
                return ahead.answers
            self._hang_up()  # announced for another mail; its DATA may be open
        try:
            return self._envelope(envelope_from, recipient)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._hang_up()
        try:
            return self._envelope(envelope_from, recipient)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            # Reached, and it hung up on this envelope twice: this mail waits, the next
            # one goes on a new connection (a server out of reach is ServerUnavailable).
            self._hang_up()
            raise Deferred(
                f"{self.server.where} closed the connection at this envelope: {error}",
                stage=HANG_UP,
            ) from None

    def _envelope(self, envelope_from: str, recipient: str) -> list[tuple[int, bytes]]:
        """MAIL, RCPT and DATA for this mail on the current (or a new) connection."""
        self.open()
        connection = self._live()
        if not recipient.isascii() and not connection.has_extn("smtputf8"):
            raise Rejected(
                f"{self.server.where} does not take international addresses (SMTPUTF8)",
                stage="SMTPUTF8",
            )
        commands = _envelope_commands(connection, envelope_from, recipient)
        if connection.has_extn("pipelining"):
            # RFC 2920: the three commands in one write, then their three answers.
            connection.send(b"".join(commands))
            return [connection.getreply() for _ in range(3)]
        answers = []
        # Our own bytes, not mail()/rcpt()/docmd(): those parse both addresses again for
        # every message, and docmd encodes as ASCII, which an address that needs SMTPUTF8
        # is not. Both ways write the same bytes, one command at a time or all three.
        for command in commands:
            connection.send(command)
            answers.append(connection.getreply())
            if answers[-1][0] >= 400:
                break
        return answers

    def _live(self) -> smtplib.SMTP:
        """The connection of every state but CLOSED."""
        if self._connection is None:
            raise RuntimeError(f"no SMTP connection in state {self._state.name}")
        return self._connection

    def _check(
        self, connection: smtplib.SMTP, answers: list[tuple[int, bytes]], envelope_from: str
    ) -> None:
        """Raises for an envelope the server did not take, after ending its transaction."""
        data_open = len(answers) == 3 and answers[2][0] == 354
        code, answer = answers[0]
        if code != 250:
            self._refused_sender(connection, code, answer, envelope_from, data_open)
        for stage, expected, (code, answer) in zip(
            ("RCPT TO", "DATA"), ((250, 251), (354,)), answers[1:], strict=False
        ):
            if code not in expected:
                self._end_transaction(connection, data_open)
                raise _by_code(code, answer, stage)

    def _end_transaction(self, connection: smtplib.SMTP, data_open: bool) -> None:
        """After a refusal: end an open DATA with an empty message, then RSET."""
        try:
            if data_open:
                connection.send(b".\r\n")
                connection.getreply()
            connection.rset()
        except (smtplib.SMTPServerDisconnected, OSError):
            self._hang_up()

    def _refused_sender(
        self, connection: smtplib.SMTP, code: int, answer: bytes, sender: str, data_open: bool
    ) -> None:
        self._end_transaction(connection, data_open)
        text = _answer(code, answer)
        if 400 <= code < 500:
            raise Deferred(text, code, "MAIL FROM")
        raise ServerUnavailable(
            f"{self.server.where} refused the envelope sender {sender} ({text}): set"
            " sender.envelope_from in schedule.yaml to an address this server lets you send from"
        )

    def _pace(self) -> None:
        if not self.rate_per_minute or self._last_send is None:
            return
        wait = 60.0 / self.rate_per_minute - (self.monotonic() - self._last_send)
        if wait > 0:
            self.sleep(wait)

    def _hang_up(self) -> None:
        """Whatever was open on the connection ends with it (see _State)."""
        if self._connection is not None:
            self._connection.close()
        self._connection, self._state, self._ahead = None, _State.CLOSED, None

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


def _deliverable(recipient: str) -> bool:
    return _UNDELIVERABLE.search(recipient) is None


_UNDELIVERABLE = re.compile(r"[\r\n<> ]")


def _envelope_commands(connection: smtplib.SMTP, envelope_from: str, recipient: str) -> list[bytes]:
    """MAIL, RCPT and DATA as the lines that go on the wire: UTF-8, which is ASCII for an
    ASCII address and what RFC 6531 3.3 asks for one that needs SMTPUTF8 (then named on MAIL)."""
    utf8 = " SMTPUTF8" if not recipient.isascii() and connection.has_extn("smtputf8") else ""
    lines = (f"MAIL FROM:<{envelope_from}>{utf8}", f"RCPT TO:<{recipient}>", "DATA")
    return [f"{line}\r\n".encode() for line in lines]


def _envelope_lines(connection: smtplib.SMTP, envelope_from: str, recipient: str) -> bytes:
    return b"".join(_envelope_commands(connection, envelope_from, recipient))


def _dot_stuffed(message: bytes) -> bytes:
    """The message as DATA content: dot-stuffed (RFC 5321 4.5.2), CRLF-ended, with the end mark."""
    body = message.replace(b"\r\n.", b"\r\n..") if b"\r\n." in message else message
    if body.startswith(b"."):
        body = b"." + body
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _answer(code: int, answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return f"{code} {' '.join(text.split())}"


def _by_code(code: int, answer: bytes | str, stage: str) -> DeliveryProblem:
    text = _answer(code, answer)
    if 400 <= code < 500:
        return Deferred(text, code, stage)
    return Rejected(text, code, stage)
