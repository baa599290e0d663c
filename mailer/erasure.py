"""The right to erasure (DSGVO Art. 17): one person, out of every table that holds them."""

from __future__ import annotations

from dataclasses import dataclass

from mailer import audit, rsvps
from mailer.inbound import table as inbound_table
from mailer.outbound import outbox
from mailer.store import Store, Subscriber


@dataclass(frozen=True)
class Holdings:
    """What erase_member erases of one member beside their row: counts of the entries of
    their consent log, the mails to them (outbox), their answers to invitations, the mail
    received from or about them, and the organizers' log entries about them."""

    consent_entries: int
    mails: int
    answers: int
    received: int
    log_entries: int


def holdings(store: Store, member: Subscriber) -> Holdings:
    """What erase_member(store, member.email) would erase, counted without changing
    anything (for the confirmation that names it)."""
    conn = store.conn
    return Holdings(
        consent_entries=len(store.consent_log(member.email)),
        mails=outbox.count_member(conn, member.id),
        answers=len(rsvps.listing(conn, subscriber_id=member.id)),
        received=inbound_table.count_member(conn, member.id, member.email),
        log_entries=audit.count_subject(conn, member.email),
    )


def erase_member(store: Store, email: str) -> bool:
    """Erases the subscriber, their consent log, their mails, the mail received from
    them and the organizers' log entries about them, in one transaction; False if the
    address is not on the list."""
    with store.transaction() as conn:
        subscriber = store.subscriber(email)
        if subscriber is None:
            return False
        outbox.forget_member(conn, subscriber.id)
        rsvps.forget_member(conn, subscriber.id)
        inbound_table.forget_member(conn, subscriber.id, subscriber.email)
        audit.forget_subject(conn, subscriber.email)
        store.forget(subscriber.id)
        return True
