"""The door of the organizer's workplace: the parent blueprint of every /admin page, and
the one place that decides who may pass (datasette's lesson: permission checks in one
place, not per view).

/admin is closed (404) while nobody could log in: no account in subscribers.db (`mailer
admin add NAME`) and no MAILER_ADMIN_PASSWORD in the environment of `mailer serve`.
Every endpoint but the login needs a login, and a login ends after ADMIN_SESSION, or
as soon as its account is removed. The areas (plan, members, replies, ...) are
blueprints nested in this one, so this check runs before each of their views too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from mailer import accounts, runs
from mailer.web import pages
from mailer.web.admin.health import Line, health_lines
from mailer.web.forms import ButtonForm

blueprint = Blueprint("admin", __name__)
OPEN_ENDPOINTS = frozenset({"admin.login"})


def environment_password() -> str | None:
    """MAILER_ADMIN_PASSWORD as `mailer serve` found it (the account `admin`), or None."""
    return current_app.extensions["mailer"].admin_password


clock = pages.clock
local = pages.local  # a stored UTC stamp in the series' time zone, the German way


def is_open() -> bool:
    """Whether anyone could log in: an account, or the environment's password."""
    return environment_password() is not None or accounts.any_organizer(pages.store().conn)


def organizer() -> str:
    """The name of the organizer of this request (only called behind the gate)."""
    return session["organizer"]


def passed() -> bool:
    """Whether this request came through the gate with a valid login."""
    return bool(g.get("organizer"))


def log_in(name: str) -> None:
    session.clear()
    session["organizer"] = name
    session["since"] = clock().isoformat()
    session.permanent = True


def _still_valid(name: str | None, since: str | None) -> bool:
    if not name or not since:
        return False
    try:
        began = datetime.fromisoformat(since)
    except ValueError:
        return False
    age = clock() - began
    if not timedelta(0) <= age <= current_app.permanent_session_lifetime:
        return False
    if name == accounts.ENVIRONMENT_ACCOUNT and environment_password() is not None:
        return True
    return accounts.exists(pages.store().conn, name)


@blueprint.before_request
def organizers_only():
    if not is_open():
        abort(404)
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if _still_valid(session.get("organizer"), session.get("since")):
        g.organizer = session["organizer"]
        return None
    session.clear()
    return redirect(url_for("admin.login"))


@blueprint.context_processor
def workplace() -> dict:
    """What every /admin page shows beside its own content: the logout button, and behind
    the gate the health lines (health.py) at the top."""
    # The button's form reads no request data: an error page about the request (413: too
    # large) must not read its body again.
    logout = ButtonForm(formdata=None)
    shown: dict = {"logout": logout, "local": local, "organizer": g.get("organizer")}
    if passed():
        shown["health"] = health()
    return shown


def health() -> list[Line]:
    """The health lines of this moment: the runs and the outbox from subscribers.db, the
    plan's problem from schedule.yaml."""
    problem = pages.plan_problem()
    shown = pages.shown_plan()
    return health_lines(
        runs.health(pages.store().conn),
        clock(),
        pages.timezone(),
        poll_minutes=shown.imap.poll_minutes if shown else 5,
        plan_problem=(problem.lead, problem.sentence) if problem else None,
    )
