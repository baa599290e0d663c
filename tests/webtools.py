"""Helpers for the web door's tests: a plan with web.base_url, a client on a clock, and
reading the forms and mails the pages and the tick produce."""

from __future__ import annotations

import email
import html
import mailbox
import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

from mailer.app import App
from mailer.web.app import create_app
from tests.conftest import STARTER, Mailer
from tests.imapserver import unused_port

BASE_URL = "http://127.0.0.1:8080"
PASSWORD = "ein langes Passwort für das Orga-Team"


def plan_ahead(day: date) -> str:
    """A plan of one session on `day`: for the real `mailer serve`, which runs on the real
    clock, a day a few days ahead has its announcement due and its answers open."""
    return f"""\
series:
  name: Digital-Impuls
  timezone: Europe/Berlin
  time: "16:00"
  duration: 90m
  join_url: https://zoom.us/j/00000000000
sender:
  from: Digital-Impuls <impuls@example.org>
  reply_to: themen@example.org
  imprint: Musterstraße 1, 10115 Berlin
emails:
  announcement: 14d
  reminders: [1d]
sessions:
  - date: {day.isoformat()}
    topic: Kommunale Wärmeplanung
"""


def with_web(mailer: Mailer, base_url: str = BASE_URL, plan: str = STARTER) -> None:
    mailer.write_plan(plan + f"\nweb:\n  base_url: {base_url}\n")


class Clock:
    """The web app's clock, moved by the test."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def wait(self, **amount: float) -> None:
        self.moment += timedelta(**amount)


def client(mailer: Mailer, clock: Clock, *, password: str | None = PASSWORD, throttle=False):
    app = App(mailer.config, mailer.db)
    web = create_app(app, clock=clock, admin_password=password, throttle=throttle)
    return web.test_client()


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, the signed form time)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def sign_up(web, clock: Clock, email_address: str, **extra: str):
    """Fills in the sign-up form as a person does: the page, a pause, the POST."""
    page = web.get("/").get_data(as_text=True)
    clock.wait(seconds=8)
    return web.post("/", data={**hidden_fields(page), "email": email_address, **extra})


def log_in(web, password: str = PASSWORD, name: str = "admin"):
    """The organizer's login on /admin, as the form is filled in."""
    page = web.get("/admin/login").get_data(as_text=True)
    return web.post(
        "/admin/login", data={**hidden_fields(page), "name": name, "password": password}
    )


def sent_mails(root: Path) -> list[EmailMessage]:
    """The mails the tick wrote to the local Maildir outbox/ (no SMTP configured)."""
    box = mailbox.Maildir(root / "outbox", create=False)
    return [
        email.message_from_bytes(box.get_bytes(key), policy=policy.default)  # type: ignore[misc]
        for key in box.iterkeys()
    ]


def link_in(message: EmailMessage, pattern: str) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(pattern, text)
    assert found, text
    return found.group(0)


def http_request(
    base: str, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, dict[str, str], str]:
    """One request to the real server at `base`, the path sent as it is (already quoted):
    (status, headers, body). A body is sent form-encoded."""
    where = urlsplit(base)
    connection = HTTPConnection(where.hostname, where.port, timeout=10)
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


def database_snapshot(db: Path) -> list[str]:
    """Everything in subscribers.db as SQL, read without writing (to compare before/after)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@contextmanager
def served(mailer: Mailer, password: str | None = PASSWORD, plan: str = STARTER) -> Iterator[str]:
    """The real `mailer serve` process on a free port of 127.0.0.1 (on the real clock);
    yields its address."""
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    with_web(mailer, base, plan)
    env = mailer.process_env()
    env.pop("MAILER_ADMIN_PASSWORD", None)
    if password:
        env["MAILER_ADMIN_PASSWORD"] = password
    log = mailer.root / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*mailer.command(), "serve", "--listen", f"127.0.0.1:{port}"],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"mailer serve did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


class Browserless:
    """A person at the real `mailer serve` without a browser: GET and POST over HTTP with
    the session cookie kept (urllib; redirects followed), as the pages' forms are sent."""

    def __init__(self, base: str):
        import http.cookiejar
        import urllib.request

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path, None)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        from urllib.parse import urlencode

        return self._open(path, urlencode(fields).encode())

    def submit(self, path: str, form_page: str, **fields: str) -> tuple[int, str]:
        """A form of `form_page` sent back: its hidden fields (CSRF token) and `fields`."""
        return self.post(path, {**hidden_fields(form_page), **fields})

    def log_in(self, name: str = "admin", password: str = PASSWORD) -> str:
        status, page = self.get("/admin/login")
        status, page = self.submit("/admin/login", page, name=name, password=password)
        assert status == 200 and "Ausloggen" in page, page
        return page

    def _open(self, path: str, body: bytes | None) -> tuple[int, str]:
        import urllib.error

        try:
            with self.opener.open(self.base + path, body, timeout=20) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8")


def visible_text(page: str, *, quoted: bool = False) -> str:
    """What a person reads on a page: the text of <body> and the texts that stand for
    elements (alt, aria-label, title, placeholder), without <script>/<style>; and without
    <samp> and <code> (program output and commands, quoted as the program wrote them)
    unless `quoted`. Whitespace is collapsed."""
    import lxml.html

    whole = "<html" in page[:500].lower()
    tree = (lxml.html.document_fromstring(page) if whole
            else lxml.html.fragment_fromstring(page, create_parent="div"))  # fmt: skip
    dropped = ["script", "style"] + ([] if quoted else ["samp", "code"])
    for element in tree.xpath("|".join(f"//{tag}" for tag in dropped)):
        element.drop_tree()
    body = tree.find(".//body") if whole else tree
    for block in tree.iter(
        "p",
        "div",
        "li",
        "td",
        "th",
        "tr",
        "option",
        "h1",
        "h2",
        "h3",
        "br",
        "section",
        "nav",
        "header",
        "footer",
        "caption",
        "button",
        "label",
    ):
        block.tail = " " + (block.tail or "")  # cells and paragraphs apart, as shown
    said = [(body if body is not None else tree).text_content()]
    said += tree.xpath("//title/text()")
    for name in ("alt", "aria-label", "title", "placeholder"):
        said += (body if body is not None else tree).xpath(f".//@{name}")
    return " ".join(" ".join(said).split())
