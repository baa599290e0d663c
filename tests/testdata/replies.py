"""Replies written by people, in the shapes their mail programs give them: builders, not
copied blobs. Each builder writes one program's reply to our announcement, from what the
program is documented (or commonly seen) to send:

- Outlook with Exchange / Microsoft 365 (desktop): "AW:", Thread-Topic, Thread-Index,
  X-MS-Has-Attach, X-MS-TNEF-Correlator, X-MS-Exchange-* and X-Auto-Response-Suppress
  (MS-OXCMAIL 2.1.3.2.20), multipart/alternative with a WordSection1 HTML part, the
  original below an unquoted "Von: / Gesendet: / An: / Betreff:" block.
- Outlook on the web: the original after a rule ("____") and "divRplyFwdMsg"; often
  HTML only.
- Outlook for iOS/Android: "Gesendet von Outlook für iOS", English header block.
- Gmail: "Am Do., 24. Aug. 2023 um 16:00 Uhr schrieb X <" wrapped onto two lines,
  ">" quoting, a gmail_quote HTML part; subjects as RFC 2047 UTF-8, or raw UTF-8 (RFC
  6532) where the receiving server offered SMTPUTF8.
- Apple Mail and iPhone: the attribution itself quoted ("> Am ... schrieb"), "Von meinem
  iPhone gesendet", blockquote type="cite".
- Thunderbird: format=flowed, "Am 24.08.23 um 16:00 schrieb X:", inline answers, "-- "
  signature.
- GMX and web.de (United Internet's webmail): "Gesendet: / Von: / An: / Betreff:" block,
  HTML with <div name="quote">, X-UI-* headers, often HTML only.
- T-Online (E-Mail Center): "-----Original-Nachricht-----" with Betreff/Datum/Von/An.
- Open-Xchange (1&1 IONOS and many municipal providers): "X hat am ... geschrieben:".

Each with or without a signature block, a legal disclaimer, quoted text, HTML.
"""

from __future__ import annotations

import base64
import html
import quopri
import zlib
from dataclasses import dataclass, field
from email.charset import BASE64, QP, Charset
from email.header import Header

ANNOUNCEMENT_SUBJECT = "Digital-Impuls am 7. September: Kommunale Wärmeplanung"
ANNOUNCEMENT_ID = "<2023-09-07.announcement.12.0f1e2d3c4b5a6978@digital-impuls.example.org>"
OURS = "Digital-Impuls <impuls@example.org>"
# What the quoted original says; none of it may reach the recorded idea. Its footer
# offers "abmelden" and says "keine Einladungen mehr": read as the member's own words,
# a reply would unsubscribe its sender.
QUOTE_MARK = "Antworte einfach auf diese Mail"
ANNOUNCEMENT_LINES = [
    "Hallo Anna,",
    "",
    "wir laden dich herzlich zum nächsten Digital-Impuls ein.",
    "",
    "Thema: Kommunale Wärmeplanung",
    "Wann: Donnerstag, 7. September 2023, 16:00 Uhr bis 17:30 Uhr",
    "Zoom: https://zoom.us/j/00000000000",
    "",
    "Welches Thema wünschst du dir? Antworte einfach auf diese Mail mit deinem Vorschlag.",
    "",
    "-- ",
    "Du erhältst diese Mail, weil du im Verteiler „Digital-Impuls“ eingetragen bist.",
    "Du möchtest keine Einladungen mehr? Abmelden: "
    "mailto:themen@example.org?subject=abmelden%209Vu80tYjrh4n9zRSqIMiCw",
    "(oder antworte einfach mit dem Wort „abmelden“)",
]

SIGNATURES = {
    "none": "",
    "short": "Viele Grüße\nAnna",
    "formal": (
        "Mit freundlichen Grüßen\n\nAnna Schmidt\nBürgermeisterin\n\nGemeinde Beispielstadt\n"
        "Rathausplatz 1\n12345 Beispielstadt\nTelefon: 01234 5678-10\n"
        "E-Mail: a.schmidt@beispielstadt.de\nwww.beispielstadt.de"
    ),
    "dashes": "-- \nAnna Schmidt\nBürgermeisterin der Gemeinde Beispielstadt",
}
DISCLAIMERS = {
    "none": "",
    "vertraulich": (
        "Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn "
        "Sie nicht der richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, "
        "informieren Sie bitte sofort den Absender und vernichten Sie diese Mail. Das "
        "unerlaubte Kopieren sowie die unbefugte Weitergabe dieser Mail sind nicht gestattet."
    ),
    "datenschutz": (
        "Informationen zur Verarbeitung Ihrer personenbezogenen Daten nach Art. 13 DSGVO "
        "finden Sie unter www.beispielstadt.de/datenschutz. Bitte denken Sie an die Umwelt, "
        "bevor Sie diese E-Mail ausdrucken."
    ),
    "english": (
        "This e-mail may contain confidential and/or privileged information. If you are not "
        "the intended recipient, please notify the sender immediately and delete this e-mail."
    ),
}

IDEAS = [
    "wie wäre es mit dem Thema Glasfaserausbau im ländlichen Raum?",
    "Ein Vorschlag: Digitale Bürgerdienste im Einwohnermeldeamt, wir kämpfen gerade mit dem OZG.",
    "Thema: KI im Rathaus – was dürfen wir, was sollten wir lassen?",
    "Mich würde interessieren, wie andere Kommunen ihre Ratssitzungen streamen.",
    "Könntet ihr jemanden zum Thema Starkregenvorsorge einladen? Das brennt uns unter den Nägeln.",
    "Ich schlage vor: Fördermittel für kommunale Wärmenetze, mit einem Gast vom Land.",
    "Spannend fände ich die Frage, wie wir junge Leute für das Ehrenamt gewinnen.",
    "Idee für einen Gast: jemand vom Städte- und Gemeindebund zur Verwaltungsdigitalisierung.",
    "Wir bauen gerade ein Bürgerportal. Erfahrungsaustausch dazu wäre super!",
    "Thema Mobilität: Rufbusse und Carsharing auf dem Land, wer hat Erfahrung?",
    "Topic idea: open data portals for small towns, and who keeps them up to date.",
    "Vorschlag: Cybersicherheit in kleinen Verwaltungen, nach dem Angriff im Nachbarkreis.",
    "Gern würde ich über Bürgerhaushalte sprechen – bei uns läuft gerade der erste.",
]
LEAVING = [
    "Bitte nehmen Sie mich aus dem Verteiler, ich bin seit Mai nicht mehr im Amt.",
    "Ich brauche die Einladungen nicht mehr, bitte austragen.",
    "Please remove me from this list.",
]


@dataclass(frozen=True)
class Reply:
    """One reply as a mail program writes it."""

    words: str  # what the person wrote (before the signature)
    signature: str = "none"
    disclaimer: str = "none"
    quote: str = "below"  # below (the original after the words), inline, none
    html_only: bool = False
    subject_form: str = ""  # q, b, raw-utf8, raw-latin1; "" for the program's own
    suppress: str = ""  # X-Auto-Response-Suppress for Outlook: All, None, "DR, OOF, AutoReply"
    sender: str = "Anna Schmidt <anna@example.org>"
    extra: dict = field(default_factory=dict)

    def written(self) -> str:
        parts = [self.words, SIGNATURES[self.signature], DISCLAIMERS[self.disclaimer]]
        return "\n\n".join(part for part in parts if part)


# -- helpers ----------------------------------------------------------------------------


def _subject(text: str, form: str) -> str:
    """A Subject as a program encodes it (RFC 2047): Q in UTF-8 or Latin-1 (Outlook), B
    (Gmail, Outlook mobile); split into words of at most 75 characters and folded."""
    if text.isascii():
        return text
    charset = Charset("iso-8859-1" if form == "q-latin1" else "utf-8")
    charset.header_encoding = BASE64 if form == "b" else QP
    return Header(text, charset).encode(maxlinelen=76).replace("\n", "\r\n")


def _raw_header_bytes(value: str, form: str) -> bytes:
    return value.encode("iso-8859-1" if form == "raw-latin1" else "utf-8")


def _qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.replace("\n", "\r\n").encode(charset)).decode("ascii")


def _quoted(lines: list[str], prefix: str = "> ") -> str:
    return "\n".join((prefix + line).rstrip() for line in lines)


def _html_paragraphs(text: str) -> str:
    return "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n")
    )


ORIGINAL_HTML = _html_paragraphs("\n".join(ANNOUNCEMENT_LINES).replace("\n\n", "\n\n"))
ORIGINAL_TEXT = "\n".join(ANNOUNCEMENT_LINES)


def _message(
    headers: list[tuple[str, str]],
    subject: str,
    form: str,
    plain: str | None,
    markup: str | None,
    *,
    charset: str = "utf-8",
    flowed: bool = False,
    boundary: str = "----=_Part_0_1692953400000",
) -> bytes:
    """A reply's bytes: the headers in the program's order, then its text and/or HTML. A
    program that writes raw Latin-1 into a header writes its text in Windows-1252 too."""
    if form == "raw-latin1":
        charset = "windows-1252"
    head = [f"{name}: {value}" for name, value in headers]
    raw_subject = form in ("raw-utf8", "raw-latin1")
    encoded_subject = "" if raw_subject else _subject(subject, form or "q")
    lines = head + ([f"Subject: {encoded_subject}"] if not raw_subject else [])
    lines.append("MIME-Version: 1.0")
    text_type = f"text/plain; charset={charset}" + ("; format=flowed" if flowed else "")
    if plain is not None and markup is not None:
        lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        body = (
            f"--{boundary}\r\nContent-Type: {text_type}\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(plain, charset)}\r\n"
            f"--{boundary}\r\nContent-Type: text/html; charset={charset}\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{_qp(markup, charset)}\r\n"
            f"--{boundary}--\r\n"
        )
    elif markup is not None:
        lines += [
            f"Content-Type: text/html; charset={charset}",
            "Content-Transfer-Encoding: base64",
        ]
        body = base64.encodebytes(markup.encode(charset)).decode("ascii")
    else:
        lines += [f"Content-Type: {text_type}", "Content-Transfer-Encoding: quoted-printable"]
        body = _qp(plain or "", charset)
    raw = "\r\n".join(lines).encode("ascii")  # 8-bit only in a raw Subject (below)
    if raw_subject:
        raw += b"\r\nSubject: " + _raw_header_bytes(subject, form)
    return raw + b"\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def _common(reply: Reply, message_id: str, date: str = "Fri, 25 Aug 2023 09:30:00 +0200"):
    return [
        ("From", reply.sender),
        ("To", "Digital-Impuls <themen@example.org>"),
        ("Date", date),
        ("Message-ID", message_id),
        ("In-Reply-To", ANNOUNCEMENT_ID),
        ("References", ANNOUNCEMENT_ID),
    ]


def _with_quote(reply: Reply, attribution: str, *, quote_attribution: bool = False) -> str:
    """The plain text of a reply that quotes with ">": below the words, or inline."""
    written = reply.written()
    if reply.quote == "none":
        return written
    head = ("> " + attribution + "\n>") if quote_attribution else (attribution + "\n")
    if reply.quote == "inline":
        first, rest = ANNOUNCEMENT_LINES[:9], ANNOUNCEMENT_LINES[9:]
        return f"{head}\n{_quoted(first)}\n\n{written}\n\n{_quoted(rest)}\n"
    return f"{written}\n\n{head}\n{_quoted(ANNOUNCEMENT_LINES)}\n"


def _outlook_block(lines: list[tuple[str, str]], rule: bool = False) -> str:
    block = "\n".join(f"{name}: {value}" for name, value in lines)
    return ("________________________________\n" if rule else "") + block


OUTLOOK_HEADERS_DE = [
    ("Von", OURS),
    ("Gesendet", "Donnerstag, 24. August 2023 16:00"),
    ("An", "Schmidt, Anna <anna@example.org>"),
    ("Betreff", ANNOUNCEMENT_SUBJECT),
]


# -- the programs -----------------------------------------------------------------------


def outlook_exchange(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(
            reply, f"<AM0PR07MB{n:04d}A1B2C3D4E5F6@AM0PR07MB{n:04d}.eurprd07.prod.outlook.com>"
        ),
        ("Thread-Topic", _subject(ANNOUNCEMENT_SUBJECT, "q-latin1")),
        ("Thread-Index", "AQHZ1m3kXyZ8c2Fv0Uu4y9b3aVp6Qg=="),
        ("Accept-Language", "de-DE, en-US"),
        ("Content-Language", "de-DE"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-TNEF-Correlator", ""),
        ("msip_labels", ""),
        ("X-MS-PublicTrafficType", "Email"),
        ("X-MS-Exchange-Organization-SCL", "-1"),
        ("X-MS-Exchange-CrossTenant-OriginalArrivalTime", "25 Aug 2023 07:30:00.0000 (UTC)"),
        ("X-MS-Exchange-CrossTenant-fromentityheader", "Hosted"),
        ("X-MS-Exchange-Transport-CrossTenantHeadersStamped", f"AM0PR07MB{n:04d}"),
    ]
    if reply.suppress:
        headers.append(("X-Auto-Response-Suppress", reply.suppress))
    subject = f"AW: {ANNOUNCEMENT_SUBJECT}"
    original = f"{_outlook_block(OUTLOOK_HEADERS_DE)}\n\n{ORIGINAL_TEXT}"
    plain = reply.written() if reply.quote == "none" else f"{reply.written()}\n\n{original}\n"
    paragraphs = "".join(
        f'<p class="MsoNormal">{html.escape(line) or "&nbsp;"}<o:p></o:p></p>'
        for line in reply.written().split("\n")
    )
    divider = (
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal"><b><span lang="DE">Von:</span></b><span lang="DE"> '
        "Digital-Impuls &lt;impuls@example.org&gt; <br><b>Gesendet:</b> Donnerstag, 24. August "
        "2023 16:00<br><b>An:</b> Schmidt, Anna &lt;anna@example.org&gt;<br><b>Betreff:</b> "
        f"{html.escape(ANNOUNCEMENT_SUBJECT)}<o:p></o:p></span></p></div>"
    )
    markup = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv='
        '"Content-Type" content="text/html; charset=iso-8859-1"><style><!-- p.MsoNormal '
        '{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;} --></style></head>'
        f'<body lang="DE" link="#0563C1"><div class="WordSection1">{paragraphs}'
        + ("" if reply.quote == "none" else f"{divider}{ORIGINAL_HTML}")
        + "</div></body></html>"
    )
    return _message(
        headers, subject, reply.subject_form or "q-latin1", None if reply.html_only else plain,
        markup, charset="windows-1252" if not reply.html_only else "utf-8",
        boundary=f"_000_AM0PR07MB{n:04d}_",
    )  # fmt: skip


def outlook_web(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<DB9PR02MB{n:04d}0F1E2D3C@DB9PR02MB{n:04d}.eurprd02.prod.outlook.com>"),
        ("Thread-Topic", _subject(ANNOUNCEMENT_SUBJECT, "q")),
        ("Thread-Index", "AQHZ1m3kXyZ8c2Fv0Uu4y9b3aVp6Qq+bL1Aw"),
        ("Accept-Language", "de-DE"),
        ("X-MS-Has-Attach", ""),
        ("X-MS-Exchange-CrossTenant-AuthSource", f"DB9PR02MB{n:04d}.eurprd02.prod.outlook.com"),
    ]
    if reply.suppress:
        headers.append(("X-Auto-Response-Suppress", reply.suppress))
    original = f"{_outlook_block(OUTLOOK_HEADERS_DE, rule=True)}\n\n{ORIGINAL_TEXT}"
    plain = reply.written() if reply.quote == "none" else f"{reply.written()}\n\n{original}\n"
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '</head><body dir="ltr"><div style="font-family: Aptos, sans-serif; font-size: 12pt">'
        + "".join(
            f"<div>{html.escape(line) or '<br>'}</div>" for line in reply.written().split("\n")
        )
        + "</div>"
        + (
            ""
            if reply.quote == "none"
            else '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" '
            'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
            'style="font-size:11pt" color="#000000"><b>Von:</b> Digital-Impuls &lt;impuls@'
            "example.org&gt;<br><b>Gesendet:</b> Donnerstag, 24. August 2023 16:00<br><b>An:</b>"
            " Anna Schmidt &lt;anna@example.org&gt;<br><b>Betreff:</b> "
            f"{html.escape(ANNOUNCEMENT_SUBJECT)}</font><div>&nbsp;</div></div>{ORIGINAL_HTML}"
        )
        + "</body></html>"
    )
    return _message(
        headers, f"AW: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup, boundary=f"_000_DB9PR02MB{n:04d}_",
    )  # fmt: skip


def outlook_mobile(reply: Reply, n: int) -> bytes:
    headers = _common(
        reply, f"<AS8PR04MB{n:04d}9A8B7C6D@AS8PR04MB{n:04d}.eurprd04.prod.outlook.com>"
    )
    written = reply.written() + "\n\nGesendet von Outlook für iOS<https://aka.ms/o0ukef>"
    english = [
        ("From", OURS),
        ("Sent", "Thursday, August 24, 2023 4:00:00 PM"),
        ("To", "Anna Schmidt <anna@example.org>"),
        ("Subject", ANNOUNCEMENT_SUBJECT),
    ]
    original = f"{_outlook_block(english, rule=True)}\n\n{ORIGINAL_TEXT}"
    plain = written if reply.quote == "none" else f"{written}\n\n{original}\n"
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'</head><body><div dir="auto">{_html_paragraphs(written)}</div>'
        + ("" if reply.quote == "none" else '<hr style="display:inline-block;width:98%">'
           '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Digital-Impuls &lt;impuls@example.org'
           '&gt;<br><b>Sent:</b> Thursday, August 24, 2023 4:00:00 PM<br><b>To:</b> Anna Schmidt'
           f"<br><b>Subject:</b> {html.escape(ANNOUNCEMENT_SUBJECT)}</div>{ORIGINAL_HTML}")
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "b",
        None if reply.html_only else plain, markup, boundary=f"_000_AS8PR04MB{n:04d}_",
    )  # fmt: skip


GMAIL_ATTRIBUTION = (
    "Am Do., 24. Aug. 2023 um 16:00 Uhr schrieb Digital-Impuls <\nimpuls@example.org>:"
)


def gmail(reply: Reply, n: int) -> bytes:
    headers = _common(reply, f"<CAK{n:04d}x7Q9z+Yb0a1KQ2mVpA@mail.gmail.com>")
    plain = _with_quote(reply, GMAIL_ATTRIBUTION)
    quote_html = (
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">Am Do., 24. Aug. 2023 um '
        '16:00 Uhr schrieb Digital-Impuls &lt;<a href="mailto:impuls@example.org">impuls@'
        'example.org</a>&gt;:<br></div><blockquote class="gmail_quote" style="margin:0px 0px '
        f'0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">{ORIGINAL_HTML}'
        "</blockquote></div>"
    )
    markup = f'<div dir="ltr">{_html_paragraphs(reply.written())}</div><br>' + (
        "" if reply.quote == "none" else quote_html
    )
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "b",
        None if reply.html_only else plain, markup, boundary=f"000000000000{n:04d}a1b2c3d4e5f6",
    )  # fmt: skip


APPLE_ATTRIBUTION = "Am 24.08.2023 um 16:00 schrieb Digital-Impuls <impuls@example.org>:"


def apple_mail(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<3F{n:04d}A1B-2C3D-4E5F-6A7B-8C9D0E1F2A3B@example.org>"),
        ("X-Mailer", "Apple Mail (2.3731.700.6)"),
    ]
    plain = _with_quote(reply, APPLE_ATTRIBUTION, quote_attribution=True)
    markup = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: '
        f'after-white-space;">{_html_paragraphs(reply.written())}'
        + ("" if reply.quote == "none" else
           f'<div><br><blockquote type="cite"><div>{html.escape(APPLE_ATTRIBUTION)}</div><br '
           f'class="Apple-interchange-newline"><div>{ORIGINAL_HTML}</div></blockquote></div>')
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup,
        boundary=f"Apple-Mail=_5F{n:04d}3C2-1B0A-4F9E-8D7C-6B5A4F3E2D1C",
    )  # fmt: skip


def iphone(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<A1B2{n:04d}-C3D4-E5F6-A7B8-C9D0E1F2A3B4@example.org>"),
        ("X-Mailer", "iPhone Mail (20G75)"),
    ]
    written = reply.written() + "\n\nVon meinem iPhone gesendet"
    plain = _with_quote(
        Reply(written, quote=reply.quote), APPLE_ATTRIBUTION, quote_attribution=True
    )
    markup = (
        f'<html><head></head><body dir="auto">{_html_paragraphs(written)}'
        + ("" if reply.quote == "none" else
           f'<div dir="ltr"><br><blockquote type="cite">{html.escape(APPLE_ATTRIBUTION)}'
           f"</blockquote></div><blockquote type=\"cite\">{ORIGINAL_HTML}</blockquote>")
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup,
        boundary=f"Apple-Mail-{n:04d}B3C4-D5E6-F7A8-B9C0-D1E2F3A4B5C6",
    )  # fmt: skip


def thunderbird(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<{n:04d}a1b2-c3d4-e5f6-a7b8-c9d0e1f2a3b4@example.org>"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "de-DE"),
    ]
    # format=flowed (RFC 3676): long lines break after a space that the reader joins again
    flowed = _flow(_with_quote(reply, "Am 24.08.23 um 16:00 schrieb Digital-Impuls:"))
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        + f"<body><p>{html.escape(reply.words)}</p>"
        + ("" if reply.quote == "none" else
           '<div class="moz-cite-prefix">Am 24.08.23 um 16:00 schrieb Digital-Impuls:<br></div>'
           f'<blockquote type="cite" cite="mid:{ANNOUNCEMENT_ID[1:-1]}">{ORIGINAL_HTML}'
           "</blockquote>")
        + (f'<pre class="moz-signature" cols="72">{html.escape(SIGNATURES[reply.signature])}'
           "</pre>" if reply.signature != "none" else "")
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else flowed, markup if reply.html_only else None, flowed=True,
    )  # fmt: skip


def _flow(text: str, width: int = 72) -> str:
    """RFC 3676 format=flowed: a long line breaks after a space (which marks the break as
    soft); a quoted line keeps its ">" on every piece (section 4.5)."""
    out = []
    for line in text.split("\n"):
        prefix = "> " if line.startswith("> ") else ""
        body = line[len(prefix) :]
        while len(prefix + body) > width and " " in body[: width - len(prefix)]:
            cut = body.rfind(" ", 0, width - len(prefix))
            out.append(prefix + body[: cut + 1])
            body = body[cut + 1 :]
        out.append(prefix + body)
    return "\n".join(out)


def _united_internet(reply: Reply, n: int, app: str) -> bytes:
    headers = [
        *_common(reply, f"<trinity-{n:04d}a1b2-c3d4-4e5f-a6b7-c8d9e0f1a2b3-1692948600000@{app}>"),
        ("Importance", "normal"),
        ("Sensitivity", "Normal"),
        ("X-Priority", "3"),
        ("X-UI-Message-Type", "mail"),
        ("X-Provags-ID", "V03:K1:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
        ("X-UI-Out-Filterresults", "notjunk:1;V03:K0:AbCdEfGhIjK="),
    ]
    block = (
        "Gesendet: Donnerstag, 24. August 2023 um 16:00 Uhr\n"
        f'Von: "Digital-Impuls" <impuls@example.org>\nAn: anna@example.org\n'
        f"Betreff: {ANNOUNCEMENT_SUBJECT}"
    )
    plain = (
        reply.written()
        if reply.quote == "none"
        else f"{reply.written()}\n\n{block}\n\n{ORIGINAL_TEXT}\n"
    )
    markup = (
        '<html><head></head><body><div style="font-family: Verdana;font-size: 12.0px;">'
        + "".join(f"<div>{html.escape(line)}</div>" for line in reply.written().split("\n"))
        + ("" if reply.quote == "none" else
           '<div>&nbsp;<div>&nbsp;</div><div name="quote" style="margin:10px 5px 5px 10px; '
           'padding: 10px 0 10px 10px; border-left:2px solid #C3D9E5;"><div style="margin:0 0 '
           '10px 0;"><b>Gesendet:</b>&nbsp;Donnerstag, 24. August 2023 um 16:00 Uhr<br/>'
           '<b>Von:</b>&nbsp;"Digital-Impuls" &lt;impuls@example.org&gt;<br/><b>An:</b>&nbsp;'
           f"anna@example.org<br/><b>Betreff:</b>&nbsp;{html.escape(ANNOUNCEMENT_SUBJECT)}</div>"
           f'<div name="quoted-content">{ORIGINAL_HTML}</div></div></div>')
        + "</div></body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Aw: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup, boundary=f"trinity-{n:04d}-boundary",
    )  # fmt: skip


def gmx(reply: Reply, n: int) -> bytes:
    return _united_internet(reply, n, "3c-app-gmx-bap12")


def webde(reply: Reply, n: int) -> bytes:
    return _united_internet(reply, n, "3c-app-webde-bs43")


def tonline(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<{n:04d}1692948600000.0815.4711@webmail.t-online.de>"),
        ("X-TOI-MSGID", f"a1b2c3d4-{n:04d}-4e5f-a6b7-c8d9e0f1a2b3"),
        ("X-Mailer", "T-Online E-Mail-Center"),
    ]
    block = (
        "-----Original-Nachricht-----\n"
        f"Betreff: {ANNOUNCEMENT_SUBJECT}\nDatum: 2023-08-24T16:00:00+0200\n"
        f'Von: "Digital-Impuls" <impuls@example.org>\nAn: "Anna Schmidt" <anna@example.org>'
    )
    plain = (
        reply.written()
        if reply.quote == "none"
        else f"{reply.written()}\n\n\n{block}\n\n{ORIGINAL_TEXT}\n"
    )
    markup = (
        f"<html><body>{_html_paragraphs(reply.written())}"
        + ("" if reply.quote == "none" else
           f"<br><br>{_html_paragraphs(block)}<blockquote>{ORIGINAL_HTML}</blockquote>")
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"AW: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup, boundary=f"=_{n:04d}_tonline",
    )  # fmt: skip


OX_ATTRIBUTION = "Digital-Impuls <impuls@example.org> hat am 24.08.2023 16:00 geschrieben:"


def open_xchange(reply: Reply, n: int) -> bytes:
    headers = [
        *_common(reply, f"<{n:04d}12345.6789.1692948600000@ox.ionos.de>"),
        ("X-Mailer", "Open-Xchange Mailer v7.10.6-Rev38"),
        ("X-Originating-Client", "open-xchange-appsuite"),
        ("Importance", "Normal"),
        ("X-Priority", "3"),
    ]
    plain = _with_quote(reply, OX_ATTRIBUTION, quote_attribution=True)
    markup = (
        '<!doctype html><html><head><meta charset="UTF-8"></head><body>'
        + "".join(f"<div>{html.escape(line) or '&nbsp;'}</div>" for line in reply.written().split("\n"))
        + ("" if reply.quote == "none" else
           f'<blockquote type="cite">{html.escape(OX_ATTRIBUTION)}<br><br>{ORIGINAL_HTML}'
           "</blockquote>")
        + "</body></html>"
    )  # fmt: skip
    return _message(
        headers, f"Re: {ANNOUNCEMENT_SUBJECT}", reply.subject_form or "q",
        None if reply.html_only else plain, markup, boundary=f"----=_Part_{n:04d}_ox",
    )  # fmt: skip


PROGRAMS = {
    "outlook-exchange": outlook_exchange,
    "outlook-web": outlook_web,
    "outlook-mobile": outlook_mobile,
    "gmail": gmail,
    "apple-mail": apple_mail,
    "iphone": iphone,
    "thunderbird": thunderbird,
    "gmx": gmx,
    "webde": webde,
    "t-online": tonline,
    "open-xchange": open_xchange,
}

# The variants each program is written in, cycled through so that every program meets
# every signature, disclaimer, quoting style, HTML-only and subject form.
VARIANTS = [
    dict(signature="none", disclaimer="none", quote="below"),
    dict(signature="short", disclaimer="none", quote="below"),
    dict(signature="formal", disclaimer="vertraulich", quote="below"),
    dict(signature="formal", disclaimer="datenschutz", quote="below", html_only=True),
    dict(signature="dashes", disclaimer="none", quote="inline"),
    dict(signature="short", disclaimer="english", quote="none"),
    dict(signature="formal", disclaimer="none", quote="below", subject_form="raw-utf8"),
    dict(signature="none", disclaimer="vertraulich", quote="inline", html_only=False),
    dict(signature="short", disclaimer="datenschutz", quote="below", subject_form="b"),
    dict(signature="formal", disclaimer="english", quote="below", html_only=True,
         subject_form="raw-latin1"),
]  # fmt: skip
SUPPRESS = ["All", "DR, OOF, AutoReply", "None", ""]


@dataclass(frozen=True)
class Row:
    id: str
    program: str
    reply: Reply
    expected: str  # suggestion or unsubscribe

    def bytes(self) -> bytes:
        return PROGRAMS[self.program](self.reply, zlib.crc32(self.id.encode()) % 10_000)

    @property
    def subject_prefix(self) -> str:
        return {"outlook-exchange": "AW", "outlook-web": "AW", "gmx": "Aw", "webde": "Aw",
                "t-online": "AW"}.get(self.program, "Re")  # fmt: skip


def rows() -> list[Row]:
    """Every program in every variant, each with another idea; then each program once
    with a request to leave, signature and disclaimer included."""
    found = []
    count = 0
    for program in PROGRAMS:
        for number, variant in enumerate(VARIANTS):
            idea = IDEAS[count % len(IDEAS)]
            suppress = SUPPRESS[count % len(SUPPRESS)] if program.startswith("outlook") else ""
            words = f"Hallo zusammen,\n\n{idea}"
            if variant.get("quote") == "inline":
                words = idea
            reply = Reply(words, suppress=suppress, **variant)  # type: ignore[arg-type]
            name = "-".join(
                part for part in (
                    program, variant["quote"], variant["signature"], variant["disclaimer"],
                    "html" if variant.get("html_only") else "", variant.get("subject_form", ""),
                    f"suppress-{suppress.split(',')[0].lower()}" if suppress else "",
                ) if part
            )  # fmt: skip
            found.append(Row(f"{name}-{number}", program, reply, "suggestion"))
            count += 1
    for index, program in enumerate(PROGRAMS):
        words = LEAVING[index % len(LEAVING)]
        reply = Reply(words, signature="formal", disclaimer="vertraulich", quote="below",
                      suppress="All" if program.startswith("outlook") else "")  # fmt: skip
        found.append(Row(f"{program}-leaves", program, reply, "unsubscribe"))
    return found
