"""/admin/mitglieder: the members. The list (search, status filter, pages), a member's
page (what is known, the consent log, answers, mails, the organizers' log), and what an
organizer does to one member: add (with how they agreed), edit, unsubscribe, remove.

Every change goes through the core the CLI calls too: the one rule of mailer.consent
(Store.change) for every status, Store.edit_person for the names, erasure.erase_member
for a removal; and each is recorded with its organizer (audit.record, in the change's
transaction). Importing and exporting lists: member_files.py.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from mailer import audit, erasure, german, report, rsvps
from mailer.consent import PENDING, Act, Standing
from mailer.errors import MailerError
from mailer.members import clean_text, normalize_address
from mailer.outbound import outbox
from mailer.salutation import Person
from mailer.store import Subscriber
from mailer.web import pages
from mailer.web.admin import gate, member_words
from mailer.web.admin.words import (
    ACTION_WORDS,
    ANSWER_VIA_WORDS,
    ANSWER_WORDS,
    MEMBER_STATUS_WORDS,
    OUTBOX_STATUS_WORDS,
    cause_words,
    mail_words,
)
from mailer.web.forms import (
    FIELD_LIMIT,
    TOO_LONG,
    AddMemberForm,
    ButtonForm,
    PersonForm,
    RemoveForm,
)

blueprint = Blueprint("members", __name__)
PAGE_SIZE = 50
REPORT_DAYS = 90
PERSON_FIELDS = ("name", "first_name", "last_name", "salutation", "org")
FIELD_WORDS = {"name": "Name", "first_name": "Vorname", "last_name": "Nachname",
               "salutation": "Anrede", "org": "Kommune"}  # fmt: skip
ADD_CAUSE = "added by the organizer on the web"
ADD_AGAIN_CAUSE = "added by the organizer on the web with a new consent"
UNSUBSCRIBE_CAUSE = "unsubscribed by the organizer in /admin"


# -- the list ---------------------------------------------------------------------------


@blueprint.route("")
def index():
    """The list: `?suche=WORDS&status=aktiv&seite=2`; a bad value is said on its field."""
    search = request.args.get("suche", "")
    slug = request.args.get("status", "")
    errors = {}
    if len(search) > FIELD_LIMIT:
        errors["suche"] = TOO_LONG
        search = ""
    if slug and slug not in member_words.STATUS_SLUGS:
        errors["status"] = "Diesen Status gibt es nicht; gezeigt werden alle."
        slug = ""
    page_text = request.args.get("seite", "1")
    number = int(page_text) if page_text.isascii() and page_text.isdigit() else 0
    if not 1 <= number <= 10**9:
        errors["seite"] = "Die Seite ist keine Zahl ab 1; gezeigt wird die erste."
        number = 1
    store = pages.store()
    status = member_words.STATUS_SLUGS.get(slug)
    found = store.find(search, status, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    last = max(1, math.ceil(found.total / PAGE_SIZE))
    if number > last:  # past the end (the list shrank, or a typed address): the last page
        number = last
        found = store.find(search, status, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    counts = store.status_counts()
    return render_template(
        "admin/members/list.html",
        found=found,
        search=search,
        slug=slug,
        page=number,
        last=last,
        errors=errors,
        counts=counts,
        everyone=sum(counts.values()),
        slugs=member_words.STATUS_SLUGS,
        status_words=MEMBER_STATUS_WORDS,
        page_link=lambda number: _list_link(search, slug, number),
    ), 400 if errors else 200


def _list_link(search: str, slug: str, number: int) -> str:
    """The list's address for page `number` of this search (only the values given)."""
    given = {"suche": search, "status": slug, "seite": number if number > 1 else None}
    return url_for("admin.members.index", **{key: value for key, value in given.items() if value})


@blueprint.route("/abgaenge")
def departures():
    """Who left or bounced in the last REPORT_DAYS days, and why."""
    plan, moment, store = pages.shown_plan(), pages.now(), pages.store()
    found = report.gather(
        store.conn, plan, moment - timedelta(days=REPORT_DAYS), moment, answers=False
    )
    return render_template(
        "admin/members/departures.html",
        days=REPORT_DAYS,
        bounces=found.bounces,
        unsubscribes=found.unsubscribes,
        cause_words=cause_words,
    )


# -- one member ---------------------------------------------------------------------------


@blueprint.route("/<id:member_id>")
def member(member_id: int):
    store = pages.store()
    found = _member_or_404(member_id)
    conn = store.conn
    return render_template(
        "admin/members/member.html",
        member=found,
        standing=_status_line(store.standing(found)),
        status_words=MEMBER_STATUS_WORDS,
        history=[
            {**entry, "cause": cause_words(entry["cause"])}
            for entry in reversed(store.consent_log(found.email))
        ],
        consent=cause_words(found.consent_source or ""),
        answers=rsvps.listing(conn, subscriber_id=found.id),
        day=session_day,
        answer_words=ANSWER_WORDS,
        via_words=ANSWER_VIA_WORDS,
        mails=[
            {**row, "what": mail_words(row["kind"], row["stage"])}
            for row in outbox.listing(conn, subscriber_id=found.id)
        ],
        mail_status=OUTBOX_STATUS_WORDS,
        log=audit.recent(conn, 100, subject=found.email),
        action_words=ACTION_WORDS,
        button=ButtonForm(),
    )


@blueprint.route("/<id:member_id>/bearbeiten", methods=["GET", "POST"])
def edit(member_id: int):
    found = _member_or_404(member_id)
    form = PersonForm(obj=found)
    if form.validate_on_submit() and (person := _person(form)) is not None:
        store = pages.store()
        with store.transaction() as conn:
            done = store.edit_person(found.id, person, pages.now())
            if done is None:
                abort(404)
            before, after = done
            changed = [f for f in PERSON_FIELDS if getattr(before, f) != getattr(after, f)]
            if changed:
                audit.record(
                    conn, pages.now(), gate.organizer(), "member.edit", after.email,
                    "; ".join(f"{FIELD_WORDS[f]}: {getattr(before, f) or '–'} → "
                              f"{getattr(after, f) or '–'}" for f in changed),
                )  # fmt: skip
        flash("Gespeichert." if changed else "Nichts geändert.")
        return redirect(url_for("admin.members.member", member_id=found.id))
    return render_template("admin/members/edit.html", member=found, form=form), (
        400 if form.errors else 200
    )


@blueprint.route("/<id:member_id>/abmelden", methods=["POST"])
def unsubscribe(member_id: int):
    """Unsubscribes through the one rule; the consent log keeps the proof."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    found = _member_or_404(member_id)
    store = pages.store()
    with store.transaction() as conn:
        done = store.change(found.email, Act.UNSUBSCRIBE, UNSUBSCRIBE_CAUSE, pages.now())
        if done.changed:
            audit.record(conn, pages.now(), gate.organizer(), "member.unsubscribe", found.email)
    flash("Abgemeldet. Mails bekommt die Adresse erst wieder mit neuer Zustimmung."
          if done.changed else "War schon abgemeldet.")  # fmt: skip
    return redirect(url_for("admin.members.member", member_id=found.id))


@blueprint.route("/<id:member_id>/loeschen", methods=["GET", "POST"])
def remove(member_id: int):
    """GET: what will be erased, and the button; POST (with the address the page named):
    erase everything about the member (DSGVO Art. 17)."""
    found = _member_or_404(member_id)
    if request.method == "POST":
        form = RemoveForm()  # the address as posted, or none: no default stands in for it
        if not form.validate_on_submit() or form.address.data != found.email:
            abort(400)
        store = pages.store()
        held = erasure.holdings(store, found)
        with store.transaction() as conn:
            if not erasure.erase_member(store, found.email):
                abort(404)
            audit.record(  # about nobody: the log keeps no trace of the person
                conn, pages.now(), gate.organizer(), "member.remove", None,
                f"Mitglied Nr. {found.id} gelöscht, mit {held.consent_entries} Einträgen im"
                f" Verlauf, {held.mails} Mails, {held.answers} Antworten, {held.received}"
                " empfangenen Mails",
            )  # fmt: skip
        return render_template(
            "admin/members/message.html",
            title="Gelöscht",
            said=f"{found.email} und alles, was mailer über die Person wusste, ist gelöscht.",
            link=(url_for("admin.members.index"), "Zurück zur Liste"),
        )
    return render_template(
        "admin/members/remove.html",
        member=found,
        held=erasure.holdings(pages.store(), found),
        form=RemoveForm(address=found.email),
    )


# -- adding one ---------------------------------------------------------------------------


@blueprint.route("/neu", methods=["GET", "POST"])
def add():
    form = AddMemberForm()
    if form.validate_on_submit():
        added = _add_member(form)
        if added is not None:
            said, member_id = added
            flash(said)
            return redirect(url_for("admin.members.member", member_id=member_id))
    return render_template("admin/members/add.html", form=form), 400 if form.errors else 200


def _add_member(form: AddMemberForm) -> tuple[str, int] | None:
    """The form's member, through the one rule (mailer.consent): after a withdrawal only
    with the box for a new consent ticked. (what to say, the member's id), or None with
    the errors on the form."""
    try:
        email = normalize_address(form.email.data or "")
    except MailerError:
        form.email.errors = [member_words.invalid_address(form.email.data or "")]
        return None
    person = _person(form)
    if person is None:
        return None
    note = clean_text(form.consent.data)
    act = Act.ADD_AGAIN if form.resubscribe.data else Act.ADD
    cause = f"{ADD_AGAIN_CAUSE if act is Act.ADD_AGAIN else ADD_CAUSE}: {note}"
    store = pages.store()
    with store.transaction() as conn:
        done = store.change(email, act, cause, pages.now(), person=person)
        if done.changed:
            again = " (nach einer Abmeldung, mit neuer Zustimmung)" if act is Act.ADD_AGAIN else ""
            audit.record(conn, pages.now(), gate.organizer(), "member.add", email,
                         f"Zustimmung: {note}{again}")  # fmt: skip
    before = done.before
    if done.refused or done.member is None:
        form.email.errors = [
            f"{email}: {_standing(before)}. Nur mit neuer Zustimmung wieder aufnehmen:"
            " Häkchen unten setzen."
        ]
        return None
    if not done.changed:
        return f"{email} ist bereits im Verteiler.", done.member.id
    if before.status is None:
        return f"{email} ist jetzt im Verteiler.", done.member.id
    again = "jetzt" if before.status == PENDING and not before.withdrawn else "wieder"
    said = f"{email} ist {again} im Verteiler (vorher: {_standing(before)})."
    return said, done.member.id


# -- shared -------------------------------------------------------------------------------


def _member_or_404(member_id: int) -> Subscriber:
    found = pages.store().subscriber_by_id(member_id)
    if found is None:
        abort(404)
    return found


def _person(form: PersonForm) -> Person | None:
    """The form's names as the CLI takes them (clean_text: one line, UTF-8), or None
    with the error on its field."""
    values = {}
    for column in PERSON_FIELDS:
        field = getattr(form, column)
        try:
            values[column] = clean_text(field.data)
        except MailerError:
            field.errors = ["Bitte nur Text eingeben."]
            return None
    return Person(**values)


def _status_line(standing: Standing) -> str:
    """`aktiv`, `wartet auf Bestätigung`, `abgemeldet am Dienstag, 1. August 2023`, ..."""
    if standing.withdrawn:
        return _standing(standing)
    return MEMBER_STATUS_WORDS.get(standing.status or "", standing.status or "")


def _standing(standing: Standing) -> str:
    return member_words.standing_words(standing, local_day)


def session_day(key: str | None) -> str:
    """A session's key (its first date) as the organizer reads it: `Donnerstag,
    7. September 2023`; anything else (a newsletter's: none) as it is."""
    try:
        return german.long_date(date.fromisoformat(key or ""))
    except ValueError:
        return key or ""


def local_day(stamp: str) -> date:
    """The series' day of a stored UTC stamp."""
    return datetime.fromisoformat(stamp).astimezone(pages.timezone()).date()
