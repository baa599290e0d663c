"""Every kind of mail mailer sends, made by real ticks and delivered to a real SMTP server:
announcement, update, reminder, recap, cancellation, newsletter, confirmation of a
sign-up, thank-you, goodbye and the organizer's digest, with the preview .eml of each
session mail and newsletter made at the same moment.

Used by the tests that hold all kinds to one standard (tests/test_headers.py,
tests/test_accessibility.py).
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.conftest import STARTER, Mailer, person_mail
from tests.smtpserver import RecordingHandler, start_server
from tests.webtools import Clock, client, sign_up

SESSION_KINDS = ["announcement", "update", "reminder", "recap", "cancellation", "newsletter"]
OTHER_KINDS = ["confirm", "thanks", "goodbye", "digest"]
KINDS = [*SESSION_KINDS, *OTHER_KINDS]
ROLE_LINE = "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n"

PROSE = """Wir blicken zurück auf **drei** Termine und voraus auf den *Herbst*.

## Was war

- Wärmeplanung mit [Julia Stolzenberger](https://example.org/kww)
- ~~Kommunalfinanzen~~ verschoben

### Zum Nachlesen

| Termin | Thema |
|---|---|
| 5. Oktober | Kommunalfinanzen |

> Ein Zitat aus der Runde
> über zwei Zeilen.

Der Befehl `mailer plan` zeigt alles:

    mailer plan --now 2023-09-20T10:00

---

Viele Grüße
Ihr Orga-Team"""


@dataclass
class Row:
    """What one plan and one member look like."""

    series: str = "Digital-Impuls"
    sender: str = "Digital-Impuls"
    topic: str = "Kommunale Wärmeplanung"
    name: str = "Anna Schmidt"
    recap: str = "Danke!"
    letter: str = "Hallo!"
    extra: dict = field(default_factory=dict)


@dataclass
class Mails:
    """kind -> the bytes anna's (or the organizer's) first copy crossed the socket with,
    and kind -> the preview .eml of the same moment (session mails and the newsletter)."""

    sent: dict[str, bytes]
    previews: dict[str, bytes]


def quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan_text(row: Row, base_url: str) -> str:
    text = STARTER
    recap = "    recap: |\n" + "".join(f"      {line}\n" for line in row.recap.split("\n"))
    for old, new in {
        "  name: Digital-Impuls\n": f"  name: {quoted(row.series)}\n",
        "from: Digital-Impuls <impuls@example.org>": f"from: {quoted(row.sender + ' <impuls@example.org>')}",
        "topic: Kommunale Wärmeplanung": f"topic: {quoted(row.topic)}",
        "topic: Kommunalfinanzen – für die Würde unserer Städte": f"topic: {quoted(row.topic)}",
        ROLE_LINE: ROLE_LINE + recap,
    }.items():  # fmt: skip
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + (
        f"\nweb:\n  base_url: {base_url}\n"
        "suggestions:\n  thank_you: true\n  digest: daily\n  digest_to: orga@example.org\n"
    )


def send_every_kind(app: Mailer, row: Row, base_url: str = "http://127.0.0.1:8080") -> Mails:
    """Runs the plan of `row` from the first announcement to a newsletter, each mail kind
    once, through a real SMTP server; anna and ben are members named `row.name`."""
    handler = RecordingHandler(pipelining=True)
    controller = start_server(handler)
    app.env["MAILER_SMTP_URL"] = f"smtp://{controller.hostname}:{controller.port}"
    plan = plan_text(row, base_url)
    app.write_plan(plan)
    previews: dict[str, bytes] = {}

    def preview(kind: str, now: str, what: str) -> None:
        if kind == "newsletter":
            app("newsletter", "preview", what, "--now", now)
            previews[kind] = (app.root / "preview" / "newsletter-brief.eml").read_bytes()
        else:
            app("preview", what, kind, "--now", now)
            previews[kind] = (app.root / "preview" / f"{what}-{kind}.eml").read_bytes()

    try:
        app("subscribers", "add", "anna@example.org", "--name", row.name)
        app("subscribers", "add", "ben@example.org", "--name", row.name)
        clock = Clock(datetime(2023, 8, 24, 12, 0, tzinfo=UTC))
        sign_up(client(app, clock), clock, "carla@example.org")
        app("tick", "--now", "2023-08-24T16:00")  # the announcement, the confirmation
        preview("announcement", "2023-08-24T16:00", "2023-09-07")
        inbox = mailbox.Maildir(app.root / "inbox", create=True)
        inbox.add(person_mail("anna@example.org", "Idee", "Thema: Radwege").as_bytes())
        leave = "Bitte streichen Sie mich aus dem Verteiler."
        inbox.add(person_mail("ben@example.org", "Re: Einladung", leave).as_bytes())
        app("poll", "--now", "2023-08-24T17:00")
        app("tick", "--now", "2023-08-24T17:01")  # the thank-you, the goodbye
        topic_line = f"    topic: {quoted(row.topic)}\n"
        app.write_plan(plan.replace(topic_line, '    time: "17:00"\n' + topic_line, 1))
        app("tick", "--now", "2023-08-25T10:00")  # the update, the digest
        preview("update", "2023-08-25T10:00", "2023-09-07")
        app("tick", "--now", "2023-09-06T17:00")
        preview("reminder", "2023-09-06T17:00", "2023-09-07")
        app("tick", "--now", "2023-09-07T20:30")
        preview("recap", "2023-09-07T20:30", "2023-09-07")
        app("tick", "--now", "2023-09-21T16:00")  # the announcement of 5 October
        cancelled = app.config.read_text("utf-8").replace(
            "  - date: 2023-10-05\n", "  - date: 2023-10-05\n    cancelled: true\n"
            "    reason: Der Gast ist erkrankt.\n", 1)  # fmt: skip
        app.write_plan(cancelled)
        app("tick", "--now", "2023-09-22T10:00")
        preview("cancellation", "2023-09-22T10:00", "2023-10-05")
        letter = app.root / "brief.md"
        letter.write_text(f"---\nsubject: {quoted(row.topic)}\n---\n{row.letter}\n", "utf-8")
        app("newsletter", "schedule", str(letter), "--now", "2023-09-23T10:00")
        app("tick", "--now", "2023-09-23T10:00")
        preview("newsletter", "2023-09-23T10:00", str(letter))
    finally:
        controller.stop()
    sent: dict[str, bytes] = {}
    for received in handler.messages:
        kind = kind_of(received.data)
        if kind in KINDS and kind not in sent:
            sent[kind] = received.data
    assert set(sent) == set(KINDS), sorted(sent)
    return Mails(sent, previews)


def kind_of(data: bytes) -> str | None:
    """The kind of one of our mails, from its Message-ID."""
    found = re.search(rb"^Message-ID: <([a-z0-9-]+)\.([a-z0-9-]+)", data, re.M | re.I)
    if found is None:
        return None
    first, second = found.group(1).decode(), found.group(2).decode()
    if first in ("newsletter", *OTHER_KINDS):
        return first
    return second.removesuffix("-1d").removesuffix("-1h")
