"""A path the web door cannot use is 404, never 500: each parameter of each route, given
the values that break a parser (digits Python counts as digits but int() refuses or
reads differently, numbers SQLite cannot hold, negative, empty, dates that do not exist
or lie beyond any plan, other ISO 8601 forms, overlong, bytes that are not UTF-8),
through the real `mailer serve` process; the other parameters stay valid."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest

from mailer.store import Store
from tests.conftest import Mailer
from tests.webtools import (
    PASSWORD,
    database_snapshot,
    hidden_fields,
    http_request,
    plan_ahead,
    served,
)

HOSTILE = {
    "superscript two": "²",
    "superscript digits": "²³",
    "Arabic-Indic digit one": "١",  # int() reads 1: Anna's id, the first newsletter
    "fullwidth digit one": "１",
    "huge number": "99999999999999999999999",
    "past 64 bits": "9223372036854775808",
    "negative": "-1",
    "zero": "0",
    "decimal": "1.5",
    "exponent": "1e3",
    "empty": "",
    "spaces": " 1 ",
    "date zero": "0000-00-00",
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "February 30": "2023-02-30",
    "date without zeros": "2023-9-7",
    "ISO basic date": "20230907",
    "ISO week date": "2023-W36-4",
    "date and time": "2023-09-07T16:00",
    "overlong": "9" * 5000,
    "NUL": "%00",
    "not UTF-8": "%ff%fe",
    "dot dot": "..",
    "a year before any plan": "1969",
    "a year after any plan": "3000",
}
# Each route's parameters; {name} is replaced by a hostile value, the others stay valid.
ROUTES = {
    "confirmation": ("/bestaetigen/{token}", ("token",)),
    "unsubscribe": ("/abmelden/{ref}", ("ref",)),
    "preferences": ("/einstellungen/{ref}", ("ref",)),
    "answer": ("/zusage/{ref}/{day}/{answer}", ("ref", "day", "answer")),
    "web version": ("/brief/{day}/{kind}", ("day", "kind")),
    "newsletter": ("/rundbrief/{id}", ("id",)),
    "idea done": ("/admin/antworten/{id}/erledigt", ("id",)),
    "plan session": ("/admin/plan/termin/{day}", ("day",)),
    "plan change": ("/admin/plan/termin/{day}/bearbeiten", ("day",)),
    "plan year": ("/admin/plan/jahr/{year}", ("year",)),
}
# A member's ref, `number-token`, with the hostile value as its number (`²-x` ...).
REF_FORMS = {"as the number": "{value}-{token}", "as the whole ref": "{value}"}


class Site:
    def __init__(self, mailer: Mailer, base: str, valid: dict[str, str]):
        self.mailer, self.base, self.valid = mailer, base, valid
        self.cookie, self.csrf = "", ""

    def request(self, method: str, path: str, body: bytes = b""):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        status, answer_headers, page = http_request(self.base, method, path, body, **headers)
        if self.cookie and "Set-Cookie" in answer_headers:  # the session, as a browser keeps it
            self.cookie = answer_headers["Set-Cookie"].split(";")[0]
        return status, page

    def snapshot(self) -> list[str]:
        return database_snapshot(self.mailer.db)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    mailer = Mailer(tmp_path_factory.mktemp("paths"))
    day = date.today() + timedelta(days=10)
    with served(mailer, plan=plan_ahead(day)) as base:
        mailer.add("anna@example.org")
        letter = mailer.root / "rundbrief.md"  # newsletter 1, with its web version
        letter.write_text("---\nsubject: Neues aus dem Netzwerk\n---\nHallo!\n", "utf-8")
        mailer("newsletter", "schedule", str(letter))
        mailer("tick")
        with Store(mailer.db) as store:
            anna = store.subscriber("anna@example.org")
        valid = {"token": "x", "ref": anna.ref, "day": day.isoformat(), "answer": "ja",
                 "kind": "announcement", "id": "1", "member_token": anna.token,
                 "year": str(day.year)}  # fmt: skip
        yield Site(mailer, base, valid)


def log_in(site: Site) -> None:
    """The organizer, logged in: the session cookie and a CSRF token for the buttons."""
    _, headers, page = http_request(site.base, "GET", "/admin/login")
    site.cookie = headers["Set-Cookie"].split(";")[0]
    token = hidden_fields(page)["csrf_token"]
    body = f"csrf_token={token}&name=admin&password={quote(PASSWORD)}".encode()
    assert site.request("POST", "/admin/login", body)[0] == 302
    _, page = site.request("GET", "/admin/antworten")  # a token of the logged-in session
    site.csrf = hidden_fields(page)["csrf_token"]


def cases() -> list[tuple[str, str, str, str]]:
    found = []
    for route, (_, names) in ROUTES.items():
        for name in names:
            forms = REF_FORMS if name == "ref" else {"": "{value}"}
            for form in forms:
                for value in HOSTILE:
                    found.append((route, name, form, value))
    return found


def path_for(site: Site, route: str, name: str, form: str, value: str) -> str:
    template, _ = ROUTES[route]
    raw = HOSTILE[value]
    hostile = (REF_FORMS.get(form) or "{value}").format(value=raw, token=site.valid["member_token"])
    if not hostile.startswith("%") and raw not in ("..",):
        hostile = quote(hostile, safe="%-")
    values = {key: site.valid[key] for key in ("token", "ref", "day", "answer", "kind", "id",
                                               "year")}  # fmt: skip
    return template.format(**{**values, name: hostile})


@pytest.mark.parametrize(
    ("route", "name", "form", "value"),
    cases(),
    ids=[f"{r}-{n}{'-' + f if f else ''}-{v}" for r, n, f, v in cases()],
)
def test_a_path_value_that_does_not_fit_is_404(
    site: Site, route: str, name: str, form: str, value: str
) -> None:
    path = path_for(site, route, name, form, value)
    if route == "idea done":  # the organizer's button: a POST with its CSRF token
        if not site.cookie:
            log_in(site)
        status, page = site.request("POST", path, f"csrf_token={site.csrf}".encode())
    else:
        status, page = site.request("GET", path)
    assert status in (404, 405 if value == "empty" else 404), (path[:80], status)
    assert "Traceback" not in page
    if route in ("confirmation", "unsubscribe", "preferences", "answer"):
        assert site.request("POST", path, b"List-Unsubscribe=One-Click")[0] in (404, 405)


def test_the_valid_paths_answer_and_nothing_changed(site: Site) -> None:
    """The other half: the same routes with valid values are found."""
    before = site.snapshot()
    valid = site.valid
    for path in (f"/abmelden/{valid['ref']}", f"/einstellungen/{valid['ref']}",
                 f"/zusage/{valid['ref']}/{valid['day']}/ja", "/rundbrief/1",
                 f"/brief/{valid['day']}/announcement"):  # fmt: skip
        assert site.request("GET", path)[0] == 200, path
    for path in (f"/admin/plan/termin/{valid['day']}", f"/admin/plan/jahr/{valid['year']}",
                 f"/admin/plan/termin/{valid['day']}/bearbeiten"):  # fmt: skip
        assert site.request("GET", path)[0] in (200, 302), path  # found (a login may be asked)
    assert site.snapshot() == before
