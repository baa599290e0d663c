"""/admin/plan: changing the plan, in two steps that need no JavaScript.

1. The form (a GET shows the plan's values and carries the file's version, the SHA-256
   of the bytes it was filled from). "Weiteren Gast hinzufügen" shows it again with one
   more guest row, and saves nothing.
2. "Prüfen": the fields are checked in German (planforms.py); then the core makes the
   edit without writing (app.edit_plan with dry_run: the same as `mailer session ...
   --dry-run`) and the page shows what changes, the lines of schedule.yaml before and
   after, and what the edit will send. Its "Speichern" button carries the form's data
   (as hidden fields, exactly as typed) and the version.
3. "Speichern": app.edit_plan saves it as the organizer of this login, via "web". A file
   that changed since the version the form carries is refused (PlanConflict) with one
   German sentence, the session as it is now, and the form as the organizer typed it,
   now on the current version: nothing typed is lost.
A mistake the core finds comes back on its field in German (planwords.py); nothing is
written. The last change is undone the same way: "Prüfen" first, then "Rückgängig
machen".
"""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for

from mailer import german, planstore
from mailer.app import edit_plan, undo_plan
from mailer.errors import MailerError
from mailer.planedit import EditError
from mailer.planfile import parse_plan
from mailer.planstore import PlanConflict
from mailer.web.admin import gate, planforms
from mailer.web.admin.plan import (
    blueprint,
    describe,
    find_session,
    index_page,
    last_change,
    now_in,
    read_shown,
)
from mailer.web.admin.planwords import german_problem

STEP = "schritt"  # the name of the buttons: which step the organizer asked for
CHECK, SAVE, GUEST, BACK = "pruefen", "speichern", "gast", "aendern"
# (endpoint, path below /termin/<day>, the form); a session's key is the date it was
# first planned on, as `mailer session` names it.
SESSION_TASKS = (
    ("edit", "bearbeiten", planforms.EditSessionForm),
    ("move", "verschieben", planforms.MoveSessionForm),
    ("cancel", "absagen", planforms.CancelSessionForm),
    ("reinstate", "absage-zuruecknehmen", planforms.ReinstateSessionForm),
    ("recap", "nachbericht", planforms.RecapForm),
    ("remove", "entfernen", planforms.RemoveSessionForm),
)


def _mailer_app():
    return current_app.extensions["mailer"].app


def change_page(form_class: type[planforms.PlanForm], session_key: str | None = None):
    """One change of the plan: the form, its check, its preview, its save."""
    shown = read_shown()
    session = find_session(shown.plan, session_key) if session_key else None
    form = form_class()
    step = request.form.get(STEP, "") if request.method == "POST" else ""
    if request.method != "POST":
        form.fill(shown.plan, session)
        form.version.data = shown.text.version
        return _form(form, session)
    if step == GUEST and isinstance(form, planforms.SessionFields):
        form.more_guests()
        return _form(form, session)
    if step == BACK:
        return _form(form, session)
    if not form.validate_on_submit():
        return _form(form, session, status=400)
    path = _mailer_app().workspace.config
    try:
        planstore.read_unchanged(path, form.version.data)
        edit, differences = form.edit(shown.plan, session)
        now = now_in(shown.plan)
        options = {"by": gate.organizer(), "via": "web", "expected": form.version.data,
                   "recorded_at": gate.clock()}  # fmt: skip
        if step == SAVE:
            saved = edit_plan(_mailer_app(), edit, now, **options)
            return _saved(saved.change, saved.preview.sends)
        preview = edit_plan(_mailer_app(), edit, now, dry_run=True, **options)
    except PlanConflict as conflict:
        return _conflict(form, conflict, session_key)
    except planforms.NothingChanged as nothing:
        form.form_errors.append(str(nothing))
        return _form(form, session, status=400)
    except EditError as error:
        form.place(error, german_problem(error))
        return _form(form, session, status=400)
    except MailerError as problem:
        form.form_errors.append(german_problem(problem))
        return _form(form, session, status=400)
    return render_template(
        "admin/plan/preview.html",
        form=form,
        session=session,
        differences=differences,
        diff=readable_diff(preview.diff),
        sends=sent_words(preview.sends),
        quiet=form.quiet,
        carried=_carried(),
        action=request.path,
    )


def _form(form, session, *, status: int = 200, conflict: str | None = None, **current):
    """The form page; on a conflict with the sentence and the session (`current_session`)
    or the series (`current_plan`) as they are now."""
    about = None
    if session is not None:
        about = german.long_date(session.date) + (f": {session.topic}" if session.topic else "")
    return render_template(
        "admin/plan/form.html",
        form=form,
        session=session,
        about=about,
        conflict=conflict,
        action=request.path,
        **current,
    ), status


def sent_words(sends) -> list[dict]:
    """What an edit sends, each with its session's date (an edit of the series may send
    for several): `Sonntag, 6. Dezember 2026: Änderungsmitteilung an 3 Mitglieder ...`."""
    return [
        {"text": s.german if s.stale else f"{german.long_date(date.fromisoformat(s.date))}:"
                 f" {s.german}", "stale": s.stale}
        for s in sends
    ]  # fmt: skip


def _carried() -> list[tuple[str, str]]:
    """The form's data as it was sent, for the preview's "Speichern" to send again."""
    return [(name, value) for name, value in request.form.items(multi=True)
            if name not in (STEP, "csrf_token")]  # fmt: skip


def _saved(change, sends):
    said = [f"Gespeichert: {change.german}."]
    said += [f"{s['text']}." for s in sent_words(sends)] or ["Diese Änderung verschickt nichts."]
    flash(" ".join(said))
    if change.action == "remove" or not change.session_key:
        return redirect(url_for("admin.plan.index"))
    return redirect(url_for("admin.plan.session", session_key=change.session_key))


def _conflict(form, conflict: PlanConflict, session_key: str | None):
    """The file changed since the form was shown: the sentence, the session (or the
    series) as it is now, and the form as typed, now carrying the current version."""
    path = _mailer_app().workspace.config
    plan = parse_plan(conflict.current.text, path.name)
    form.version.data = conflict.current.version
    if session_key is None:
        return _form(form, None, status=409, conflict=conflict.german, current_plan=plan)
    held = plan.session(session_key)
    view = None
    if held is not None and held.key == session_key:
        view = describe(plan, [held], now_in(plan))[0]
    return _form(form, held if view else None, status=409, conflict=conflict.german,
                 current_session=view)  # fmt: skip


def readable_diff(lines: list[str]) -> list[dict]:
    """planstore.unified_diff's lines as the page shows them: per hunk, the lines with
    their numbers in the old and the new file, removed or added."""
    hunks: list[dict] = []
    old = new = 0
    for line in lines:
        if line.startswith("@@"):
            head = line.split("@@")[1].split()
            old = int(head[0][1:].split(",")[0])
            new = int(head[1][1:].split(",")[0])
            hunks.append({"lines": []})
        elif hunks and line[:1] == "-":
            hunks[-1]["lines"].append({"kind": "removed", "number": old, "text": line[1:]})
            old += 1
        elif hunks and line[:1] == "+":
            hunks[-1]["lines"].append({"kind": "added", "number": new, "text": line[1:]})
            new += 1
    return hunks


@blueprint.route("/termin/neu", methods=["GET", "POST"])
def add():
    return change_page(planforms.AddSessionForm)


@blueprint.route("/reihe", methods=["GET", "POST"])
def series():
    return change_page(planforms.SeriesForm)


def _session_task(form_class):
    def view(session_key: str):
        return change_page(form_class, session_key)

    return view


for endpoint, part, form_class in SESSION_TASKS:
    blueprint.add_url_rule(
        f"/termin/<day:session_key>/{part}",
        endpoint,
        _session_task(form_class),
        methods=["GET", "POST"],
    )


@blueprint.route("/rueckgaengig", methods=["POST"])
def undo():
    """The last change made through mailer, taken back: "Prüfen" shows what that undoes,
    changes and sends; "Rückgängig machen" does it. Refused with a sentence when the
    file changed since that change (by hand, or by someone else) or since the page."""
    form = planforms.PlanForm()
    shown = read_shown()
    if not form.validate_on_submit():
        return _refused(shown, "Das Formular war unvollständig; bitte noch einmal versuchen.")
    options = {"by": gate.organizer(), "via": "web", "expected": form.version.data,
               "recorded_at": gate.clock()}  # fmt: skip
    now = now_in(shown.plan)
    try:
        if request.form.get(STEP) == SAVE:
            done = undo_plan(_mailer_app(), now, **options)
            said = [f"{s['text']}." for s in sent_words(done.sends)] or ["Das verschickt nichts."]
            flash(f"Rückgängig gemacht: {done.undone.german}. " + " ".join(said))
            return redirect(url_for("admin.plan.index"))
        shown_undo = undo_plan(_mailer_app(), now, dry_run=True, **options)
    except PlanConflict as conflict:
        return _refused(read_shown(), conflict.german)
    except MailerError as problem:
        return _refused(shown, german_problem(problem))
    return render_template(
        "admin/plan/undo.html",
        form=form,
        last=last_change(shown),
        diff=readable_diff(shown_undo.diff),
        sends=sent_words(shown_undo.sends),
        quiet=shown_undo.undone.quiet,
    )


def _refused(shown, sentence: str):
    """The plan page as it is now, with the sentence why nothing was undone."""
    return index_page(shown, problem=sentence), 409
