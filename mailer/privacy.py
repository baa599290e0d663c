"""The privacy statement: what mailer stores, said in German, from the schema itself.

`mailer init` writes a starter (`datenschutz.md`) for the organizer to review and
complete, and `/datenschutz` shows it (or, until there is such a file, the same text made
afresh). Its list of what is stored is made from subscribers.db's tables and columns
(store.schema_columns), each told in the words of TABLES below; a column without words
here is a test failure, so the text can never fall behind the schema.

The text speaks of "Mitglieder" and "wer sich anmeldet", never du or Sie, so that it
fits a series of either register.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from mailer.errors import MailerError
from mailer.plan import Plan


@dataclass(frozen=True)
class Table:
    """One table of subscribers.db in the privacy statement: its title, whether it holds
    data about members (`personal`), what it is for, and a phrase for each column."""

    title: str
    personal: bool
    purpose: str
    columns: dict[str, str]


TABLES: dict[str, Table] = {
    "subscribers": Table(
        "Mitglieder",
        True,
        "Wer im Verteiler steht und wie die Mails anreden sollen.",
        {
            "id": "eine laufende Nummer",
            "email": "die E-Mail-Adresse",
            "name": "der Name, wenn angegeben",
            "org": "die Kommune oder Organisation, wenn angegeben",
            "status": "ob die Adresse Mails bekommt (aktiv, wartet auf Bestätigung,"
            " abgemeldet, unzustellbar)",
            "token": "ein zufälliger Schlüssel für die Abmelde- und Einstellungslinks",
            "consent_source": "woher die Einwilligung stammt (Formular, Import, Eintrag"
            " durch das Orga-Team)",
            "consent_at": "wann eingewilligt wurde",
            "created_at": "wann der Eintrag angelegt wurde",
            "updated_at": "wann er zuletzt geändert wurde",
            "bounce_count": "wie oft Mails zuletzt nicht zugestellt werden konnten",
            "bounce_score": "Punkte aus Unzustellbar-Meldungen, die nur die Adresse nennen",
            "last_bounce_day": "der Tag der letzten solchen Meldung",
            "first_name": "der Vorname, wenn angegeben",
            "last_name": "der Nachname, wenn angegeben",
            "salutation": "die Anrede (z. B. Frau Bürgermeisterin), wenn angegeben",
            "reminders": "ob Erinnerungen vor den Terminen gewünscht sind",
        },
    ),
    "consent_log": Table(
        "Nachweis der Einwilligung",
        True,
        "Jede An- und Abmeldung und jede Änderung des Status, als Nachweis der Einwilligung"
        " (Art. 7 Abs. 1 DSGVO). Er bleibt auch nach einer Abmeldung erhalten.",
        {
            "id": "eine laufende Nummer",
            "subscriber_id": "die Nummer des Mitglieds",
            "email": "die E-Mail-Adresse",
            "status": "der neue Status",
            "cause": "was ihn ausgelöst hat (z. B. das Formular, der Bestätigungslink,"
            " ein Abmeldelink, eine Unzustellbar-Meldung)",
            "at": "wann",
            "ip": "bei Anmeldung, Bestätigung und Abmeldung im Web das Netz, aus dem sie"
            " kam, gekürzt (IPv4 auf /24, IPv6 auf /48): nicht der einzelne Anschluss",
        },
    ),
    "outbox": Table(
        "Versand",
        True,
        "Jede Mail an jedes Mitglied, damit keine doppelt und keine verloren geht.",
        {
            "id": "eine laufende Nummer",
            "mail_key": "welche Mail an wen (Termin, Art, Nummer des Mitglieds)",
            "session_key": "der Termin, zu dem die Mail gehört",
            "stage": "welche Mail des Termins (Einladung, Erinnerung, ...)",
            "kind": "die Art der Mail",
            "sequence": "die Fassung der Kalender-Einladung",
            "subscriber_id": "die Nummer des Mitglieds",
            "message_id": "die Kennung der Mail (Message-ID)",
            "status": "ob sie verschickt ist, wartet oder scheiterte",
            "attempts": "wie oft der Versand versucht wurde",
            "next_attempt_at": "wann der nächste Versuch ist",
            "last_answer": "die letzte Antwort des Mailservers",
            "queued_at": "wann die Mail in den Versand kam",
            "sent_at": "wann sie verschickt wurde",
            "to_address": "bei Mails an das Orga-Team dessen Adresse",
            "in_reply_to": "bei einem Dank für einen Themenvorschlag die Kennung der Mail,"
            " auf die er antwortet",
            "period_start": "beim Bericht an das Orga-Team der Beginn des Zeitraums",
            "period_end": "und sein Ende",
            "told_sequence": "welche Fassung eines Termins eine Änderungsmitteilung meldet",
        },
    ),
    "inbound": Table(
        "Antworten",
        True,
        "Was an die Antwortadresse kommt: Themenvorschläge, Abmeldungen, Zu- und Absagen,"
        " Abwesenheitsnotizen, Unzustellbar-Meldungen. Die Mails selbst liegen im Postfach"
        " der Antwortadresse, in Ordnern nach ihrer Art.",
        {
            "id": "eine laufende Nummer",
            "message_key": "ein Fingerabdruck der Mail, damit sie nur einmal gezählt wird",
            "message_id": "die Kennung der Mail (Message-ID)",
            "kind": "als was sie eingeordnet wurde",
            "folder": "der Ordner, in den sie gelegt wurde",
            "sender": "die Absendeadresse",
            "subscriber_id": "die Nummer des Mitglieds, wenn sie von einem kam",
            "subject": "der Betreff",
            "text": "der Text der Mail (ohne Anhänge)",
            "received_at": "wann sie ankam",
            "session_key": "der Termin, auf den sie antwortet",
            "attachments": "die Namen der Anhänge (nicht die Anhänge selbst)",
            "addresses": "die Adressen, die eine Unzustellbar-Meldung nennt",
            "reason": "warum sie so eingeordnet wurde",
            "effect": "was sie bewirkt hat (z. B. eine Abmeldung)",
            "recorded_at": "wann sie gelesen wurde",
            "done_at": "wann das Orga-Team einen Themenvorschlag als erledigt markiert hat",
            "proposed_start": "bei einem Terminvorschlag aus dem Kalender: der vorgeschlagene"
            " Beginn",
            "proposed_end": "und das vorgeschlagene Ende",
        },
    ),
    "rsvps": Table(
        "Zu- und Absagen",
        True,
        "Die Antworten auf die Einladungen, aus dem Kalender oder mit einem Klick im Web.",
        {
            "session_key": "der Termin",
            "subscriber_id": "die Nummer des Mitglieds",
            "answer": "die Antwort (zugesagt, abgesagt, vielleicht)",
            "answered_at": "wann geantwortet wurde",
            "sequence": "auf welche Fassung der Einladung",
            "via": "ob über den Kalender oder im Web",
            "recorded_at": "wann die Antwort ankam",
        },
    ),
    "admin_log": Table(
        "Protokoll des Orga-Teams",
        True,
        "Wer aus dem Orga-Team was geändert hat. Die Einträge über ein Mitglied werden"
        " mit ihm gelöscht.",
        {
            "id": "eine laufende Nummer",
            "at": "wann",
            "organizer": "wer aus dem Orga-Team",
            "action": "was geändert wurde",
            "subject": "woran (z. B. die Adresse eines Mitglieds)",
            "detail": "Einzelheiten",
        },
    ),
    "organizers": Table(
        "Konten des Orga-Teams",
        True,
        "Die Zugänge zu den Seiten des Orga-Teams; Daten des Orga-Teams, nicht der Mitglieder.",
        {
            "name": "der Name",
            "password_hash": "das Passwort, nur als Argon2-Hash (das Passwort selbst wird"
            " nicht gespeichert)",
            "created_at": "wann das Konto angelegt wurde",
            "updated_at": "wann es zuletzt geändert wurde",
        },
    ),
    "plan_changes": Table(
        "Änderungen am Terminplan",
        False,
        "Wer aus dem Orga-Team den Terminplan wann geändert hat, um Änderungen"
        " zurücknehmen zu können.",
        {
            "id": "eine laufende Nummer",
            "at": "wann",
            "by": "wer aus dem Orga-Team",
            "via": "ob im Browser oder auf der Befehlszeile",
            "action": "was geändert wurde",
            "session_key": "an welchem Termin",
            "detail": "welche Angaben",
            "quiet": "ob die Änderung ohne Mail bleiben sollte",
            "before_sha256": "eine Prüfsumme der Fassung davor",
            "after_sha256": "eine Prüfsumme der Fassung danach",
            "kept": "der Name der aufbewahrten Fassung davor",
            "undoes": "welche Änderung sie zurücknimmt",
            "undone_by": "welche Änderung sie zurückgenommen hat",
        },
    ),
    "session_versions": Table(
        "Fassungen der Termine",
        False,
        "Jede Fassung eines Termins, damit Änderungsmitteilungen sagen können, was sich"
        " geändert hat.",
        {
            "session_key": "der Termin",
            "sequence": "die Nummer der Fassung",
            "fingerprint": "eine Prüfsumme ihres Inhalts",
            "recorded_at": "wann sie zuerst verschickt wurde",
            "notices_done": "ob die Mitteilungen dazu verschickt sind",
            "content": "Thema, Zeit, Gäste und Link dieser Fassung",
        },
    ),
    "quiet_versions": Table(
        "Stille Änderungen",
        False,
        "Fassungen von Terminen, über die das Orga-Team keine Mail schicken wollte.",
        {
            "session_key": "der Termin",
            "fingerprint": "eine Prüfsumme der Fassung",
            "marked_at": "wann sie so markiert wurde",
        },
    ),
    "newsletters": Table(
        "Rundbriefe",
        False,
        "Die Rundbriefe des Orga-Teams, so wie sie verschickt werden.",
        {
            "id": "eine laufende Nummer",
            "source": "der Text, wie das Orga-Team ihn schrieb",
            "subject": "der Betreff",
            "html": "die Mail als HTML",
            "text": "die Mail als reiner Text",
            "public_html": "die Web-Fassung (ohne Daten von Mitgliedern)",
            "send_at": "wann er hinausgehen soll",
            "scheduled_at": "wann er geplant wurde",
            "queued_at": "wann er in den Versand kam",
            "cancelled_at": "wann er abgesagt wurde",
            "source_digest": "eine Prüfsumme des Textes, damit derselbe Rundbrief nicht zweimal"
            " hinausgeht",
        },
    ),
    "poll_cursors": Table(
        "Stand des Postfachs",
        False,
        "Bis zu welcher Mail das Postfach der Antwortadresse gelesen ist.",
        {
            "account": "das Konto",
            "mailbox": "der Ordner",
            "uidvalidity": "die Kennung des Ordners (IMAP UIDVALIDITY)",
            "last_uid": "die Nummer der zuletzt gelesenen Mail",
            "updated_at": "wann",
        },
    ),
    "queue_marks": Table(
        "Stand des Versands",
        False,
        "Bis zu welchem Eintrag im Nachweis der Einwilligung eine Mail an alle verteilt ist.",
        {
            "prefix": "welche Mail",
            "consent_mark": "bis zu welchem Eintrag",
        },
    ),
    "secrets": Table(
        "Schlüssel",
        False,
        "Zufällige Schlüssel, mit denen mailer seine Links und Kennungen unterschreibt.",
        {"name": "wofür", "value": "der Schlüssel"},
    ),
    "runs": Table(
        "Durchläufe",
        False,
        "Wann mailer zuletzt Mails verschickt und Antworten gelesen hat, und wie es ausging.",
        {
            "job": "Versand oder Abruf",
            "via": "vom Dienst oder von Hand gestartet",
            "started_at": "wann er begann",
            "finished_at": "wann er endete",
            "outcome": "wie er ausging",
            "summary": "eine Zeile dazu",
            "last_ok_at": "wann einer zuletzt gut endete",
        },
    ),
}


def missing_words(schema: dict[str, tuple[str, ...]]) -> list[str]:
    """The tables and columns of `schema` that TABLES has no words for (`table` or
    `table.column`), and those it has words for but the schema lacks."""
    missing = [
        f"{table}.{column}" if table in TABLES else table
        for table, columns in schema.items()
        for column in (columns if table in TABLES else columns[:1])
        if table not in TABLES or column not in TABLES[table].columns
    ]
    stale = [
        f"{table}.{column}"
        for table, told in TABLES.items()
        for column in told.columns
        if column not in schema.get(table, ())
    ]
    return missing + stale


def starter_text(plan: Plan, schema: dict[str, tuple[str, ...]]) -> str:
    """The starter privacy statement (Markdown, German) for `plan`'s series: who is
    responsible (web.imprint), what for, the legal basis, exactly what is stored (every
    table and column of `schema`), how long, and the members' rights."""
    series = plan.series.name
    imprint = plan.web.imprint or plan.sender.imprint
    order = list(TABLES)
    tables = sorted(schema, key=lambda name: order.index(name) if name in order else len(order))
    personal = [_table_text(table, schema[table]) for table in tables if _personal(table)]
    other = [_table_text(table, schema[table]) for table in tables if not _personal(table)]
    blocks = [
        "# Datenschutzerklärung",
        f"> Diesen Text hat mailer für den Verteiler „{series}“ geschrieben. Er nennt"
        " genau, was mailer speichert; bitte prüfen, ergänzen (wo die Seiten und die"
        " Mails laufen, welcher Mailanbieter, welches Konferenzwerkzeug) und dann"
        " diesen Absatz löschen.",
        "## Verantwortlich",
        "  \n".join(imprint.splitlines()),
        "## Wozu",
        f"Für die Einladungen zum {series}, die Erinnerungen, Änderungen und Absagen,"
        " den Rückblick nach einem Termin und Rundbriefe, alles per Mail; und um die"
        " Antworten darauf zu lesen (Themenvorschläge, Zu- und Absagen, Abmeldungen).",
        "## Rechtsgrundlage",
        "Die Einwilligung (Art. 6 Abs. 1 lit. a DSGVO). Wer sich im Web anmeldet,"
        " bestätigt die Anmeldung mit einem Link per Mail (Double-Opt-in); erst dann"
        " kommen Einladungen. Die Einwilligung lässt sich jederzeit widerrufen: mit dem"
        " Abmeldelink in jeder Mail oder mit einer Antwort „abmelden“.",
        "## Was gespeichert wird",
        "mailer speichert in seiner Datenbank (subscribers.db) genau dies:",
        *personal,
        "Ohne Angaben über einzelne Mitglieder:",
        *other,
        "## Wie lange",
        "Solange jemand im Verteiler ist. Nach einer Abmeldung gehen keine Mails mehr"
        " hinaus; der Eintrag und der Nachweis der Einwilligung bleiben als Beleg, dass"
        " nur mit Einwilligung geschrieben wurde. Auf Wunsch löscht das Orga-Team alles"
        " über eine Person (Art. 17 DSGVO): den Eintrag, den Nachweis, den Versand, die"
        " Antworten, die Zu- und Absagen und die Einträge im Protokoll.",
        "## Rechte",
        "Jede Person, deren Daten hier gespeichert sind, hat das Recht auf Auskunft,"
        " Berichtigung, Löschung, Einschränkung der Verarbeitung, Datenübertragbarkeit"
        " und Widerruf der Einwilligung (Art. 15 bis 21 DSGVO) sowie auf Beschwerde bei"
        f" einer Datenschutz-Aufsichtsbehörde (Art. 77 DSGVO). Eine Mail an"
        f" {plan.sender.reply_to} genügt.",
    ]
    return "\n\n".join(_wrapped(block) for block in blocks)


def _wrapped(block: str, width: int = 88) -> str:
    """A block of Markdown with its long lines wrapped, as one would write it by hand
    (a list item's next lines indented, a quote's marked); short lines stay as they are."""
    lines = []
    for line in block.split("\n"):
        if len(line) <= width or line.startswith("#"):
            lines.append(line)
            continue
        follow = "  " if line.startswith("- ") else "> " if line.startswith("> ") else ""
        lines.extend(textwrap.wrap(line, width, subsequent_indent=follow))
    return "\n".join(lines)


def _personal(table: str) -> bool:
    return TABLES[table].personal if table in TABLES else True


def _table_text(table: str, columns: tuple[str, ...]) -> str:
    told = TABLES.get(table)
    if told is None:  # a table without words: named, never left out (a test forbids it)
        return f"### {table}\n\n" + "\n".join(f"- {column}" for column in columns)
    listed = "\n".join(f"- {told.columns.get(column, column)}" for column in columns)
    return f"### {told.title}\n\n{told.purpose}\n\n{listed}"


def markdown(plan: Plan, root: Path, schema: dict[str, tuple[str, ...]]) -> str:
    """The privacy statement to show (Markdown): web.privacy's text, or its file beside
    schedule.yaml (in `root`); without web.privacy and without the default file, the
    starter made afresh. MailerError when a file the plan names cannot be read."""
    web = plan.web
    if web.privacy_text is not None:
        return web.privacy_text
    path = root / (web.privacy_file or "")
    if web.privacy_file is None or (web.privacy_line is None and not path.exists()):
        return starter_text(plan, schema)
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        where = f"schedule.yaml:{web.privacy_line}: " if web.privacy_line else ""
        problem = getattr(error, "strerror", None) or "not UTF-8"
        raise MailerError(f"{where}web.privacy: {path.name} cannot be read ({problem})") from None
