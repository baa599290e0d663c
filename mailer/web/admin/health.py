"""The health lines at the top of every /admin page: is the daemon sending and reading,
what waits or failed in the outbox, and whether schedule.yaml can be read.

Pure: the facts (runs.Health, the plan's problem) and the moment come in, German lines go
out. A line that needs the organizer is an alarm: its words say what is wrong ("Der
Versand läuft nicht: ..."), and the page also colours it red, never the colour alone.

Whose runs count: the daemon's (`mailer run`), as soon as it ran once, so that a tick
typed by hand never hides a daemon that stopped; before that, any run (a cron job of
`mailer tick`). The daemon ticks every minute, so a tick older than STALE means it
stopped; the poll runs every `imap.poll_minutes`, so it is late after that plus STALE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from mailer import german, runs

STALE = timedelta(minutes=10)


@dataclass(frozen=True)
class Line:
    """One health line: German words; an alarm is shown in red and says so in words;
    `detail` is mailer's own sentence behind it (English, as the CLI says it)."""

    text: str
    alarm: bool = False
    detail: str | None = None


def health_lines(
    health: runs.Health,
    now: datetime,
    zone: tzinfo,
    *,
    poll_minutes: int,
    plan_problem: tuple[str, str] | None = None,
) -> list[Line]:
    """The lines, in order: the plan's problem (lead, sentence) if any, sending, replies,
    the outbox."""
    lines = []
    if plan_problem is not None:
        lead, sentence = plan_problem
        lines.append(Line(lead, alarm=True, detail=sentence))
    lines.append(_sending(health.daemon_tick or health.tick, now, zone))
    lines.append(_reading(health.daemon_poll or health.poll, now, zone, poll_minutes))
    lines.append(_outbox(health.waiting, health.failed))
    return lines


def _sending(run: runs.Run | None, now: datetime, zone: tzinfo) -> Line:
    if run is None:
        return Line(
            "Der Versand läuft nicht: es gab noch keinen Durchlauf. Läuft `mailer run`?",
            alarm=True,
        )
    return _run_line(run, now, zone, STALE, "Versand", "Der Versand", "Versand-Durchlauf")


def _reading(run: runs.Run | None, now: datetime, zone: tzinfo, poll_minutes: int) -> Line:
    if run is None:
        return Line(
            f"Antworten: noch nie abgerufen (`mailer run` ruft sie alle {poll_minutes} Minuten ab)."
        )
    late = timedelta(minutes=poll_minutes) + STALE
    return _run_line(run, now, zone, late, "Antworten", "Der Abruf der Antworten", "Abruf")


def _run_line(
    run: runs.Run, now: datetime, zone: tzinfo, late: timedelta, label: str, subject: str,
    noun: str,
) -> Line:  # fmt: skip
    started = _moment(run.started_at)
    finished = _moment(run.finished_at) if run.finished_at else None
    if finished is None:
        when = f"{german.ago_words(started, now)} ({_long(started, zone)})"
        if now - started > late:
            return Line(
                f"{subject} läuft nicht oder hängt: der letzte {noun} hat {when} begonnen"
                " und nicht geendet. Läuft `mailer run`?",
                alarm=True,
            )
        return Line(f"{label}: ein {noun} läuft gerade (begonnen {when}).")
    when = f"{german.ago_words(finished, now)} ({_long(finished, zone)})"
    if now - finished > late:
        return Line(
            f"{subject} läuft nicht: der letzte {noun} war {when}. Läuft `mailer run`?",
            alarm=True,
        )
    said = f"{german.ago_words(finished, now)}, am {_long(finished, zone)}"
    if run.outcome == runs.FAILED:
        return Line(f"Der letzte {noun} ist fehlgeschlagen ({said}):", True, run.summary)
    if run.outcome == runs.ERROR:
        return Line(
            f"Der letzte {noun} ist mit einem unerwarteten Fehler abgebrochen ({said});"
            " Einzelheiten stehen im Log von `mailer run`.",
            alarm=True,
            detail=run.summary,
        )
    return Line(f"{label}: letzter {noun} {when}.")


def _outbox(waiting: int, failed: int) -> Line:
    parts = [
        {0: "nichts wartet", 1: "1 Mail wartet"}.get(waiting, f"{waiting} Mails warten"),
        {0: "", 1: "1 Mail fehlgeschlagen"}.get(failed, f"{failed} Mails fehlgeschlagen"),
    ]
    return Line("Postausgang: " + ", ".join(part for part in parts if part) + ".")


def _moment(stamped: str) -> datetime:
    return datetime.fromisoformat(stamped)


def _long(moment: datetime, zone: tzinfo) -> str:
    return german.long_datetime(moment.astimezone(zone))
