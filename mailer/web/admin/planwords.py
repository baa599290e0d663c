"""What the plan's core says, in the organizer's words: every word in /admin is German.

The core speaks English (`schedule.yaml:31: 25:00 is not a time of day`), as the CLI
does; a pattern finds its kind anywhere in the sentence, after the file and line. The forms check each field in German first (planforms.py); what still comes back
from the core is one of the kinds below, each a pattern of the core's sentence (as
planedit, planfile and planstore write it) with its German. A sentence no pattern
knows is shown in English after a German lead, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from mailer import german
from mailer.errors import MailerError


def _day(text: str) -> str:
    try:
        return german.long_date(date.fromisoformat(text))
    except ValueError:
        return text


def _taken(found: re.Match) -> str:
    about = found["about"]
    if about == "cancelled":
        about = "abgesagt"
    return f"Am {_day(found['day'])} gibt es schon einen Termin{f' ({about})' if about else ''}."


PASSWORD = (
    "Hier steht ein Link mit Passwort (https://name:passwort@…). Passwörter gehören nie in"
    " den Plan; bitte den Link ohne das Passwort angeben."
)
# (the core's sentence, as a pattern; its German). Most specific first.
PROBLEMS: tuple[tuple[re.Pattern[str], Callable[[re.Match], str]], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"there is already a session on (?P<day>[\d-]+)(?: \((?P<about>.*)\))?$", _taken),
        (r"two sessions on (?P<day>[\d-]+) \(the other is on line \d+\)$",
         lambda f: f"Am {_day(f['day'])} gibt es schon einen Termin."),
        # A time in the hour the clocks skip (wallclock.py; RFC 5545 3.3.5).
        (r"(?P<at>\d\d:\d\d) on (?P<day>[\d-]+) does not exist in \S+: the clocks go from"
         r" (?P<start>\d\d:\d\d) straight to (?P<end>\d\d:\d\d)",
         lambda f: f"{f['at']} Uhr gibt es am {_day(f['day'])} nicht: die Uhren springen in"
                   f" dieser Nacht von {f['start']} auf {f['end']} Uhr. Bitte eine Uhrzeit vor"
                   f" {f['start']} oder ab {f['end']} Uhr wählen."),
        (r"series\.time (?P<at>\d\d:\d\d) does not exist on (?P<day>[\d-]+).* the clocks go"
         r" from (?P<start>\d\d:\d\d) straight to (?P<end>\d\d:\d\d)",
         lambda f: f"Die Uhrzeit der Reihe, {f['at']} Uhr, gibt es am {_day(f['day'])} nicht:"
                   f" die Uhren springen in dieser Nacht von {f['start']} auf {f['end']} Uhr."
                   " Bitte diesem Termin eine eigene Uhrzeit geben oder eine andere Uhrzeit"
                   " für die Reihe wählen."),
        # moved_from that names no session members know (moves.py, planfile.py).
        (r"moved_from: (?P<day>[\d-]+) on line \d+ names the session on line \d+, which is"
         r" cancelled",
         lambda f: f"Der Termin vom {_day(f['day'])} ist abgesagt; ein Termin wird entweder"
                   " abgesagt oder verschoben, nicht beides."),
        (r"moved_from: (?P<day>[\d-]+) on line \d+ names the session on line \d+, which is"
         r" still listed",
         lambda f: f"Der Termin vom {_day(f['day'])} steht noch im Plan; zwei Termine können"
                   " nicht vom selben Tag stammen."),
        (r"two sessions say moved_from: (?P<day>[\d-]+)",
         lambda f: f"Zwei Termine sind vom {_day(f['day'])} verschoben; ein Termin kann nur"
                   " einmal von seinem Tag weg verschoben werden."),
        (r"moved_from: (?P<day>[\d-]+) is no date a session of this series was first planned"
         r" on or held on",
         lambda f: f"Am {_day(f['day'])} war kein Termin dieser Reihe, den jemand kennt; von"
                   " dort lässt sich nichts verschieben."),
        (r"moved_from: (?P<day>[\d-]+) was the date of several sessions",
         lambda f: f"Am {_day(f['day'])} lagen nach Verschiebungen mehrere Termine; bitte den"
                   " Tag angeben, an dem dieser Termin ursprünglich geplant war."),
        (r"two sessions were first planned on (?P<day>[\d-]+)$",
         lambda f: f"Ein anderer Termin war ursprünglich am {_day(f['day'])} geplant; zwei"
                   " Termine können nicht vom selben Tag stammen."),
        (r"there is no session first planned on (?P<day>[\d-]+)$",
         lambda f: f"Einen Termin, der am {_day(f['day'])} geplant war, gibt es im Plan nicht"
                   " (mehr)."),
        (r"the session on (?P<day>[\d-]+) comes from series\.recurrence and is not listed",
         lambda f: f"Der Termin am {_day(f['day'])} ergibt sich aus der Regel der Reihe und"
                   " steht nicht einzeln im Plan; entfernen geht darum nicht. Sagen Sie ihn"
                   " stattdessen ab."),
        (r"the session on (?P<day>[\d-]+) is not cancelled$",
         lambda f: f"Der Termin am {_day(f['day'])} ist nicht abgesagt."),
        (r"'(?P<value>.*)' is not a date like 2023-09-07$",
         lambda f: f"„{f['value']}“ ist kein Datum. Bitte so schreiben: 2024-03-07."),
        (r".+ must be a date like 2023-09-07, not '(?P<value>.*)'$",
         lambda f: f"„{f['value']}“ ist kein Datum. Bitte so schreiben: 2024-03-07."),
        (r".+ needs a date like 2023-09-07$", lambda f: "Bitte ein Datum angeben."),
        (r"(?P<value>\S+) is not a date that exists$",
         lambda f: f"Den {f['value']} gibt es nicht im Kalender."),
        (r".+: \S+ is not between the years (?P<first>\d+) and (?P<last>\d+)$",
         lambda f: f"Das Datum muss zwischen den Jahren {f['first']} und {f['last']} liegen."),
        (r'.+ must be a time like "16:00"$',
         lambda f: "Bitte eine Uhrzeit angeben, so geschrieben: 16:00."),
        (r"(?P<value>\S+) is not a time of day$",
         lambda f: f"{f['value']} gibt es nicht als Uhrzeit (höchstens 23:59)."),
        (r".+ must be an https:// link, not '(?P<value>.*)'$",
         lambda f: f"„{f['value']}“ ist kein Link, der mit https:// beginnt"
                   " (z. B. https://zoom.us/j/123)."),
        (r"this link carries a password", lambda f: PASSWORD),
        (r".+ must be a duration like 30m, 1h, 2d or 14d, not '(?P<value>.*)'$",
         lambda f: f"„{f['value']}“ ist keine Dauer. Bitte so schreiben: 30m (Minuten), 1h"
                   " (Stunden), 2d (Tage), 1w (Wochen) oder 1h30m."),
        (r".+ '(?P<value>.*)' is longer than a year$",
         lambda f: f"{f['value']} ist länger als ein Jahr; höchstens ein Jahr geht."),
        (r".+ must be longer than zero$", lambda f: "Die Dauer muss länger als null sein."),
        (r"the reminder '(?P<value>.*)' must be shorter than the announcement's time",
         lambda f: f"Die Erinnerung {f['value']} muss kürzer vor dem Beginn kommen als die"
                   " Einladung."),
        (r"emails\.reminders lists the same time twice$",
         lambda f: "Eine Erinnerung steht zweimal da."),
        (r".+ must be one of (?P<choices>.+), not '(?P<value>.*)'$",
         lambda f: f"„{f['value']}“ geht hier nicht; möglich ist: {f['choices']}."),
        (r"a guest needs 'name:'$", lambda f: "Jeder Gast braucht einen Namen."),
        (r".+ needs '(?P<key>\w+):'$", lambda f: "Diese Angabe darf nicht leer sein."),
        (r"a recurrence needs series\.start or at least one listed session$",
         lambda f: "Das ist der letzte einzeln eingetragene Termin, und die Regel der Reihe"
                   " zählt von ihm an; ohne ihn hätte die Reihe keinen Anfang. Sagen Sie ihn"
                   " lieber ab (oder tragen Sie series.start in schedule.yaml ein)."),
        (r".+ holds the character U\+(?P<code>[0-9A-F]+), which no mail can carry",
         lambda f: f"Hier steht ein unsichtbares Steuerzeichen (U+{f['code']}), das keine Mail"
                   " tragen kann. Bitte den Text neu tippen, statt ihn einzufügen."),
        (r"this plan cannot be written back|the plan must be a mapping of sections",
         lambda f: "Diese Änderung lässt sich nicht automatisch in schedule.yaml schreiben;"
                   " bitte machen Sie sie von Hand."),
        (r"this changes nothing; nothing was saved$",
         lambda f: "Das ändert nichts am Plan; nichts wurde gespeichert."),
        (r"there is no change made through mailer to undo$",
         lambda f: "Es gibt keine Änderung über mailer, die sich rückgängig machen lässt."),
        (r"the version before change (?P<id>\d+) is no longer kept \(only the newest (?P<n>\d+)",
         lambda f: f"Die Fassung vor dieser Änderung ist nicht mehr aufbewahrt (nur die"
                   f" letzten {f['n']}); nichts wurde rückgängig gemacht."),
        (r"this kept version was changed; nothing was undone$",
         lambda f: "Die aufbewahrte Fassung wurde seitdem verändert; nichts wurde rückgängig"
                   " gemacht."),
        (r"cannot be created \((?P<why>.*)\)$",
         lambda f: f"Der Ordner für die alten Fassungen des Plans lässt sich nicht anlegen"
                   f" ({f['why']}); nichts wurde gespeichert."),
    )
)  # fmt: skip
LEAD = "Das ging nicht. Die Prüfung des Plans sagt (auf Englisch):"


def german_problem(problem: MailerError) -> str:
    """The German sentence for a mistake the plan's core found (an EditError, a
    PlanError, a MailerError of the store); the English after a German lead when no
    pattern knows it."""
    sentence = str(problem)
    for pattern, words in PROBLEMS:
        found = pattern.search(sentence)
        if found:
            return words(found)
    return f"{LEAD} {sentence}"
