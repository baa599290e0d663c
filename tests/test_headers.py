"""Header fields on the wire: the tick's wire template writes every field as the one-message
path (the preview .eml, send-test) does, and both as RFC 5322 and RFC 2047 ask.

The kind: a field whose bytes depend on which of the two paths made the mail. Each row is a
plan and a member whose subject, series name, sender and display name are short or long,
ASCII or not, plain or full of specials; each row sends every kind of mail through a real
tick to a real SMTP server, and each mail that crossed the socket is held against the
preview .eml of the same moment (the fields every member shares, byte for byte), against
the one-message path for the member's own To, and against the RFCs line by line.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.render import WIRE_POLICY
from tests.conftest import Mailer
from tests.everymail import KINDS, SESSION_KINDS, Row, send_every_kind

LONG_GERMAN = (
    "Kommunale Wärmeplanung und Förderprogramme für Gemeinden mit über fünftausend"
    " Einwohnern – Übersicht"
)
ROWS = {
    "short ASCII": dict(series="Digital-Impuls", sender="Digital-Impuls", topic="Glasfaser",
                        name="Anna Schmidt"),
    "short, beyond ASCII": dict(series="Bürger-Impuls", sender="Bürger-Impuls",
                                topic="Wärmeplanung", name="Jürgen Müller"),
    "long ASCII": dict(
        series="Digital-Impuls of the young mayors of all the towns and villages of Germany",
        sender="Digital-Impuls of the young mayors of all the towns and villages",
        topic="Smart City and the digital town hall: what the law of 2024 asks of every"
        " municipality and how to get there in time",
        name="Anna Beate Carla Dora Emilia Franziska Greta Hanna Ida Johanna Karla Luise",
    ),
    "long, beyond ASCII": dict(
        series="Digital-Impuls für Bürgermeister*innen aus ganz Deutschland – Süd",
        sender="Digital-Impuls für Bürgermeister*innen aus ganz Deutschland",
        topic=LONG_GERMAN,
        name="Bürgermeisterin Dr. Anna-Katharina Müller-Lüdenscheidt von und zu Großenkneten",
    ),
    "quotes and specials": dict(series="Impuls (Süd)", sender="Impuls Süd",
                                topic='KI: „Chancen“ & "Risiken" <Teil 1>; [Entwurf]',
                                name='Schmidt, Anna "Bürgermeisterin" (Beispielstadt)'),
    "one long word": dict(
        series="Digitalisierungsbeschleunigungsrunde",
        sender="Digitalisierungsbeschleunigungsrunde",
        topic="Digitalisierungsbeschleunigungsgesetzesnovellierungsverordnungsdurchführungs"
        "bestimmungen",
        name="Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessen",
    ),
    "text that looks encoded": dict(series="Digital-Impuls", sender="Digital-Impuls",
                                    topic="=?utf-8?q?Hallo?= Welt", name="=?utf-8?q?Eve?= Ü"),
}  # fmt: skip

PER_MEMBER = {"to", "message-id", "list-unsubscribe", "in-reply-to", "references"}
TOKEN_FIELDS = {"message-id", "in-reply-to", "references", "list-unsubscribe"}


@pytest.fixture(scope="module", params=ROWS.values(), ids=ROWS.keys())
def sent(request, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every kind of mail of one row (tests/everymail.py): kind -> (the bytes anna's, or
    the organizer's, copy crossed the socket with; the preview .eml of that moment, or None)."""
    row = Row(**request.param)
    mails = send_every_kind(Mailer(Path(tmp_path_factory.mktemp("headers"))), row)
    return {
        "row": request.param,
        "mails": {kind: (data, mails.previews.get(kind)) for kind, data in mails.sent.items()},
    }


def _fields(data: bytes) -> list[tuple[str, bytes]]:
    """The top-level header fields as (lower-case name, raw bytes with their folds)."""
    head = data.split(b"\r\n\r\n", 1)[0]
    fields: list[tuple[str, bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            name, raw = fields[-1]
            fields[-1] = (name, raw + b"\r\n" + line)
        else:
            fields.append((line.split(b":", 1)[0].decode().lower(), line))
    return fields


def _one_message_to(name: str, address: str) -> bytes:
    """The To field as the one-message path (personalize) writes it."""
    message = EmailMessage(policy=WIRE_POLICY)
    message["To"] = Address(display_name=name, addr_spec=address)
    return message.as_bytes(policy=WIRE_POLICY).split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize("kind", SESSION_KINDS)
def test_the_wire_writes_every_shared_field_as_the_preview_eml_does(sent: dict, kind: str) -> None:
    wire, eml = sent["mails"][kind]
    assert eml is not None and b"\r\n" in eml  # the preview is written as the wire is
    ours = [(n, raw) for n, raw in _fields(wire) if n not in PER_MEMBER | {"content-type"}]
    theirs = [(n, raw) for n, raw in _fields(eml) if n not in PER_MEMBER | {"content-type"}]
    assert ours == theirs


@pytest.mark.parametrize("kind", [*SESSION_KINDS, "thanks", "goodbye", "confirm"])
def test_the_wire_writes_the_members_to_as_the_one_message_path_does(sent: dict, kind: str) -> None:
    wire, _ = sent["mails"][kind]
    (to,) = [raw for name, raw in _fields(wire) if name == "to"]
    member = re.search(rb"<?([a-z]+@example\.org)>?$", to).group(1).decode()
    name = "" if kind == "confirm" else sent["row"]["name"]  # a sign-up repeats no name
    assert to == _one_message_to(name, member)
    value = to.decode().removeprefix("To: ").replace("\r\n", "")
    phrase = value.rsplit("<", 1)[0].strip() if "<" in value else ""
    if phrase.startswith('"'):
        phrase = phrase[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    assert str(make_header(decode_header(phrase))) == name  # RFC 2047 6.2, strictly


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_folded_and_encoded_as_the_rfcs_ask(sent: dict, kind: str) -> None:
    wire, _ = sent["mails"][kind]
    head = b"\r\n".join(part.split(b"\r\n\r\n", 1)[0] for part in wire.split(b"\r\n--"))
    fields = _fields(wire)
    tokens = {raw for name, raw in fields if name in TOKEN_FIELDS}
    for line in head.split(b"\r\n"):
        text = line.decode("ascii")  # no raw 8-bit in a header of an ASCII address
        assert len(text) <= 998, text  # RFC 5322 2.1.1: MUST
        if any(line in raw for raw in tokens):
            continue  # Message-IDs and links stay whole on one line
        words = re.findall(r"=\?[^?]+\?[qQbB]\?[^?]*\?=", text)
        assert all(len(word) <= 75 for word in words), text  # RFC 2047 2
        if words:
            assert len(text) <= 76, text  # RFC 2047 2
        elif " " in text.strip():  # folded where it can be: only one unbreakable word is longer
            assert len(text) <= 78, text  # RFC 5322 2.1.1
    message = message_from_bytes(wire, policy=policy.default)
    subject = str(message["Subject"])
    row = sent["row"]
    if kind in SESSION_KINDS and kind not in ("reminder", "update"):
        assert subject.endswith(row["topic"]), subject
    assert (row["series"] in subject) or kind in ("newsletter", "thanks", "goodbye", "confirm")
