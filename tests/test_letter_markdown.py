"""A letter, not a CommonMark document: what an organizer writes in a newsletter or a
recap reaches members as written, in the HTML part and the text part alike.

Two kinds of fault, each a table: German writing that Markdown read as markup (the gender
star, gap and colon inside a word, in every place a word can stand), and line breaks in
the file that vanished from the mail. Every row is checked on what crossed the socket of a
real SMTP server, for a newsletter and for a recap (one tick each, shared by the rows).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler, start_server

# (source, the HTML as the mail carries it (styles removed, spaces collapsed), the text part)
GERMAN_WRITING = {
    "gender star": (
        "Liebe Bürgermeister*innen und Amtskolleg*innen,",
        "<p>Liebe Bürgermeister*innen und Amtskolleg*innen,</p>",
        "Liebe Bürgermeister*innen und Amtskolleg*innen,",
    ),
    "gender gap": (
        "Liebe Bürger_innen und Kolleg_innen,",
        "<p>Liebe Bürger_innen und Kolleg_innen,</p>",
        "Liebe Bürger_innen und Kolleg_innen,",
    ),
    "gender colon": (
        "Liebe Kolleg:innen aus den Rathäusern,",
        "<p>Liebe Kolleg:innen aus den Rathäusern,</p>",
        "Liebe Kolleg:innen aus den Rathäusern,",
    ),
    "several in one line": (
        "Expert*innen, Bürger*innen, Planer*innen und Nutzer*innen trafen sich.",
        "<p>Expert*innen, Bürger*innen, Planer*innen und Nutzer*innen trafen sich.</p>",
        "Expert*innen, Bürger*innen, Planer*innen und Nutzer*innen trafen sich.",
    ),
    "star and gap in one line": (
        "Die Bürgermeister*innen, Bürger_innen und Kolleg*innen.",
        "<p>Die Bürgermeister*innen, Bürger_innen und Kolleg*innen.</p>",
        "Die Bürgermeister*innen, Bürger_innen und Kolleg*innen.",
    ),
    "star at a word's start": (
        "Die *innen-Form, wie bei Kolleg*innen.",
        "<p>Die *innen-Form, wie bei Kolleg*innen.</p>",
        "Die *innen-Form, wie bei Kolleg*innen.",
    ),
    "star at a word's end": (
        "Bürger*innen und Kolleg* heute.",
        "<p>Bürger*innen und Kolleg* heute.</p>",
        "Bürger*innen und Kolleg* heute.",
    ),
    "between digits": (
        "Ein Raster von 3*4*5 Metern.",
        "<p>Ein Raster von 3*4*5 Metern.</p>",
        "Ein Raster von 3*4*5 Metern.",
    ),
    "in a link's text and address": (
        "[Für Bürger*innen und Kolleg*innen](https://example.org/a*b*c) lesen.",
        '<p><a href="https://example.org/a*b*c">Für Bürger*innen und Kolleg*innen</a> lesen.</p>',
        "Für Bürger*innen und Kolleg*innen (https://example.org/a*b*c) lesen.",
    ),
    "in a heading": (
        "## Für Bürgermeister*innen und Kolleg*innen",
        "Für Bürgermeister*innen und Kolleg*innen</h2>",
        "Für Bürgermeister*innen und Kolleg*innen\n----------------------------------------",
    ),
    "in a list": (
        "- Amtskolleg*innen und Bürger*innen\n- Bürger_innen",
        "<li>Amtskolleg*innen und Bürger*innen</li> <li>Bürger_innen</li>",
        "- Amtskolleg*innen und Bürger*innen\n- Bürger_innen",
    ),
    "in a table": (
        "| Wer | Wie viele |\n|---|---|\n| Kolleg*innen und Bürger*innen | 3*4 |",
        "<td>Kolleg*innen und Bürger*innen</td> <td>3*4</td>",
        "Kolleg*innen und Bürger*innen  3*4",
    ),
    # What a writer means by stars and underscores around whole words still works.
    "emphasis": ("Das ist *wichtig*.", "<p>Das ist <em>wichtig</em>.</p>", "Das ist _wichtig_."),
    "strong": ("Das ist **sehr wichtig**.", "<strong>sehr wichtig</strong>", "*sehr wichtig*"),
    "emphasis with underscores": ("Ein _Wort_ betont.", "<em>Wort</em>", "Ein _Wort_ betont."),
    "emphasis around a gendered word": (
        "*Liebe Kolleg*innen*, willkommen.",
        "<p><em>Liebe Kolleg*innen</em>, willkommen.</p>",
        "_Liebe Kolleg*innen_, willkommen.",
    ),
    "strong around a gendered word": (
        "**Alle Bürgermeister*innen und Kolleg*innen** sind eingeladen.",
        "<p><strong>Alle Bürgermeister*innen und Kolleg*innen</strong> sind eingeladen.</p>",
        "*Alle Bürgermeister*innen und Kolleg*innen* sind eingeladen.",
    ),
}

LINE_BREAKS = {
    "a letter's closing": (
        "Viele Grüße\nIhr Orga-Team",
        "<p>Viele Grüße<br> Ihr Orga-Team</p>",
        "Viele Grüße\nIhr Orga-Team",
    ),
    "a greeting and its first line": (
        "Liebe Runde,\nwir blicken zurück.",
        "<p>Liebe Runde,<br> wir blicken zurück.</p>",
        "Liebe Runde,\nwir blicken zurück.",
    ),
    "an address of three lines": (
        "Rathaus Beispielstadt\nMarktplatz 1\n12345 Beispielstadt",
        "<p>Rathaus Beispielstadt<br> Marktplatz 1<br> 12345 Beispielstadt</p>",
        "Rathaus Beispielstadt\nMarktplatz 1\n12345 Beispielstadt",
    ),
    "in a list item": (
        "- Folien: online\n  Aufzeichnung: folgt",
        "<li>Folien: online<br> Aufzeichnung: folgt</li>",
        "- Folien: online\n  Aufzeichnung: folgt",
    ),
    "in a quote": (
        "> Ein Satz aus der Runde\n> und noch einer",
        "<p>Ein Satz aus der Runde<br> und noch einer</p>",
        "> Ein Satz aus der Runde\n> und noch einer",
    ),
    "a blank line is a new paragraph": (
        "Absatz eins\n\nAbsatz zwei",
        "<p>Absatz eins</p> <p>Absatz zwei</p>",
        "Absatz eins\n\nAbsatz zwei",
    ),
}

CASES = {**GERMAN_WRITING, **LINE_BREAKS}
SOURCE = "\n\n".join(source for source, _, _ in CASES.values())
SESSION_LINE = "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n"


def _mail_parts(message) -> tuple[str, str]:
    """The HTML part with the inlined styles taken out and spaces collapsed, and the text."""
    page = message.get_body(("html",)).get_content()
    page = re.sub(r' (?:style|align|valign|bgcolor)="[^"]*"', "", page)
    page = re.sub(r"<br\s*/?>", "<br>", page)
    page = re.sub(r"\s+", " ", page)
    return page, message.get_body(("plain",)).get_content().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """One newsletter and one recap carrying every row's source, through a real tick and
    a real SMTP server: kind -> (HTML, text) as anna received it."""
    handler = RecordingHandler(pipelining=True)
    controller = start_server(handler)
    try:
        app = Mailer(Path(tmp_path_factory.mktemp("letters")))
        app.env["MAILER_SMTP_URL"] = f"smtp://{controller.hostname}:{controller.port}"
        recap = "    recap: |\n" + textwrap.indent(SOURCE, "      ") + "\n"
        app.write_plan(STARTER.replace(SESSION_LINE, SESSION_LINE + recap, 1))
        app.add("anna@example.org")
        letter = app.root / "brief.md"
        letter.write_text(f"---\nsubject: Ein Brief\n---\n{SOURCE}\n", "utf-8")
        app("newsletter", "schedule", str(letter), "--now", "2023-09-01T10:00")
        app("tick", "--now", "2023-09-01T10:00")
        app("tick", "--now", "2023-09-07T19:30")  # the recap: 2 hours after the end
    finally:
        controller.stop()
    found = {}
    for received in handler.to("anna@example.org"):
        subject = str(received.message["Subject"])
        kind = (
            "newsletter" if subject == "Ein Brief" else "recap" if "Rückblick" in subject else None
        )
        if kind:
            found[kind] = _mail_parts(received.message)
    assert set(found) == {"newsletter", "recap"}
    return found


@pytest.mark.parametrize("kind", ["newsletter", "recap"])
@pytest.mark.parametrize(("source", "html", "text"), CASES.values(), ids=CASES.keys())
def test_what_the_organizer_wrote_reaches_members_as_written(
    delivered: dict, kind: str, source: str, html: str, text: str
) -> None:
    page, plain = delivered[kind]
    assert html in page, source
    assert text in plain, source
