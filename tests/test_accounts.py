"""Organizers' accounts: `mailer admin add|list|remove|password` through real processes
(a terminal from the pty module for the hidden prompt, a pipe for scripts), Argon2
hashes only, and the check the web login calls."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer import accounts
from mailer.errors import MailerError
from mailer.store import Store
from tests.conftest import Mailer

NOW = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
PASSWORD = "korrekt Pferd Batterie"


def run_on_a_terminal(command: list[str], answers: list[str], env: dict) -> tuple[int, str]:
    """`command` with a pseudo-terminal as stdin/stdout/stderr; each answer typed when
    the process has asked (its output ends with ': ')."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith(b":"):
                os.write(leader, pending.pop(0).encode() + b"\n")
                seen += b"<typed>"
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(10), seen.decode("utf-8", "replace")


@pytest.fixture
def club(mailer: Mailer) -> Mailer:
    return mailer


def stored(club: Mailer) -> list[tuple[str, str]]:
    with Store(club.db) as store:
        return store.conn.execute("SELECT name, password_hash FROM organizers").fetchall()


def test_add_on_a_terminal_asks_twice_and_hides_the_password(club: Mailer) -> None:
    code, seen = run_on_a_terminal(
        [*club.command(), "admin", "add", "Anna Schmidt"], [PASSWORD, PASSWORD],
        club.process_env(),
    )  # fmt: skip
    assert code == 0, seen
    assert "Password:" in seen and "Password again:" in seen
    assert PASSWORD not in seen  # not echoed
    [(name, digest)] = stored(club)
    assert name == "Anna Schmidt" and digest.startswith("$argon2id$") and PASSWORD not in digest


def test_two_different_answers_on_a_terminal_are_asked_again(club: Mailer) -> None:
    code, seen = run_on_a_terminal(
        [*club.command(), "admin", "add", "anna"],
        [PASSWORD, "something else entirely", PASSWORD, PASSWORD],
        club.process_env(),
    )
    assert code == 0, seen
    assert "do not match" in seen.lower() or "match" in seen.lower()
    with Store(club.db) as store:
        assert accounts.verify(store.conn, "anna", PASSWORD, NOW) == "anna"


@pytest.mark.parametrize(
    ("stdin", "ok", "words"),
    [
        pytest.param(PASSWORD + "\n", True, "added organizer 'ben'", id="one-line"),
        pytest.param(PASSWORD, True, "added organizer 'ben'", id="without-newline"),
        pytest.param("kurz\n", False, "at least 10 characters", id="too-short"),
        pytest.param("", False, "no password on standard input", id="nothing"),
    ],
)
def test_add_from_a_pipe_reads_one_line(club: Mailer, stdin: str, ok: bool, words: str) -> None:
    result = subprocess.run(
        [*club.command(), "admin", "add", "ben"], input=stdin, capture_output=True, text=True,
        env=club.process_env(),
    )  # fmt: skip
    assert (result.returncode == 0) == ok, result.stderr
    assert words in (result.stdout + result.stderr)
    assert "Traceback" not in result.stderr
    if ok:
        with Store(club.db) as store:
            assert accounts.verify(store.conn, "ben", PASSWORD, NOW) == "ben"


def test_list_and_remove(club: Mailer) -> None:
    club("admin", "add", "anna", input=PASSWORD + "\n")
    club("admin", "add", "ben", input=PASSWORD + "\n")
    again = club("admin", "add", "ANNA", input=PASSWORD + "\n", ok=False)
    assert "there is already an organizer named 'ANNA'" in again.stderr
    assert [o["name"] for o in club.json("admin", "list")] == ["anna", "ben"]  # type: ignore[union-attr]
    club("admin", "remove", "anna")
    assert [o["name"] for o in club.json("admin", "list")] == ["ben"]  # type: ignore[union-attr]
    missing = club("admin", "remove", "anna", ok=False)
    assert "there is no organizer named 'anna'" in missing.stderr


def test_the_name_admin_belongs_to_the_environment(club: Mailer, tmp_path: Path) -> None:
    refused = club("admin", "add", "Admin", input=PASSWORD + "\n", ok=False)
    assert "MAILER_ADMIN_PASSWORD" in refused.stderr
    with Store(tmp_path / "x.db") as store:
        assert accounts.verify(store.conn, "admin", "geheim-aus-env", NOW, "geheim-aus-env")
        assert accounts.verify(store.conn, "admin", "falsch", NOW, "geheim-aus-env") is None
        assert accounts.verify(store.conn, "admin", "geheim-aus-env", NOW, None) is None


@pytest.mark.parametrize(
    ("name", "password", "expected"),
    [
        pytest.param("anna", PASSWORD, "anna", id="right"),
        pytest.param("ANNA ", PASSWORD, "anna", id="name-in-other-case"),
        pytest.param("anna", PASSWORD + "x", None, id="wrong-password"),
        pytest.param("nobody", PASSWORD, None, id="unknown-name"),
        pytest.param("anna", "", None, id="empty"),
    ],
)
def test_verify(tmp_path: Path, name: str, password: str, expected: str | None) -> None:
    with Store(tmp_path / "s.db") as store:
        accounts.add_organizer(store.conn, "anna", PASSWORD, NOW)
        assert accounts.verify(store.conn, name, password, NOW) == expected


def test_an_unknown_name_costs_an_argon2_verify_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    hasher = accounts._hasher()
    real = type(hasher).verify
    monkeypatch.setattr(
        type(hasher), "verify", lambda self, h, p: calls.append(h) or real(self, h, p)
    )
    with Store(tmp_path / "s.db") as store:
        assert accounts.verify(store.conn, "nobody", PASSWORD, NOW) is None
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_a_hash_with_old_parameters_is_replaced_at_the_next_good_login(tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with Store(tmp_path / "s.db") as store:
        accounts.add_organizer(store.conn, "anna", PASSWORD, NOW)
        store.conn.execute("UPDATE organizers SET password_hash = ?", (weak,))
        assert accounts.verify(store.conn, "anna", "wrong password!", NOW) is None
        assert store.conn.execute("SELECT password_hash FROM organizers").fetchone()[0] == weak
        assert accounts.verify(store.conn, "anna", PASSWORD, NOW) == "anna"
        digest = store.conn.execute("SELECT password_hash FROM organizers").fetchone()[0]
        assert digest != weak and not accounts._hasher().check_needs_rehash(digest)


def test_names_are_checked(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        with pytest.raises(MailerError, match="needs a name"):
            accounts.add_organizer(store.conn, "  ", PASSWORD, NOW)
        with pytest.raises(MailerError, match="at most 64"):
            accounts.add_organizer(store.conn, "x" * 65, PASSWORD, NOW)


def test_password_changes_the_hash(club: Mailer) -> None:
    club("admin", "add", "anna", input=PASSWORD + "\n")
    club("admin", "password", "anna", input="ein ganz neues Passwort\n")
    with Store(club.db) as store:
        assert accounts.verify(store.conn, "anna", PASSWORD, NOW) is None
        assert accounts.verify(store.conn, "anna", "ein ganz neues Passwort", NOW) == "anna"
