"""Who may enter /admin: organizers by name and password (Argon2 hashes in
subscribers.db, `mailer admin add`), MAILER_ADMIN_PASSWORD as the account `admin`, a
login that ends after eight hours or when its account is removed; and the log of who
changed what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailer import audit
from mailer.erasure import erase_member
from mailer.store import Store
from tests.conftest import Mailer
from tests.webtools import PASSWORD, Clock, client, log_in, with_web

START = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)
ANNA_PASSWORD = "Annas eigenes Passwort 2023"


@pytest.fixture
def mailer_with_anna(mailer: Mailer) -> Mailer:
    with_web(mailer)
    mailer("admin", "add", "Anna Schmidt", input=ANNA_PASSWORD + "\n")
    return mailer


@pytest.mark.parametrize(
    ("environment", "name", "password", "enters"),
    [
        (PASSWORD, "Anna Schmidt", ANNA_PASSWORD, True),
        (PASSWORD, "anna schmidt", ANNA_PASSWORD, True),  # names are found regardless of case
        (PASSWORD, "admin", PASSWORD, True),
        (None, "Anna Schmidt", ANNA_PASSWORD, True),
        (PASSWORD, "Anna Schmidt", PASSWORD, False),  # another account's password
        (PASSWORD, "admin", ANNA_PASSWORD, False),
        (None, "admin", PASSWORD, False),  # the environment's account needs the environment
        (PASSWORD, "Ben", ANNA_PASSWORD, False),  # no such account
        (PASSWORD, "", ANNA_PASSWORD, False),
        (PASSWORD, "Anna Schmidt", "", False),
    ],
    ids=[
        "account", "account-other-case", "environment", "account-without-environment",
        "wrong-password", "admin-with-an-account-password", "admin-without-environment",
        "unknown-name", "no-name", "no-password",
    ],
)  # fmt: skip
def test_login_by_name_and_password(mailer_with_anna, environment, name, password, enters):
    web = client(mailer_with_anna, Clock(START), password=environment)
    answer = log_in(web, password, name=name)
    assert (answer.status_code == 302) is enters
    overview = web.get("/admin/")
    assert (overview.status_code == 200) is enters
    if enters:
        assert "Ausloggen" in overview.get_data(as_text=True)
    else:
        assert overview.headers["Location"].endswith("/admin/login")


def test_admin_opens_with_an_account_and_no_environment_password(mailer: Mailer):
    with_web(mailer)
    assert client(mailer, Clock(START), password=None).get("/admin/login").status_code == 404
    mailer("admin", "add", "Anna Schmidt", input=ANNA_PASSWORD + "\n")
    page = client(mailer, Clock(START), password=None).get("/admin/login")
    assert page.status_code == 200
    assert 'name="name"' in page.get_data(as_text=True)


def test_the_login_form_offers_admin_while_there_is_no_account(mailer: Mailer):
    with_web(mailer)
    page = client(mailer, Clock(START)).get("/admin/login").get_data(as_text=True)
    assert 'value="admin"' in page


@pytest.mark.parametrize(
    ("later", "still_in"),
    [(timedelta(hours=7, minutes=59), True), (timedelta(hours=8, minutes=1), False),
     (timedelta(minutes=-5), False)],  # a clock that went back: the stamp is not trusted
    ids=["within-eight-hours", "after-eight-hours", "clock-went-back"],
)  # fmt: skip
def test_a_login_ends_after_eight_hours(mailer_with_anna, later, still_in):
    clock = Clock(START)
    web = client(mailer_with_anna, clock)
    assert log_in(web, ANNA_PASSWORD, name="Anna Schmidt").status_code == 302
    clock.moment = START + later
    assert (web.get("/admin/").status_code == 200) is still_in


def test_a_removed_account_is_logged_out_at_its_next_click(mailer_with_anna):
    web = client(mailer_with_anna, Clock(START))
    assert log_in(web, ANNA_PASSWORD, name="Anna Schmidt").status_code == 302
    assert web.get("/admin/").status_code == 200
    mailer_with_anna("admin", "remove", "Anna Schmidt")
    assert web.get("/admin/").headers["Location"].endswith("/admin/login")


def test_the_log_of_changes_is_erased_with_the_member(mailer: Mailer):
    mailer.add("anna@example.org", "ben@example.org")
    with Store(mailer.db) as store:
        with store.transaction() as conn:
            for email in ("anna@example.org", "ben@example.org"):
                audit.record(conn, START, "Orga", "member.edit", email, "Name geändert")
        assert erase_member(store, "ANNA@example.org")
        left = audit.recent(store.conn)
    assert [(entry.organizer, entry.subject) for entry in left] == [("Orga", "ben@example.org")]
