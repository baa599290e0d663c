"""The real `mailer serve` process over HTTP: RFC 8058 one-click unsubscribes as mail
clients send them (form-encoded, multipart, empty body; no cookie; no redirect)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from mailer.store import Store
from tests.conftest import Mailer
from tests.webtools import served


def post(base: str, path: str, body: bytes, content_type: str | None):
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    headers = {"Content-Length": str(len(body))}
    if content_type:
        headers["Content-Type"] = content_type
    connection.request("POST", path, body=body, headers=headers)
    answer = connection.getresponse()
    result = answer.status, dict(answer.getheaders()), answer.read().decode()
    connection.close()
    return result


BOUNDARY = "----mailer-test-boundary"
BODIES = {
    "form-encoded": (b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"),
    "multipart": (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            f"One-Click\r\n--{BOUNDARY}--\r\n"
        ).encode(),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    "empty": (b"", None),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    mailer = Mailer(tmp_path_factory.mktemp("serve"))
    mailer.write_plan()
    with served(mailer) as base:
        yield mailer, base


@pytest.mark.parametrize("body", list(BODIES))
def test_one_click_unsubscribe_as_mail_clients_send_it(server, body):
    mailer, base = server
    address = f"{body}@example.org"
    mailer.add(address)
    with Store(mailer.db) as store:
        member = store.subscriber(address)
    data, content_type = BODIES[body]
    status, headers, page = post(base, f"/abmelden/{member.id}-{member.token}", data, content_type)
    assert status == 200
    assert "Location" not in headers and "Set-Cookie" not in headers
    assert "Abgemeldet" in page
    with Store(mailer.db) as store:
        assert store.subscriber(address).status == "unsubscribed"


def test_a_guessed_link_is_404_and_changes_nothing(server):
    mailer, base = server
    mailer.add("guessed@example.org")
    with Store(mailer.db) as store:
        member = store.subscriber("guessed@example.org")
    status, _, _ = post(base, f"/abmelden/{member.id}-{'A' * 22}", *BODIES["form-encoded"])
    assert status == 404
    with Store(mailer.db) as store:
        assert store.subscriber("guessed@example.org").status == "active"


def test_the_process_sends_the_security_headers_and_german_pages(server):
    _, base = server
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    connection.request("GET", "/")
    answer = connection.getresponse()
    page = answer.read().decode()
    connection.close()
    assert answer.status == 200 and '<html lang="de">' in page
    assert answer.getheader("Server") == "mailer"
    assert "frame-ancestors 'none'" in answer.getheader("Content-Security-Policy")
