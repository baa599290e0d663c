"""/admin/mitglieder: sign-ups waiting for their confirmation, who left or bounced and why,
and a form to add someone (with how they agreed: the consent log needs it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template

from mailer import german, report
from mailer.consent import BOUNCED, PENDING, Act, Standing
from mailer.errors import MailerError
from mailer.members import clean_text, normalize_address
from mailer.salutation import Person
from mailer.web import pages
from mailer.web.forms import AddMemberForm

blueprint = Blueprint("members", __name__)
REPORT_DAYS = 90


@blueprint.route("", methods=["GET", "POST"])
def index():
    form = AddMemberForm()
    added = None
    if form.validate_on_submit():
        added = _add_member(form)
    plan, moment, store = pages.shown_plan(), pages.now(), pages.store()
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
    ), 400 if form.errors else 200


def _add_member(form: AddMemberForm) -> str | None:
    """The form's member, through the one rule (mailer.consent): after a withdrawal only
    with the box for a new consent ticked."""
    try:
        email = normalize_address(form.email.data or "")
        person = Person(name=clean_text(form.name.data), org=clean_text(form.org.data))
        note = clean_text(form.consent.data)
    except MailerError as problem:
        form.email.errors = [str(problem)]
        return None
    act = Act.ADD_AGAIN if form.resubscribe.data else Act.ADD
    how = "added by the organizer on the web"
    if act is Act.ADD_AGAIN:
        how = "added again by the organizer on the web with a new consent"
    done = pages.store().change(email, act, f"{how}: {note}", pages.now(), person=person)
    before = done.before
    if done.refused:
        form.email.errors = [
            f"{email}: {_standing_words(before)}. Nur mit neuer Zustimmung wieder aufnehmen:"
            " Häkchen unten setzen."
        ]
        return None
    if not done.changed:
        return f"{email} ist bereits im Verteiler."
    if before.status is None:
        return f"{email} ist jetzt im Verteiler."
    again = "jetzt" if before.status == PENDING and not before.withdrawn else "wieder"
    return f"{email} ist {again} im Verteiler (vorher: {_standing_words(before)})."


def _standing_words(standing: Standing) -> str:
    """A member's standing in the organizer's words: `abgemeldet am 1. September 2023`,
    `Anmeldung nicht bestätigt`, `unzustellbar`, ..."""
    left = standing.withdrawal
    if left is None:
        return {PENDING: "Anmeldung nicht bestätigt", BOUNCED: "unzustellbar"}.get(
            standing.status or "", "im Verteiler"
        )
    when = ""
    if left.at:
        day = datetime.fromisoformat(left.at).astimezone(pages.timezone()).date()
        when = f" am {german.long_date(day)}"
    did = f"Mail als Spam gemeldet{when}" if left.complaint else f"abgemeldet{when}"
    if standing.status == PENDING:
        return f"{did}, eine neue Anmeldung nicht bestätigt"
    return did
