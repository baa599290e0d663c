"""Helpers for the tests of /admin/plan: a form filled in as a browser fills it (every
field it shows, with the values the page gave them, then what the organizer types),
the text a page shows, and plans around today for the real `mailer serve`."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser


class _Forms(HTMLParser):
    """Each <form> of a page: its action and what a browser would send (without a
    button: the test says which one it presses)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": found.get("action", ""), "fields": {}, "buttons": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and "name" in found:
            kind = found.get("type", "text")
            if kind == "checkbox":
                if "checked" in found:
                    fields[found["name"]] = found.get("value", "y")
            elif kind not in ("submit", "button"):
                fields[found["name"]] = found.get("value", "")
        elif tag == "textarea":
            self._textarea = found["name"]
            fields[self._textarea] = ""
        elif tag == "select":
            self._select = found["name"]
        elif (
            tag == "option" and self._select and ("selected" in found or self._select not in fields)
        ):
            fields[self._select] = found.get("value", "")
        elif tag == "button" and "name" in found:
            self.forms[-1]["buttons"].append((found["name"], found.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea and self.forms:
            fields = self.forms[-1]["fields"]  # browsers drop one line break after <textarea>
            fields[self._textarea] = re.sub(r"^\r?\n", "", fields[self._textarea])
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_of(page: str, button_value: str) -> dict[str, str]:
    """The fields of the form on `page` that has a button with this value (`pruefen`,
    `speichern`, ...), as a browser would send them."""
    parser = _Forms()
    parser.feed(page)
    for form in parser.forms:
        if any(value == button_value for _, value in form["buttons"]):
            return dict(form["fields"])
    raise AssertionError(f"no form with a button '{button_value}' on the page")


def visible_text(page: str) -> str:
    """The words of the page's <main>, as one line."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main)
    from html import unescape

    return " ".join(unescape(text).split())


def error_on(page: str, field: str) -> str:
    """The error sentence shown on a field (`<p class="error" id="FIELD-fehler">`)."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-fehler">(.*?)</p>', page, re.S)
    assert found, f"no error on {field}"
    from html import unescape

    return " ".join(unescape(found.group(1)).split())


def first_thursday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def thursdays_around(today: date) -> list[date]:
    """The first Thursdays of the month two months back to three months ahead."""
    found = []
    for step in range(-2, 4):
        index = today.month - 1 + step
        found.append(first_thursday(today.year + index // 12, index % 12 + 1))
    return found


def commented_plan_around(today: date) -> str:
    """The Digital-Impuls plan full of comments, with sessions before and after `today`
    (for the real server, which runs on the real clock)."""
    days = thursdays_around(today)
    ahead = [day for day in days if day > today + timedelta(days=1)]
    past = [day for day in days if day < today]
    return f"""\
# Der Plan des Digital-Impuls.
# Bitte nach jeder Änderung `mailer check` laufen lassen.

series:   # the series
  name: 'Digital-Impuls'              # single-quoted on purpose
  timezone: Europe/Berlin
  time: "16:00"                       # every session, unless it says otherwise
  duration: 90m
  join_url: https://zoom.us/j/123     # the standing link
  recurrence: FREQ=MONTHLY;BYDAY=+1TH
  description: >-
    Jeden ersten Donnerstag im Monat treffen sich junge
    Amtskolleg*innen aus ganz Deutschland.

sender:
  from: "Digital-Impuls <impuls@example.org>"
  reply_to: themen@example.org        # the poller reads this one
  imprint: |-
    Digital-Impuls – Netzwerk junger Bürgermeister*innen
    Musterstraße 1, 10115 Berlin

emails:
  announcement: 14d     # two weeks ahead
  reminders: [1d, 1h]   # flow list
  recap: 2h

# --- the sessions ---------------------------------------------------------
sessions:
  # the last one
  - date: {past[-1]}
    topic: Kommunale Wärmeplanung   # confirmed by phone
    guests:
      - name: Julia Stolzenberger
        role: "Seniorexpertin (KWW)"

  # the next one
  - date: {ahead[0]}
    topic: "Kommunalfinanzen: für die Würde unserer Städte"
    guests:
      - Vertreter*innen des Aktionsbündnisses
    description: Was die Haushaltslage für kleine Gemeinden heißt.

  - date: {ahead[1]}   # KI
    topic: KI in der Kommune
    join_url: https://zoom.us/j/456    # a link of its own

# The servers come from the environment.
"""
