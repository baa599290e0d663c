"""International addresses on the wire, for every server a relay can be: with or without
PIPELINING (RFC 2920), with or without SMTPUTF8 (RFC 6531). Both ways of writing the
envelope (pipelined and one command at a time) must encode it alike.

Every assertion is on what crossed the socket of a real aiosmtpd server.
"""

from __future__ import annotations

import email
from email import policy

import pytest

from tests.conftest import Mailer
from tests.smtpserver import RecordingHandler, start_server

SERVERS = {
    "pipelining and SMTPUTF8": (True, True),
    "SMTPUTF8 without pipelining": (False, True),
    "pipelining without SMTPUTF8": (True, False),
    "neither": (False, False),
}
# (the member's address, what RCPT TO must carry, whether it needs SMTPUTF8)
ADDRESSES = {
    "ascii": ("anna@example.org", "anna@example.org", False),
    "international domain": ("anna@bürgermeister.de", "anna@xn--brgermeister-dlb.de", False),
    "umlaut before the @": ("jürgen@example.org", "jürgen@example.org", True),
    "umlauts on both sides": ("jürgen@bürgermeister.de", "jürgen@bürgermeister.de", True),
}
ANNOUNCED = "2023-08-24T16:00"


@pytest.fixture(params=list(SERVERS), ids=list(SERVERS))
def server(request, mailer: Mailer):
    pipelining, smtputf8 = SERVERS[request.param]
    handler = RecordingHandler(pipelining=pipelining)
    controller = start_server(handler, enable_SMTPUTF8=smtputf8)
    handler.smtputf8 = smtputf8  # type: ignore[attr-defined]
    mailer.env["MAILER_SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


@pytest.mark.parametrize("kind", list(ADDRESSES), ids=list(ADDRESSES))
def test_each_kind_of_address_reaches_each_kind_of_server_or_fails_with_the_reason(
    mailer: Mailer, server: RecordingHandler, kind: str
) -> None:
    address, on_the_wire, needs_smtputf8 = ADDRESSES[kind]
    # The member between two others: the one before announces its envelope (pipelined),
    # the one after must still go out whatever became of it.
    others = ["erste@example.org", "letzte@example.org"]
    mailer.add(others[0], address, others[1])
    result = mailer("tick", "--now", ANNOUNCED)

    assert "Traceback" not in result.output
    for other in others:
        assert len(server.to(other)) == 1, result.output
    rows = {row["email"]: row for row in mailer.json("outbox")}
    people = {p["email"]: p["status"] for p in mailer.json("subscribers", "list")}
    if needs_smtputf8 and not server.smtputf8:  # type: ignore[attr-defined]
        assert server.to(on_the_wire) == []
        assert rows[address]["status"] == "failed"
        assert "SMTPUTF8" in rows[address]["last_answer"]
        assert people[address] == "active"  # mailer's limit, never the member's bounce
        assert "sent 2, deferred 0, failed 1" in result.stdout
        return
    (received,) = server.to(on_the_wire)
    assert received.rcpt_tos == [on_the_wire]
    assert ("SMTPUTF8" in received.mail_options) == needs_smtputf8
    # RFC 6532: with SMTPUTF8 the header carries the address as UTF-8, as RCPT TO does.
    message = email.message_from_string(received.data.decode("utf-8"), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == on_the_wire
    assert rows[address]["status"] == "sent"
    assert "sent 3, deferred 0, failed 0" in result.stdout
