"""/admin/mitglieder/import and /admin/mitglieder/export.csv: member lists in and out.

An import goes in two steps. The upload is read with the CSV rules of `mailer
subscribers import` (members.read_members) and shown as what it would do
(Store.plan_import: "12 neu, 3 schon da, 2 fehlerhafte Zeilen", each line said), with
nothing written; the file waits in the server's memory (uploads.Shelf) under a random
key only its organizer can use. The confirmation imports it through the same core as the
CLI (Store.add_many, the rule of mailer.consent for each row) and says what it did. The
export is `mailer subscribers export`'s file (members.members_csv).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, render_template, url_for

from mailer import audit
from mailer.errors import MailerError
from mailer.members import MemberList, export_row, import_cause, members_csv, read_members
from mailer.store import ImportPlan
from mailer.text import one_line
from mailer.web import pages
from mailer.web.admin import gate, member_words
from mailer.web.admin.members import local_day
from mailer.web.forms import ImportConfirmForm, ImportForm
from mailer.web.uploads import Shelf, Upload

blueprint = Blueprint("member_files", __name__)
SHOWN_NEW = 20  # newcomers listed in the preview (all are counted)
LONGEST_NAME = 120


@blueprint.route("/import", methods=["GET", "POST"])
def upload():
    """GET: the upload form. POST: the preview of what the file would do."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("admin/members/import.html", form=form), (
            400 if form.errors else 200
        )
    sent = form.upload.data
    # The name only, without a folder some browsers send along (C:\Users\...\liste.csv).
    name = one_line(re.split(r"[\\/]", sent.filename or "")[-1])[:LONGEST_NAME] or "liste.csv"
    held = Upload(gate.organizer(), name, sent.read(), gate.clock())
    found, problem = _read(held)
    if found is None:
        form.upload.errors = [problem]
        return render_template("admin/members/import.html", form=form), 400
    plan = pages.store().plan_import((row.email, row.person) for row in found.rows)
    key = _shelf().put(held) if plan.new else None
    return render_template(
        "admin/members/preview.html",
        name=name,
        summary=_summary(found, plan, done=False),
        lines=_lines(found, plan),
        shown=plan.new[:SHOWN_NEW],
        more=max(0, len(plan.new) - SHOWN_NEW),
        confirm=ImportConfirmForm(formdata=None, upload=key) if key else None,
        count=len(plan.new),
    )


@blueprint.route("/import/eintragen", methods=["POST"])
def confirm():
    """Imports the upload the preview showed, as it is now (someone may have added a
    member since: the answer says what was done)."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return _expired()
    shelf = _shelf()
    held = shelf.get(form.upload.data or "", gate.organizer(), gate.clock())
    if held is None:
        return _expired()
    found, _ = _read(held)
    if found is None:  # it was read for the preview, and is read the same way
        return _expired()
    store = pages.store()
    with store.transaction() as conn:
        done = store.add_many(
            [(row.email, row.person) for row in found.rows],
            consent=import_cause(held.name),
            now=pages.now(),
        )
        summary = _summary(found, done, done=True)
        audit.record(conn, pages.now(), gate.organizer(), "member.import", None,
                     f"{held.name}: {summary}")  # fmt: skip
    shelf.drop(form.upload.data or "")
    return render_template(
        "admin/members/imported.html", name=held.name, summary=summary, lines=_lines(found, done)
    )


@blueprint.route("/export.csv")
def export():
    """The list as `mailer subscribers export` writes it, as a download."""
    store = pages.store()
    data = members_csv(export_row(member) for member in store.subscribers())
    day = pages.now().date().isoformat()
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="mitglieder-{day}.csv"'},
    )


def _read(held: Upload) -> tuple[MemberList | None, str]:
    """The upload as a member list, or None and the one sentence that says why not."""
    try:
        found = read_members(held.data, held.name)
    except MailerError as problem:
        return None, member_words.unreadable(problem)
    if not found.rows and not found.problems:
        return None, "In der Datei steht kein Mitglied."
    return found, ""


def _summary(found: MemberList, plan: ImportPlan, *, done: bool) -> str:
    return member_words.summary(
        len(plan.new), len(plan.existing), len(found.problems), len(plan.left_out), done=done
    )


def _lines(found: MemberList, plan: ImportPlan) -> list[str]:
    """Each line of the file that is not imported as it is, in the order of the file."""
    lines = {row.email: row.line for row in found.rows}
    said = [(1, member_words.unknown_column(column)) for column in found.unused_columns]
    said += [(problem.line, member_words.row_problem(problem)) for problem in found.problems]
    said += [
        (lines[left.email], member_words.left_out(
            lines[left.email], left.email, left.standing, local_day))
        for left in plan.left_out
    ]  # fmt: skip
    return [sentence for _, sentence in sorted(said, key=lambda item: item[0])]


def _expired():
    return render_template(
        "admin/members/message.html",
        title="Bitte noch einmal hochladen",
        said="Die hochgeladene Liste ist nicht mehr da (sie wird eine Stunde lang aufbewahrt,"
        " und nur bis zum Neustart des Servers). Nichts wurde eingetragen.",
        link=(url_for("admin.member_files.upload"), "Liste hochladen"),
    ), 410


def _shelf() -> Shelf:
    return current_app.extensions["mailer"].uploads
