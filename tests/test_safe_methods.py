"""Only a POST acts: mail scanners (Microsoft's Safe Links and others) and town halls'
gateways open every link of a mail with HEAD, GET or OPTIONS before the member sees it.
Through the real `mailer serve` process, every link the mails carry (found in the mails
the tick wrote, not listed by hand) and every route of the web door is opened with GET,
HEAD, OPTIONS and a scanner's sequence of them, and the database must be byte for byte
the same afterwards (RFC 9110 9.2.1: these methods are safe)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from flask import url_for

from mailer import optin
from mailer.app import App
from mailer.planstore import versions_folder
from mailer.salutation import Person
from mailer.store import Store
from mailer.web.app import create_app
from tests.conftest import Mailer
from tests.webtools import (
    PASSWORD,
    database_snapshot,
    hidden_fields,
    http_request,
    plan_ahead,
    sent_mails,
    served,
)

SEQUENCES = {
    "GET": ("GET",),
    "HEAD": ("HEAD",),
    "OPTIONS": ("OPTIONS",),
    "scanner": ("HEAD", "GET", "OPTIONS", "HEAD"),
}
# Every link a mail carries, by kind (the path on our base URL).
KINDS = {
    "front page": r"/",
    "confirmation": r"/bestaetigen/[\w.-]+",
    "unsubscribe (one-click)": r"/abmelden/[0-9]+-[\w-]+",
    "answer yes": r"/zusage/[0-9]+-[\w-]+/\d{4}-\d\d-\d\d/ja",
    "answer no": r"/zusage/[0-9]+-[\w-]+/\d{4}-\d\d-\d\d/nein",
    "web version": r"/brief/\d{4}-\d\d-\d\d/announcement",
    "newsletter web version": r"/rundbrief/[0-9]+",
}
URL = re.compile(r"https?://[^\s<>\"']+")


class Site:
    def __init__(self, mailer: Mailer, base: str, day: date):
        self.mailer, self.base, self.day = mailer, base, day
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes = b""):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        return http_request(self.base, method, path, body, **headers)

    def snapshot(self) -> list[str]:
        """The database, schedule.yaml's bytes, and the plan's kept versions."""
        kept = versions_folder(self.mailer.config)
        return [
            *database_snapshot(self.mailer.db),
            self.mailer.config.read_text("utf-8"),
            *(sorted(p.name for p in kept.iterdir()) if kept.exists() else []),
        ]

    def links(self, address: str | None = None) -> set[str]:
        """Every address on our site that the mails the tick wrote carry (to `address`,
        or to anyone): in the HTML, in the text, and in List-Unsubscribe."""
        found: set[str] = set()
        for mail in sent_mails(self.mailer.root):
            if address is None or mail["To"].addresses[0].addr_spec == address:
                found.update(_urls(mail))
        return {url.removeprefix(self.base) or "/" for url in found if url.startswith(self.base)}


def _urls(mail: EmailMessage) -> set[str]:
    texts = [part.get_content() for part in mail.walk() if part.get_content_maintype() == "text"]
    texts.append(str(mail.get("List-Unsubscribe", "")))
    return {url.rstrip(".,;") for text in texts for url in URL.findall(text)}


# Each row has members of its own, so that what one row did cannot hide what another does.
MEMBERS = [*(f"{name.lower()}@example.org" for name in SEQUENCES), "anna@example.org"]


def newcomer(member: str) -> str:
    return f"neu-{member}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    mailer = Mailer(tmp_path_factory.mktemp("scanned"))
    day = date.today() + timedelta(days=10)
    with served(mailer, plan=plan_ahead(day)) as base:
        mailer.add(*MEMBERS)
        plan = App(mailer.config, mailer.db).plan()
        with Store(mailer.db) as store:  # sign-ups, as the form makes them
            for member in MEMBERS:
                signup = optin.SignUp(newcomer(member), Person(), f"{base}/", None)
                optin.sign_up(store, signup, day=date.today().isoformat(),
                              list_id=plan.sender.list_id, now=datetime.now(UTC))  # fmt: skip
        letter = mailer.root / "rundbrief.md"
        letter.write_text("---\nsubject: Neues aus dem Netzwerk\n---\nHallo!\n", "utf-8")
        mailer("newsletter", "schedule", str(letter))
        # per member: the announcement, the newsletter, and the newcomer's confirmation
        assert f"sent {3 * len(MEMBERS)}" in mailer("tick").stdout
        yield Site(mailer, base, day)


def link_of(site: Site, kind: str, member: str) -> str:
    """The link of this kind in the mails to `member` (a confirmation, and the front page
    it names: in the mail to its newcomer)."""
    if kind == "preferences":
        with Store(site.mailer.db) as store:
            return f"/einstellungen/{store.subscriber(member).ref}"
    address = newcomer(member) if kind in ("confirmation", "front page") else member
    found = [path for path in site.links(address) if re.fullmatch(KINDS[kind], path)]
    assert len(found) == 1, f"{kind} links to {address}: {found} of {sorted(site.links())}"
    return found[0]


def test_every_link_in_the_mails_is_of_a_kind_tested_here(site: Site) -> None:
    for path in site.links():
        assert any(re.fullmatch(pattern, path) for pattern in KINDS.values()), path
    for kind in KINDS:
        link_of(site, kind, "anna@example.org")


@pytest.mark.parametrize("sequence", list(SEQUENCES))
@pytest.mark.parametrize("kind", [*KINDS, "preferences"])
def test_opening_a_link_of_a_mail_changes_nothing(site: Site, kind: str, sequence: str) -> None:
    path = link_of(site, kind, f"{sequence.lower()}@example.org")
    before = site.snapshot()
    for method in SEQUENCES[sequence]:
        status, headers, body = site.request(method, path)
        assert status == 200, (method, path, status)
        if method == "HEAD":
            assert body == ""
        if method == "OPTIONS":
            assert "POST" in headers["Allow"] or kind.endswith("version") or kind == "front page"
    assert site.snapshot() == before, f"{' '.join(SEQUENCES[sequence])} {path} changed the database"


def every_route(site: Site) -> list[tuple[str, str]]:
    """(rule, a path for it) for every route of the web door, with real values."""
    with Store(site.mailer.db) as store:
        anna = store.subscriber("anna@example.org")
        ref = anna.ref
    token = link_of(site, "confirmation", "anna@example.org").rsplit("/", 1)[1]
    values = {"ref": ref, "token": token, "session_key": site.day.isoformat(), "answer": "ja",
              "kind": "announcement", "newsletter_id": 1, "record_id": 1,
              "filename": "site.css", "member_id": anna.id,
              "year": site.day.year}  # fmt: skip
    web = create_app(App(site.mailer.config, site.mailer.db), admin_password=PASSWORD)
    paths = []
    with web.test_request_context():
        for rule in web.url_map.iter_rules():
            paths.append(
                (rule.rule, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
            )
    return paths


def test_no_route_acts_on_get_head_or_options_logged_in_or_not(site: Site) -> None:
    routes = every_route(site)
    assert len(routes) >= 15
    assert {rule for rule, _ in routes} >= {  # the plan's pages, which could write a file
        "/admin/plan", "/admin/plan/termin/neu", "/admin/plan/reihe", "/admin/plan/rueckgaengig",
        "/admin/plan/termin/<day:session_key>/bearbeiten", "/admin/plan/jahr/<year:year>",
        "/admin/plan/termin/<day:session_key>/entfernen", "/admin/plan/verlauf",
    }  # fmt: skip
    before = site.snapshot()
    for logged_in in (False, True):
        if logged_in:
            _, headers, page = site.request("GET", "/admin/login")
            site.cookie = headers["Set-Cookie"].split(";")[0]
            form = "&".join(f"{k}={v}" for k, v in hidden_fields(page).items())
            body = f"{form}&name=admin&password={PASSWORD.replace(' ', '+')}".encode()
            assert site.request("POST", "/admin/login", body)[0] == 302
        for rule, path in routes:
            for method in SEQUENCES["scanner"]:
                status, _, _ = site.request(method, path)
                assert status < 500, (method, rule, status)
    site.cookie = ""
    assert site.snapshot() == before


def test_the_buttons_post_acts_on_the_same_links(site: Site) -> None:
    """The other half: the same links do act on a POST (so the checks above could see a
    change)."""
    anna = "anna@example.org"
    before = site.snapshot()
    assert site.request("POST", link_of(site, "answer yes", anna))[0] == 200
    assert site.request("POST", link_of(site, "confirmation", anna))[0] == 200
    assert site.request("POST", link_of(site, "unsubscribe (one-click)", anna))[0] == 200
    assert site.snapshot() != before
    assert [(a["email"], a["answer"]) for a in site.mailer.json("rsvps")] == [(anna, "accepted")]
    statuses = {p["email"]: p["status"] for p in site.mailer.json("subscribers", "list")}
    assert {a for a, s in statuses.items() if s != "pending"} - set(MEMBERS) == {newcomer(anna)}
    assert statuses[anna] == "unsubscribed" and statuses[newcomer(anna)] == "active"
