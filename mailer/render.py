"""(session, kind, version) -> a letter; (letter, recipient) -> a complete message.

The expensive part, Jinja2 and Premailer, runs once per (session, kind, version) and
yields a `Letter` whose only personal parts are two markers. `personalize` fills those
in for each recipient by plain string substitution: nothing that came from the plan or
from a member is ever evaluated as a template, and every value is escaped for HTML.
"""

from __future__ import annotations

import binascii
import html
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from mailer import german, headers, richtext, salutation
from mailer.conference import button_label, link_label
from mailer.errors import MailerError
from mailer.headers import WirePolicy
from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, KINDS, NEWSLETTER, RECAP, REMINDER, UPDATE
from mailer.plan import Plan, Session
from mailer.salutation import Person
from mailer.store import member_ref
from mailer.text import one_line
from mailer.updates import changes, update_subject

GREETING = "__MAILER_GREETING__"
UNSUBSCRIBE = "__MAILER_UNSUBSCRIBE__"
ATTENDEE = "__MAILER_ATTENDEE__"  # the invitation's ATTENDEE line: the member it is for
MEMBER = "__MAILER_MEMBER__"  # the member's part of a web link (store.member_ref)
_PERSONAL = re.compile(f"{GREETING}|{UNSUBSCRIBE}|{ATTENDEE}|{MEMBER}")
UNSUBSCRIBE_WORD = "abmelden"
# CRLF as on the wire, every field written by mailer.headers (RFC 5322 folding, RFC 2047
# encoded words; Message-IDs and links whole on one line): the one policy for the tick's
# wire template, the preview .eml, send-test and the digest.
WIRE_POLICY = WirePolicy(linesep="\r\n")
TEMPLATE_NAMES = [
    f"{kind}.{ext}"
    for kind in (*KINDS, RECAP, NEWSLETTER, "thanks", "digest", "goodbye", "confirm")
    for ext in ("html", "txt")
]
# What a web version says it is ("Das ist die Web-Fassung einer Erinnerung ...").
WEB_VERSION_OF = {
    ANNOUNCEMENT: "einer Einladung",
    UPDATE: "einer Änderung",
    REMINDER: "einer Erinnerung",
    CANCELLATION: "einer Absage",
    RECAP: "eines Rückblicks",
    NEWSLETTER: "eines Rundbriefs",
}
# RFC 8058 3.1: the POST body a mail client sends for a one-click unsubscribe.
ONE_CLICK = "List-Unsubscribe=One-Click"


class TemplateProblem(MailerError):
    pass


@dataclass(frozen=True)
class Letter:
    """One mail of one session, rendered and inlined, waiting for its recipient."""

    kind: str
    session_key: str
    sequence: int
    subject: str
    html: str
    text: str
    calendar: bytes | None
    calendar_method: str | None


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    token: str
    first_name: str | None = None
    last_name: str | None = None
    salutation: str | None = None
    subscriber_id: int | None = None

    @property
    def ref(self) -> str:
        """The member's part of a web link; a bare token for a recipient with no id."""
        if self.subscriber_id is None:
            return self.token
        return member_ref(self.subscriber_id, self.token)

    @property
    def person(self) -> Person:
        return Person(
            name=self.name,
            first_name=self.first_name,
            last_name=self.last_name,
            salutation=self.salutation,
        )


def unsubscribe_url(plan: Plan, token: str) -> str:
    subject = quote(f"{UNSUBSCRIBE_WORD} {token}")
    return f"mailto:{plan.sender.reply_to}?subject={subject}"


def web_unsubscribe_url(plan: Plan, ref: str) -> str | None:
    """The https unsubscribe page (and RFC 8058 one-click target) of one member, or None
    without web.base_url."""
    if plan.web.base_url is None:
        return None
    return f"{plan.web.base_url}/abmelden/{ref}"


def message_id(key: str, domain: str) -> str:
    """The Message-ID of one of our mails, from its outbox key: the same key, the same ID."""
    return f"<{key.replace('/', '.')}@{domain}>"


def greeting(plan: Plan, recipient: Recipient) -> str:
    """The recipient greeted in the series' form (see salutation.py)."""
    return salutation.greeting(plan.series.salutation, recipient.person)


def template_environment(override: Path | None) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(str(override))] if override and override.is_dir() else []
    loaders.append(PackageLoader("mailer", "templates/email"))
    # The sandbox: the organizer's templates reach the values they are given, never Python.
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


class Renderer:
    """Renders letters for one plan at one moment, each at most once."""

    def __init__(self, plan: Plan, templates: Path | None, now: datetime):
        self.plan = plan
        self.now = now
        self.env = template_environment(templates)
        self._letters: dict[tuple, Letter] = {}
        self._wires: dict[tuple, WireTemplate] = {}
        logging.getLogger("CSSUTILS").setLevel(logging.CRITICAL)

    def letter(
        self,
        session: Session,
        kind: str,
        sequence: int,
        told: tuple[int, str | None] | None = None,
    ) -> Letter:
        """One mail of the session. `told`, for an update: the SEQUENCE and content of the
        version the member was sent before, so the mail can name what changed."""
        recap = session.recap if kind == RECAP else None
        key = (session.key, session.version, kind, sequence, told[0] if told else None, recap)
        if key not in self._letters:
            self._letters[key] = self._render(session, kind, sequence, told)
        return self._letters[key]

    def wire(
        self, letter: Letter, *, replies: bool = False, auto_submitted: str = "auto-generated"
    ) -> WireTemplate:
        """The letter's wire template, built once per letter."""
        key = (id(letter), replies, auto_submitted)
        if key not in self._wires:
            self._wires[key] = WireTemplate(
                self.plan, letter, self.now, replies=replies, auto_submitted=auto_submitted
            )
        return self._wires[key]

    def reply_letter(self, kind: str, subject: str, extra: dict, cache_key: str) -> Letter:
        """A mail that is not about one session (thank-you, digest); rendered once per key."""
        key = (kind, cache_key)
        if key not in self._letters:
            context = {**self._base_context(), "subject": subject, "kind": kind, **extra}
            page, text = self._pages(kind, context)
            self._letters[key] = Letter(kind, "", 0, one_line(subject), page, text, None, None)
        return self._letters[key]

    def newsletter(
        self,
        subject: str,
        body: str,
        *,
        preheader: str | None,
        greeting: bool,
        browser_url: str | None,
    ) -> tuple[Letter, str]:
        """A one-off newsletter from its Markdown `body`: the letter for the members, and
        its web version (no member's data in it, no member's links)."""
        context = {
            **self._base_context(),
            "subject": subject,
            "kind": NEWSLETTER,
            "body_html": Markup(richtext.to_html(body)),
            "body_text": richtext.to_text(body),
            "show_greeting": greeting,
            "preheader": one_line(preheader or richtext.first_words(body)),
            "browser_url": browser_url,
        }
        page, text = self._pages(NEWSLETTER, context)
        letter = Letter(NEWSLETTER, "", 0, one_line(subject), page, text, None, None)
        return letter, self._public(NEWSLETTER, context)

    def public_page(self, session: Session, kind: str) -> str:
        """The web version of a session mail ("im Browser ansehen"): the same page with
        nobody's data in it, no join link (the meeting stays among members) and no
        member's links."""
        return self._public(kind, {**self._context(session, kind, None), "rsvp_url": None})

    def _public(self, kind: str, context: dict) -> str:
        """The HTML of a mail as its web version shows it: the neutral greeting, no
        member's links."""
        greeting = salutation.greeting(self.plan.series.salutation, Person())
        public = {**context, "public": True, "browser_url": None, "greeting": greeting,
                  "what_it_is": WEB_VERSION_OF[kind]}  # fmt: skip
        return self._pages(kind, public, text=False)[0]

    def _pages(self, kind: str, context: dict, *, text: bool = True) -> tuple[str, str]:
        """The HTML (CSS inlined, network off) and the text of one kind of mail."""
        from mailer.inline import inline_css  # Premailer: loaded when a mail is rendered

        try:
            page = self.env.get_template(f"{kind}.html").render(context)
            plain = self.env.get_template(f"{kind}.txt").render(context) if text else ""
        except TemplateError as error:
            raise template_problem(error) from None
        return inline_css(page), plain

    def _base_context(self) -> dict:
        series = self.plan.series
        web = self.plan.web.base_url
        return {
            "series": series,
            "series_genitive": series.name_genitive,
            "formal": salutation.formal(series.salutation),
            "reply_to": self.plan.sender.reply_to,
            "imprint": self.plan.sender.imprint,
            "greeting": GREETING,
            "unsubscribe_url": web_unsubscribe_url(self.plan, MEMBER) or UNSUBSCRIBE,
            "web_url": web,
            "member": MEMBER,
            "browser_url": None,
            "public": False,
            "preheader": "",
        }

    def _render(
        self, session: Session, kind: str, sequence: int, told: tuple[int, str | None] | None
    ) -> Letter:
        context = self._context(session, kind, told)
        inlined, text = self._pages(kind, context)
        calendar, method = None, None
        from mailer.invite import invitation

        if kind in (ANNOUNCEMENT, UPDATE, CANCELLATION):
            method = "CANCEL" if kind == CANCELLATION else "REQUEST"
            calendar = invitation(
                self.plan,
                session,
                sequence,
                self.now,
                cancel=kind == CANCELLATION,
                attendee=ATTENDEE,
            )
        return Letter(
            kind=kind,
            session_key=session.key,
            sequence=sequence,
            subject=one_line(context["subject"]),
            html=inlined,
            text=text,
            calendar=calendar,
            calendar_method=method,
        )

    def _context(self, session: Session, kind: str, told: tuple[int, str | None] | None) -> dict:
        """What the templates of one session mail get. Words like "heute" or "in einer
        Stunde" are counted from the moment the mail leaves (`now`), in the series' zone:
        a reminder that goes out late says what is true when it is read."""
        series = self.plan.series
        sent = self.plan.local(self.now)
        when = f"{german.long_datetime(session.start)} bis {german.clock(session.end)}"
        if session.end.date() != session.start.date():
            when = f"{german.long_datetime(session.start)} bis {german.long_datetime(session.end)}"
        date_words = german.short_date(session.date)
        day_words = german.day_words(sent, session.start)
        soon = german.soon_words(sent, session.start)
        topic = f": {session.topic}" if session.topic else ""
        found = changes(told[1] if told else None, session) if kind == UPDATE else []
        soon_part = f" ({soon})" if soon else ""
        recap = (session.recap or "") if kind == RECAP else ""
        subjects = {
            ANNOUNCEMENT: f"{series.name} am {date_words}{topic or ': Offener Austausch'}",
            REMINDER: f"Erinnerung: {series.name} {day_words} um {german.clock(session.start)}"
            + soon_part
            + (f" – {session.topic}" if session.topic else ""),
            UPDATE: update_subject(series.name, session, found),
            CANCELLATION: f"Abgesagt: {series.name} am {date_words}{topic}",
            RECAP: f"Rückblick: {series.name} am {date_words}"
            + (f" – {session.topic}" if session.topic else ""),
        }
        guests = ", ".join(guest.name for guest in session.guests)
        preheaders = {
            ANNOUNCEMENT: f"{german.long_datetime(session.start)}"
            + (f" · Zu Gast: {guests}" if guests else "")
            + " · Die Einladung für den Kalender hängt an.",
            REMINDER: f"{day_words.capitalize()} um {german.clock(session.start)}{soon_part}:"
            f" {button_label(session.join_url)} – der Link steht in dieser Mail.",
            UPDATE: " · ".join(f"{c.label}: jetzt {c.after}" for c in found if c.before)
            or f"Der Termin am {date_words} hat sich geändert.",
            CANCELLATION: f"Der Termin am {german.long_date(session.date)} entfällt.",
            RECAP: richtext.first_words(recap) if recap else "",
        }
        planned_after = [
            {"when": german.long_datetime(s.start), "topic": s.topic}
            for s in self.plan.planned_after(session)
        ]
        web = self.plan.web.base_url
        return {
            **self._base_context(),
            "browser_url": f"{web}/brief/{session.key}/{kind}" if web else None,
            "rsvp_url": f"{web}/zusage/{MEMBER}/{session.key}" if web else None,
            "session": session,
            "kind": kind,
            "subject": subjects[kind],
            "headline": _headline(series.name, session, found),
            "preheader": one_line(preheaders[kind]),
            "when": when,
            "near": german.near_words(sent, session.start),
            "date_words": date_words,
            "day_words": day_words,
            "soon": soon,
            "clock": german.clock(session.start),
            "changes": found,
            "join_button": button_label(session.join_url),
            "link_label": link_label(session.join_url),
            "planned_after": planned_after,
            "upcoming_title": "Die nächsten Termine" if kind == CANCELLATION else "Schon geplant",
            "recap_html": Markup(richtext.to_html(recap)),
            "recap_text": richtext.to_text(recap),
        }


def _headline(series_name: str, session: Session, found: list) -> str:
    """The update's heading: what changed, or the session's topic."""
    fields = {change.field for change in found}
    if "date" in fields:
        return f"Neuer Termin: {german.long_date(session.date)}"
    if "time" in fields:
        return f"Neue Uhrzeit: {german.time_span(session.start, session.end)}"
    if "topic" in fields and session.topic:
        return f"Neues Thema: {session.topic}"
    return f"Geändert: {session.topic or series_name}"


def template_problem(error: TemplateError) -> TemplateProblem:
    if isinstance(error, TemplateSyntaxError):
        where = f"templates/email/{error.name or '?'}:{error.lineno}"
        return TemplateProblem(f"{where}: {error.message}")
    return TemplateProblem(f"templates/email: {error}")


def check_templates(renderer: Renderer, session: Session) -> None:
    """Compile every template and render every kind once; raise the first problem."""
    for name in TEMPLATE_NAMES:
        try:
            renderer.env.get_template(name)
        except TemplateError as error:
            raise template_problem(error) from None
    for kind in KINDS:
        renderer.letter(session, kind, 0, told=(0, session.content) if kind == UPDATE else None)
    sample = "Danke fürs Dabeisein!\n\n- [Folien](https://example.org/folien.pdf)\n"
    renderer.letter(replace(session, recap=session.recap or sample), RECAP, 0)
    renderer.newsletter("Beispiel", sample, preheader=None, greeting=True, browser_url=None)


def personalize(
    plan: Plan,
    letter: Letter,
    recipient: Recipient,
    message_id: str,
    sent_at: datetime,
    references: str | None = None,
    auto_submitted: str = "auto-generated",
) -> EmailMessage:
    """The complete message for one recipient: headers, text, HTML and the invitation."""
    from mailer.invite import attendee_line

    link = unsubscribe_url(plan, recipient.token)
    hello = greeting(plan, recipient)
    calendar = None
    if letter.calendar is not None:
        attendee = attendee_line(recipient.name, recipient.email)
        calendar = _fill(letter.calendar.decode("utf-8"), {ATTENDEE: attendee})
    plain = {GREETING: hello, UNSUBSCRIBE: link, MEMBER: recipient.ref}
    return _assemble(
        plan,
        letter,
        to=Address(display_name=one_line(recipient.name or ""), addr_spec=recipient.email),
        text=_fill(letter.text, plain),
        page=_fill(letter.html, {key: html.escape(value) for key, value in plain.items()}),
        calendar=calendar,
        link=link,
        web_link=web_unsubscribe_url(plan, recipient.ref),
        message_id=message_id,
        sent_at=sent_at,
        references=references,
        auto_submitted=auto_submitted,
    )


def _assemble(
    plan: Plan,
    letter: Letter,
    *,
    to: Address | str,
    text: str,
    page: str,
    calendar: str | None,
    link: str,
    web_link: str | None,
    message_id: str,
    sent_at: datetime,
    references: str | None,
    auto_submitted: str,
) -> EmailMessage:
    message = _addressed(plan, to, letter.subject, message_id, sent_at)
    if references:
        message["In-Reply-To"] = references
        message["References"] = references
    message["Reply-To"] = plan.sender.reply_to
    message["List-Id"] = (
        f'"{one_line(plan.series.name).replace(chr(34), "")}" <{plan.sender.list_id}>'
    )
    if web_link is None:
        message["List-Unsubscribe"] = f"<{link}>"
    else:
        # RFC 8058: the https link first (mail clients unsubscribe with one POST to it),
        # the mailto for those that only write mail.
        message["List-Unsubscribe"] = f"<{web_link}>, <{link}>"
        message["List-Unsubscribe-Post"] = ONE_CLICK
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    message["Precedence"] = "bulk"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(page, subtype="html", cte="quoted-printable")
    if calendar is not None:
        # As Gmail sends invitations: the calendar as the last alternative (where Outlook
        # looks for it to offer Accept and Decline; RFC 6047 2.4: text/calendar with the
        # method), and again as a file for clients that want one.
        method = {"method": letter.calendar_method}
        message.add_alternative(calendar, subtype="calendar", params=method, cte="quoted-printable")
        message.add_attachment(
            calendar, subtype="calendar", filename="einladung.ics", params=method,
            cte="quoted-printable",
        )  # fmt: skip
    return message


def _addressed(
    plan: Plan, to: Address | str, subject: str, message_id: str, sent_at: datetime
) -> EmailMessage:
    """The headers every mail of ours starts with."""
    message = EmailMessage(policy=WIRE_POLICY)  # fields are kept as given (headers._Given)
    message["From"] = plan.sender.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id
    return message


class WireTemplate:
    """The bytes of one letter as it leaves, with holes for what differs per recipient.

    `personalize` builds an EmailMessage per recipient: correct, and about 5 ms each. This
    builds that same message once, with marker values, serialises it once, and cuts it
    into constant pieces and holes: the To header, the Message-ID, the token, References,
    and the few body lines with a greeting or a link. Per recipient only the holes are
    made (those body lines quoted-printable encoded by binascii in C) and the pieces are
    joined. The result is the message `personalize` would make, byte for byte in
    everything but the MIME boundaries.
    """

    def __init__(
        self, plan: Plan, letter: Letter, sent_at: datetime, *, replies: bool, auto_submitted: str
    ):
        nonce = secrets.token_hex(8)
        marks = {
            f"to{nonce}@marker.invalid".encode(): _TO,
            f"<id{nonce}@marker.invalid>".encode(): _ID,
            f"<ref{nonce}@marker.invalid>".encode(): _REF,
            f"TOKEN{nonce}".encode(): _TOKEN,
            f"MEMBER{nonce}".encode(): _REF_HOLE,
            f"TEXT{nonce}".encode(): _TEXT,
            f"HTML{nonce}".encode(): _HTML,
            f"CALENDAR{nonce}".encode(): _CALENDAR,
        }
        mark_of = {hole: mark.decode() for mark, hole in marks.items()}
        skeleton = _assemble(
            plan,
            letter,
            to=mark_of[_TO],
            text=mark_of[_TEXT],
            page=mark_of[_HTML],
            calendar=mark_of[_CALENDAR] if letter.calendar is not None else None,
            link=unsubscribe_url(plan, mark_of[_TOKEN]),
            web_link=web_unsubscribe_url(plan, mark_of[_REF_HOLE]),
            message_id=mark_of[_ID],
            sent_at=sent_at,
            references=mark_of[_REF] if replies else None,
            auto_submitted=auto_submitted,
        )
        wire = skeleton.as_bytes(policy=WIRE_POLICY)
        for mark, hole in marks.items():
            if hole in (_TO, _ID, _TEXT, _HTML) and wire.count(mark) != 1:
                raise AssertionError(f"marker {mark!r} not exactly once in the skeleton")
        from mailer.invite import attendee_line  # icalendar is loaded by now: letters had it

        self._attendee = attendee_line if letter.calendar is not None else None
        self._form = plan.series.salutation
        self.link_prefix = unsubscribe_url(plan, "")
        self._pieces: list[bytes] = []
        # (index in pieces, a header hole, or a body line: its parts, its markers, escaped?)
        self._holes: list[tuple[int, str | tuple[list[str], list[tuple[int, str]], bool]]] = []
        position = 0
        for found in re.finditer(b"|".join(re.escape(mark) for mark in marks), wire):
            self._constant(wire[position : found.start()])
            hole = marks[found.group()]
            if hole == _TEXT:
                self._body(letter.text, escaped=False)
            elif hole == _HTML:
                self._body(letter.html, escaped=True)
            elif hole == _CALENDAR:
                self._body((letter.calendar or b"").decode("utf-8"), escaped=False)
            else:
                self._hole(hole)
            position = found.end()
        self._constant(wire[position:])

    def _constant(self, data: bytes) -> None:
        last_is_hole = bool(self._holes) and self._holes[-1][0] == len(self._pieces) - 1
        if self._pieces and not last_is_hole:
            self._pieces[-1] += data
        else:
            self._pieces.append(data)

    def _hole(self, hole: str | tuple[list[str], list[tuple[int, str]], bool]) -> None:
        self._holes.append((len(self._pieces), hole))
        self._pieces.append(b"")

    def _body(self, text: str, *, escaped: bool) -> None:
        """Quoted-printable encodes each line on its own: all but the personal ones, now."""
        lines = text.replace("\r\n", "\n").split("\n")
        if text.endswith("\n"):
            lines.pop()  # the skeleton already ends the part with set_content()'s line break
        for index, line in enumerate(lines):
            line += "" if index == len(lines) - 1 else "\r\n"
            if _PERSONAL.search(line):
                parts = _PERSONAL_PARTS.split(line)  # text, marker, text, ...
                self._hole((parts, [(at, parts[at]) for at in range(1, len(parts), 2)], escaped))
            else:
                self._constant(_quoted_printable(line))

    def fill(self, recipient: Recipient, message_id: str, references: str | None = None) -> bytes:
        token = recipient.token
        link = self.link_prefix + (token if _URL_SAFE.fullmatch(token) else quote(token))
        hello = salutation.greeting(self._form, recipient.person)
        ref = recipient.ref
        plain = {GREETING: hello, UNSUBSCRIBE: link, MEMBER: ref}
        if self._attendee is not None:
            plain[ATTENDEE] = self._attendee(recipient.name, recipient.email)
        lines = {
            False: plain,
            True: {GREETING: html.escape(hello), UNSUBSCRIBE: html.escape(link), MEMBER: ref},
        }
        values = {
            _TO: headers.address("To", one_line(recipient.name or ""), recipient.email).encode(),
            _ID: message_id.encode("ascii"),
            _TOKEN: token.encode("ascii"),
            _REF_HOLE: ref.encode("ascii"),
            _REF: (references or "").encode("ascii"),
        }
        pieces = self._pieces.copy()
        for index, hole in self._holes:
            if isinstance(hole, str):
                pieces[index] = values[hole]
                continue
            parts, markers, escaped = hole
            line = parts.copy()
            filled = lines[escaped]
            for at, marker in markers:
                line[at] = filled[marker]
            pieces[index] = _quoted_printable("".join(line))
        return b"".join(pieces)


_TO, _ID, _REF, _TOKEN, _TEXT, _HTML = "to", "id", "references", "token", "text", "html"
_CALENDAR = "calendar"
_REF_HOLE = "member"
_PERSONAL_PARTS = re.compile(f"({GREETING}|{UNSUBSCRIBE}|{ATTENDEE}|{MEMBER})")
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote() leaves as it is


def _quoted_printable(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)


def organizer_message(
    plan: Plan, letter: Letter, to: str, message_id: str, sent_at: datetime
) -> EmailMessage:
    """A mail to the organizer (the digest): no list headers, nothing to unsubscribe from."""
    message = _addressed(plan, to, letter.subject, message_id, sent_at)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text, cte="quoted-printable")
    message.add_alternative(letter.html, subtype="html", cte="quoted-printable")
    return message


def _fill(template: str, values: dict[str, str]) -> str:
    """One pass, so a value that happens to contain a marker is never filled in again."""
    return _PERSONAL.sub(lambda match: values[match.group(0)], template)
