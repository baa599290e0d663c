"""The first page of /admin: the sessions ahead with what goes out when and their
answers, the newsletters, the list and the outbox. The sessions need schedule.yaml as it
is now: while it cannot be read, its sentence stands in their place (pages.plan_or_problem),
and the rest of the page is there as always."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import render_template

from mailer import german, rsvps
from mailer.outbound import newsletters, outbox
from mailer.timing import recap_due_at, schedule
from mailer.web import pages
from mailer.web.admin.gate import blueprint, local
from mailer.web.admin.words import NEWSLETTER_STATUS_WORDS, stage_words


@blueprint.route("/")
def overview():
    """The sessions ahead with what goes out when, their answers, the newsletters, and
    the outbox."""
    plan, moment, store = pages.plan_or_problem(), pages.now(), pages.store()
    problem = plan if isinstance(plan, pages.PlanProblem) else None
    sessions = [] if problem else _sessions(plan, moment, rsvps.listing(store.conn))
    members = Counter(member.status for member in store.subscribers())
    return render_template(
        "admin/overview.html",
        problem=problem,
        sessions=sessions,
        letters=[_newsletter(letter) for letter in newsletters.listing(store.conn)],
        counts=outbox.status_totals(store.conn),
        recent=outbox.listing(store.conn, 25),
        members=members,
    )


def _sessions(plan, moment: datetime, answers: list[dict]) -> list[dict]:
    by_session: dict[str, list[dict]] = {}
    for answer in answers:
        by_session.setdefault(answer["session"], []).append(answer)
    sessions = []
    for item in plan.sessions_from(moment, 92):
        given = by_session.get(item.key, [])
        sessions.append(
            {
                "when": german.long_datetime(item.start),
                "topic": f"{item.topic} (Beispiel: kein Versand)" if item.example else item.topic,
                "cancelled": item.cancelled,
                "mails": []
                if item.cancelled or item.example
                else _session_mails(plan, item, moment),
                "answers": given,
                "counted": Counter(answer["answer"] for answer in given),
            }
        )
    return sessions


def _session_mails(plan, item, moment: datetime) -> list[dict]:
    """What goes out for one session and when: invitation, reminders, and the recap."""
    moments = [(stage_words(due.stage.label), due.due_at) for due in schedule(plan, item)]
    if item.recap:
        moments.append(("Rückblick", recap_due_at(plan, item)))
    return [
        {"label": label, "at": german.long_datetime(at), "done": at <= moment}
        for label, at in moments
    ]


def _newsletter(letter: newsletters.Newsletter) -> dict:
    counted = letter.as_json()
    return {
        "id": letter.id,
        "subject": letter.subject,
        "at": local(letter.send_at),
        "status": NEWSLETTER_STATUS_WORDS[letter.status],
        "published": letter.published,
        **{key: counted[key] for key in ("members", "sent", "waiting", "failed", "skipped")},
    }
