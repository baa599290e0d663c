"""The door of the organizer's workplace: the parent blueprint of every /admin page, and
the one place that decides who may pass (datasette's lesson: permission checks in one
place, not per view).

/admin is closed (404) when `mailer serve` has no way to log anyone in. Every endpoint
but the login needs a login; the areas (plan, members, replies, ...) are blueprints
nested in this one, so this check runs before each of their views too.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, request, session, url_for

from mailer import german
from mailer.web import pages
from mailer.web.forms import ButtonForm

blueprint = Blueprint("admin", __name__)
OPEN_ENDPOINTS = frozenset({"admin.login"})


def admin_password() -> str | None:
    return current_app.extensions["mailer"].admin_password


@blueprint.before_request
def organizers_only():
    if admin_password() is None:
        abort(404)
    if request.endpoint in OPEN_ENDPOINTS or session.get("admin"):
        return None
    return redirect(url_for("admin.login"))


@blueprint.context_processor
def workplace() -> dict:
    """What every /admin page shows beside its own content."""
    return {"logout": ButtonForm(), "local": local}


def local(stamped: str | None) -> str:
    """A stored UTC stamp as the organizer reads it: `Donnerstag, 7. September 2023, 16:00
    Uhr`, in the series' time zone; '' for none."""
    if not stamped:
        return ""
    return german.long_datetime(pages.plan().local(datetime.fromisoformat(stamped)))
