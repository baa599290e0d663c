"""Mail about the replies: a thank-you to a member who sent a topic idea, and the digest
of new ideas for the organizer. Both go through the outbox like every other mail, so they
too are sent once, retried on 4xx, and never lost.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mailer import german, report, salutation
from mailer.inbound import table as inbound_table
from mailer.outbound import outbox
from mailer.outbound.outbox import CONFIRM, DIGEST, GOODBYE, THANKS, DueRow, OutboxKey
from mailer.plan import Plan
from mailer.render import WIRE_POLICY, Letter, Recipient, Renderer, organizer_message
from mailer.store import stamp
from mailer.wallclock import instant, resolve

THANKS_WITHIN = timedelta(days=2)  # ideas older than this when thank-yous are switched on get none


def queue_replies(conn, plan: Plan, now: datetime, secret: bytes) -> int:
    """Queues the thank-yous and the digest that are due at `now`; returns how many."""
    queued = 0
    if plan.suggestions.thank_you:
        queued += _queue_thanks(conn, plan, now, secret)
    if plan.suggestions.digest != "off":
        queued += _queue_digest(conn, plan, now, secret)
    return queued


def _queue_thanks(conn, plan: Plan, now: datetime, secret: bytes) -> int:
    """At most one thank-you a day per member; never to automatic mail or non-members."""
    queued = 0
    for subscriber_id, idea_id, recorded_at, session_key in inbound_table.suggestions_to_thank(
        conn, stamp(now - THANKS_WITHIN)
    ):
        day = plan.local(datetime.fromisoformat(recorded_at)).date().isoformat()
        queued += outbox.queue_one(
            conn,
            OutboxKey.thanks(day, subscriber_id),
            kind=THANKS,
            session_key=session_key,
            domain=plan.sender.list_id,
            secret=secret,
            now=stamp(now),
            in_reply_to=idea_id,
        )
    return queued


def digest_window(plan: Plan, now: datetime) -> tuple[datetime, datetime] | None:
    """The period the digest due at `now` covers, or None before the first one is due."""
    local = plan.local(now)
    at = plan.suggestions.digest_at

    def on(day: date) -> datetime:  # digest_at on that day, as RFC 5545 reads a local time
        return resolve(datetime.combine(day, at), plan.timezone)

    if plan.suggestions.digest == "daily":
        end = on(local.date())
        length = timedelta(days=1)
    else:
        end = on(local.date() - timedelta(days=local.weekday()))
        length = timedelta(days=7)
    if instant(local) < instant(end):
        end = on(end.date() - length)
    return on(end.date() - length), end


def _queue_digest(conn, plan: Plan, now: datetime, secret: bytes) -> int:
    """The organizer's report of the period that ended last, when anything happened in it."""
    start, end = digest_window(plan, now)
    if not report.gather(conn, plan, start, end, answers=False).has_news:
        return 0
    return outbox.queue_one(
        conn,
        OutboxKey.digest(end.date().isoformat()),
        kind=DIGEST,
        domain=plan.sender.list_id,
        secret=secret,
        now=stamp(now),
        to_address=plan.suggestions.digest_to or _address_of(plan.sender.from_address),
        period=(stamp(start), stamp(end)),
    )


def reply_bytes(
    conn, plan: Plan, renderer: Renderer, row: DueRow, address: str, now: datetime
) -> bytes:
    """The message, ready for the wire, of a thank-you or digest row of the outbox, to
    `address` (the member's or the organizer's, as it travels)."""
    if row.kind == CONFIRM:
        return _confirmation(conn, plan, renderer, row, address)
    if row.kind in (THANKS, GOODBYE):
        formal = salutation.formal(plan.series.salutation)
        subject = {
            THANKS: f"Danke für {'Ihren' if formal else 'deinen'} Themenvorschlag zum"
            f" {plan.series.name}",
            GOODBYE: f"{'Sie sind' if formal else 'Du bist'} vom {plan.series.name} abgemeldet",
        }[row.kind]
        letter = renderer.reply_letter(row.kind, subject, {}, row.kind)
        template = renderer.wire(
            letter, replies=bool(row.in_reply_to), auto_submitted="auto-replied"
        )
        recipient = Recipient(
            address, row.name, row.token or "", row.first_name, row.last_name, row.salutation,
            row.subscriber_id,
        )  # fmt: skip
        return template.fill(recipient, row.message_id, row.in_reply_to)
    assert row.period_start is not None and row.period_end is not None
    start, end = (datetime.fromisoformat(row.period_start), datetime.fromisoformat(row.period_end))
    letter = _digest_letter(conn, plan, renderer, start, end)
    message = organizer_message(plan, letter, address, row.message_id, now)
    return message.as_bytes(policy=WIRE_POLICY)


def _confirmation(conn, plan: Plan, renderer: Renderer, row: DueRow, address: str) -> bytes:
    """The double opt-in mail: the link to confirm, good for optin.CONFIRM_DAYS from the
    moment it is made. It repeats nothing the visitor typed but the address: no name in
    the greeting or the To header, so a stranger's sign-up carries no text of theirs."""
    from mailer import optin
    from mailer.store import stored_secret

    formal = salutation.formal(plan.series.salutation)
    secret = stored_secret(conn, "web")
    link = f"{plan.web.base_url}/bestaetigen/{optin.confirmation_token(secret, row.subscriber_id, renderer.now)}"
    subject = f"Bitte {'bestätigen Sie Ihre' if formal else 'bestätige deine'} Anmeldung zum {plan.series.name}"
    context = {
        "confirm_url": link,
        "days": optin.CONFIRM_DAYS,
        "greeting": salutation.greeting(plan.series.salutation, salutation.Person()),
    }
    letter = renderer.reply_letter(CONFIRM, subject, context, row.message_id)
    template = renderer.wire(letter, auto_submitted="auto-generated")
    recipient = Recipient(address, None, row.token or "", subscriber_id=row.subscriber_id)
    return template.fill(recipient, row.message_id)


def _digest_letter(conn, plan: Plan, renderer: Renderer, start: datetime, end: datetime) -> Letter:
    """The report mail of [start, end): see mailer.report."""
    found = report.gather(conn, plan, start, end)

    def local(stamped: str) -> str:
        return german.long_datetime(plan.local(datetime.fromisoformat(stamped))) if stamped else ""

    def day(key: str | None) -> str | None:
        return german.long_date(datetime.fromisoformat(key).date()) if key else None

    def ideas(items: list[report.Idea]) -> list[dict]:
        return [
            {**vars(idea), "received": local(idea.received_at), "session": day(idea.session)}
            for idea in items
        ]

    def changes(items: list[report.StatusChange]) -> list[dict]:
        return [{**vars(item), "at": local(item.at)} for item in items]

    context = {
        "ideas": ideas(found.ideas),
        "unsure": ideas(found.unsure),
        "proposals": [
            {**vars(item), "received": local(item.received_at), "session": day(item.session)}
            for item in found.proposals
        ],
        "bounces": changes(found.bounces),
        "unsubscribes": changes(found.unsubscribes),
        "answers": [{**vars(a), "date": day(a.session)} for a in found.answers],
        "window": f"vom {german.long_datetime(plan.local(start))}"
        f" bis {german.long_datetime(plan.local(end))}",
    }
    counted = [
        (len(found.ideas), "Themenvorschlag", "Themenvorschläge"),
        (len(found.unsure), "Mail zu prüfen", "Mails zu prüfen"),
        (len(found.proposals), "Terminvorschlag", "Terminvorschläge"),
        (len(found.unsubscribes), "Abmeldung", "Abmeldungen"),
        (len(found.bounces), "unzustellbare Adresse", "unzustellbare Adressen"),
    ]
    summary = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counted if n)
    subject = f"{plan.series.name}: Bericht – {summary}"
    return renderer.reply_letter(DIGEST, subject, context, stamp(end))


def _address_of(from_header: str) -> str:
    return from_header.rpartition("<")[2].rstrip(">").strip()
