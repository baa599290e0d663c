"""Deciding what an inbound mail is, and reading what a person wrote."""

from __future__ import annotations

import importlib.util
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.inbound import mailtext
from mailer.inbound.classify import Unreadable, classify, classify_bytes, parse
from mailer.inbound.mailparts import header
from mailer.inbound.record import our_message
from mailer.outbound.outbox import OutboxKey
from tests.conftest import CORPUS, needs_corpus, person_mail
from tests.testdata.own_words import IDEAS, LEAVE, LONG_WITH_A_REQUEST

ROOT = Path(__file__).resolve().parents[1]


def load_bench():
    spec = importlib.util.spec_from_file_location("corpus_bench", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


BENCH = load_bench()
LABELS = BENCH.labels()


def test_every_kind_of_inbound_mail_is_labelled() -> None:
    kinds = {label.kind for label in LABELS}
    assert {"bounce", "auto_reply", "complaint"} <= kinds
    assert sum(label.kind == "bounce" for label in LABELS) >= 300


@needs_corpus
def test_every_labelled_file_is_in_the_corpus() -> None:
    assert {label.file for label in LABELS} <= {path.name for path in CORPUS.glob("*.eml")}


@needs_corpus
@pytest.mark.parametrize("label", LABELS, ids=[label.file for label in LABELS])
def test_corpus_message_is_recognised(label) -> None:
    """One case per labelled real message: a single regression fails a single row."""
    verdict = classify_bytes((CORPUS / label.file).read_bytes())
    found = set(verdict.addresses)
    assert BENCH.judge(label, verdict.kind, found), (verdict.kind, sorted(found), verdict.reason)


def human(
    subject: str, body: str, *, sender: str = "Anna Schmidt <anna@example.org>", **options
) -> EmailMessage:
    return person_mail(sender, subject, body, **options)


PEOPLE = [
    human(
        "Re: Digital-Impuls am 7. September: Kommunale Wärmeplanung",
        "Hallo,\n\nwie wäre es mit dem Thema Glasfaserausbau?\n\nViele Grüße\nAnna",
    ),
    human(
        "Mail konnte nicht zugestellt werden?",
        "Hallo, eure letzte Mail wurde bei mir als unzustellbar angezeigt, Undelivered Mail Returned to Sender. Könnt ihr das prüfen?",
    ),
    human(
        "Fwd: Undelivered Mail Returned to Sender",
        "Das kam bei mir zurück:\n\n---------- Forwarded message ---------\nFrom: Mail Delivery System <MAILER-DAEMON@example.net>\n550 5.1.1 user unknown",
    ),
    human(
        "Delivery Status Notification (Failure) – Thema Ausfallsicherheit",
        "Wir könnten über Delivery Status und Ausfallsicherheit der Verwaltungs-IT reden.",
    ),
    human(
        "Urlaubsplanung in der Verwaltung",
        "Ein Thema: wie organisieren kleine Rathäuser Urlaubsvertretungen?",
        sender="Bürgermeister <postfach@gemeinde.example.de>",
    ),
    human(
        "Themenvorschlag",
        "Hallo zusammen,\nKI im Bürgerbüro wäre spannend.",
        sender="postmaster@kleinstadt.example.de",
    ),
]


@pytest.mark.parametrize("message", PEOPLE, ids=[m["Subject"] for m in PEOPLE])
def test_mail_written_by_a_person_is_never_a_bounce(message: EmailMessage) -> None:
    verdict = classify(message)
    assert verdict.kind == "suggestion", verdict


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Re: Digital-Impuls"),
        ({"X_Autoreply": "yes"}, "Re: Digital-Impuls"),
        ({"X_Autorespond": "yes"}, "Re: Digital-Impuls"),
        ({"X_Auto_Response_Suppress": "All"}, "Re: Digital-Impuls"),
        ({"Precedence": "auto_reply"}, "Re: Digital-Impuls"),
        ({"Precedence": "bulk"}, "Re: Digital-Impuls"),
        ({"Return_Path": "<>"}, "Re: Digital-Impuls"),
        ({}, "Abwesenheitsnotiz: Digital-Impuls am 7. September"),
        ({}, "Automatische Antwort: Digital-Impuls"),
        ({}, "Out of Office: Digital-Impuls"),
    ],
)
def test_automatic_replies(headers: dict[str, str], subject: str) -> None:
    message = human(subject, "Ich bin bis zum 15. September nicht im Büro.", **headers)
    assert classify(message).kind == "auto_reply"


def test_unsubscribe_by_token_by_word_and_not_by_a_sentence() -> None:
    token = classify(human("abmelden 3q2-WdXs_Fv8kPzYt1a9bQ", ""))
    assert (token.kind, token.token) == ("unsubscribe", "3q2-WdXs_Fv8kPzYt1a9bQ")
    assert token.addresses == ("anna@example.org",)
    assert (
        classify(
            human(
                "Re: Digital-Impuls", "abmelden\n\n> Am 24.08.2023 schrieb Digital-Impuls:\n> ..."
            )
        ).kind
        == "unsubscribe"
    )
    assert classify(human("Unsubscribe", "")).kind == "unsubscribe"
    sentence = human(
        "Re: Digital-Impuls",
        "Wie kann man sich eigentlich abmelden, falls man mal keine Zeit hat? Und ein Thema: Vereinsförderung.",
    )
    assert classify(sentence).kind == "suggestion"


def test_new_text_drops_quotes_outlook_blocks_and_signatures() -> None:
    text = (
        "Hallo Team,\n\nwie wäre es mit Bürgerbeteiligung online?\n\n-- \nAnna Schmidt\nBürgermeisterin\n\n"
        "Am Do., 24. Aug. 2023 um 16:00 Uhr schrieb Digital-Impuls <impuls@example.org>:\n> Hallo Anna,\n> ..."
    )
    assert mailtext.new_text(text) == "Hallo Team,\n\nwie wäre es mit Bürgerbeteiligung online?"
    outlook = (
        "Gern: Thema Katastrophenschutz.\n\nVon: Digital-Impuls <impuls@example.org>\nGesendet: Donnerstag, 24. August 2023 16:00\n"
        "An: Anna\nBetreff: Digital-Impuls am 7. September\n\nHallo Anna, ..."
    )
    assert mailtext.new_text(outlook) == "Gern: Thema Katastrophenschutz."
    english = "Topic idea: open data.\n\nOn Thu, Aug 24, 2023 at 4:00 PM Digital-Impuls <impuls@example.org> wrote:\n> Hallo"
    assert mailtext.new_text(english) == "Topic idea: open data."
    original = "Idee: Fördermittel.\n\n-----Ursprüngliche Nachricht-----\nVon: x"
    assert mailtext.new_text(original) == "Idee: Fördermittel."
    assert mailtext.new_text("Thema Radwege\n\nGesendet von meinem iPhone") == "Thema Radwege"


def test_charsets_encodings_html_and_rfc2047_subjects() -> None:
    latin = human("Vorschlag", "Straßenbeleuchtung und Gebühren", charset="iso-8859-1")
    raw = latin.as_bytes()
    assert b"Stra\xdfenbeleuchtung" in raw or b"=DF" in raw
    assert mailtext.body_text(parse(raw)).strip() == "Straßenbeleuchtung und Gebühren"
    windows = (
        b"From: a@example.org\r\nSubject: =?windows-1252?Q?Vorschl=E4ge_f=FCr_2024?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Gr=FC=DFe =96 und =84Anf=FChrungszeichen=93\r\n"
    )
    message = parse(windows)
    assert header(message, "Subject") == "Vorschläge für 2024"  # RFC 2047, windows-1252
    assert mailtext.body_text(message).strip() == "Grüße – und „Anführungszeichen“"
    html_only = (
        b"From: a@example.org\r\nSubject: Idee\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(
            "<html><body><p>Thema: <b>Wärmenetze</b></p><blockquote>Am Do schrieb X: alt</blockquote><script>x()</script></body></html>".encode()
        )
    )
    text = mailtext.new_text(mailtext.body_text(parse(html_only)))
    assert text == "Thema: Wärmenetze"


def test_attachment_names_not_contents() -> None:
    message = human("Konzept", "Anbei unser Konzept.")
    message.add_attachment(
        b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="Wärmeplan Entwurf.pdf"
    )
    assert mailtext.attachment_names(parse(message.as_bytes())) == ["Wärmeplan Entwurf.pdf"]


def test_the_session_a_reply_answers_is_found_from_our_signed_message_id() -> None:
    list_id, secret = "digital-impuls.example.org", b"k" * 32
    ours = OutboxKey.scheduled("2023-09-07", "announcement").to(42).message_id(list_id, secret)
    reply = human("Re: Digital-Impuls", "Idee", In_Reply_To=ours)
    found = our_message(reply, list_id, secret)
    assert (found.session_key, found.subscriber_id) == ("2023-09-07", 42)
    assert our_message(human("x", "y", References=f"<a@b> {ours}"), list_id, secret) == found
    # Guessed from the visible pattern, signed with another secret, or another list's:
    for forged in (
        "<2023-09-07.announcement.42@digital-impuls.example.org>",
        OutboxKey.scheduled("2023-09-07", "announcement").to(42).message_id(list_id, b"x" * 32),
        ours.replace(".42.", ".43."),
        ours.replace(list_id, "evil.example"),
    ):
        assert our_message(human("x", "y", In_Reply_To=forged), list_id, secret) is None


BAD = {
    "no boundary": b"From: a@example.org\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\n--zzz\r\nhello\r\n",
    "unknown charset": b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff\xfe\r\n",
    "8-bit garbage in headers": b"From: \xff\xfe\xfa <\xff@exa\x00mple.org>\r\nSubject: \x80\x81\x82 =?utf-8?B?////?=\r\n\r\nbody\r\n",
    "thousands of headers": b"".join(b"X-Junk-%d: %s\r\n" % (i, b"y" * 50) for i in range(5000))
    + b"From: a@example.org\r\n\r\nbody\r\n",
    "deep nesting": b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(400)
    )
    + b"Content-Type: text/plain\r\n\r\ndeep\r\n",
    "10 MB attachment": b"From: a@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
    b"--zz\r\nContent-Type: text/plain\r\n\r\nIdee: siehe Anhang\r\n--zz\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + (b"QUJDRA==\r\n" * 1_300_000)
    + b"--zz--\r\n",
    "empty": b"",
    "NUL in a charset name": b"From: a@example.org\r\nSubject: x\r\n"
    b'Content-Type: text/plain; charset="utf\x00-8"\r\n\r\nhallo\r\n',
    "100,000 parts": b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(100_000))
    + b"--b--\r\n",
    "600 nested parts": b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    + b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n\n--n%d\r\n' % (i, i)
        for i in range(600)
    )
    + b"Content-Type: text/plain\r\n\r\ndeep\r\n",
}


# What each one is: a person's broken mail is still a person's mail; what has no headers
# to read, or more than anyone writes, is refused (quarantine).
BAD_OUTCOME = {
    "no boundary": "suggestion",
    "unknown charset": "suggestion",
    "8-bit garbage in headers": "suggestion",
    "thousands of headers": "unreadable: more than 2000 headers",
    "deep nesting": "suggestion",
    "10 MB attachment": "suggestion",
    "empty": "unreadable: no headers",
    "NUL in a charset name": "suggestion",
    "100,000 parts": "unreadable: more than 500 MIME parts",
    "600 nested parts": "unreadable: more than 500 MIME parts",
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_parsed_or_refused_in_bounded_time(name: str) -> None:
    started = time.monotonic()
    try:
        outcome = classify_bytes(BAD[name]).kind
    except Unreadable as problem:
        outcome = f"unreadable: {problem}"
    assert time.monotonic() - started < 5
    assert outcome == BAD_OUTCOME[name]


ABSENT = [
    "Vielen Dank für Ihre Nachricht. Ich bin bis zum 4. September nicht im Büro und lese"
    " meine E-Mails nur eingeschränkt. In dringenden Fällen: 0123 456789.",
    "Ich befinde mich vom 21.08. bis 01.09. im Urlaub. Ihre Mail wird nicht weitergeleitet.",
    "Thank you for your message. I am out of the office until 4 September.",
]
NOT_ABSENT = [
    "Wie organisieren kleine Rathäuser die Vertretung, wenn die Bürgermeisterin im Urlaub ist?",
    "Ich bin bis jetzt nicht dazu gekommen, aber ein Thema wäre: Urlaubsplanung im Bauhof.",
    "Ich bin dabei! Und als Thema: wer ist erreichbar, wenn der Bürgermeister abwesend ist?",
]


@pytest.mark.parametrize("text", ABSENT)
def test_an_out_of_office_without_any_telling_header_is_an_auto_reply(text: str) -> None:
    reply = human("Re: Digital-Impuls am 7. September: Kommunale Wärmeplanung", text)
    assert classify(reply).kind == "auto_reply"


@pytest.mark.parametrize("text", NOT_ABSENT)
def test_an_idea_about_absence_is_still_an_idea(text: str) -> None:
    reply = human("Re: Digital-Impuls am 7. September: Kommunale Wärmeplanung", text)
    assert classify(reply).kind == "suggestion"


def machine(subject: str, body: str, sender: str = "MAILER-DAEMON@mx.example.net",
            content_type: str | None = None, **headers: str) -> EmailMessage:  # fmt: skip
    message = person_mail(sender, subject, body, **headers)
    if content_type:
        message.replace_header("Content-Type", content_type)
    return message


NOTICES = {
    "delivery success (RFC 3464)": machine(
        "Successful Mail Delivery Report",
        "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; anna@example.org\n"
        "Action: delivered\nStatus: 2.0.0\n",
    ),
    "read receipt (RFC 8098)": machine(
        "Gelesen: Digital-Impuls am 7. September", "Ihre Nachricht wurde gelesen.",
        sender="Anna Schmidt <anna@example.org>",
        content_type='multipart/report; report-type=disposition-notification; boundary="x"',
    ),
    "loop alert": machine("Mail loop detected", "A message to the list looped and was stopped.",
                          sender="mailman@lists.example.org", Auto_Submitted="auto-generated"),
    "postmaster transcript": machine(
        "Postmaster notify: see transcript for details", "Transcript of session follows.\n",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", NOTICES)
def test_machine_mail_that_is_no_bounce_is_a_notice(name: str) -> None:
    assert classify(NOTICES[name]).kind == "notice"


@needs_corpus
def test_an_ses_delivery_note_from_the_corpus_is_a_notice() -> None:
    assert classify_bytes((CORPUS / "lhost-amazonses-12.eml").read_bytes()).kind == "notice"


@pytest.mark.parametrize("text", LEAVE)
def test_a_request_to_leave_in_own_words_is_an_unsubscribe(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "unsubscribe", verdict.reason


@pytest.mark.parametrize("text", IDEAS)
def test_an_idea_that_uses_the_same_words_stays_an_idea(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "suggestion", verdict.reason


def test_a_long_mail_that_also_asks_to_leave_is_for_the_organizer_to_decide() -> None:
    text = LONG_WITH_A_REQUEST
    verdict = classify(human("Re: Digital-Impuls", text))
    assert verdict.kind == "unsure" and "nehmt mich dann aus eurem Verteiler" in verdict.reason


@pytest.mark.parametrize(
    ("sender", "text"),
    [
        (
            "postmaster@gemeinde.example",
            "Die Adresse anna@gemeinde.example wird nicht mehr verwendet. Bitte nutzen Sie "
            "buero@gemeinde.example.",
        ),
        ("anna@gemeinde.example", "Dieses Postfach wird nicht mehr genutzt."),
        ("anna@town.example", "This mailbox is no longer monitored. Please write to the office."),
    ],
)
def test_a_note_that_the_mailbox_is_no_longer_in_use_is_an_auto_reply(
    sender: str, text: str
) -> None:
    verdict = classify(human("Re: Digital-Impuls", text, sender=sender))
    assert verdict.kind == "auto_reply" and verdict.addresses == ()


def test_an_idea_about_old_addresses_stays_an_idea() -> None:
    text = "Thema: Wie gehen Kommunen mit E-Mail-Adressen um, die nicht mehr genutzt werden?"
    assert classify(human("Re: Digital-Impuls", text)).kind == "suggestion"
