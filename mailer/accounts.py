"""The organizers' accounts: names and Argon2 hashes in subscribers.db (`organizers`,
this module its one writer), and the check the web login calls.

Passwords are hashed with argon2-cffi's PasswordHasher (Argon2id, RFC 9106; its default
parameters are RFC 9106's "low memory" choice). Verifying takes the same time whether the
name exists or not: an unknown name is checked against a hash made once for that purpose,
so the time of an answer says nothing about which names exist. A hash made with older
parameters is replaced on the next good login (check_needs_rehash).

MAILER_ADMIN_PASSWORD keeps working as the account `admin`: it is compared at login with
the environment of `mailer serve` and never stored, so changing it in the environment is
all it takes. The name `admin` is therefore kept for it: `add_organizer` refuses it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from mailer.errors import MailerError
from mailer.store import stamp
from mailer.text import one_line

ENVIRONMENT_ACCOUNT = "admin"
SHORTEST_PASSWORD = 10
LONGEST_NAME = 64


@dataclass(frozen=True)
class Organizer:
    name: str
    created_at: str
    updated_at: str


@functools.cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, for the names that have no account."""
    import secrets

    return _hasher().hash(secrets.token_urlsafe(32))


def check_name(name: str) -> str:
    """The name as stored (one line, trimmed); MailerError when it cannot be one."""
    cleaned = one_line(name).strip()
    if not cleaned:
        raise MailerError("an organizer needs a name")
    if len(cleaned) > LONGEST_NAME:
        raise MailerError(f"an organizer's name has at most {LONGEST_NAME} characters")
    return cleaned


def check_password(password: str) -> str:
    if len(password) < SHORTEST_PASSWORD:
        raise MailerError(f"the password needs at least {SHORTEST_PASSWORD} characters")
    if password != password.strip("\r\n"):
        raise MailerError("the password must not begin or end with a line break")
    return password


def add_organizer(conn: sqlite3.Connection, name: str, password: str, now: datetime) -> Organizer:
    """A new account; MailerError when the name is taken (or is `admin`, which belongs
    to MAILER_ADMIN_PASSWORD) or the password is too short."""
    name = check_name(name)
    if name.lower() == ENVIRONMENT_ACCOUNT:
        raise MailerError(
            f"the account '{ENVIRONMENT_ACCOUNT}' is MAILER_ADMIN_PASSWORD's (set in the"
            " environment of `mailer serve`); choose another name"
        )
    digest = _hasher().hash(check_password(password))
    try:
        conn.execute(
            "INSERT INTO organizers (name, password_hash, created_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (name, digest, stamp(now), stamp(now)),
        )
    except sqlite3.IntegrityError:
        raise MailerError(
            f"there is already an organizer named '{name}'; `mailer admin password {name}`"
            " gives them a new password"
        ) from None
    return Organizer(name, stamp(now), stamp(now))


def set_password(conn: sqlite3.Connection, name: str, password: str, now: datetime) -> None:
    digest = _hasher().hash(check_password(password))
    changed = conn.execute(
        "UPDATE organizers SET password_hash = ?, updated_at = ? WHERE name = ?",
        (digest, stamp(now), check_name(name)),
    ).rowcount
    if not changed:
        raise MailerError(f"there is no organizer named '{name}' (see `mailer admin list`)")


def remove_organizer(conn: sqlite3.Connection, name: str) -> None:
    removed = conn.execute("DELETE FROM organizers WHERE name = ?", (name.strip(),)).rowcount
    if not removed:
        raise MailerError(f"there is no organizer named '{name}' (see `mailer admin list`)")


def organizers(conn: sqlite3.Connection) -> list[Organizer]:
    rows = conn.execute(
        "SELECT name, created_at, updated_at FROM organizers ORDER BY name COLLATE NOCASE"
    ).fetchall()
    return [Organizer(*row) for row in rows]


def any_organizer(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM organizers LIMIT 1").fetchone() is not None


def exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM organizers WHERE name = ?", (name,)).fetchone() is not None


def verify(
    conn: sqlite3.Connection,
    name: str,
    password: str,
    now: datetime,
    environment_password: str | None = None,
) -> str | None:
    """The account's name as stored when `password` is its password, else None.

    `admin` with MAILER_ADMIN_PASSWORD set is checked against it (SHA-256 digests
    compared with hmac.compare_digest, so the length of a guess shows in no timing). Any
    other name: Argon2 against its hash, or against a dummy hash when there is no such
    account, so that both take the same time. A good password whose hash was made with
    other parameters than today's is hashed again and stored.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    name = one_line(name).strip()
    if name.lower() == ENVIRONMENT_ACCOUNT and environment_password:
        same = hmac.compare_digest(
            hashlib.sha256(password.encode()).digest(),
            hashlib.sha256(environment_password.encode()).digest(),
        )
        return ENVIRONMENT_ACCOUNT if same else None
    row = conn.execute(
        "SELECT name, password_hash FROM organizers WHERE name = ?", (name,)
    ).fetchone()
    hasher = _hasher()
    try:
        hasher.verify(row[1] if row else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if hasher.check_needs_rehash(row[1]):
        conn.execute(
            "UPDATE organizers SET password_hash = ?, updated_at = ? WHERE name = ?",
            (hasher.hash(password), stamp(now), row[0]),
        )
    return row[0]
