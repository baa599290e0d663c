"""`mailer demo`: the contract shown end to end in a throw-away directory, with no server.

Sample members, the Digital-Impuls plan, a month of ticks at the moments mail is due,
a late joiner, a change of time that sends an update, the recap after the session, a
newsletter from a Markdown file, and every mail in a Maildir.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from mailer.salutation import Person
from mailer.starterplan import starter_plan

SAMPLE_MEMBERS = [
    ("anna.schmidt@example.org", Person("Anna Schmidt", "Gemeinde Beispielstadt", "Anna",
                                        "Schmidt", "Frau Bürgermeisterin")),
    ("jonas.weber@example.org", Person("Jonas Weber", "Stadt Musterhausen", "Jonas", "Weber",
                                       "Herr Bürgermeister")),
    ("leonie.koch@example.org", Person("Leonie Koch", "Markt Neudorf", "Leonie", "Koch",
                                       "Frau Bürgermeisterin")),
    ("mehmet.yilmaz@example.org", Person("Mehmet Yılmaz", "Stadt Am See", "Mehmet", "Yılmaz",
                                         "Herr Oberbürgermeister")),
]  # fmt: skip
LATE_JOINER = (
    "paul.richter@example.org",
    Person("Paul Richter", "Gemeinde Talheim", "Paul", "Richter", "Herr Bürgermeister"),
)
START = datetime(2023, 8, 20, 9, 0)
END = datetime(2023, 9, 21, 16, 0)
MOVED_AT = datetime(2023, 9, 1, 10, 0)
RECAP_AT = datetime(2023, 9, 8, 9, 0)  # the morning after: the organizer writes the recap
NEWSLETTER_SCHEDULED = datetime(2023, 9, 12, 10, 0)
NEWSLETTER_AT = datetime(2023, 9, 15, 10, 0)
NEWSLETTER = """---
subject: Rückblick und Ausblick
---
Der Herbst des **Digital-Impulses** steht:

| Termin | Thema |
|---|---|
| 5. Oktober | Kommunalfinanzen – für die Würde unserer Städte |
| 2. November | Künstliche Intelligenz in der Kommune |

Wer ein Thema für den Winter hat: einfach auf diese Mail antworten.
"""
RECAP = """    recap: |
      Danke an **Julia Stolzenberger** und an alle, die dabei waren!

      - Die Folien: [Kommunale Wärmeplanung (PDF)](https://example.org/folien-waermeplanung.pdf)
      - Der Leitfaden des KWW: https://example.org/kww-leitfaden
"""


def run_demo(directory: str | None, say: Callable[[str], None]) -> Path:
    from mailer.app import App, poll_once, schedule_newsletter, suggestions, tick_once
    from mailer.timing import next_due_moments

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="mailer-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    config = root / "schedule.yaml"
    # The starter plan as `mailer init` wrote it on the demo's first day, its examples
    # filled in by the organizer (so that their mails go out).
    config.write_text(starter_plan(START.date(), examples=False), "utf-8")
    app = App(config, root / "subscribers.db")
    plan = app.plan()
    say(f"demo directory: {root}")

    with app.store() as store:
        for email, person in SAMPLE_MEMBERS:
            store.add_subscriber(email, person, consent="demo sample", now=plan.local(START))
    say(f"{len(SAMPLE_MEMBERS)} sample members added")

    events = {
        plan.local(datetime(2023, 8, 25, 9, 30)): "replies",
        plan.local(datetime(2023, 8, 26, 12, 0)): "late joiner",
        plan.local(MOVED_AT): "move",
        plan.local(RECAP_AT): "recap",
        plan.local(NEWSLETTER_SCHEDULED): "newsletter",
        plan.local(NEWSLETTER_AT): "newsletter due",
    }
    moment = plan.local(START)
    first = True
    while True:
        # Ask the current plan each time: a moved session has moved its mails too.
        upcoming = next_due_moments(app.plan(), moment + timedelta(seconds=1), plan.local(END))
        candidates = upcoming[:1] + [m for m in events if m > moment]
        if not candidates:
            break
        moment = min(candidates)
        if events.get(moment) == "replies":
            _members_reply(app, moment)
            say(
                f"{moment:%Y-%m-%d %H:%M}  Anna replies with a topic idea, Jonas's mailbox says he is away"
            )
            say(f"{moment:%Y-%m-%d %H:%M}  poll: {poll_once(app, moment)}")
            continue
        if events.get(moment) == "late joiner":
            with app.store() as store:
                store.add_subscriber(*LATE_JOINER, consent="demo sample", now=moment)
            say(f"{moment:%Y-%m-%d %H:%M}  {LATE_JOINER[1].name} subscribes after the announcement")
        elif events.get(moment) == "move":
            _move_september_session(config)
            app.reload()
            say(f"{moment:%Y-%m-%d %H:%M}  the organizer moves 7 September to 16:30")
        elif events.get(moment) == "recap":
            _add_recap(config)
            app.reload()
            say(f"{moment:%Y-%m-%d %H:%M}  the organizer writes the recap of 7 September")
        elif events.get(moment) == "newsletter":
            letter = root / "herbst.md"
            letter.write_text(NEWSLETTER, "utf-8")
            newsletter_id, _, _ = schedule_newsletter(
                app, letter, plan.local(NEWSLETTER_AT), moment
            )
            say(
                f"{moment:%Y-%m-%d %H:%M}  newsletter {newsletter_id} ({letter.name}) is scheduled"
                f" for {NEWSLETTER_AT:%Y-%m-%d %H:%M}"
            )
            continue
        say(f"{moment:%Y-%m-%d %H:%M}  tick: {tick_once(app, moment)}")
        if first:
            again = tick_once(app, moment)
            say(f"{moment:%Y-%m-%d %H:%M}  the same tick again: {again}")
            first = False

    outbox = app.workspace.outbox
    count = len(list((outbox / "new").glob("*")))
    say("")
    for idea in suggestions(app):
        say(f"filed topic idea from {idea['from']} (answering the session of {idea['session']}):")
        say("    " + idea["text"].replace("\n", "\n    "))
    say(f"the inbox is filed into folders: ls -a {app.workspace.inbox}")
    say(f"{count} mails are in the Maildir {outbox}")
    say(f"open one:   ls {outbox}/new   (each file is a complete .eml)")
    say(f"or a client: mutt -f {outbox}")
    return root


def _members_reply(app, moment: datetime) -> None:
    """Anna answers her announcement with a topic idea; Jonas's mailbox answers for him."""
    import mailbox
    from email import message_from_bytes, policy
    from email.message import EmailMessage
    from email.utils import format_datetime

    outbox = mailbox.Maildir(app.workspace.outbox, create=False)
    sent = [
        message_from_bytes(outbox.get_bytes(key), policy=policy.default)
        for key in outbox.iterkeys()
    ]
    announcement = next(m for m in sent if "anna.schmidt" in str(m["To"]))
    idea = EmailMessage()
    idea["From"] = "Anna Schmidt <anna.schmidt@example.org>"
    idea["To"] = app.plan().sender.reply_to
    idea["Subject"] = "Re: " + str(announcement["Subject"])
    idea["Date"] = format_datetime(moment)
    idea["Message-ID"] = "<idee-1@gemeinde-beispielstadt.example>"
    idea["In-Reply-To"] = str(announcement["Message-ID"])
    quoted = "\n".join(
        "> " + line for line in announcement.get_body(("plain",)).get_content().splitlines()[:6]
    )
    idea.set_content(
        "Hallo zusammen,\n\nein Thema für einen der nächsten Termine: Wie finanzieren kleine "
        "Gemeinden den Glasfaserausbau, wenn der Eigenanteil nicht im Haushalt ist?\n\n"
        f"Viele Grüße\nAnna\n\nAm {moment:%d.%m.%Y} schrieb Digital-Impuls:\n{quoted}\n"
    )
    away = EmailMessage()
    away["From"] = "jonas.weber@example.org"
    away["To"] = app.plan().sender.reply_to
    away["Subject"] = "Abwesenheitsnotiz: " + str(announcement["Subject"])
    away["Auto-Submitted"] = "auto-replied"
    away["Message-ID"] = "<abwesend-1@stadt-musterhausen.example>"
    away.set_content("Ich bin bis zum 4. September nicht im Rathaus.")
    inbox = mailbox.Maildir(app.workspace.inbox, create=True)
    inbox.add(idea.as_bytes())
    inbox.add(away.as_bytes())


def _add_recap(config: Path) -> None:
    text = config.read_text("utf-8")
    role = "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n"
    config.write_text(text.replace(role, role + RECAP, 1), "utf-8")


def _move_september_session(config: Path) -> None:
    text = config.read_text("utf-8")
    text = text.replace("  - date: 2023-09-07\n", '  - date: 2023-09-07\n    time: "16:30"\n', 1)
    config.write_text(text, "utf-8")
