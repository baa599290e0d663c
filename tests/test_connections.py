"""`smtp.connections`: several connections deliver at once, each mail still once, against
a real SMTP server on loopback."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import STARTER, Mailer, killed_and_rerun
from tests.smtpserver import RecordingHandler

SEND_AT = "2023-08-24T16:00"


@pytest.fixture
def app(mailer: Mailer, smtp_pipelining: RecordingHandler, tmp_path: Path) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    members = tmp_path / "members.csv"
    members.write_text("email\n" + "".join(f"m{i}@example.org\n" for i in range(60)), "utf-8")
    mailer("subscribers", "import", str(members))
    return mailer


def connections(app: Mailer, count: int) -> None:
    app.write_plan(STARTER + f"\nsmtp:\n  connections: {count}\n")


def copies(handler: RecordingHandler) -> Counter:
    return Counter(r for m in handler.messages for r in m.rcpt_tos)


def test_several_connections_deliver_each_mail_once(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    connections(app, 5)
    assert "queued 60; sent 60" in app("tick", "--now", SEND_AT).stdout
    assert len(copies(smtp_pipelining)) == 60 and set(copies(smtp_pipelining).values()) == {1}
    assert len(smtp_pipelining.peers) == 5  # five connections took mail
    app("tick", "--now", "2023-08-24T16:05")
    assert len(smtp_pipelining.messages) == 60


def test_a_server_that_allows_fewer_connections_gets_fewer_not_a_failure(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    connections(app, 6)
    smtp_pipelining.max_connections = 2  # the rest are greeted with 421
    assert "sent 60" in app("tick", "--now", SEND_AT).stdout
    assert len(copies(smtp_pipelining)) == 60 and set(copies(smtp_pipelining).values()) == {1}
    assert len(smtp_pipelining.peers) <= 2


def test_a_refusal_or_a_dropped_connection_on_one_does_not_disturb_the_others(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    connections(app, 4)
    smtp_pipelining.rcpt_answers = {"m7@example.org": "550 5.1.1 no such user"}
    smtp_pipelining.hang_up_at_rcpt = {"m8@example.org"}
    smtp_pipelining.drop_after_data_to = {"m9@example.org"}
    out = app("tick", "--now", SEND_AT).stdout
    assert out.strip() == "queued 60; sent 57, deferred 1, failed 1, unknown 1"
    delivered = copies(smtp_pipelining)
    assert "m7@example.org" not in delivered and "m8@example.org" not in delivered
    others = [f"m{i}@example.org" for i in range(60) if i not in (7, 8, 9)]
    assert all(delivered[address] == 1 for address in others)
    bounced = [s for s in app.json("subscribers", "list") if s["status"] == "bounced"]
    assert [s["email"] for s in bounced] == ["m7@example.org"]
    rows = {r["email"]: r for r in app.json("outbox")}
    assert rows["m8@example.org"]["status"] == "deferred"
    assert rows["m9@example.org"]["status"] == "queued"  # fate unknown: sent again later


def test_a_member_who_leaves_after_their_envelope_went_ahead_gets_nothing(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    """Each connection announces its next mail's envelope with this mail's body. A member
    who leaves once theirs is announced is skipped all the same: the body never follows,
    and the DATA opened for them ends with the connection, delivering nothing."""
    from mailer.consent import Act
    from mailer.store import Store

    connections(app, 4)
    leaver = "m20@example.org"

    def leave(address: str) -> None:
        if address == leaver:
            with Store(app.db) as store:
                store.change(leaver, Act.UNSUBSCRIBE, "left during the tick", datetime.now(UTC))
            # Blocks the server: the tick notices a change within 10 ms (CHANGE_CHECK_SECONDS).
            time.sleep(0.05)

    smtp_pipelining.on_rcpt = leave
    out = app("tick", "--now", SEND_AT).stdout
    assert "sent 59" in out and "skipped 1" in out
    assert leaver not in copies(smtp_pipelining)
    assert len(copies(smtp_pipelining)) == 59 and set(copies(smtp_pipelining).values()) == {1}
    rows = {r["email"]: r for r in app.json("outbox")}
    assert rows[leaver]["status"] == "skipped"


def test_a_connection_that_cannot_come_back_gives_its_mail_to_another(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    """The server hangs up on one connection at m10's RCPT and then allows only two: that
    connection cannot reconnect, and m10 goes out over another one in the same tick."""
    connections(app, 3)
    leaver = "m10@example.org"
    seen: list[str] = []

    def hang_up_once(address: str) -> None:
        if address == leaver:
            seen.append(address)
            if len(seen) == 1:
                smtp_pipelining.hang_up_at_rcpt.add(leaver)
                smtp_pipelining.max_connections = 2
            else:
                smtp_pipelining.hang_up_at_rcpt.discard(leaver)

    smtp_pipelining.on_rcpt = hang_up_once
    out = app("tick", "--now", SEND_AT).stdout
    assert out.strip() == "queued 60; sent 60, deferred 0, failed 0"
    assert len(copies(smtp_pipelining)) == 60 and set(copies(smtp_pipelining).values()) == {1}
    assert len(seen) >= 2  # m10 was offered again, on another connection


def test_an_unreachable_server_sends_nothing_with_several_connections(app: Mailer) -> None:
    from tests.smtpserver import closed_port

    connections(app, 4)
    holder = closed_port()
    try:
        app.env["MAILER_SMTP_URL"] = f"smtp://127.0.0.1:{holder.getsockname()[1]}"
        result = app("tick", "--now", SEND_AT, ok=False)
    finally:
        holder.close()
    assert result.exit_code == 1 and "cannot reach the SMTP server 127.0.0.1:" in result.output
    assert {r["status"] for r in app.json("outbox")} == {"queued"}


def test_a_rate_limit_keeps_one_connection(app: Mailer, smtp_pipelining: RecordingHandler) -> None:
    app.write_plan(STARTER + "\nsmtp:\n  connections: 5\n  rate_per_minute: 6000\n")
    app("tick", "--now", SEND_AT)
    assert len(smtp_pipelining.peers) == 1 and len(smtp_pipelining.messages) == 60


def test_connections_is_checked_by_line(app: Mailer) -> None:
    app.write_plan(STARTER + "\nsmtp:\n  connections: 0\n")
    result = app("check", ok=False)
    line = len(STARTER.splitlines()) + 3
    assert result.output.startswith(f"schedule.yaml:{line}: smtp.connections must be at least 1")


def test_a_tick_with_20_connections_killed_mid_send_resends_at_most_20(
    mailer: Mailer, smtp_pipelining: RecordingHandler, tmp_path: Path
) -> None:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    connections(mailer, 20)
    members = tmp_path / "members.csv"
    members.write_text("email\n" + "".join(f"m{i}@example.org\n" for i in range(2000)), "utf-8")
    mailer("subscribers", "import", str(members))
    twice, _ = killed_and_rerun(mailer, smtp_pipelining, "tick", "--now", SEND_AT)
    assert len(twice) <= 20


def test_two_ticks_at_once_with_several_connections_send_each_mail_once(
    app: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    connections(app, 4)
    smtp_pipelining.delay = 0.03
    command = [*app.command(), "tick", "--now", SEND_AT]
    ticks = [
        subprocess.Popen(command, env=app.process_env(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = sorted(tick.communicate(timeout=60)[0].strip() for tick in ticks)
    assert outputs[0] == "another tick is running; this one sends nothing"
    assert len(copies(smtp_pipelining)) == 60 and set(copies(smtp_pipelining).values()) == {1}
