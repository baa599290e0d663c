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

import mailbox
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.render import WIRE_POLICY
from tests.conftest import STARTER, Mailer, person_mail
from tests.smtpserver import RecordingHandler, start_server
from tests.webtools import Clock, client, sign_up

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

SESSION_KINDS = ["announcement", "update", "reminder", "recap", "cancellation", "newsletter"]
OTHER_KINDS = ["confirm", "thanks", "goodbye", "digest"]
PER_MEMBER = {"to", "message-id", "list-unsubscribe", "in-reply-to", "references"}
TOKEN_FIELDS = {"message-id", "in-reply-to", "references", "list-unsubscribe"}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plan(row: dict, base_url: str) -> str:
    text = STARTER
    for old, new in {
        "  name: Digital-Impuls\n": f"  name: {_quoted(row['series'])}\n",
        "from: Digital-Impuls <impuls@example.org>": f"from: {_quoted(row['sender'] + ' <impuls@example.org>')}",
        "topic: Kommunale Wärmeplanung": f"topic: {_quoted(row['topic'])}",
        "topic: Kommunalfinanzen – für die Würde unserer Städte": f"topic: {_quoted(row['topic'])}",
        "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n":
            "        role: Seniorexpertin\n    recap: Danke!\n",
    }.items():  # fmt: skip
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + (
        f"\nweb:\n  base_url: {base_url}\n"
        "suggestions:\n  thank_you: true\n  digest: daily\n  digest_to: orga@example.org\n"
    )


@pytest.fixture(scope="module", params=ROWS.values(), ids=ROWS.keys())
def sent(request, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every kind of mail of one row, through real ticks to a real SMTP server: kind ->
    (the bytes anna's (or the organizer's) copy crossed the socket with, the preview
    .eml's bytes of the same moment, or None)."""
    row = request.param
    handler = RecordingHandler(pipelining=True)
    controller = start_server(handler)
    app = Mailer(Path(tmp_path_factory.mktemp("headers")))
    app.env["MAILER_SMTP_URL"] = f"smtp://{controller.hostname}:{controller.port}"
    plan = _plan(row, "http://127.0.0.1:8080")
    app.write_plan(plan)
    previews: dict[str, bytes] = {}

    def preview(kind: str, now: str, *args: str) -> None:
        if kind == "newsletter":
            app("newsletter", "preview", *args, "--now", now)
            previews[kind] = (app.root / "preview" / "newsletter-brief.eml").read_bytes()
        else:
            app("preview", args[0], kind, "--now", now)
            previews[kind] = (app.root / "preview" / f"{args[0]}-{kind}.eml").read_bytes()

    try:
        app("subscribers", "add", "anna@example.org", "--name", row["name"])
        app("subscribers", "add", "ben@example.org", "--name", row["name"])
        clock = Clock(datetime(2023, 8, 24, 12, 0, tzinfo=UTC))
        sign_up(client(app, clock), clock, "carla@example.org")
        app("tick", "--now", "2023-08-24T16:00")  # the announcement, the confirmation
        preview("announcement", "2023-08-24T16:00", "2023-09-07")
        inbox = mailbox.Maildir(app.root / "inbox", create=True)
        inbox.add(person_mail("anna@example.org", "Idee", "Thema: Radwege").as_bytes())
        inbox.add(person_mail("ben@example.org", "Re: x", "Bitte streichen Sie mich aus dem Verteiler.").as_bytes())  # fmt: skip
        app("poll", "--now", "2023-08-24T17:00")
        app("tick", "--now", "2023-08-24T17:01")  # the thank-you, the goodbye
        app.write_plan(plan.replace('time: "16:00"', 'time: "16:00"', 1).replace(
            f"    topic: {_quoted(row['topic'])}\n", f"    time: \"17:00\"\n    topic: {_quoted(row['topic'])}\n", 1))  # fmt: skip
        app("tick", "--now", "2023-08-25T10:00")  # the update, the digest
        preview("update", "2023-08-25T10:00", "2023-09-07")
        app("tick", "--now", "2023-09-06T17:00")
        preview("reminder", "2023-09-06T17:00", "2023-09-07")
        app("tick", "--now", "2023-09-07T20:30")
        preview("recap", "2023-09-07T20:30", "2023-09-07")
        app("tick", "--now", "2023-09-21T16:00")  # the announcement of 5 October
        cancelled = app.config.read_text("utf-8").replace(
            "  - date: 2023-10-05\n", "  - date: 2023-10-05\n    cancelled: true\n")  # fmt: skip
        app.write_plan(cancelled)
        app("tick", "--now", "2023-09-22T10:00")
        preview("cancellation", "2023-09-22T10:00", "2023-10-05")
        letter = app.root / "brief.md"
        letter.write_text(f"---\nsubject: {_quoted(row['topic'])}\n---\nHallo!\n", "utf-8")
        app("newsletter", "schedule", str(letter), "--now", "2023-09-23T10:00")
        app("tick", "--now", "2023-09-23T10:00")
        preview("newsletter", "2023-09-23T10:00", str(letter))
    finally:
        controller.stop()
    found: dict[str, tuple[bytes, bytes | None]] = {}
    for received in handler.messages:
        kind = _kind_of(received.data)
        if kind in [*SESSION_KINDS, *OTHER_KINDS] and kind not in found:
            found[kind] = (received.data, previews.get(kind))
    assert set(found) == set([*SESSION_KINDS, *OTHER_KINDS]), sorted(found)
    return {"row": row, "mails": found}


def _kind_of(data: bytes) -> str | None:
    found = re.search(rb"^Message-ID: <([a-z0-9-]+)\.([a-z0-9-]+)", data, re.M | re.I)
    if found is None:
        return None
    first, second = found.group(1).decode(), found.group(2).decode()
    if first in ("newsletter", "confirm", "thanks", "goodbye", "digest"):
        return first
    return second.removesuffix("-1d").removesuffix("-1h")


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


@pytest.mark.parametrize("kind", [*SESSION_KINDS, *OTHER_KINDS])
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
