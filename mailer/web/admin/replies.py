"""/admin/antworten: the topic ideas (to mark as done) and every message the poller read,
each with a form to refile it."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from mailer import app as mailer_app
from mailer import german, report
from mailer.errors import MailerError
from mailer.inbound import table as inbound_table
from mailer.inbound.kinds import SUGGESTION, UNSURE, unsure_note
from mailer.store import stamp
from mailer.web import pages
from mailer.web.forms import ButtonForm, RefileForm

blueprint = Blueprint("replies", __name__)


@blueprint.route("")
def index():
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
    )


def _day(key: str | None) -> str:
    return german.long_date(datetime.fromisoformat(key).date()) if key else ""


@blueprint.route("/<id:record_id>/erledigt", methods=["POST"])
def mark_done(record_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    store = pages.store()
    with store.transaction() as conn:
        current = conn.execute("SELECT done_at FROM inbound WHERE id = ?", (record_id,)).fetchone()
        if current is None:
            abort(404)
        inbound_table.mark_done(conn, record_id, None if current[0] else stamp(pages.now()))
    return redirect(url_for("admin.replies.index") + "#ideen")


@blueprint.route("/neu-einordnen", methods=["POST"])
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
        "Neu eingeordnet", line, link=(url_for("admin.replies.index"), "Zurück zu den Antworten")
    )
