"""Helpers for the tests of /admin/plan: a form filled in as a browser fills it (every
field it shows, with the values the page gave them, then what the organizer types),
the text a page shows, and the error said on a field."""

from __future__ import annotations

import re
from html import unescape
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
    return " ".join(unescape(text).split())


def error_on(page: str, field: str) -> str:
    """The error sentence shown on a field (`<p class="error" id="FIELD-fehler">`)."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-fehler">(.*?)</p>', page, re.S)
    assert found, f"no error on {field}"
    return " ".join(unescape(found.group(1)).split())
