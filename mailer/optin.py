"""Double opt-in: a sign-up on the web waits, as `pending`, until its address confirms it.

The sign-up is logged with what the law asks a sender to be able to show (BGH I ZR
164/09: the consent must be provable, for each address): which form, when, from which
client (its address shortened to the network, data minimisation), and the confirmation.
The confirmation mail goes through the outbox, at most once a day per address (its key
has the day in it), and its link is good for CONFIRM_DAYS.

The link carries the member's id and the moment it expires, signed (itsdangerous) with the
database's `web` secret: nobody can make one, and nothing needs to be stored for it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer

from mailer.consent import PENDING, Act
from mailer.outbound import outbox
from mailer.outbound.outbox import CONFIRM, OutboxKey
from mailer.salutation import Person
from mailer.store import Store, stamp

CONFIRM_DAYS = 3
_SALT = "mailer.confirm"


class LinkInvalid(Exception):
    """Not a link we made (changed, or cut short)."""


class LinkExpired(Exception):
    """A link we made, older than CONFIRM_DAYS."""


def short_ip(address: str | None) -> str | None:
    """The client's network, not the client: IPv4 to /24, IPv6 to /48 (as Matomo and
    Google Analytics anonymise addresses)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def confirmation_token(secret: bytes, subscriber_id: int, now: datetime) -> str:
    """The signed part of a confirmation link, good until now + CONFIRM_DAYS."""
    expires = int((now + timedelta(days=CONFIRM_DAYS)).timestamp())
    return Signer(secret, salt=_SALT).sign(f"{subscriber_id}.{expires}").decode("ascii")


def read_confirmation(secret: bytes, token: str, now: datetime) -> int:
    """The member a confirmation link is for; LinkInvalid or LinkExpired otherwise."""
    try:
        value = Signer(secret, salt=_SALT).unsign(token).decode("ascii")
    except (BadSignature, UnicodeError):
        raise LinkInvalid() from None
    number, _, expires = value.partition(".")
    if not number.isdigit() or not expires.isdigit():
        raise LinkInvalid()
    if now.timestamp() > int(expires):
        raise LinkExpired()
    return int(number)


@dataclass(frozen=True)
class SignUp:
    """What the form gave: the address (normalised), the person, where and from whom."""

    email: str
    person: Person
    form: str  # the form's address, e.g. https://impuls.example.org/
    ip: str | None  # shortened (short_ip)


def sign_up(store: Store, signup: SignUp, *, day: str, list_id: str, now: datetime) -> bool:
    """Records the sign-up (Act.SIGN_UP) and queues the confirmation mail; True if the
    sign-up was taken: it made or changed a member, or queued a mail (a duplicate of a
    sign-up taken today does neither).

    An active member's address changes nothing and gets no mail (the page says the same
    either way). Anyone else waits as pending until they confirm; a withdrawal stays in
    force until then (mailer.consent). A newcomer's name and municipality are kept; a
    known member's are not overwritten by whoever typed their address.
    """
    cause = f"signed up on the web form {signup.form} (waiting for confirmation)"
    with store.transaction() as conn:
        done = store.change(
            signup.email, Act.SIGN_UP, cause, now, person=signup.person, ip=signup.ip
        )
        member = done.member
        if member is None or member.status != PENDING:
            return False
        queued = outbox.queue_one(
            conn,
            OutboxKey.confirm(day, member.id),
            kind=CONFIRM,
            domain=list_id,
            secret=store.message_id_key(),
            now=stamp(now),
        )
        return done.changed or queued > 0


def confirm(store: Store, subscriber_id: int, *, ip: str | None, now: datetime) -> str | None:
    """The confirmation's POST (Act.CONFIRM): a pending member becomes active, also after
    a withdrawal, since this is their own new yes. Returns the address confirmed (or
    active already); None when the member is gone or left meanwhile."""
    member = store.subscriber_by_id(subscriber_id)
    if member is None:
        return None
    cause = "confirmed the sign-up with the link in the confirmation mail (double opt-in)"
    done = store.change(member.email, Act.CONFIRM, cause, now, ip=ip)
    return done.member.email if done.member is not None and not done.refused else None
