"""Deciding what an inbound mail is, and reading what a person wrote."""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailer.inbound import mailtext
from mailer.inbound.classify import Unreadable, classify, classify_bytes, parse
from mailer.inbound.mailparts import header, sender
from mailer.inbound.record import our_message, record
from mailer.outbound.outbox import OutboxKey
from tests.conftest import CORPUS, needs_corpus, person_mail
from tests.testdata.own_words import IDEAS, LEAVE, LONG_WITH_A_REQUEST, NOT_LEAVING, OFFICE_ENDED
from tests.testdata.replies import ANNOUNCEMENT_SUBJECT, PROGRAMS, QUOTE_MARK, rows

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


# Issue 22 #1: which signs of an automatic reply decide alone, which only together (the
# table in mailer/inbound/autoreply.py). Each row: headers, subject, text, the kind.
IDEA = "Wie wäre es mit dem Thema Glasfaser im ländlichen Raum?"
ABSENT_SHORT = "Ich bin bis zum 15. September nicht im Büro."
AUTO_REPLY_SIGNS = [
    # alone
    ("auto-submitted-auto-replied", {"Auto_Submitted": "auto-replied"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("auto-submitted-auto-generated", {"Auto_Submitted": "auto-generated"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("x-autoreply", {"X_Autoreply": "yes"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("x-autorespond", {"X_Autorespond": "yes"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("x-autoresponder", {"X_Autoresponder": "1"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("apple-vacation", {"X_Apple_Action": "VACATION"}, "Re: Digital-Impuls", ABSENT_SHORT, "auto_reply"),
    ("precedence-auto-reply", {"Precedence": "auto_reply"}, "Re: Digital-Impuls", IDEA, "auto_reply"),
    ("program-words-thanks", {}, "Re: Digital-Impuls",
     "Vielen Dank für Ihre Nachricht. Ich bin bis zum 4. September nicht im Büro.", "auto_reply"),
    ("program-words-urgent", {}, "Re: Digital-Impuls",
     "Ich bin bis 4.9. im Urlaub. In dringenden Fällen wenden Sie sich an Frau Weber.", "auto_reply"),
    # together
    ("subject-and-opening-abwesenheitsnotiz", {}, "Abwesenheitsnotiz: Digital-Impuls am 7. September", ABSENT_SHORT, "auto_reply"),
    ("subject-and-opening-automatische-antwort", {}, "Automatische Antwort: Digital-Impuls", ABSENT_SHORT, "auto_reply"),
    ("subject-and-opening-out-of-office", {}, "Out of Office: Digital-Impuls", ABSENT_SHORT, "auto_reply"),
    ("precedence-bulk-and-opening", {"Precedence": "bulk"}, "Re: Digital-Impuls", ABSENT_SHORT, "auto_reply"),
    ("empty-return-path-and-opening", {"Return_Path": "<>"}, "Re: Digital-Impuls", ABSENT_SHORT, "auto_reply"),
    ("empty-return-path-and-subject", {"Return_Path": "<>"}, "Abwesend: Digital-Impuls", IDEA, "auto_reply"),
    # never alone: a person's mail carries them too
    ("suppress-all", {"X_Auto_Response_Suppress": "All"}, "AW: Digital-Impuls", IDEA, "suggestion"),
    ("suppress-none", {"X_Auto_Response_Suppress": "None"}, "AW: Digital-Impuls", IDEA, "suggestion"),
    ("suppress-dr-oof-autoreply", {"X_Auto_Response_Suppress": "DR, OOF, AutoReply"}, "AW: Digital-Impuls", IDEA, "suggestion"),
    ("suppress-and-opening", {"X_Auto_Response_Suppress": "All"}, "AW: Digital-Impuls", ABSENT_SHORT, "suggestion"),
    ("precedence-bulk-alone", {"Precedence": "bulk"}, "Re: Digital-Impuls", IDEA, "suggestion"),
    ("precedence-list-alone", {"Precedence": "list"}, "Re: Digital-Impuls", IDEA, "suggestion"),
    ("precedence-junk-alone", {"Precedence": "junk"}, "Re: Digital-Impuls", IDEA, "suggestion"),
    ("empty-return-path-alone", {"Return_Path": "<>"}, "Re: Digital-Impuls", IDEA, "suggestion"),
    ("subject-urlaub-alone", {}, "Urlaub: eine Idee für die Vertretung im Rathaus", IDEA, "suggestion"),
    ("subject-away-alone", {}, "Away-Day für Verwaltungen?", IDEA, "suggestion"),
    ("opening-alone", {}, "Re: Digital-Impuls",
     "Ich bin bis Ende August im Urlaub, danach gern: Thema Glasfaser im ländlichen Raum!", "suggestion"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "subject", "text", "kind"),
    [row[1:] for row in AUTO_REPLY_SIGNS],
    ids=[row[0] for row in AUTO_REPLY_SIGNS],
)
def test_signs_of_an_automatic_reply_decide_alone_or_only_together(
    headers: dict[str, str], subject: str, text: str, kind: str
) -> None:
    verdict = classify(human(subject, text, **headers))
    assert verdict.kind == kind, verdict.reason


def outlook_reply(**headers: str) -> bytes:
    """Issue 22 #1's input: a plain "AW:" reply from Outlook with Exchange, with an idea."""
    message = human(
        "AW: Digital-Impuls am 7. September: Kommunale Wärmeplanung",
        "Hallo,\n\nich hätte ein Thema: Starkregenvorsorge.\n\nViele Grüße\nAnna",
        In_Reply_To="<2023-09-07.announcement.12.0f1e2d3c4b5a6978@digital-impuls.example.org>",
        Thread_Topic="Digital-Impuls am 7. September: Kommunale Wärmeplanung",
        Thread_Index="AQHZ1m3kXyZ8c2Fv0Uu4y9b3aVp6Qg==",
        X_MS_Has_Attach="",
        **headers,
    )
    return message.as_bytes()


@pytest.mark.parametrize("suppress", ["All", "None", "DR, OOF, AutoReply", "OOF"])
def test_an_outlook_reply_asking_others_not_to_answer_is_a_persons_idea(suppress: str) -> None:
    verdict = classify_bytes(outlook_reply(X_Auto_Response_Suppress=suppress))
    assert verdict.kind == "suggestion", verdict.reason


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


@pytest.mark.parametrize("text", [text for _, text in LEAVE], ids=[i for i, _ in LEAVE])
def test_a_request_to_leave_in_own_words_is_an_unsubscribe(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "unsubscribe", verdict.reason


@pytest.mark.parametrize("text", [t for _, t in NOT_LEAVING], ids=[i for i, _ in NOT_LEAVING])
def test_a_negated_request_never_unsubscribes(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "suggestion", verdict.reason


@pytest.mark.parametrize("text", [text for _, text in IDEAS], ids=[i for i, _ in IDEAS])
def test_an_idea_that_uses_the_same_words_stays_an_idea(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "suggestion", verdict.reason


@pytest.mark.parametrize("text", [t for _, t in OFFICE_ENDED], ids=[i for i, _ in OFFICE_ENDED])
def test_an_office_that_ended_without_a_request_is_for_the_organizer(text: str) -> None:
    verdict = classify(human("Re: Digital-Impuls am 7. September", text))
    assert verdict.kind == "unsure" and verdict.reason.startswith("perhaps asks to leave")


def test_the_own_words_tables_are_as_large_as_the_readme_says() -> None:
    assert len(LEAVE) >= 60 and len(IDEAS) >= 40 and len(NOT_LEAVING) >= 10


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


# -- issue 22 #2: a warning is no failure (RFC 3464 2.3.3) ------------------------------


def delivery_report(
    *recipients: tuple[str, str, str], subject: str = "Delivery Status Notification"
) -> bytes:
    """An RFC 3464 report from Postfix's MAILER-DAEMON: one block per (recipient, Action,
    Status)."""
    blocks = "".join(
        f"Final-Recipient: rfc822; {address}\r\nOriginal-Recipient: rfc822;{address}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n\r\n"
        for address, action, status in recipients
    )
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.gemeinde.example>\r\n"
        "To: bounces@example.org\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <report-1@mx.gemeinde.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.gemeinde.example.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.gemeinde.example\r\n\r\n{blocks}"
        "--B--\r\n"
    ).encode()


ANNA, BEN = "anna@example.org", "ben@example.org"
DELIVERY_REPORTS = [
    ("failed", [(ANNA, "failed", "5.1.1")], "bounce", (ANNA,)),
    ("failed-soft", [(ANNA, "failed", "4.4.7")], "bounce", (ANNA,)),
    ("delayed", [(ANNA, "delayed", "4.4.1")], "notice", (ANNA,)),
    ("delayed-capitalised", [(ANNA, "Delayed", "4.0.0")], "notice", (ANNA,)),
    ("delivered", [(ANNA, "delivered", "2.0.0")], "notice", (ANNA,)),
    ("relayed", [(ANNA, "relayed", "2.0.0")], "notice", (ANNA,)),
    ("expanded", [(ANNA, "expanded", "2.0.0")], "notice", (ANNA,)),
    ("two-delayed", [(ANNA, "delayed", "4.4.1"), (BEN, "delayed", "4.4.1")], "notice", (ANNA, BEN)),
    ("failed-and-delayed", [(ANNA, "failed", "5.1.1"), (BEN, "delayed", "4.4.1")], "bounce", (ANNA,)),
    ("delayed-and-failed", [(BEN, "delayed", "4.4.1"), (ANNA, "failed", "5.2.2")], "bounce", (ANNA,)),
    ("delivered-and-failed", [(BEN, "delivered", "2.0.0"), (ANNA, "failed", "5.1.1")], "bounce", (ANNA,)),
    ("relayed-and-expanded", [(ANNA, "relayed", "2.0.0"), (BEN, "expanded", "2.0.0")], "notice", (ANNA, BEN)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("recipients", "kind", "addresses"),
    [row[1:] for row in DELIVERY_REPORTS],
    ids=[row[0] for row in DELIVERY_REPORTS],
)
def test_only_a_failed_recipient_is_a_bounce(recipients, kind: str, addresses) -> None:
    verdict = classify_bytes(delivery_report(*recipients))
    assert (verdict.kind, verdict.addresses) == (kind, addresses), verdict.reason


# The same warning in a mail system's own words, without an RFC 3464 report.
WARNINGS = {
    "gmail-delay": (
        "Delivery Status Notification (Delay)",
        "THIS IS A WARNING MESSAGE ONLY.\n\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n"
        "Delivery to the following recipient has been delayed:\n\n     anna@example.org\n\n"
        "Message will be retried for 2 more day(s)",
    ),
    "exim-delayed-24-hours": (
        "Warning: message 1qZ2aB-0003Xy-Ab delayed 24 hours",
        "This message was created automatically by mail delivery software.\n\nA message that "
        "you sent has not yet been delivered to one or more of its recipients after more than "
        "24 hours on the queue on mx.gemeinde.example.\n\n  anna@example.org\n    Delay "
        "reason: SMTP error from remote mail server after RCPT TO:<anna@example.org>:\n    "
        "451 4.7.1 Greylisted\n\nNo action is required on your part. Delivery attempts will "
        "continue for some time, and this warning may be repeated at intervals.",
    ),
    "sendmail-4-hours": (
        "Warning: could not send message for past 4 hours",
        "    **********************************************\n    **      THIS IS A WARNING "
        "MESSAGE ONLY      **\n    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n    "
        "**********************************************\n\nThe original message was received "
        "at Fri, 25 Aug 2023 09:30:00 +0200\n\n   ----- Transcript of session follows -----\n"
        "<anna@example.org>... Deferred: Connection timed out with mx.example.org.\n"
        "Warning: message still undelivered after 4 hours\nWill keep trying until message is "
        "5 days old",
    ),
    "exchange-verzoegert": (
        "Zustellung verzögert: Digital-Impuls am 7. September",
        "Die Zustellung an diese Empfänger oder Gruppen wurde verzögert:\n\nanna@example.org\n\n"
        "Betreff: Digital-Impuls am 7. September\n\nDies ist nur eine Warnung. Sie müssen die "
        "Nachricht nicht erneut senden. Es wird weiterhin versucht, die Nachricht zuzustellen.",
    ),
}


@pytest.mark.parametrize("name", WARNINGS)
def test_a_warning_in_a_mail_systems_own_words_is_a_notice(name: str) -> None:
    subject, text = WARNINGS[name]
    report = machine(subject, text, Return_Path="<>")
    verdict = classify(report)
    assert verdict.kind == "notice", verdict.reason


# -- issue 22 #5: machine mail is never an idea -----------------------------------------

TRANSCRIPT = (
    "Transcript of session follows.\n\n Out: 220 mx.gemeinde.example ESMTP Postfix\n"
    " In:  EHLO mail.example.org\n Out: 250-mx.gemeinde.example\n"
    " In:  MAIL FROM:<impuls@example.org>\n Out: 250 2.1.0 Ok\n"
    " In:  RCPT TO:<anna@gemeinde.example>\n Out: 451 4.3.0 <anna@gemeinde.example>: "
    "Temporary lookup failure\n In:  QUIT\n Out: 221 2.0.0 Bye\n\n"
    "For other details, see the local mail logfile"
)
MACHINE_MAIL = {
    "postfix-transcript": machine(
        "Postfix SMTP server: errors from mail.example.org[192.0.2.25]", TRANSCRIPT,
        sender="Mail Delivery System <MAILER-DAEMON@mx.gemeinde.example>",
    ),
    "postfix-transcript-null-sender": machine(
        "Postfix SMTP server: errors from mail.example.org[192.0.2.25]", TRANSCRIPT,
        sender="Mail Delivery System <MAILER-DAEMON@mx.gemeinde.example>", Return_Path="<>",
    ),
    "transcript-from-postmaster": machine(
        "SMTP session with mail.example.org", TRANSCRIPT,
        sender="postmaster@mx.gemeinde.example", Return_Path="<>",
    ),
    "transcript-auto-generated": machine(
        "Postfix SMTP server: errors from mail.example.org[192.0.2.25]", TRANSCRIPT,
        sender="MAILER-DAEMON@mx.gemeinde.example", Auto_Submitted="auto-generated",
    ),
    "list-loop-duplicate": machine(
        "Message rejected: duplicate",
        "Your message to gemeinden-l@lists.example.org has already been distributed to the "
        "list; this copy was rejected to avoid a mail loop.",
        sender="LISTSERV@lists.example.org",
    ),
    "list-loop-german": machine(
        "Nachricht abgelehnt: Schleife erkannt",
        "Ihre Nachricht an die Liste wurde abgelehnt, weil sie bereits verteilt wurde.",
        sender="gemeinden-owner@lists.example.org",
    ),
    "list-already-seen": machine(
        "Your message was not distributed",
        "The message with this Message-ID has been seen before and was not sent again.",
        sender="sympa@lists.example.org",
    ),
    "mailman-bounces": machine(
        "Uncaught bounce notification",
        "The attached message was received as a bounce, but either the bounce format was not "
        "recognized, or no member addresses could be extracted from it.",
        sender="gemeinden-bounces@lists.example.org",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", MACHINE_MAIL)
def test_machine_mail_is_never_an_idea(name: str) -> None:
    verdict = classify(MACHINE_MAIL[name])
    assert verdict.kind in ("notice", "auto_reply"), verdict.reason
    assert verdict.kind == "notice", verdict.reason


NO_LONGER_READ = [
    ("gemeinde-null-sender", "anna@gemeinde.example", "Re: Digital-Impuls",
     "Dieses Postfach wird nicht mehr gelesen. Bitte schreiben Sie an buero@gemeinde.example."),
    ("undeliverable-subject", "anna@gemeinde.example", "Nachricht nicht zugestellt: Digital-Impuls",
     "Diese E-Mail-Adresse ist nicht mehr aktiv. Ihre Nachricht wurde nicht weitergeleitet."),
    ("english-rejected", "a.schmidt@town.example", "Message rejected: Digital-Impuls",
     "This mailbox is no longer monitored. Please contact the town office instead."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "subject", "text"),
    [row[1:] for row in NO_LONGER_READ],
    ids=[row[0] for row in NO_LONGER_READ],
)
def test_a_mailbox_no_longer_read_is_an_auto_reply_even_with_an_empty_return_path(
    sender: str, subject: str, text: str
) -> None:
    verdict = classify(human(subject, text, sender=sender, Return_Path="<>"))
    assert (verdict.kind, verdict.addresses) == ("auto_reply", ()), verdict.reason


# -- issue 22 #6: only the addr-spec is the sender --------------------------------------

SENDERS = [
    ("plain", "anna@example.org", "anna@example.org", None),
    ("name-addr", "Anna Schmidt <anna@example.org>", "anna@example.org", None),
    ("quoted-comma", '"Schmidt, Anna" <anna@example.org>', "anna@example.org", None),
    ("comment-name", "anna@example.org (Anna Schmidt)", "anna@example.org", None),
    ("same-address-as-name", '"anna@example.org" <anna@example.org>', "anna@example.org", None),
    ("upper-case", "Anna <Anna@Example.ORG>", "anna@example.org", None),
    ("two-mailboxes", '"Schmidt, Anna" <anna@example.org>, ben@example.org', "anna@example.org", None),
    ("encoded-name", "=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j.mueller@example.org>", "j.mueller@example.org", None),
    ("encoded-address-in-name", "=?utf-8?q?anna=40example=2Eorg?= <x@elsewhere>", "x@elsewhere", "anna@example.org"),
    ("b-encoded-address-in-name", "=?utf-8?b?YW5uYUBleGFtcGxlLm9yZw==?= <x@elsewhere>", "x@elsewhere", "anna@example.org"),
    ("bare-address-in-name", "anna@example.org <x@elsewhere>", "x@elsewhere", "anna@example.org"),
    ("quoted-address-in-name", '"anna@example.org" <x@elsewhere.example>', "x@elsewhere.example", "anna@example.org"),
    ("address-in-a-longer-name", '"Anna Schmidt (anna@example.org)" <x@elsewhere>', "x@elsewhere", "anna@example.org"),
    ("address-in-a-comment", "x@elsewhere (anna@example.org)", "x@elsewhere", "anna@example.org"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "address", "named"), [row[1:] for row in SENDERS], ids=[row[0] for row in SENDERS]
)
def test_the_sender_is_the_addr_spec_and_a_name_may_name_another(
    value: str, address: str, named: str | None
) -> None:
    raw = f"From: {value}\r\nSubject: x\r\n\r\nx\r\n".encode()
    found = sender(parse(raw))
    assert (found.address, found.named_address) == (address, named)


# What a mail from "anna@example.org" <x@elsewhere> would do for anna: none of it.
SPOOFED_FROM = [
    ("encoded", "=?utf-8?q?anna=40example=2Eorg?= <x@elsewhere>"),
    ("plain", "anna@example.org <x@elsewhere>"),
    ("quoted", '"anna@example.org" <x@elsewhere.example>'),
    ("raw-utf8", "anna@example.org – Bürgermeisterin <x@elsewhere.example>"),
]
WOULD_ACT = {
    "own-words": ("Re: Digital-Impuls", "Bitte nehmen Sie mich aus dem Verteiler."),
    "one-word": ("Re: Digital-Impuls", "abmelden"),
    "subject-only": ("Abmelden", ""),
    "idea": ("Re: Digital-Impuls", "Thema: Glasfaser im ländlichen Raum."),
}


@pytest.mark.parametrize("action", WOULD_ACT)
@pytest.mark.parametrize("value", [v for _, v in SPOOFED_FROM], ids=[i for i, _ in SPOOFED_FROM])
def test_a_name_that_names_another_address_acts_for_nobody(value: str, action: str) -> None:
    subject, text = WOULD_ACT[action]
    message = person_mail("x@elsewhere", subject, text)
    message.replace_header("From", value) if "–" not in value else None
    raw = message.as_bytes()
    if "–" in value:  # raw UTF-8 in the header (RFC 6532), as the program sent it
        raw = raw.replace(b"From: x@elsewhere", b"From: " + value.encode())
    verdict = classify_bytes(raw)
    assert verdict.kind == "unsure" and "anna@example.org" in verdict.reason, verdict
    assert "anna@example.org" not in verdict.addresses


# -- issue 22 #7: headers as the program that wrote them meant them ---------------------

SUBJECTS = [
    ("raw-utf8", "Subject: Re: Wärmeplanung und Straßen\r\n".encode(), "utf-8", "Re: Wärmeplanung und Straßen"),
    ("raw-utf8-without-charset", "Subject: Grüße aus Köln\r\n".encode(), None, "Grüße aus Köln"),
    ("raw-latin1-body-latin1", "Subject: Re: Wärmeplanung\r\n".encode("latin-1"), "iso-8859-1", "Re: Wärmeplanung"),
    ("raw-cp1252-body-cp1252", "Subject: Idee – Bürgerhaushalt\r\n".encode("cp1252"), "windows-1252", "Idee – Bürgerhaushalt"),
    ("raw-cp1252-no-charset", "Subject: Vorschlag: Straßenbeleuchtung und Gebühren\r\n".encode("cp1252"), None, "Vorschlag: Straßenbeleuchtung und Gebühren"),
    ("q-utf8", b"Subject: =?utf-8?q?Re=3A_W=C3=A4rmeplanung?=\r\n", "utf-8", "Re: Wärmeplanung"),
    ("b-utf8", b"Subject: =?UTF-8?B?UmU6IFfDpHJtZXBsYW51bmc=?=\r\n", "utf-8", "Re: Wärmeplanung"),
    ("q-latin1", b"Subject: =?iso-8859-1?Q?AW:_W=E4rmeplanung?=\r\n", "utf-8", "AW: Wärmeplanung"),
    ("two-words-folded", b"Subject: =?utf-8?q?Digital-Impuls_am_7=2E_September=3A_Kommunale_W?=\r\n =?utf-8?q?=C3=A4rmeplanung?=\r\n", "utf-8", "Digital-Impuls am 7. September: Kommunale Wärmeplanung"),
    ("mixed-encoded-and-plain", b"Subject: Re: =?utf-8?q?W=C3=A4rme?= und =?iso-8859-1?q?K=E4lte?=\r\n", None, "Re: Wärme und Kälte"),
    ("utf8-declared-latin1", b"Subject: =?iso-8859-1?q?W=C3=A4rmeplanung?=\r\n", None, "Wärmeplanung"),
    ("raw-utf8-and-encoded", "Subject: Grüße =?utf-8?q?und_W=C3=BCnsche?=\r\n".encode(), None, "Grüße und Wünsche"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "charset", "expected"), [row[1:] for row in SUBJECTS], ids=[row[0] for row in SUBJECTS]
)
def test_a_subject_is_read_as_its_program_meant_it(
    line: bytes, charset: str | None, expected: str
) -> None:
    content_type = f"Content-Type: text/plain; charset={charset}\r\n" if charset else ""
    raw = b"From: anna@example.org\r\n" + line + content_type.encode() + b"\r\nHallo\r\n"
    assert header(parse(raw), "Subject") == expected


ATTACHMENTS = [
    ("rfc2231", b"attachment; filename*=utf-8''W%C3%A4rmeplan%20Entwurf.pdf", "Wärmeplan Entwurf.pdf"),
    ("rfc2047-outlook", b'attachment; filename="=?utf-8?B?V8Okcm1lcGxhbiBFbnR3dXJmLnBkZg==?="', "Wärmeplan Entwurf.pdf"),
    ("raw-utf8", 'attachment; filename="Wärmeplan Entwurf.pdf"'.encode(), "Wärmeplan Entwurf.pdf"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("disposition", "expected"), [r[1:] for r in ATTACHMENTS], ids=[r[0] for r in ATTACHMENTS]
)
def test_an_attachment_name_is_read_as_its_program_meant_it(
    disposition: bytes, expected: str
) -> None:
    raw = (
        b"From: anna@example.org\r\nSubject: Konzept\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; '
        b"charset=utf-8\r\n\r\nAnbei unser Konzept.\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: " + disposition + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQ=\r\n--b--\r\n"
    )
    assert mailtext.attachment_names(parse(raw)) == [expected]


# -- how to make it hold: replies written by people, as their programs send them --------

REPLIES = rows()


def test_the_table_of_replies_people_write_is_large_enough() -> None:
    assert len([row for row in REPLIES if row.expected == "suggestion"]) >= 100
    assert {row.program for row in REPLIES} == set(PROGRAMS)


@pytest.mark.parametrize("row", REPLIES, ids=[row.id for row in REPLIES])
def test_a_reply_written_by_a_person_is_read_as_written(row) -> None:
    """Its kind is what the person asked for; what is kept is what they wrote (not the
    quoted announcement, whose footer offers "abmelden"); its subject reads as written."""
    raw = row.bytes()
    message = parse(raw)
    verdict = classify(message)
    kept = record(message, raw, verdict, "digital-impuls.example.org", b"k" * 32,
                  datetime(2023, 8, 25, 10, tzinfo=UTC))  # fmt: skip
    assert verdict.kind == row.expected, verdict.reason
    assert kept.subject == f"{row.subject_prefix}: {ANNOUNCEMENT_SUBJECT}"
    assert kept.sender == "anna@example.org"
    if row.expected == "suggestion":
        text = " ".join(kept.text.split())
        assert " ".join(row.reply.words.split()) in text
        assert QUOTE_MARK not in text and "abmelden" not in text.lower()
