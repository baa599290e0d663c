"""Newsletters from a Markdown file, and the recap after a session: rendered in the house
style, frozen when scheduled, delivered by the tick through the outbox. Every assertion on
mail is on what crossed the socket of a real SMTP server."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.consent import Act
from mailer.outbound.outbox import OutboxKey
from mailer.store import Store
from tests.conftest import STARTER, Mailer, killed_and_rerun
from tests.smtpserver import RecordingHandler
from tests.webtools import Clock, client

MEMBERS = ("anna@example.org", "ben@example.org", "cem@example.org")

LETTER = """---
subject: Rückblick und Ausblick
send_at: 2023-09-20T10:00
---
Wir blicken zurück auf **drei** Termine und voraus auf den *Herbst*.

## Was war

- Wärmeplanung mit [Julia Stolzenberger](https://example.org/kww?x=1&y=2)
- Kommunalfinanzen

1. erstens
2. zweitens

| Termin | Thema |
|---|---|
| 5. Oktober | Kommunalfinanzen |

Roh: <script>alert(1)</script> und [böse](javascript:alert(1)).
"""


@pytest.fixture
def app(mailer: Mailer, smtp_pipelining: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add(*MEMBERS)
    return mailer


def write(app: Mailer, text: str = LETTER, name: str = "herbst.md") -> Path:
    path = app.root / name
    path.write_text(text, "utf-8")
    return path


def copies(handler: RecordingHandler, subject: str = "Rückblick und Ausblick") -> Counter:
    """How many copies of the newsletter each address got (session mails not counted)."""
    return Counter(
        r for m in handler.messages if m.message["Subject"] == subject for r in m.rcpt_tos
    )


def parts(message) -> tuple[str, str]:
    return tuple(
        message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
    )


# -- rendering -----------------------------------------------------------------------------


def test_markdown_becomes_the_html_part_and_a_text_part_of_its_own(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    message = smtp_pipelining.to("anna@example.org")[0].message
    text, page = parts(message)
    assert message["Subject"] == "Rückblick und Ausblick"
    # HTML: the Markdown's structure, with the house style's CSS inlined.
    assert "<strong>drei</strong>" in page and "<em>Herbst</em>" in page
    assert '<a href="https://example.org/kww?x=1&amp;y=2"' in page
    assert "<h2" in page and "Was war</h2>" in page
    assert "<ul" in page and "<ol" in page and page.count("<li") >= 4
    assert "<table" in page and "<th" in page and "5. Oktober</td>" in page
    assert 'class="masthead"' in page and "Digital-Impuls" in page
    assert "&lt;script&gt;" in page and "<script" not in page
    assert 'href="javascript' not in page
    # Text: made from the Markdown, not from the HTML.
    assert "Hallo Anna," in text
    assert "Wir blicken zurück auf *drei* Termine und voraus auf den _Herbst_." in text
    assert "Was war\n-------" in text
    assert "- Wärmeplanung mit Julia Stolzenberger (https://example.org/kww?x=1&y=2)" in text
    assert "1. erstens\n2. zweitens" in text
    assert "Termin      Thema\n----------  ----------------\n5. Oktober  Kommunalfinanzen" in text
    assert "<" not in text.split("Roh:")[0]
    assert "**" not in text and "](" not in text.split("Roh:")[0]


def test_a_newsletter_carries_every_header_a_mail_of_ours_must(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    message = smtp_pipelining.to("ben@example.org")[0].message
    assert message["Reply-To"] == "themen@example.org"
    assert message["List-Id"] == '"Digital-Impuls" <digital-impuls.example.org>'
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"].startswith("<mailto:themen@example.org?subject=abmelden")
    text, page = parts(message)
    assert "abmelden" in text and "Musterstraße 1" in text and "Musterstraße 1" in page
    with Store(app.db) as store:
        ben = store.subscriber("ben@example.org")
        key = OutboxKey.parse(
            message["Message-ID"], "digital-impuls.example.org", store.message_id_key()
        )
    assert key == OutboxKey.newsletter(1).to(ben.id)
    # No tracking: no pixel, no redirect; the links are as written.
    assert "<img" not in page
    assert page.count("https://example.org/kww") == 1


def test_with_a_web_door_the_newsletter_has_one_click_unsubscribe_and_a_web_version(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app.write_plan(STARTER + "\nweb:\n  base_url: https://impuls.example.org\n")
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    message = smtp_pipelining.to("anna@example.org")[0].message
    assert message["List-Unsubscribe"].startswith("<https://impuls.example.org/abmelden/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    _, page = parts(message)
    assert 'href="https://impuls.example.org/rundbrief/1"' in page
    web = client(app, Clock(datetime(2023, 9, 21, 8, 0, tzinfo=UTC)))
    shown = web.get("/rundbrief/1")
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "Wir blicken zurück auf <strong>drei</strong>" in body
    assert "Anna" not in body and "/abmelden/" not in body
    archive = web.get("/archiv").get_data(as_text=True)
    assert 'href="/rundbrief/1"' in archive and "Rückblick und Ausblick" in archive


def test_a_scheduled_newsletter_has_no_web_version_before_it_goes_out(app: Mailer) -> None:
    app.write_plan(STARTER + "\nweb:\n  base_url: https://impuls.example.org\n")
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    web = client(app, Clock(datetime(2023, 9, 11, 8, 0, tzinfo=UTC)))
    assert web.get("/rundbrief/1").status_code == 404
    assert web.get("/rundbrief/99").status_code == 404


def test_preview_writes_html_and_eml_without_sending(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    result = app("newsletter", "preview", str(write(app)))
    assert "Subject: Rückblick und Ausblick" in result.stdout
    html = (app.root / "preview" / "newsletter-herbst.html").read_text("utf-8")
    eml = (app.root / "preview" / "newsletter-herbst.eml").read_bytes()
    assert "<strong>drei</strong>" in html and "Hallo Erika," in html
    assert b"Subject: =?utf-8?" in eml or "Rückblick".encode() in eml
    assert smtp_pipelining.messages == []


def test_send_test_delivers_one_marked_mail_outside_the_outbox(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "send-test", str(write(app)), "--to", "orga@example.org")
    [received] = smtp_pipelining.messages
    assert received.rcpt_tos == ["orga@example.org"]
    assert received.message["Subject"] == "[Test] Rückblick und Ausblick"
    assert app.json("outbox") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nur Text\n", "herbst.md:1: a newsletter starts with its front matter"),
        ("---\nsubject: x\nText\n", "herbst.md:1: the front matter opened here is never closed"),
        ("---\nsubject: Hallo\nsend_at: morgen\n---\nText\n", "herbst.md:3: send_at must be a moment"),
        ("---\nsubject: Hallo\nsend_at: 2023-09-20\n---\nText\n", "herbst.md:3: send_at must be a moment"),
        ("---\nsubjekt: Hallo\n---\nText\n", "herbst.md:2: unknown key 'subjekt'"),
        ("---\npreheader: x\n---\nText\n", "herbst.md:2: the front matter needs 'subject: ...'"),
        ("---\nsubject: Hallo\n---\n\n\n", "herbst.md:4: there is no text after the front matter"),
        ("---\nsubject: Hallo\ngreeting: vielleicht\n---\nText\n", "herbst.md:3: greeting must be true or false"),
    ],
)  # fmt: skip
def test_a_mistake_in_the_file_is_one_sentence_with_its_line_and_nothing_is_scheduled(
    app: Mailer, text: str, expected: str
) -> None:
    result = app("newsletter", "schedule", str(write(app, text)), ok=False)
    assert result.exit_code == 1
    assert result.output.startswith(expected), result.output
    assert "Traceback" not in result.output
    assert app.json("newsletter", "list") == []


def test_a_missing_file_is_named(app: Mailer) -> None:
    result = app("newsletter", "preview", str(app.root / "fehlt.md"), ok=False)
    assert result.exit_code == 1 and "fehlt.md: no such file" in result.output


# -- scheduling ------------------------------------------------------------------------------


def test_the_tick_sends_at_send_at_not_before_and_only_once(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    [listed] = app.json("newsletter", "list")
    assert listed["status"] == "scheduled" and listed["at"] == "2023-09-20T10:00:00+02:00"
    app("tick", "--now", "2023-09-20T09:59")
    assert smtp_pipelining.messages == []
    assert "queued 3; sent 3" in app("tick", "--now", "2023-09-20T10:00").stdout
    app("tick", "--now", "2023-09-20T10:01")
    app("tick", "--now", "2023-10-20T10:00")
    assert copies(smtp_pipelining) == Counter(dict.fromkeys(MEMBERS, 1))
    [listed] = app.json("newsletter", "list")
    assert listed["status"] == "sent" and (listed["members"], listed["sent"]) == (3, 3)


def test_a_late_tick_still_sends_it_and_at_defaults_to_the_next_tick(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    text = LETTER.replace("send_at: 2023-09-20T10:00\n", "")
    app("newsletter", "schedule", str(write(app, text)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-10T10:01")
    assert len(smtp_pipelining.messages) == 3
    second = LETTER.replace("drei", "zwei")  # the same text would be the same newsletter
    app("newsletter", "schedule", str(write(app, second, "zwei.md")), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-23T07:00")  # the daemon was down for three days
    assert copies(smtp_pipelining) == Counter(dict.fromkeys(MEMBERS, 2))


def test_at_overrides_send_at(app: Mailer, smtp_pipelining: RecordingHandler) -> None:
    out = app(
        "newsletter", "schedule", str(write(app)), "--at", "2023-09-25T08:00", "--now",
        "2023-09-10T10:00",
    ).stdout  # fmt: skip
    assert "Montag, 25. September 2023, 08:00 Uhr" in out
    app("tick", "--now", "2023-09-20T10:00")
    assert smtp_pipelining.messages == []
    app("tick", "--now", "2023-09-25T08:00")
    assert copies(smtp_pipelining) == Counter(dict.fromkeys(MEMBERS, 1))


def test_the_content_is_frozen_when_scheduled(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    path = write(app)
    app("newsletter", "schedule", str(path), "--now", "2023-09-10T10:00")
    path.write_text(LETTER.replace("Rückblick und Ausblick", "Geändert").replace("drei", "vier"))
    app("tick", "--now", "2023-09-20T10:00")
    for received in smtp_pipelining.messages:
        text, page = parts(received.message)
        assert received.message["Subject"] == "Rückblick und Ausblick"
        assert "*drei*" in text and "vier" not in text and "vier" not in page


def test_scheduling_again_replaces_the_unsent_version_and_keeps_its_id(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    path = write(app)
    app("newsletter", "schedule", str(path), "--now", "2023-09-10T10:00")
    path.write_text(LETTER.replace("drei", "vier"), "utf-8")
    out = app("newsletter", "schedule", str(path), "--now", "2023-09-11T10:00").stdout
    assert out.startswith("newsletter 1 replaced")
    [listed] = app.json("newsletter", "list")
    assert listed["id"] == 1 and listed["status"] == "scheduled"
    app("tick", "--now", "2023-09-20T10:00")
    assert len(smtp_pipelining.messages) == 3
    for received in smtp_pipelining.messages:
        assert "*vier*" in parts(received.message)[0]


def test_a_file_that_went_out_unchanged_is_not_sent_again_without_again(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    path = write(app)
    app("newsletter", "schedule", str(path), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    refused = app("newsletter", "schedule", str(path), "--now", "2023-09-21T10:00", ok=False)
    assert refused.exit_code == 1
    assert "went out unchanged as newsletter 1 on Mittwoch, 20. September 2023" in refused.output
    app("newsletter", "schedule", str(path), "--now", "2023-09-21T10:00", "--again")
    app("tick", "--now", "2023-09-21T10:00")
    path.write_text(LETTER.replace("drei", "vier"), "utf-8")  # a new version: a new newsletter
    app(
        "newsletter", "schedule", str(path), "--now", "2023-09-21T10:00", "--at", "2023-09-22T10:00"
    )
    app("tick", "--now", "2023-09-22T10:00")
    assert [n["id"] for n in app.json("newsletter", "list")] == [3, 2, 1]
    assert copies(smtp_pipelining) == Counter(dict.fromkeys(MEMBERS, 3))


# A newsletter is its source, not its rendering: every setting that changes how it is
# rendered, and the file moved with the whole directory, leave it the same newsletter.
def _base_url(app: Mailer, path: Path) -> Path:
    app.write_plan(
        app.config.read_text("utf-8") + "\nweb:\n  base_url: https://impuls.example.org\n"
    )
    return path


def _plan_edit(old: str, new: str):
    def change(app: Mailer, path: Path) -> Path:
        text = app.config.read_text("utf-8")
        assert old in text
        app.write_plan(text.replace(old, new))
        return path

    return change


def _own_template(app: Mailer, path: Path) -> Path:
    own = app.root / "templates" / "email"
    own.mkdir(parents=True)
    shipped = Path(__file__).parents[1] / "mailer" / "templates" / "email"
    for name, body in (
        ("newsletter.html", "{{ body_html }}"),
        ("newsletter.txt", "{{ body_text }}"),
    ):
        text = (shipped / name).read_text("utf-8")
        assert body in text
        (own / name).write_text(text.replace(body, body + "\n\nHerzlich, das Orga-Team"), "utf-8")
    return path


def _moved(app: Mailer, path: Path) -> Path:
    moved = app.root / "umgezogen" / path.name
    moved.parent.mkdir()
    path.rename(moved)
    return moved


def _before_the_digest(app: Mailer, path: Path) -> Path:
    """A newsletter frozen by a mailer that kept no digest, then the templates changed."""
    import sqlite3

    with sqlite3.connect(app.db) as conn:
        conn.execute("UPDATE newsletters SET source_digest = NULL")
    conn.close()
    return _base_url(app, _own_template(app, path))


SETTINGS_THAT_RENDER = {
    "web.base_url added": _base_url,
    "sender.from": _plan_edit("from: Digital-Impuls <", "from: Orga-Team Digital-Impuls <"),
    "sender.imprint": _plan_edit("Musterstraße 1, 10115 Berlin", "Neue Straße 2, 10117 Berlin"),
    "own templates": _own_template,
    "series.salutation": _plan_edit(
        "  name: Digital-Impuls\n", "  name: Digital-Impuls\n  salutation: sie\n"
    ),
    "series.name": _plan_edit("  name: Digital-Impuls\n", "  name: Digitaler Impuls\n"),
    "the directory moved": _moved,
    "sent before mailer kept the source": _before_the_digest,
}


@pytest.mark.parametrize("change", SETTINGS_THAT_RENDER.values(), ids=SETTINGS_THAT_RENDER.keys())
@pytest.mark.parametrize("state", ["sent", "sending", "scheduled"])
def test_a_changed_setting_never_makes_an_unchanged_file_a_new_newsletter(
    app: Mailer, smtp_pipelining: RecordingHandler, state: str, change
) -> None:
    path = write(app)
    app("newsletter", "schedule", str(path), "--now", "2023-09-10T10:00")
    if state == "sending":
        smtp_pipelining.rcpt_answers = {"cem@example.org": "451 4.3.0 try later"}
    if state != "scheduled":
        app("tick", "--now", "2023-09-20T10:00")
    smtp_pipelining.rcpt_answers = {}
    path = change(app, path)
    again = app("newsletter", "schedule", str(path), "--now", "2023-09-20T10:01", ok=False)
    if state == "scheduled":
        assert again.exit_code == 0, again.output
        assert again.stdout.startswith("newsletter 1 replaced")
    else:
        assert again.exit_code == 1
        assert again.output.startswith("herbst.md went out unchanged as newsletter 1 on")
    app("tick", "--now", "2023-09-20T12:00")
    app("tick", "--now", "2023-09-21T12:00")
    assert [n["id"] for n in app.json("newsletter", "list")] == [1]
    subjects = {str(m.message["Subject"]) for m in smtp_pipelining.messages}
    assert subjects == {"Rückblick und Ausblick"}
    assert Counter(r for m in smtp_pipelining.messages for r in m.rcpt_tos) == Counter(
        dict.fromkeys(MEMBERS, 1)
    )


def test_the_same_text_from_another_file_is_the_same_newsletter_and_an_edit_a_new_one(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    copy = write(app, LETTER, "kopie.md")
    refused = app("newsletter", "schedule", str(copy), "--now", "2023-09-21T10:00", ok=False)
    assert refused.output.startswith("kopie.md went out unchanged as newsletter 1")
    # send_at is when, not what: the same letter at another time is still the same letter
    later = write(app, LETTER.replace("2023-09-20T10:00", "2023-10-01T10:00"), "herbst.md")
    assert app("newsletter", "schedule", str(later), ok=False).exit_code == 1
    for edit in (("drei", "vier"), ("subject: Rückblick", "subject: Der Rückblick"),
                 ("---\nWir", "preheader: Neu\n---\nWir"), ("---\nWir", "greeting: false\n---\nWir")):  # fmt: skip
        edited = write(app, LETTER.replace(*edit), f"edit-{len(app.json('newsletter', 'list'))}.md")
        app("newsletter", "schedule", str(edited), "--now", "2023-09-21T10:00")
    assert [n["id"] for n in app.json("newsletter", "list")] == [5, 4, 3, 2, 1]


def test_cancel_before_it_went_out_sends_nothing(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    out = app("newsletter", "cancel", "1", "--now", "2023-09-11T10:00").stdout
    assert "nothing of it went out" in out
    app("tick", "--now", "2023-09-20T10:00")
    assert smtp_pipelining.messages == []
    assert app.json("newsletter", "list")[0]["status"] == "cancelled"
    assert "already cancelled" in app("newsletter", "cancel", "1").stdout


def test_cancel_while_copies_wait_stops_them_and_a_sent_one_cannot_be_called_back(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    smtp_pipelining.rcpt_answers = {a: "451 4.3.0 try later" for a in MEMBERS[1:]}
    app("tick", "--now", "2023-09-20T10:00")
    [listed] = app.json("newsletter", "list")
    assert (listed["status"], listed["sent"], listed["waiting"]) == ("sending", 1, 2)
    out = app("newsletter", "cancel", "1", "--now", "2023-09-20T10:02").stdout
    assert "2 copies stopped, 1 members had it already" in out
    smtp_pipelining.rcpt_answers = {}
    app("tick", "--now", "2023-09-20T12:00")
    assert [r for m in smtp_pipelining.messages for r in m.rcpt_tos] == ["anna@example.org"]
    statuses = Counter(row["status"] for row in app.json("outbox"))
    assert statuses == Counter({"sent": 1, "cancelled": 2})
    # A newsletter that went out to everyone cannot be cancelled.
    other = LETTER.replace("drei", "vier")  # unchanged, it would be newsletter 1 again
    app("newsletter", "schedule", str(write(app, other, "b.md")), "--now", "2023-09-21T10:00")
    app("tick", "--now", "2023-09-21T10:00")
    refused = app("newsletter", "cancel", "2", ok=False)
    assert refused.exit_code == 1 and "cannot be called back" in refused.output
    assert app("newsletter", "cancel", "9", ok=False).output.startswith("there is no newsletter 9")


def test_only_active_members_get_it_and_later_joiners_do_not(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("subscribers", "unsubscribe", "ben@example.org")
    with Store(app.db) as store:
        store.change("cem@example.org", Act.BOUNCE, "test", datetime.now(UTC))
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    app("tick", "--now", "2023-09-20T10:00")
    app.add("dora@example.org")
    app("tick", "--now", "2023-09-20T10:05")
    assert [r for m in smtp_pipelining.messages for r in m.rcpt_tos] == ["anna@example.org"]


def test_a_member_who_leaves_after_queueing_is_skipped(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    smtp_pipelining.rcpt_answers = {"ben@example.org": "451 4.3.0 try later"}
    app("tick", "--now", "2023-09-20T10:00")
    with Store(app.db) as store:
        store.change("ben@example.org", Act.UNSUBSCRIBE, "test", datetime.now(UTC))
    smtp_pipelining.rcpt_answers = {}
    app("tick", "--now", "2023-09-20T12:00")
    assert sorted(r for m in smtp_pipelining.messages for r in m.rcpt_tos) == [
        "anna@example.org",
        "cem@example.org",
    ]


def test_outbox_and_plan_show_the_newsletter(app: Mailer) -> None:
    app.env["COLUMNS"] = "200"  # rich wraps the table to the terminal's width
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    shown = app("plan", "--now", "2023-09-10T10:00", "--months", "1").stdout
    assert "newsletter 1: Rückblick und Ausblick" in shown
    assert "newsletter: 2023-09-20 10:00" in shown
    app("tick", "--now", "2023-09-20T10:00")
    rows = [row for row in app.json("outbox") if row["kind"] == "newsletter"]
    assert len(rows) == 3 and {row["stage"] for row in rows} == {"newsletter-1"}
    dry = app("tick", "--now", "2023-09-20T10:00", "--dry-run", "--json")
    assert dry.exit_code == 0


def test_two_ticks_at_once_send_each_copy_once(
    app: Mailer, smtp_pipelining: RecordingHandler, tmp_path: Path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text("email\n" + "".join(f"m{i}@example.org\n" for i in range(60)), "utf-8")
    app("subscribers", "import", str(members))
    app("newsletter", "schedule", str(write(app)), "--now", "2023-09-10T10:00")
    smtp_pipelining.delay = 0.05
    command = [*app.command(), "tick", "--now", "2023-09-20T10:00"]
    ticks = [
        subprocess.Popen(command, env=app.process_env(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = sorted(tick.communicate(timeout=60)[0].strip() for tick in ticks)
    assert outputs == [
        "another tick is running; this one sends nothing",
        "queued 63; sent 63, deferred 0, failed 0",
    ]
    copies = Counter(r for m in smtp_pipelining.messages for r in m.rcpt_tos)
    assert len(copies) == 63 and set(copies.values()) == {1}


def test_a_tick_killed_in_the_middle_of_a_newsletter_to_2000_is_completed_by_the_next(
    mailer: Mailer, smtp_pipelining: RecordingHandler, tmp_path: Path
) -> None:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    members = tmp_path / "members.csv"
    members.write_text("email\n" + "".join(f"m{i}@example.org\n" for i in range(2000)), "utf-8")
    mailer("subscribers", "import", str(members))
    mailer("newsletter", "schedule", str(write(mailer)), "--now", "2023-09-10T10:00")
    twice, _ = killed_and_rerun(mailer, smtp_pipelining, "tick", "--now", "2023-09-20T10:00")
    # At most the mails in flight, one per connection (smtp.connections: 3 by default).
    assert len(twice) <= 3
    [listed] = mailer.json("newsletter", "list")
    assert (listed["status"], listed["sent"]) == ("sent", 2000)


# -- the recap after a session ----------------------------------------------------------------

RECAP = """    recap: |
      Danke an **Julia Stolzenberger**! Hier die [Folien](https://example.org/folien.pdf).

      - Aufzeichnung: https://example.org/video
"""
SESSION_LINE = "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n"


def with_recap(app: Mailer, recap: str = RECAP, extra: str = "") -> None:
    assert SESSION_LINE in STARTER
    app.write_plan(STARTER.replace(SESSION_LINE, SESSION_LINE + recap, 1) + extra)


def recaps(handler: RecordingHandler) -> list:
    return [m for m in handler.messages if m.message["Subject"].startswith("Rückblick")]


def test_the_recap_goes_out_two_hours_after_the_end_to_active_members(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    with_recap(app)
    app("subscribers", "unsubscribe", "cem@example.org")
    app("tick", "--now", "2023-09-07T19:29")  # the session ends 17:30
    assert recaps(smtp_pipelining) == []
    app("tick", "--now", "2023-09-07T19:30")
    sent = recaps(smtp_pipelining)
    assert sorted(r for m in sent for r in m.rcpt_tos) == ["anna@example.org", "ben@example.org"]
    message = sent[0].message
    assert (
        message["Subject"] == "Rückblick: Digital-Impuls am 7. September – Kommunale Wärmeplanung"
    )
    text, page = parts(message)
    assert (
        "Danke an *Julia Stolzenberger*! Hier die Folien (https://example.org/folien.pdf)." in text
    )
    assert "<strong>Julia Stolzenberger</strong>" in page
    assert "Schon geplant" in page  # the sessions ahead
    assert message["List-Unsubscribe"] and message["Auto-Submitted"] == "auto-generated"
    assert not any(p.get_content_type() == "text/calendar" for p in message.walk())


def test_editing_the_recap_after_it_went_out_sends_nothing(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    with_recap(app)
    app("tick", "--now", "2023-09-07T19:30")
    assert len(recaps(smtp_pipelining)) == 3
    with_recap(app, RECAP.replace("Danke", "Vielen Dank"))
    app.add("dora@example.org")
    app("tick", "--now", "2023-09-08T10:00")
    assert len(recaps(smtp_pipelining)) == 3


def test_a_recap_written_later_goes_out_at_the_next_tick_within_two_weeks(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("tick", "--now", "2023-09-07T19:30")
    with_recap(app)
    app("tick", "--now", "2023-09-09T09:00")
    assert len(recaps(smtp_pipelining)) == 3
    # The October session's recap, written three weeks late, is only for the archive.
    october = "  - date: 2023-10-05\n"
    text = app.config.read_text("utf-8").replace(october, october + "    recap: Danke!\n", 1)
    app.write_plan(text)
    app("tick", "--now", "2023-10-27T09:00")
    assert len(recaps(smtp_pipelining)) == 3


def test_recap_to_attended_skips_those_who_declined(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    from mailer import rsvps

    with_recap(app, RECAP + "    recap_to: attended\n")
    with Store(app.db) as store, store.transaction() as conn:
        for address, answer in (
            ("anna@example.org", rsvps.ACCEPTED),
            ("ben@example.org", rsvps.DECLINED),
        ):
            rsvps.record(
                conn, session_key="2023-09-07", subscriber_id=store.subscriber(address).id,
                answer=answer, answered_at="2023-08-30T10:00:00+00:00", sequence=0,
                via=rsvps.WEB, now="2023-08-30T10:00:00+00:00",
            )  # fmt: skip
    app("tick", "--now", "2023-09-07T19:30")
    assert sorted(r for m in recaps(smtp_pipelining) for r in m.rcpt_tos) == [
        "anna@example.org",
        "cem@example.org",  # no answer: not declined
    ]


def test_emails_recap_sets_the_delay_and_recap_to_for_all_sessions(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    plan = STARTER.replace("  recap: 2h", "  recap: 1d\n  recap_to: attended")
    assert plan != STARTER
    app.write_plan(plan.replace(SESSION_LINE, SESSION_LINE + RECAP, 1))
    app("tick", "--now", "2023-09-08T17:29")
    assert recaps(smtp_pipelining) == []
    app("tick", "--now", "2023-09-08T17:30")
    assert len(recaps(smtp_pipelining)) == 3


def test_preview_of_a_recap_and_of_a_session_without_one(app: Mailer) -> None:
    with_recap(app)
    out = app("preview", "2023-09-07", "recap").stdout
    assert "Subject: Rückblick: Digital-Impuls am 7. September" in out
    page = (app.root / "preview" / "2023-09-07-recap.html").read_text("utf-8")
    assert "<strong>Julia Stolzenberger</strong>" in page
    missing = app("preview", "2023-10-05", "recap", ok=False)
    assert missing.exit_code == 1
    assert missing.output.startswith("the session on 2023-10-05 has no recap yet")


def test_a_mistake_in_recap_to_names_its_line(app: Mailer) -> None:
    with_recap(app, RECAP + "    recap_to: everybody\n")
    result = app("check", ok=False)
    line = app.config.read_text("utf-8").splitlines().index("    recap_to: everybody") + 1
    assert result.output.startswith(f"schedule.yaml:{line}: recap_to must be one of all, attended")


def test_the_recap_is_in_the_archive_and_has_a_web_version(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    with_recap(app, extra="\nweb:\n  base_url: https://impuls.example.org\n")
    app("tick", "--now", "2023-09-07T19:30")
    web = client(app, Clock(datetime(2023, 9, 8, 8, 0, tzinfo=UTC)))
    archive = web.get("/archiv").get_data(as_text=True)
    assert "<strong>Julia Stolzenberger</strong>" in archive
    assert 'href="https://example.org/folien.pdf"' in archive
    shown = web.get("/brief/2023-09-07/recap")
    assert shown.status_code == 200 and "Folien" in shown.get_data(as_text=True)
    assert "Anna" not in shown.get_data(as_text=True)
    _, page = parts(recaps(smtp_pipelining)[0].message)
    assert 'href="https://impuls.example.org/brief/2023-09-07/recap"' in page


def test_writing_a_recap_owes_nobody_an_update(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    app("tick", "--now", "2023-08-24T16:00")  # the announcement
    with_recap(app)
    app("tick", "--now", "2023-09-06T16:00")  # the reminder a day before
    subjects = [m.message["Subject"] for m in smtp_pipelining.messages]
    assert not any("Geändert" in s or "Neu" in s for s in subjects), subjects
    assert len(subjects) == 6


def test_a_subject_cut_short_by_a_hash_is_a_warning_in_the_preview(app: Mailer) -> None:
    # Issue 23, item 5: YAML ends a text without quotes at ' #'.
    path = write(app, LETTER.replace("subject: Rückblick und Ausblick", "subject: Rückblick #3"))
    result = app("newsletter", "preview", str(path), "--now", "2023-09-12T10:00")
    assert "Subject: Rückblick\n" in result.stdout
    assert result.stderr.splitlines() == [
        "herbst.md:2: warning: subject ends at 'Rückblick': YAML reads ' #' as the start of a"
        " comment, so '#3' is left out; to keep it, put the text in quotes: subject:"
        " \"Rückblick #3\" (a comment that is meant goes two spaces after the text: '  # ...')"
    ]
