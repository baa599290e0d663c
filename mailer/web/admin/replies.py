"""/admin/antworten: the topic ideas (to mark as done) and every message the poller read,
each with a form to refile it. Each change is on record with who made it (audit.py)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from mailer import app as mailer_app
from mailer import audit, german, report
from mailer.errors import MailerError
from mailer.inbound import table as inbound_table
from mailer.inbound.kinds import REFILE_TARGETS, SUGGESTION, UNSURE, unsure_note
from mailer.store import stamp
from mailer.web import pages
from mailer.web.admin import gate
from mailer.web.admin.words import REPLY_KIND_WORDS, effect_words
from mailer.web.forms import ButtonForm

blueprint = Blueprint("replies", __name__)


class RefileForm(FlaskForm):
    """Another kind for a message read (the kinds `mailer inbox refile` takes), in German."""

    message_id = HiddenField(validators=[DataRequired(), Length(max=1000)])
    kind = SelectField(
        "Neu einordnen als",
        choices=[SelectChoice(kind, REPLY_KIND_WORDS[kind]) for kind in REFILE_TARGETS],
    )


@blueprint.route("")
def index():
    """Topic ideas (to mark as done; a mail to check says why), the other times members'
    calendars proposed, and every message read, each with a refile form."""
    store = pages.store()
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
        proposals=report.proposals(store.conn, pages.timezone(), limit=50),
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
    store, moment = pages.store(), pages.now()
    with store.transaction() as conn:
        current = conn.execute(
            "SELECT done_at, sender, subject FROM inbound WHERE id = ?", (record_id,)
        ).fetchone()
        if current is None:
            abort(404)
        done_at, sender, subject = current
        inbound_table.mark_done(conn, record_id, None if done_at else stamp(moment))
        audit.record(
            conn, moment, gate.organizer(), "reply.reopen" if done_at else "reply.done",
            sender, subject or "(ohne Betreff)",
        )  # fmt: skip
    return redirect(url_for("admin.replies.index") + "#ideen")


@blueprint.route("/neu-einordnen", methods=["POST"])
def refile_message():
    form = RefileForm()
    if not form.validate_on_submit():
        abort(400)
    moment = pages.now()
    try:
        # The same as `mailer inbox refile`: the message moves in the mailbox too.
        done = mailer_app.refile_message(
            current_app.extensions["mailer"].app, form.message_id.data, form.kind.data, moment
        )
    except MailerError as problem:
        return pages.message(
            "Nicht neu eingeordnet", "Das ging nicht:", detail=str(problem), status=400,
            link=(url_for("admin.replies.index"), "Zurück zu den Antworten"),
        )  # fmt: skip
    said = _refiled_words(done)
    if not done.already:
        store = pages.store()
        with store.transaction() as conn:
            record = inbound_table.by_message_id(conn, done.message_id)
            audit.record(
                conn, moment, gate.organizer(), "reply.refile",
                record["sender"] if record else None, " ".join(said),
            )  # fmt: skip
    return pages.message(
        "Neu eingeordnet", *said, link=(url_for("admin.replies.index"), "Zurück zu den Antworten")
    )


def _refiled_words(done) -> list[str]:
    """A refile (refiling.Refiled) in the organizer's words."""
    after = REPLY_KIND_WORDS[done.after]
    if done.already:
        return [f"Die Mail ist schon als „{after}“ eingeordnet; nichts geändert."]
    said = [f"Eingeordnet als „{after}“ (vorher: „{REPLY_KIND_WORDS[done.before]}“)."]
    if done.changes:
        said.append(effect_words("; ".join(done.changes)) + ".")
    if done.moved_to:
        said.append(f"Im Postfach in den Ordner „{done.moved_to}“ verschoben.")
    else:
        said.append("Die Mail selbst war im Postfach nicht zu finden und blieb, wo sie ist.")
    return said
