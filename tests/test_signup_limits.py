"""Bots must not lock a person out: sign-up posts that are not taken (a bot's: the
honeypot filled in, sent too fast, a forged or stale form time, no CSRF token; or
duplicates of one form sent at once) do not count toward the address's limit of three
a day. Only sign-ups that were taken count. Through the real `mailer serve` process,
the bots and the person each from an address of their own (X-Forwarded-For from the
trusted proxy, as behind the reverse proxy)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from itsdangerous import Signer

from mailer.store import Store
from tests.conftest import Mailer
from tests.webtools import hidden_fields, http_request, served

FASTEST_HUMAN = 3  # seconds (members.FASTEST_HUMAN)


@dataclass
class Form:
    cookie: str
    fields: dict[str, str]


class Door:
    def __init__(self, mailer: Mailer, base: str):
        self.mailer, self.base = mailer, base
        self.pool: list[Form] = []

    def request(self, method: str, path: str, client: str, body: bytes = b"", cookie: str = ""):
        headers = {"X-Forwarded-For": client, **({"Cookie": cookie} if cookie else {})}
        return http_request(self.base, method, path, body, **headers)

    def form(self, client: str) -> Form:
        """The sign-up form as a browser gets it: its fields and its session cookie."""
        _, headers, page = self.request("GET", "/", client)
        return Form(headers["Set-Cookie"].split(";")[0], hidden_fields(page))

    def aged_form(self) -> Form:
        """A form shown long enough ago for a person to have filled it in."""
        return self.pool.pop()

    def post(self, form: Form, client: str, address: str, **changed: str) -> int:
        fields = {**form.fields, "email": address, **changed}
        fields = {name: value for name, value in fields.items() if value is not None}
        body = urlencode(fields).encode()
        return self.request("POST", "/", client, body, form.cookie)[0]

    def status(self, address: str) -> str | None:
        with Store(self.mailer.db) as store:
            found = store.subscriber(address)
        return found.status if found else None

    def secret(self) -> bytes:
        with Store(self.mailer.db) as store:
            return store.secret("web")


@pytest.fixture(scope="module")
def door(tmp_path_factory) -> Door:
    mailer = Mailer(tmp_path_factory.mktemp("limits"))
    mailer.write_plan()
    with served(mailer) as base:
        site = Door(mailer, base)
        site.pool = [site.form("192.0.2.1") for _ in range(32)]
        time.sleep(FASTEST_HUMAN + 0.5)
        yield site


# -- the kinds of post that are not taken ----------------------------------------------


def honeypot(door: Door, client: str, address: str) -> None:
    for _ in range(3):
        door.post(door.aged_form(), client, address, website="http://spam.example")


def too_fast(door: Door, client: str, address: str) -> None:
    for _ in range(3):
        door.post(door.form(client), client, address)


def forged_time(door: Door, client: str, address: str) -> None:
    for _ in range(3):
        door.post(door.aged_form(), client, address, shown="1692518400.forged")


def stale_form(door: Door, client: str, address: str) -> None:
    """A form time signed with our secret, two days old (a form replayed from long ago)."""
    stale = Signer(door.secret(), salt="mailer.signup-form").sign(str(int(time.time()) - 172800))
    for _ in range(3):
        door.post(door.aged_form(), client, address, shown=stale.decode())


def no_csrf_token(door: Door, client: str, address: str) -> None:
    for _ in range(3):
        door.post(door.aged_form(), client, address, csrf_token=None)


def duplicates_at_once(door: Door, client: str, address: str) -> None:
    """One form sent three times at the same moment (a bot, or a triple click)."""
    form = door.aged_form()
    posts = [threading.Thread(target=door.post, args=(form, client, address)) for _ in range(3)]
    for post in posts:
        post.start()
    for post in posts:
        post.join()
    assert door.status(address) == "pending"  # the first was taken, the others changed nothing


def duplicates_one_after_another(door: Door, client: str, address: str) -> None:
    form = door.aged_form()
    for _ in range(3):
        door.post(form, client, address)


NOT_TAKEN: dict[str, Callable[[Door, str, str], None]] = {
    "honeypot": honeypot,
    "too fast": too_fast,
    "forged form time": forged_time,
    "stale form time": stale_form,
    "no CSRF token": no_csrf_token,
    "duplicates at once": duplicates_at_once,
    "duplicates one after another": duplicates_one_after_another,
}


@pytest.mark.parametrize("kind", list(NOT_TAKEN))
def test_posts_that_are_not_taken_do_not_lock_the_person_out(door: Door, kind: str) -> None:
    number = list(NOT_TAKEN).index(kind)
    address = f"person{number}@example.org"
    NOT_TAKEN[kind](door, f"203.0.113.{number + 10}", address)
    person = f"198.51.100.{number + 10}"
    assert door.post(door.aged_form(), person, address) == 200  # not "Zu viele Versuche"
    assert door.status(address) == "pending"
    confirmations = [r for r in door.mailer.json("outbox") if r["email"] == address]
    assert len(confirmations) == 1  # and still one confirmation a day


def test_sign_ups_that_were_taken_still_count(door: Door) -> None:
    address, person = "taken@example.org", "198.51.100.99"
    for _ in range(3):
        assert door.post(door.aged_form(), person, address) == 200
        assert door.status(address) == "pending"
        door.mailer("subscribers", "remove", address)  # so that the next one is taken too
    assert door.post(door.aged_form(), person, address) == 429
    assert door.status(address) is None
