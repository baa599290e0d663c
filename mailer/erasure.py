"""The right to erasure (DSGVO Art. 17): one person, out of every table that holds them."""

from __future__ import annotations

from mailer import audit, rsvps
from mailer.inbound import table as inbound_table
from mailer.outbound import outbox
from mailer.store import Store


def erase_member(store: Store, email: str) -> bool:
    """Erases the subscriber, their consent log, their mails, the mail received from
    them and the organizers' log entries about them, in one transaction; False if the address is not on the list."""
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
