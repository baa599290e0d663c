"""The members in the organizer's words: a member's standing, the status filter of the
list, and what an import finds wrong in a list. Pure: values in, German out.

The words for statuses and for the consent log's causes are words.py's, as everywhere
in /admin (MEMBER_STATUS_WORDS, cause_words).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from mailer import german
from mailer.consent import ACTIVE, BOUNCED, PENDING, UNSUBSCRIBED, Standing
from mailer.members import (
    FIELD_TOO_LONG,
    LONGEST_ADDRESS,
    OPEN_QUOTE,
    RowProblem,
    UnreadableList,
    field_limit_kib,
)

# The status filter of the list, as it stands in the address: ?status=aktiv
STATUS_SLUGS = {"aktiv": ACTIVE, "wartet": PENDING, "abgemeldet": UNSUBSCRIBED,
                "unzustellbar": BOUNCED}  # fmt: skip


def standing_words(standing: Standing, local_day: Callable[[str], date]) -> str:
    """A member's standing: `abgemeldet am Dienstag, 1. August 2023`, `Anmeldung nicht
    bestätigt`, `unzustellbar`, ...; `local_day` turns a stored UTC stamp into the
    series' day."""
    left = standing.withdrawal
    if left is None:
        return {PENDING: "Anmeldung nicht bestätigt", BOUNCED: "unzustellbar"}.get(
            standing.status or "", "im Verteiler"
        )
    when = f" am {german.long_date(local_day(left.at))}" if left.at else ""
    did = f"Mail als Spam gemeldet{when}" if left.complaint else f"abgemeldet{when}"
    if standing.status == PENDING:
        return f"{did}, eine neue Anmeldung nicht bestätigt"
    return did


def address_problem(text: str) -> str:
    """Why `text` is no mail address, in a few words, as far as its form tells (for the
    sentence `„x“ ist keine gültige E-Mail-Adresse (...)`); '' when it does not."""
    if not text.strip():
        return "die Adresse fehlt"
    local, at, domain = text.strip().rpartition("@")
    if not at:
        return "es fehlt das @"
    if "@" in local:
        return "mehr als ein @"
    if re.search(r"\s", text.strip()):
        return "Leerzeichen in der Adresse"
    if not local:
        return "vor dem @ fehlt etwas"
    if not domain:
        return "nach dem @ fehlt etwas"
    if "." not in domain:
        return "nach dem @ fehlt die Endung, etwa .de"
    if len(text.strip()) > LONGEST_ADDRESS:
        return f"länger als {LONGEST_ADDRESS} Zeichen"
    return "ungültige Zeichen oder Form"


def invalid_address(text: str) -> str:
    """The sentence for a text that is no mail address."""
    shown = text.strip()
    if not shown:
        return "Die E-Mail-Adresse fehlt."
    return f"„{shown}“ ist keine gültige E-Mail-Adresse ({address_problem(shown)})."


def row_problem(problem: RowProblem) -> str:
    """A bad row of a list: `Zeile 7: „anna(at)example.org“ ist keine gültige ...`."""
    if problem.first_line is not None:
        said = f"{problem.address} steht schon in Zeile {problem.first_line}; übersprungen."
    elif problem.address is not None:
        said = invalid_address(problem.address)
    else:  # a problem this module has no words for: the CLI's sentence
        said = problem.message
    return f"Zeile {problem.line}: {said}"


def unknown_column(column: str) -> str:
    return f"Zeile 1: Die Spalte „{column}“ kennt mailer nicht; sie wird nicht übernommen."


def left_out(line: int, email: str, standing: Standing, local_day: Callable[[str], date]) -> str:
    """A row the rule leaves out: the member withdrew their consent."""
    return (
        f"Zeile {line}: {email}: {standing_words(standing, local_day)}. Nur mit neuer"
        " Zustimmung wieder aufnehmen: einzeln eintragen und „neue Zustimmung“ ankreuzen."
    )


def unreadable(error: Exception) -> str:
    """A list that cannot be read at all: one sentence; nothing is imported."""
    if isinstance(error, UnreadableList) and error.kind == OPEN_QUOTE:
        return (
            f'Zeile {error.line}: Hier beginnt ein Anführungszeichen ("), das nie geschlossen'
            " wird. Nichts wurde eingetragen."
        )
    if isinstance(error, UnreadableList) and error.kind == FIELD_TOO_LONG:
        return (
            f"Zeile {error.line}: Ein Feld ist länger als {field_limit_kib()} KiB."
            " Nichts wurde eingetragen."
        )
    return (
        "Die Datei lässt sich nicht als Liste lesen. Bitte speichern Sie sie als CSV, in"
        " Excel: „CSV UTF-8 (durch Trennzeichen getrennt)“. Nichts wurde eingetragen."
    )


def summary(new: int, existing: int, bad: int, withdrawn: int, *, done: bool) -> str:
    """`12 neu, 3 schon da, 2 fehlerhafte Zeilen` (done: `12 eingetragen, ...`)."""
    parts = [f"{new} {'eingetragen' if done else 'neu'}", f"{existing} schon da"]
    if withdrawn:
        parts.append(f"{withdrawn} nach Abmeldung ausgelassen")
    parts.append(f"{bad} fehlerhafte {'Zeile' if bad == 1 else 'Zeilen'}")
    return ", ".join(parts)
