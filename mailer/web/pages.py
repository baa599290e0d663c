"""What every request needs: the plan (read again when schedule.yaml changed), the
database (one connection per request), the clock, the register the pages speak in, and a
page to answer with.

The plan, when schedule.yaml cannot be read (a hand edit with a slip in it):
- `plan()` is the plan to show: the file's, or while it cannot be read, the last one that
  could (the members' pages keep answering with it; the tick sends nothing meanwhile).
  Only when no version could be read since the server started does it raise
  PlanUnreadable, which the pages answer with 503 (and /admin with its sentence).
- `plan_or_problem()` is for the parts of a page that must be the file as it is now (the
  plan's own pages in /admin, the sessions on the overview): the Plan, or a PlanProblem
  whose sentence the page shows in place of that part, while the rest of it works.
- `now()` and `local()` need no plan that can be read: the series' time zone is taken
  from the last plan read (UTC before any was).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from flask import current_app, g, render_template, request
from markupsafe import Markup, escape

from mailer import german, salutation
from mailer.errors import MailerError
from mailer.plan import Plan
from mailer.store import Store

PLAN_LEAD = (
    "Der Plan (schedule.yaml) lässt sich nicht lesen. Solange der Fehler darin steht,"
    " verschickt mailer nichts und liest keine Antworten; alles andere hier geht weiter."
)


@dataclass(frozen=True)
class PlanProblem:
    """schedule.yaml cannot be read: the file's own sentence (`schedule.yaml:12: ...`,
    English like every message of mailer's core) and the German lead the organizer reads
    first."""

    sentence: str
    lead: str = PLAN_LEAD


class PlanUnreadable(MailerError):
    """No version of schedule.yaml could be read since the server started."""

    def __init__(self, problem: PlanProblem):
        self.problem = problem
        super().__init__(problem.sentence)


def plan() -> Plan:
    """The plan to show: the file's, or while it cannot be read the last one that could;
    PlanUnreadable when none could be read yet."""
    shown = shown_plan()
    if shown is None:
        raise PlanUnreadable(PlanProblem(current_app.extensions["mailer"].read_plan().problem))
    return shown


def plan_or_problem() -> Plan | PlanProblem:
    """schedule.yaml as it is now: the Plan, or the PlanProblem to show in its place."""
    reading = current_app.extensions["mailer"].read_plan()
    if reading.plan is not None:
        return reading.plan
    return PlanProblem(reading.problem or "")


def plan_problem() -> PlanProblem | None:
    """Why schedule.yaml cannot be read now, or None when it can."""
    found = plan_or_problem()
    return found if isinstance(found, PlanProblem) else None


def shown_plan() -> Plan | None:
    """plan() without the error: None while no version could be read yet."""
    door = current_app.extensions["mailer"]
    return door.read_plan().plan or door.last_plan


def timezone() -> tzinfo:
    """The series' time zone, from the last plan that could be read (UTC before any)."""
    shown = shown_plan()
    return shown.timezone if shown is not None else UTC


def store() -> Store:
    """The database for this request. Only a POST may change it (see members.py): for
    any other method the connection is read-only (SQLite's query_only), so a view that
    tried to write on a GET, HEAD or OPTIONS would fail, never act."""
    if "store" not in g:
        g.store = current_app.extensions["mailer"].app.store()
        if request.method != "POST":
            g.store.conn.execute("PRAGMA query_only = ON")
    return g.store


def close_store(_error: BaseException | None = None) -> None:
    opened = g.pop("store", None)
    if opened is not None:
        opened.close()


def templates() -> Path:
    """The organizer's own mail templates, if any (templates/email beside schedule.yaml)."""
    return current_app.extensions["mailer"].app.workspace.templates


def clock() -> datetime:
    """The web door's clock (the tests' fixed moment, or now), timezone-aware."""
    return current_app.extensions["mailer"].clock()


def now() -> datetime:
    """The moment of this request, in the series' time zone (the app's clock)."""
    return clock().astimezone(timezone())


def local(stamped: str | None) -> str:
    """A stored UTC stamp as the organizer reads it: `Donnerstag, 7. September 2023, 16:00
    Uhr`, in the series' time zone; '' for none."""
    if not stamped:
        return ""
    moment = datetime.fromisoformat(stamped)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    shown = german.long_datetime(moment.astimezone(timezone()))
    return shown if shown_plan() is not None else f"{shown} (UTC)"


def formal() -> bool:
    """Whether the members' pages say Sie (series.salutation sie or neutral) or du."""
    shown = shown_plan()
    return salutation.formal(shown.series.salutation if shown else salutation.SIE)


def say(sie: str, du: str) -> str:
    """The sentence in the register of the series: `sie` or `du` (see formal())."""
    return sie if formal() else du


def client_ip() -> str | None:
    """The client's address as waitress saw it (behind the trusted proxy: the visitor's)."""
    return request.remote_addr


def message(title: str, *paragraphs: str, status: int = 200, **extra):
    """A page with a heading and a few sentences (and, in `extra`, a button or a link, or
    `detail`: mailer's own sentence, shown as program output). Behind the gate of /admin
    (gate.py sets g.organizer) it is a page of the workplace, with its navigation and
    health lines."""
    template = "admin/message.html" if g.get("organizer") else "message.html"
    page = render_template(template, title=title, paragraphs=paragraphs, **extra)
    return page, status


def code_spans(text: str) -> Markup:
    """Text with `commands` in backquotes shown as code; everything else escaped."""
    parts = str(escape(text)).split("`")
    if len(parts) % 2 == 0:  # an odd backquote: no code at all
        return Markup("`".join(parts))
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))
