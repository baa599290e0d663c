"""What every request needs: the plan (read again when schedule.yaml changed), the
database (one connection per request), the clock, and a page to answer with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app, g, render_template, request

from mailer.plan import Plan
from mailer.store import Store


def plan() -> Plan:
    return current_app.extensions["mailer"].plan()


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


def now() -> datetime:
    """The moment of this request, in the series' time zone (the app's clock)."""
    return plan().local(current_app.extensions["mailer"].clock())


def client_ip() -> str | None:
    """The client's address as waitress saw it (behind the trusted proxy: the visitor's)."""
    return request.remote_addr


def message(title: str, *paragraphs: str, status: int = 200, **extra):
    """A page with a heading and a few sentences (and, in `extra`, a button or a link)."""
    page = render_template("message.html", title=title, paragraphs=paragraphs, **extra)
    return page, status
