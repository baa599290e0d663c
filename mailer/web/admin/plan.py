"""/admin/plan: the sessions ahead and past (this year's on the first page, earlier years
on a page each), each with its state and what mails went and go out when, its recap,
and a link to change it; a session's own page; the history of changes to the plan.
Changing the plan is in planchanges.py.

The plan is read from schedule.yaml on every request (planstore.read_plan_text), with
its version, so that a form shows exactly the file it will be saved against. A file
that cannot be read does not close these pages: each shows the file's sentence, and the
history, which needs no plan, still works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from mailer import german, planstore
from mailer.app import plan_history
from mailer.errors import PlanError
from mailer.mailkinds import RECAP
from mailer.outbound import outbox, queueing
from mailer.outbound.consequences import KIND_WORDS, Sending
from mailer.plan import Plan, Session
from mailer.planfile import parse_plan
from mailer.planstore import PlanText
from mailer.timing import RECAP_WINDOW, recap_due_at, schedule
from mailer.web import pages
from mailer.web.admin import gate
from mailer.web.admin.words import OUTBOX_STATUS_WORDS, stage_words

blueprint = Blueprint("plan", __name__)
AHEAD_DAYS = 6 * 31  # the sessions ahead: as `mailer plan` shows them, or to the last listed
VIA_WORDS = {"web": "im Browser", "cli": "im Terminal"}


@dataclass(frozen=True)
class Shown:
    """schedule.yaml as this request read it: its text and version, and its plan."""

    text: PlanText
    plan: Plan


def read_shown() -> Shown:
    """The plan as it is on disk now (PlanError when it cannot be read)."""
    path = current_app.extensions["mailer"].app.workspace.config
    text = planstore.read_plan_text(path)
    return Shown(text, parse_plan(text.text, path.name))


def now_in(plan: Plan) -> datetime:
    return plan.local(gate.clock())


def when_words(stamped: str | None) -> str:
    """A stored stamp in the organizer's words, in the series' zone of the last plan that
    could be read (the history stays readable while schedule.yaml is broken)."""
    if not stamped:
        return ""
    plan = current_app.extensions["mailer"].last_plan
    return german.medium_datetime(plan.local(datetime.fromisoformat(stamped)))


# -- a session, as the pages show it -------------------------------------------------------


@dataclass(frozen=True)
class MailLine:
    """One mail of a session: what it is, when (planned or sent), and its state."""

    label: str
    at: str
    state: str


@dataclass(frozen=True)
class SessionView:
    session: Session
    when: str
    moved_from: str | None
    listed: bool
    past: bool
    mails: list[MailLine] = field(default_factory=list)
    owed: str | None = None
    recap: str | None = None


def describe(
    plan: Plan, sessions: list[Session], now: datetime, *, store=None
) -> list[SessionView]:
    """The sessions with their mails: the schedule's stages, what the outbox holds of
    them, the notice the next tick owes (as `mailer plan` says it), and the recap."""
    store = store or pages.store()
    held = outbox.session_mails(store.conn, [s.key for s in sessions])
    ahead = [s for s in sessions if s.start > now]
    owed = queueing.notices_owed(store, ahead) if ahead else {}
    views = []
    for session in sessions:
        mails = {mail.stage: mail for mail in held.get(session.key, [])}
        recap_mail = mails.pop(RECAP, None)
        notice = owed.get(session.key)
        views.append(
            SessionView(
                session=session,
                when=f"{german.long_date(session.date)}, {german.time_span(session.start, session.end)}",
                moved_from=(
                    german.long_date(date.fromisoformat(session.key))
                    if session.key != session.date.isoformat()
                    else None
                ),
                listed=session.line is not None,
                past=session.start <= now,
                mails=_mails(plan, session, now, mails),
                owed=Sending(session.key, session.date.isoformat(), *notice).german
                if notice
                else None,
                recap=_recap(plan, session, now, recap_mail),
            )
        )
    return views


def _mails(plan: Plan, session: Session, now: datetime, held: dict) -> list[MailLine]:
    held = dict(held)
    lines = []
    if not session.cancelled:
        for due in schedule(plan, session):
            label = due.stage.label
            lines.append(
                MailLine(
                    stage_words(label),
                    german.medium_datetime(due.due_at),
                    _state(held.pop(label, None), due.due_at, session.start, now),
                )
            )
    for mail in held.values():  # updates, the cancellation, stages of an older schedule
        label = KIND_WORDS.get(mail.stage) or stage_words(mail.stage)
        lines.append(MailLine(label, when_words(mail.last_sent), _counted(mail.counts)))
    return lines


def _state(mail, due_at: datetime, start: datetime, now: datetime) -> str:
    if mail is not None:
        return _counted(mail.counts)
    if due_at > now:
        return "geplant"
    if start > now:
        return "fällig: geht beim nächsten Durchlauf raus"
    return "nicht verschickt"


def _counted(counts: dict[str, int]) -> str:
    """`an 23 verschickt, 1 fehlgeschlagen`"""
    words = [f"an {counts[outbox.SENT]} verschickt"] if counts.get(outbox.SENT) else []
    words += [
        f"{number} {OUTBOX_STATUS_WORDS.get(status, status)}"
        for status, number in counts.items()
        if status != outbox.SENT
    ]
    return ", ".join(words)


def _recap(plan: Plan, session: Session, now: datetime, mail) -> str | None:
    if session.cancelled:
        return None
    if mail is not None:
        return f"Nachbericht: {_counted(mail.counts)}"
    if session.recap:
        at = recap_due_at(plan, session)
        if now < at:
            return f"Nachbericht geschrieben; geht am {german.medium_datetime(at)} raus"
        if now < at + RECAP_WINDOW:
            return "Nachbericht geschrieben; geht beim nächsten Durchlauf raus"
        return "Nachbericht geschrieben; nur im Archiv (für eine Mail zu spät)"
    return "Noch kein Nachbericht" if session.start <= now else None


# -- the pages --------------------------------------------------------------------------


def first_year(plan: Plan) -> int | None:
    """The year of the plan's first session, if it has any."""
    if plan.series.recurrence:
        return plan.recurrence_start().year
    return min((s.date.year for s in plan.listed), default=None)


@blueprint.route("")
def index():
    """The sessions ahead, this year's past ones, the other years, and the last change
    with its undo button."""
    return index_page(read_shown())


def index_page(shown: Shown, problem: str | None = None) -> str:
    """The plan's first page, with `problem` said on top (an undo that was refused)."""
    plan, now = shown.plan, now_in(shown.plan)
    last_listed = max((s.date for s in plan.listed), default=now.date())
    horizon = max(now.date() + timedelta(days=AHEAD_DAYS), last_listed)
    sessions = plan.sessions_between(date(now.year, 1, 1), horizon)
    ahead = [s for s in sessions if s.start > now]
    past = [s for s in sessions if s.start <= now][::-1]
    views = describe(plan, ahead + past, now)
    first = first_year(plan)
    return render_template(
        "admin/plan/index.html",
        ahead=views[: len(ahead)],
        past=views[len(ahead) :],
        year=now.year,
        years=list(range(now.year - 1, first - 1, -1)) if first else [],
        undo=last_change(shown),
        version=shown.text.version,
        problem=problem,
    )


def last_change(shown: Shown) -> dict | None:
    """The change the undo button would take back, and whether it still can."""
    last = planstore.undoable(pages.store())
    if last is None:
        return None
    return {
        "change": last,
        "when": when_words(last.at),
        "via": VIA_WORDS.get(last.via, last.via),
        "possible": last.after_sha256 == shown.text.version,
    }


@blueprint.route("/jahr/<year:year>")
def year(year: int):
    shown = read_shown()
    plan, now = shown.plan, now_in(shown.plan)
    sessions = plan.sessions_between(date(year, 1, 1), date(year, 12, 31))
    return render_template(
        "admin/plan/year.html", year=year, sessions=describe(plan, sessions, now)
    )


@blueprint.route("/termin/<day:session_key>")
def session(session_key: str):
    shown = read_shown()
    found = find_session(shown.plan, session_key)
    (view,) = describe(shown.plan, [found], now_in(shown.plan))
    return render_template("admin/plan/session.html", view=view, plan=shown.plan)


def find_session(plan: Plan, key: str) -> Session:
    """The session first planned on `key`; a session now held on that date is found
    under its own key (a redirect), anything else is 404."""
    found = plan.session(key)
    if found is None:
        abort(404)
    if found.key != key:
        abort(redirect(url_for(request.endpoint or "admin.plan.session", session_key=found.key)))
    return found


@blueprint.route("/verlauf")
def history():
    """Who changed the plan, when, how (browser or terminal) and what; newest first."""
    changes = plan_history(current_app.extensions["mailer"].app, 200)
    return render_template(
        "admin/plan/history.html",
        changes=[
            {"change": c, "when": when_words(c.at), "via": VIA_WORDS.get(c.via, c.via)}
            for c in changes
        ],
    )


@blueprint.errorhandler(PlanError)
def broken_plan(error: PlanError):
    """schedule.yaml cannot be read: its sentence, and what the organizer typed (nothing
    of a form is lost)."""
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "version", "schritt") and value.strip()
    ]
    status = 409 if request.method == "POST" else 200
    return render_template("admin/plan/broken.html", sentence=str(error), typed=typed), status
