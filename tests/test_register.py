"""The members' pages speak the series' register (`series.salutation`: du, or Sie for sie
and neutral), as the mails do: every page, every message and every error page, in one
register, with no word of the other (the organizer's own texts from the plan hold none).
The web app on a real database, on a clock the test moves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailer import optin
from mailer.store import Store
from tests.conftest import STARTER, Mailer
from tests.webtools import Clock, client, hidden_fields, sign_up, visible_text, with_web

START = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)
DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)
SIE = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b")
# Speaking to the reader in du often needs no pronoun: "Bitte bestätige ...".
DU_SPOKEN = re.compile(
    r"\b(du|dich|dir|dein\w*|bestätige|melde|nutze|schau|trag|sende|lade|warte)\b", re.IGNORECASE
)
FORMS = {"du": (DU_SPOKEN, SIE), "sie": (SIE, DU), "neutral": (SIE, DU)}


def with_salutation(form: str) -> str:
    return STARTER.replace(
        "  timezone: Europe/Berlin\n", f"  timezone: Europe/Berlin\n  salutation: {form}\n"
    )


def member_of(mailer: Mailer, address: str):
    with Store(mailer.db) as store:
        return store.subscriber(address)


def pages_in(form: str, mailer: Mailer) -> dict[str, tuple[str, bool]]:
    """Every kind of page a member meets, in the series' register `form`: name ->
    (the page, whether it speaks to the reader)."""
    with_web(mailer, plan=with_salutation(form))
    clock = Clock(START)
    web = client(mailer, clock)
    shown: dict[str, tuple[str, bool]] = {}

    def keep(name: str, answer, addresses: bool = True, status: int = 200) -> None:
        assert answer.status_code == status, (name, answer.status_code)
        shown[name] = (answer.get_data(as_text=True), addresses)

    keep("front page", web.get("/"))
    keep("signed up", sign_up(web, clock, "anna@example.org"))
    page = web.get("/").get_data(as_text=True)
    clock.wait(days=2)
    keep("form too old", web.post("/", data={**hidden_fields(page), "email": "x@example.org"}),
         status=400)  # fmt: skip
    anna = member_of(mailer, "anna@example.org")
    secret = Store(mailer.db).secret("web")
    token = optin.confirmation_token(secret, anna.id, clock())
    keep("confirm (button)", web.get(f"/bestaetigen/{token}"))
    keep("confirmed", web.post(f"/bestaetigen/{token}"), addresses=False)
    old = optin.confirmation_token(secret, anna.id, clock() - timedelta(days=9))
    keep("confirmation link expired", web.get(f"/bestaetigen/{old}"), status=410)
    ref = f"{anna.id}-{anna.token}"
    keep("unsubscribe (choice)", web.get(f"/abmelden/{ref}"))
    keep("preferences (active)", web.get(f"/einstellungen/{ref}"))
    keep("preferences saved", web.post(f"/einstellungen/{ref}", data={"action": "reminders-off"}))
    keep("answer (button)", web.get(f"/zusage/{ref}/2023-09-07/ja"), addresses=False)
    keep("answered yes", web.post(f"/zusage/{ref}/2023-09-07/ja"))
    keep("answered no", web.post(f"/zusage/{ref}/2023-09-07/nein"), addresses=False)
    keep("unsubscribed", web.post(f"/abmelden/{ref}"))
    keep("unsubscribe (already)", web.get(f"/abmelden/{ref}"))
    keep("preferences (unsubscribed)", web.get(f"/einstellungen/{ref}"))
    keep("confirmation after leaving", web.post(f"/bestaetigen/{token}"))
    sign_up(web, clock, "ben@example.org")
    ben = member_of(mailer, "ben@example.org")
    keep("preferences (pending)", web.get(f"/einstellungen/{ben.id}-{ben.token}"))
    mailer.add("cem@example.org")
    with Store(mailer.db) as store:
        store.conn.execute("UPDATE subscribers SET status = 'bounced' WHERE email = ?",
                           ("cem@example.org",))  # fmt: skip
    cem = member_of(mailer, "cem@example.org")
    keep("rejoin refused (bounced)", web.post(f"/einstellungen/{cem.id}-{cem.token}",
                                              data={"action": "resubscribe"}))  # fmt: skip
    mailer.add("dora@example.org")  # someone to send the announcement to
    mailer("tick", "--now", "2023-08-24T16:00")
    keep("web version of a mail", web.get("/brief/2023-09-07/announcement"))
    clock.moment = datetime(2023, 9, 8, 8, 0, tzinfo=UTC)
    keep("answer too late", web.get(f"/zusage/{ref}/2023-09-07/ja"), addresses=False)
    keep("archive", web.get("/archiv"), addresses=False)
    keep("imprint", web.get("/impressum"), addresses=False)
    keep("privacy", web.get("/datenschutz"), addresses=False)
    keep("404", web.get("/gibt-es-nicht"), addresses=False, status=404)
    keep("405", web.put("/"), addresses=False, status=405)
    keep("413", web.post("/", data={"email": "x" * 70_000}), addresses=False, status=413)
    keep("form from elsewhere (CSRF)", web.post("/", data={"email": "eve@example.org"}),
         status=400)  # fmt: skip
    throttled = client(mailer, clock, throttle=True)
    form = hidden_fields(throttled.get("/").get_data(as_text=True))
    for number in range(6):  # five sign-ups a minute from one client, then 429
        answer = throttled.post("/", data={**form, "email": f"flood{number}@example.org"})
    keep("too many tries (429)", answer, status=429)
    mailer.config.write_text(with_salutation(form).replace("timezone:", "timezon:"), "utf-8")
    keep("not available (503)", client(mailer, clock).get("/"), addresses=False, status=503)
    return shown


PAGE_NAMES = [
    "front page", "signed up", "form too old", "confirm (button)", "confirmed",
    "confirmation link expired", "unsubscribe (choice)", "preferences (active)",
    "preferences saved", "answer (button)", "answered yes", "answered no", "unsubscribed",
    "unsubscribe (already)", "preferences (unsubscribed)", "confirmation after leaving",
    "preferences (pending)", "rejoin refused (bounced)", "web version of a mail",
    "answer too late", "archive", "imprint", "privacy", "404", "405", "413",
    "form from elsewhere (CSRF)", "too many tries (429)", "not available (503)",
]  # fmt: skip


@pytest.fixture(scope="module", params=list(FORMS))
def register(request, tmp_path_factory):
    mailer = Mailer(tmp_path_factory.mktemp(f"register-{request.param}"))
    shown = pages_in(request.param, mailer)
    assert list(shown) == PAGE_NAMES  # the table below names every page made
    return request.param, shown


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_members_page_speaks_the_series_register(register, name):
    form, shown = register
    own, other = FORMS[form]
    page, addresses = shown[name]
    text = visible_text(page)
    assert not other.search(text), (form, name, other.search(text), text)
    if addresses:
        assert own.search(text), (form, name, text)
