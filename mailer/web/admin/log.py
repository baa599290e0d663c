"""/admin/protokoll: who changed what and when, newest first. Two records meet here:
the changes made in /admin (audit.py's admin_log: members, replies, ...) and the changes
of schedule.yaml made through mailer, in /admin or on the command line (planstore.py's
plan_changes, which also keeps the versions to undo them)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from flask import Blueprint, render_template, request

from mailer import audit, planstore
from mailer.web import pages
from mailer.web.admin.words import action_words, via_words

blueprint = Blueprint("log", __name__)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Entry:
    """One line of the log: when (a UTC stamp), who, what (German), about what, how."""

    at: str
    organizer: str
    what: str
    about: str
    via: str


@blueprint.route("")
def index():
    try:
        page = max(1, min(int(request.args.get("seite", "1")), 10_000))
    except ValueError:
        page = 1
    wanted = page * PAGE_SIZE + 1  # one more than shown: is there a next page?
    entries = merged(pages.store(), wanted)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "admin/log.html", entries=shown, page=page, more=len(entries) > page * PAGE_SIZE
    )


def merged(store, limit: int) -> list[Entry]:
    """The newest `limit` entries of both records, newest first (stamps are UTC ISO
    strings, which sort like the moments they name)."""
    made_here = [_from_admin_log(entry) for entry in audit.recent(store.conn, limit)]
    planned = [_from_plan_change(change) for change in planstore.history(store, limit)]
    newest = heapq.merge(made_here, planned, key=lambda entry: entry.at, reverse=True)
    return list(newest)[:limit]


def _from_admin_log(entry: audit.Entry) -> Entry:
    about = " · ".join(part for part in (entry.subject, entry.detail) if part)
    return Entry(entry.at, entry.organizer, action_words(entry.action), about, "Browser")


def _from_plan_change(change: planstore.Change) -> Entry:
    return Entry(change.at, change.by, change.german, "schedule.yaml", via_words(change.via))
