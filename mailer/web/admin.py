"""The organizer's pages under /admin: read-mostly (schedule.yaml stays the plan).

Open only when MAILER_ADMIN_PASSWORD was in the environment of `mailer serve`. The
password is compared as SHA-256 digests with hmac.compare_digest: the time it takes
says nothing about the guess, whatever its length. A login lives in the signed session
cookie for ADMIN_SESSION; every form carries a CSRF token; logging in is throttled.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from datetime import datetime, timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for

from mailer import app as mailer_app
from mailer import german, report, rsvps
from mailer.errors import MailerError
from mailer.inbound import table as inbound_table
from mailer.inbound.kinds import SUGGESTION, UNSURE, unsure_note
from mailer.members import clean_text, normalize_address
from mailer.outbound import newsletters, outbox
from mailer.salutation import Person
from mailer.store import ACTIVE, PENDING, stamp
from mailer.timing import recap_due_at, schedule
from mailer.web import pages
from mailer.web.forms import AddMemberForm, ButtonForm, LoginForm, RefileForm

blueprint = Blueprint("admin", __name__)
REPORT_DAYS = 90


def _password() -> str | None:
    return current_app.extensions["mailer"].admin_password


@blueprint.before_request
def closed_without_password():
    if _password() is None:
        abort(404)


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not session.get("admin"):
            return redirect(url_for("admin.login"))
        return view(*args, **kwargs)

    return wrapped


def _same_password(given: str, expected: str) -> bool:
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        if _same_password(form.password.data or "", _password() or ""):
            session.clear()
            session["admin"] = True
            session.permanent = True
            return redirect(url_for("admin.overview"))
        form.password.errors = ["Das Passwort stimmt nicht."]
    status = 400 if form.errors else 200
    return render_template("admin/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
def logout():
    if ButtonForm().validate_on_submit():
        session.clear()
    return redirect(url_for("admin.login"))


@blueprint.route("/")
@login_required
def overview():
    """The sessions ahead with what goes out when, their answers, the newsletters, and
    the outbox."""
    plan, moment, store = pages.plan(), pages.now(), pages.store()
    answers = rsvps.listing(store.conn)
    by_session: dict[str, list[dict]] = {}
    for answer in answers:
        by_session.setdefault(answer["session"], []).append(answer)
    sessions = []
    for item in plan.sessions_from(moment, 92):
        given = by_session.get(item.key, [])
        sessions.append(
            {
                "when": german.long_datetime(item.start),
                "topic": item.topic,
                "cancelled": item.cancelled,
                "mails": [] if item.cancelled else _session_mails(plan, item, moment),
                "answers": given,
                "counted": Counter(answer["answer"] for answer in given),
            }
        )
    counts = dict(
        store.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
    )
    recent = outbox.listing(store.conn, 25)
    members = Counter(member.status for member in store.subscribers())
    return render_template(
        "admin/overview.html",
        sessions=sessions,
        letters=[_newsletter(letter) for letter in newsletters.listing(store.conn)],
        counts=counts,
        recent=recent,
        status_words=OUTBOX_STATUS_WORDS,
        members=members,
        logout=ButtonForm(),
    )


@blueprint.route("/antworten")
@login_required
def replies():
    """Topic ideas (to mark as done; a mail to check says why), the other times members'
    calendars proposed, and every message read, each with a refile form."""
    plan, store = pages.plan(), pages.store()
    received = inbound_table.recent(store.conn, 200)
    ideas = [
        {**item, "note": unsure_note(item["reason"] or "") if item["kind"] == UNSURE else ""}
        for item in received
        if item["kind"] in (SUGGESTION, UNSURE)
    ]
    forms = {item["id"]: RefileForm(message_id=item["message_id"], kind=item["kind"])
             for item in received if item["message_id"]}  # fmt: skip
    return render_template(
        "admin/replies.html",
        ideas=ideas,
        proposals=report.proposals(store.conn, plan, limit=50),
        day=_day,
        received=received,
        forms=forms,
        button=ButtonForm(),
        logout=ButtonForm(),
        local=_local,
    )


@blueprint.route("/antworten/<int:record_id>/erledigt", methods=["POST"])
@login_required
def mark_done(record_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    store = pages.store()
    with store.transaction() as conn:
        current = conn.execute("SELECT done_at FROM inbound WHERE id = ?", (record_id,)).fetchone()
        if current is None:
            abort(404)
        inbound_table.mark_done(conn, record_id, None if current[0] else stamp(pages.now()))
    return redirect(url_for("admin.replies") + "#ideen")


@blueprint.route("/antworten/neu-einordnen", methods=["POST"])
@login_required
def refile_message():
    form = RefileForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        # The same as `mailer inbox refile`: the message moves in the mailbox too.
        line = mailer_app.refile_message(
            current_app.extensions["mailer"].app, form.message_id.data, form.kind.data,
            pages.now(),
        )  # fmt: skip
    except MailerError as problem:
        line = str(problem)
    return pages.message(
        "Neu eingeordnet", line, link=(url_for("admin.replies"), "Zurück zu den Antworten")
    )


@blueprint.route("/mitglieder", methods=["GET", "POST"])
@login_required
def members():
    """Sign-ups waiting for their confirmation, who left or bounced and why, and a form
    to add someone (with how they agreed: the consent log needs it)."""
    form = AddMemberForm()
    added = None
    if form.validate_on_submit():
        added = _add_member(form)
    plan, moment, store = pages.plan(), pages.now(), pages.store()
    found = report.gather(
        store.conn, plan, moment - timedelta(days=REPORT_DAYS), moment, answers=False
    )
    return render_template(
        "admin/members.html",
        form=form,
        added=added,
        pending=list(store.subscribers(PENDING)),
        bounces=found.bounces,
        unsubscribes=found.unsubscribes,
        logout=ButtonForm(),
        local=_local,
    ), 400 if form.errors else 200


def _add_member(form: AddMemberForm) -> str | None:
    try:
        email = normalize_address(form.email.data or "")
        person = Person(name=clean_text(form.name.data), org=clean_text(form.org.data))
        consent = clean_text(form.consent.data)
    except MailerError as problem:
        form.email.errors = [str(problem)]
        return None
    store = pages.store()
    current = store.subscriber(email)
    if (
        current is not None
        and current.status not in (ACTIVE, PENDING)
        and not form.resubscribe.data
    ):
        form.email.errors = [
            f"{email} hat sich abgemeldet ({current.status}). Nur mit neuer Zustimmung wieder"
            " aufnehmen: Häkchen unten setzen."
        ]
        return None
    member, changed = store.add_subscriber(
        email, person, consent=f"added by the organizer on the web: {consent}", now=pages.now()
    )
    return f"{member.email} ist {'jetzt' if changed else 'bereits'} im Verteiler."


def _day(key: str | None) -> str:
    return german.long_date(datetime.fromisoformat(key).date()) if key else ""


def _local(stamped: str | None) -> str:
    if not stamped:
        return ""
    return german.long_datetime(pages.plan().local(datetime.fromisoformat(stamped)))


def _session_mails(plan, item, moment: datetime) -> list[dict]:
    """What goes out for one session and when: invitation, reminders, and the recap."""
    moments = [(_stage_words(due.stage.label), due.due_at) for due in schedule(plan, item)]
    if item.recap:
        moments.append(("Rückblick", recap_due_at(plan, item)))
    return [
        {"label": label, "at": german.long_datetime(at), "done": at <= moment}
        for label, at in moments
    ]


OUTBOX_STATUS_WORDS = {
    outbox.QUEUED: "wartet",
    outbox.DEFERRED: "später erneut",
    outbox.SENT: "verschickt",
    outbox.FAILED: "fehlgeschlagen",
    outbox.SUPERSEDED: "ersetzt",
    outbox.EXPIRED: "verfallen",
    outbox.SKIPPED: "übersprungen",
    outbox.CANCELLED: "abgesagt",
}
NEWSLETTER_STATUS_WORDS = {
    newsletters.SCHEDULED: "geplant",
    newsletters.SENDING: "wird verschickt",
    newsletters.SENT: "verschickt",
    newsletters.CANCELLED: "abgesagt",
}


def _newsletter(letter: newsletters.Newsletter) -> dict:
    counted = letter.as_json()
    return {
        "id": letter.id,
        "subject": letter.subject,
        "at": _local(letter.send_at),
        "status": NEWSLETTER_STATUS_WORDS[letter.status],
        "published": letter.published,
        **{key: counted[key] for key in ("members", "sent", "waiting", "failed", "skipped")},
    }


def _stage_words(label: str) -> str:
    if label == "announcement":
        return "Einladung"
    return "Erinnerung " + label.removeprefix("reminder-")
