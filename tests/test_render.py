"""Rendered mails: German, escaped, inlined, complete, with a correct invitation."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
from icalendar import Calendar

import mailer.render as render
from mailer.planfile import parse_plan
from mailer.render import Recipient, Renderer, personalize
from tests.conftest import STARTER, Mailer

NOW = datetime(2023, 8, 24, 14, 0, tzinfo=UTC)
EVIL_TOPIC = "{{ 7*7 }} <script>alert(1)</script> {% raw %}"


def plan_with(**replace: str):
    text = STARTER
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return parse_plan(text)


def rendered(
    plan, key="2023-09-07", kind="announcement", sequence=0, name="Anna Schmidt", templates=None
):
    renderer = Renderer(plan, templates, NOW)
    letter = renderer.letter(plan.session(key), kind, sequence)
    message = personalize(
        plan, letter, Recipient("anna@example.org", name, "TOKEN123"), "<id@x>", NOW
    )
    wire = message.as_bytes(policy=render.WIRE_POLICY)
    return email.message_from_bytes(wire, policy=policy.default), wire


def parts(message):
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_announcement_is_german_and_complete() -> None:
    message, _ = rendered(parse_plan(STARTER))
    text, html = parts(message)
    for body in (text, html):
        assert "Donnerstag, 7. September 2023, 16:00 Uhr" in body
        assert "Kommunale Wärmeplanung" in body
        assert "Julia Stolzenberger" in body
        assert "Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)" in body
        assert "https://zoom.us/j/00000000000" in body
        assert "Antworte einfach auf diese Mail" in " ".join(body.split())
        # The sessions already planned after this one.
        assert "Donnerstag, 5. Oktober 2023, 16:00 Uhr" in body
        assert "Künstliche Intelligenz in der Kommune" in body
        # Footer: the unsubscribe line and the imprint.
        assert "mailto:themen@example.org?subject=abmelden%20TOKEN123" in body
        assert "Musterstraße 1, 10115 Berlin" in body
    assert text.startswith("Hallo Anna Schmidt,")
    assert message["Subject"] == "Digital-Impuls am 7. September: Kommunale Wärmeplanung"


def test_every_mail_carries_the_contract_headers() -> None:
    for kind in ("announcement", "reminder", "update", "cancellation"):
        message, _ = rendered(parse_plan(STARTER), kind=kind)
        assert message["Reply-To"] == "themen@example.org"
        assert (
            message["List-Unsubscribe"] == "<mailto:themen@example.org?subject=abmelden%20TOKEN123>"
        )
        assert message["List-Id"] == '"Digital-Impuls" <digital-impuls.example.org>'
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"] == "<id@x>"
        assert message["From"] == "Digital-Impuls <impuls@example.org>"
        text, html = parts(message)
        assert "abmelden" in text and "Musterstraße" in html


def test_structure_offers_the_invitation_where_outlook_and_gmail_look_for_it() -> None:
    message, _ = rendered(parse_plan(STARTER))
    assert message.get_content_type() == "multipart/mixed"
    types = [part.get_content_type() for part in message.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",  # the last alternative: Outlook shows Accept and Decline for it
        "text/calendar",  # einladung.ics, for clients that want a file
    ]
    inline, attached = (p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert inline.get_param("method") == attached.get_param("method") == "REQUEST"
    assert attached.get_filename() == "einladung.ics" and inline.get_filename() is None
    assert inline.get_content() == attached.get_content()
    reminder, _ = rendered(parse_plan(STARTER), kind="reminder")
    assert "text/calendar" not in [p.get_content_type() for p in reminder.walk()]


@pytest.mark.parametrize("kind", ["announcement", "update", "cancellation"])
def test_the_invitation_names_its_member_and_nobody_else_as_attendee(kind: str) -> None:
    plan = parse_plan(STARTER)
    message, _ = rendered(plan, kind=kind, name='Dr. "Anna" Schmidt; Bürgermeisterin')
    (event,) = invitation_of(message).walk("VEVENT")
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:anna@example.org"
    assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["CN"] == "Dr. Anna Schmidt; Bürgermeisterin"
    assert str(event["ORGANIZER"]) == f"mailto:{plan.sender.reply_to}"
    text = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert text.get_content().count("ATTENDEE") == 1
    assert max(len(line.encode()) for line in text.get_content().splitlines()) <= 75


def invitation_of(message) -> Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def test_invitation_parses_back_with_uid_sequence_timezone_and_link() -> None:
    plan = parse_plan(STARTER)
    message, _ = rendered(plan, sequence=3)
    calendar = invitation_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == "2023-09-07@digital-impuls.example.org"
    assert int(event["SEQUENCE"]) == 3
    start = event.decoded("DTSTART")
    assert start.isoformat() == "2023-09-07T16:00:00+02:00"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND").isoformat() == "2023-09-07T17:30:00+02:00"
    assert str(event["LOCATION"]) == str(event["URL"]) == "https://zoom.us/j/00000000000"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    cancel, _ = rendered(plan, kind="cancellation", sequence=4)
    cancelled = invitation_of(cancel)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert str(cancelled.walk("VEVENT")[0]["UID"]) == str(event["UID"])
    assert (
        next(p for p in cancel.walk() if p.get_content_type() == "text/calendar").get_param(
            "method"
        )
        == "CANCEL"
    )


def test_a_template_in_the_topic_is_shown_literally_and_escaped() -> None:
    plan = plan_with(**{"topic: Kommunale Wärmeplanung": f"topic: '{EVIL_TOPIC}'"})
    message, _ = rendered(plan, name="{{ 7*7 }} <b>Bob</b>")
    text, html = parts(message)
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html
    assert "<b>Bob</b>" not in html and "&lt;b&gt;Bob&lt;/b&gt;" in html
    assert message["Subject"].endswith(EVIL_TOPIC)


def test_a_line_break_in_a_name_cannot_inject_a_header() -> None:
    plan = plan_with(**{"name: Julia Stolzenberger": 'name: "Julia\\r\\nBcc: evil@example.org"'})
    message, wire = rendered(plan, name="Eve\r\nBcc: evil@example.org")
    assert b"\r\nBcc:" not in wire and b"\nBcc:" not in wire
    assert message["Bcc"] is None
    assert message["To"].addresses[0].addr_spec == "anna@example.org"
    assert "Julia Bcc: evil@example.org" in parts(message)[0]


def test_css_is_inlined_into_style_attributes() -> None:
    message, _ = rendered(parse_plan(STARTER))
    html = parts(message)[1]
    # What could be inlined was: only the media queries (dark mode, narrow screens) stay
    # in a style element, where no inline style can express them.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert len(styles) == 1
    outside_media = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", styles[0])
    assert outside_media.replace(" !important", "").strip() == (
        ":root {color-scheme:light dark;supported-color-schemes:light dark}"
    )
    cell = re.search(r'<td class="button-cell"[^>]*>', html)
    assert cell is not None and "background-color:#0b4f6c" in cell.group().replace(" ", "")
    assert 'bgcolor="#0b4f6c"' in cell.group()


def test_premailer_runs_once_per_session_kind_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    import mailer.inline

    inline_css = mailer.inline.inline_css

    def counting(page: str) -> str:
        calls.append(1)
        return inline_css(page)

    monkeypatch.setattr(mailer.inline, "inline_css", counting)
    plan = parse_plan(STARTER)
    renderer = Renderer(plan, None, NOW)
    session = plan.session("2023-09-07")
    for index in range(50):
        letter = renderer.letter(session, "announcement", 0)
        personalize(
            plan,
            letter,
            Recipient(f"m{index}@example.org", f"M {index}", f"t{index}"),
            f"<{index}@x>",
            NOW,
        )
    assert len(calls) == 1
    renderer.letter(session, "announcement", 1)
    renderer.letter(session, "reminder", 1)
    assert len(calls) == 3


class SilentListener:
    """A real server on loopback that accepts connections, counts them and never answers:
    a template that reaches it would hang the tick while it holds the lock."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.socket.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        held = []
        while self.running:
            try:
                held.append(self.socket.accept()[0])
                self.accepted += 1
            except TimeoutError:
                continue
        for connection in held:
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.mark.parametrize(
    "fetching",
    [
        '<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">',
        "<style>@import url(http://127.0.0.1:{port}/evil.css);</style>",
        '<style>@import "http://127.0.0.1:{port}/evil.css" screen;</style>',
    ],
    ids=["link", "import url", "import string"],
)
def test_rendering_never_touches_the_network(mailer: Mailer, fetching: str) -> None:
    listener = SilentListener()
    try:
        own = mailer.root / "templates" / "email"
        own.mkdir(parents=True)
        base = (Path(render.__file__).parent / "templates/email/base.html").read_text("utf-8")
        (own / "base.html").write_text(
            base.replace("<title>", fetching.format(port=listener.port) + "\n<title>"), "utf-8"
        )
        started = time.monotonic()
        mailer("check", "--now", "2023-08-20T10:00")
        mailer("preview", "2023-09-07", "announcement", "--now", "2023-08-20T10:00")
        assert time.monotonic() - started < 20
    finally:
        listener.close()
    assert listener.accepted == 0


def test_an_organizer_template_cannot_reach_python(mailer: Mailer) -> None:
    own = mailer.root / "templates" / "email"
    own.mkdir(parents=True)
    (own / "reminder.txt").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}\n", "utf-8"
    )
    result = mailer("check", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("templates/email: access to attribute '__init__'")
    assert "Traceback" not in result.output
    assert not (mailer.root / "pwned").exists() and not Path("pwned").exists()


def test_an_organizer_template_overrides_one_file(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt").write_text(
        "{{ greeting }} Bis gleich! {{ unsubscribe_url }}\n", "utf-8"
    )
    reminder, _ = rendered(parse_plan(STARTER), kind="reminder", templates=tmp_path)
    assert parts(reminder)[0].startswith("Hallo Anna Schmidt, Bis gleich! mailto:")
    announcement, _ = rendered(parse_plan(STARTER), templates=tmp_path)
    assert "Welches Thema" in parts(announcement)[0]


@pytest.mark.parametrize(
    ("sent_at", "words"),
    [
        ("2023-09-03T16:00", "am Donnerstag, 7. September um 16:00 Uhr"),
        ("2023-09-05T16:00", "übermorgen um 16:00 Uhr"),
        ("2023-09-06T16:00", "morgen um 16:00 Uhr"),
        # the 1-day reminder that left late, on the day itself
        ("2023-09-07T09:12", "heute um 16:00 Uhr"),
        ("2023-09-07T15:00", "heute um 16:00 Uhr (in einer Stunde)"),
        ("2023-09-07T15:31", "heute um 16:00 Uhr (in einer halben Stunde)"),
        ("2023-09-07T15:20", "heute um 16:00 Uhr (in 40 Minuten)"),
        ("2023-09-07T15:53", "heute um 16:00 Uhr (in 7 Minuten)"),
        ("2023-09-06T23:30", "morgen um 16:00 Uhr"),
    ],
)
def test_reminder_words_are_counted_from_the_moment_it_leaves(sent_at: str, words: str) -> None:
    plan = parse_plan(STARTER)
    session = plan.session("2023-09-07")
    letter = Renderer(plan, None, plan.local(datetime.fromisoformat(sent_at))).letter(
        session, "reminder", 0
    )
    assert letter.subject == (f"Erinnerung: Digital-Impuls {words} – Kommunale Wärmeplanung")
    assert f"Erinnerung: Digital-Impuls {words}." in letter.text


@pytest.mark.parametrize("kind", ["announcement", "reminder", "update", "cancellation"])
def test_the_wire_template_makes_the_same_message_as_personalize(kind: str) -> None:
    plan = parse_plan(STARTER)
    letter = Renderer(plan, None, NOW).letter(plan.session("2023-09-07"), kind, 2)
    references = (
        "<2023-09-07.announcement.7@digital-impuls.example.org>"
        if kind in ("update", "cancellation")
        else None
    )
    template = render.WireTemplate(
        plan, letter, NOW, replies=references is not None, auto_submitted="auto-generated"
    )
    for recipient in (
        Recipient("anna@example.org", "Änna Schmidt-Müller", "T0k3n_-abc"),
        Recipient("ben@example.org", None, "other"),
        Recipient("eve@example.org", "{{ 7*7 }} <b>x</b> " + "lang " * 30, "t3"),
    ):
        fast = email.message_from_bytes(
            template.fill(recipient, "<id-1@x>", references), policy=policy.default
        )
        slow = email.message_from_bytes(
            personalize(plan, letter, recipient, "<id-1@x>", NOW, references).as_bytes(
                policy=render.WIRE_POLICY
            ),
            policy=policy.default,
        )
        assert fast.keys() == slow.keys()
        for name in fast:
            if name != "Content-Type":  # only the MIME boundaries differ
                assert str(fast[name]) == str(slow[name]), name
        fast_parts, slow_parts = list(fast.walk()), list(slow.walk())
        assert [p.get_content_type() for p in fast_parts] == [
            p.get_content_type() for p in slow_parts
        ]
        for a, b in zip(fast_parts, slow_parts, strict=True):
            if not a.is_multipart():
                assert a.get_content() == b.get_content()
                assert a["Content-Transfer-Encoding"] == b["Content-Transfer-Encoding"]


def _contrast(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_footer_reads_at_wcag_aa_contrast_in_light_and_dark_mode() -> None:
    message, _ = rendered(parse_plan(STARTER))
    page = parts(message)[1]
    footer = re.search(r"<td class=\"footer\"[^>]*style='([^']*)'", page)
    card = re.search(r'<table role="presentation" class="card"[^>]*style="([^"]*)"', page)
    link = re.search(r'<td class="footer".*?<a href[^>]*style="([^"]*)"', page, re.S)
    assert footer and card and link

    def colour(style: str, name: str) -> str:
        found = re.search(rf"(?:^|;)\s*{name}:\s*(#[0-9a-fA-F]{{3,6}})", style)
        assert found, (name, style)
        value = found.group(1)
        return "#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value

    background = colour(card.group(1), "background-color")
    assert _contrast(colour(footer.group(1), "color"), background) >= 4.5
    assert _contrast(colour(link.group(1), "color"), background) >= 4.5
    dark = re.search(r"prefers-color-scheme: ?dark\)\s*\{(.*?)\}\s*\}", page, re.S)
    assert dark, "dark-mode styles are kept"
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", dark.group(1) + "}"))
    dark_footer = next(v for k, v in rules.items() if k.strip() == ".footer")
    dark_link = next(v for k, v in rules.items() if k.strip() == ".footer a")
    dark_background = colour(dark_footer, "background-color")
    assert _contrast(colour(dark_footer, "color"), dark_background) >= 4.5
    assert _contrast(colour(dark_link, "color"), dark_background) >= 4.5
    assert '<meta name="color-scheme" content="light dark">' in page
