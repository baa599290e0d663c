"""The plan's store: atomic writes, the versions kept, undo, the conflict check and who
changed what; and "before it goes": what an edit will send is what the tick then sends."""

from __future__ import annotations

import os
import stat
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer import planstore
from mailer.errors import MailerError
from mailer.planedit import CancelSession, EditError, EditSession, MoveSession
from mailer.planstore import PlanConflict, read_plan_text, versions_folder
from mailer.store import Store
from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler

NOW = datetime(2023, 8, 20, 10, 0, tzinfo=UTC)
TOPIC = EditSession(session="2023-09-07", topic="Wärmeplanung: was jetzt zu tun ist")


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(STARTER, "utf-8")
    path.chmod(0o640)
    return path


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "subscribers.db") as opened:
        yield opened


def save(path: Path, store: Store, edit, by: str = "anna", expected: str | None = None):
    version = expected or read_plan_text(path).version
    return planstore.save(path, store, edit, expected=version, by=by, via="web", now=NOW)


def test_a_save_writes_atomically_keeps_the_old_version_and_records_who(
    plan_file: Path, store: Store
) -> None:
    saved = save(plan_file, store, TOPIC)
    text = plan_file.read_text("utf-8")
    assert 'topic: "Wärmeplanung: was jetzt zu tun ist"' in text or "'Wärmeplanung:" in text
    assert stat.S_IMODE(plan_file.stat().st_mode) == 0o640  # the file's own permissions
    kept = list(versions_folder(plan_file).glob("*.yaml"))
    assert [p.read_text("utf-8") for p in kept] == [STARTER]
    assert not [p for p in plan_file.parent.iterdir() if p.name.endswith(".tmp")]
    change = planstore.history(store)[0]
    assert change == saved.change
    assert (change.by, change.via, change.at, change.action) == (
        "anna", "web", "2023-08-20T10:00:00+00:00", "edit",
    )  # fmt: skip
    assert change.english == "changed the topic of the session on 2023-09-07"
    assert change.german == "Termin am 2023-09-07 geändert: Thema"


@pytest.mark.parametrize(
    "hand_edit",
    [
        pytest.param(lambda t: t.replace("90m", "2h"), id="a-hand-edit"),
        pytest.param(lambda t: t + "\n# a comment\n", id="only-a-comment"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="line-ends-changed"),
    ],
)
def test_a_save_on_a_file_that_changed_since_is_refused_and_shows_it(
    plan_file: Path, store: Store, hand_edit
) -> None:
    shown = read_plan_text(plan_file)
    plan_file.write_text(hand_edit(STARTER), "utf-8")
    on_disk = plan_file.read_bytes()
    with pytest.raises(PlanConflict) as caught:
        save(plan_file, store, TOPIC, expected=shown.version)
    assert plan_file.read_bytes() == on_disk  # nothing written, nothing lost
    assert caught.value.current == read_plan_text(plan_file)
    assert "changed since it was read" in str(caught.value)
    assert "nichts wurde gespeichert" in caught.value.german
    assert planstore.history(store) == []


def test_a_wrong_edit_writes_nothing(plan_file: Path, store: Store) -> None:
    with pytest.raises(EditError) as caught:
        save(plan_file, store, EditSession(session="2023-09-07", join_url="http://x"))
    assert caught.value.field == "join_url"
    assert plan_file.read_text("utf-8") == STARTER
    assert planstore.history(store) == []
    assert not list(versions_folder(plan_file).glob("*.yaml"))


def test_undo_walks_back_one_change_at_a_time_and_says_what_it_undid(
    plan_file: Path, store: Store
) -> None:
    save(plan_file, store, TOPIC, by="anna")
    after_first = plan_file.read_bytes()
    save(plan_file, store, MoveSession(session="2023-10-05", date="2023-10-12"), by="ben")
    undone = planstore.undo(plan_file, store, by="cem", via="cli", now=NOW)
    assert undone.undone.english == "moved the session of 2023-10-05 to 2023-10-12"
    assert undone.undone.by == "ben" and undone.change.by == "cem"
    assert undone.change.english == "undid: moved the session of 2023-10-05 to 2023-10-12"
    assert plan_file.read_bytes() == after_first
    second = planstore.undo(plan_file, store, by="cem", via="cli", now=NOW)
    assert second.undone.by == "anna"
    assert plan_file.read_text("utf-8") == STARTER
    with pytest.raises(MailerError, match="there is no change made through mailer to undo"):
        planstore.undo(plan_file, store, by="cem", via="cli", now=NOW)


def test_undo_is_refused_when_the_file_changed_by_hand_since(plan_file: Path, store: Store) -> None:
    save(plan_file, store, TOPIC)
    plan_file.write_text(plan_file.read_text("utf-8").replace("90m", "2h"), "utf-8")
    by_hand = plan_file.read_bytes()
    with pytest.raises(PlanConflict, match="nothing was undone"):
        planstore.undo(plan_file, store, by="anna", via="web", now=NOW)
    assert plan_file.read_bytes() == by_hand


def test_only_the_newest_versions_are_kept(
    plan_file: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planstore, "KEPT_VERSIONS", 2)
    for topic in ("Eins", "Zwei", "Drei", "Vier"):
        save(plan_file, store, EditSession(session="2023-09-07", topic=topic))
    kept = sorted(versions_folder(plan_file).glob("*.yaml"))
    assert len(kept) == 2
    assert {p.read_text("utf-8").count("topic: Zwei") for p in kept} == {0, 1}


def test_the_versions_folder_is_private_to_the_user(plan_file: Path, store: Store) -> None:
    save(plan_file, store, TOPIC)
    assert stat.S_IMODE(os.stat(versions_folder(plan_file)).st_mode) == 0o700


# -- before it goes: what the edit sends is what the tick sends ---------------------------


@pytest.fixture
def club(mailer: Mailer, smtp_pipelining: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add("anna@example.org", "ben@example.org", "cem@example.org")
    mailer("tick", "--now", "2023-08-24T16:00")  # the announcement of 2023-09-07 went out
    return mailer


def sent_kinds(club: Mailer) -> Counter:
    rows = club.json("outbox")
    return Counter((row["session"], row["stage"].split("-")[0]) for row in rows)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("now", "args", "said", "kinds"),
    [
        pytest.param(
            "2023-08-25T09:00",
            ["session", "edit", "2023-09-07", "--topic", "Wärme"],
            ["2023-09-07: update due for 3 members at the next tick"],
            {("2023-09-07", "update"): 3},
            id="topic-of-an-announced-session",
        ),
        pytest.param(
            "2023-08-25T09:00",
            ["session", "cancel", "2023-09-07", "--reason", "krank"],
            ["2023-09-07: cancellation due for 3 members at the next tick"],
            {("2023-09-07", "cancellation"): 3},
            id="cancel-an-announced-session",
        ),
        pytest.param(
            "2023-08-25T09:00",
            ["session", "edit", "2023-09-07", "--topic", "Wärme", "--no-mail"],
            [],
            {},
            id="marked-not-worth-a-mail",
        ),
        pytest.param(
            "2023-08-25T09:00",
            ["session", "edit", "2023-11-02", "--topic", "KI"],
            [],
            {},
            id="a-session-not-announced-yet",
        ),
        pytest.param(
            "2023-08-25T09:00",
            ["session", "add", "2023-08-31", "--topic", "Extra"],
            ["2023-08-31: announcement due for 3 members at the next tick"],
            {("2023-08-31", "announcement"): 3},
            id="a-new-session-inside-the-announcement-time",
        ),
        pytest.param(
            "2023-09-08T10:00",
            ["session", "recap", "2023-09-07", "-"],
            ["2023-09-07: recap due for 3 members at the next tick"],
            {("2023-09-07", "recap"): 3},
            id="a-recap-after-the-session",
        ),
    ],
)
def test_what_an_edit_says_it_sends_is_what_the_tick_sends(
    club: Mailer, now: str, args: list[str], said: list[str], kinds: dict
) -> None:
    before = sent_kinds(club)
    dry = club(*args, "--now", now, "--dry-run", input="Danke!\n")
    assert [line.removeprefix("will send: ") for line in dry.stdout.splitlines()
            if line.startswith("will send: ") and "nothing" not in line] == said  # fmt: skip
    assert club.config.read_text("utf-8") == STARTER  # a dry run writes nothing
    done = club(*args, "--now", now, input="Danke!\n")
    assert ("will send: nothing" in done.stdout) == (not said)
    assert "notify" not in club.config.read_text("utf-8")
    club("tick", "--now", now)
    assert dict(sent_kinds(club) - before) == kinds


def test_a_quiet_edit_stays_quiet_and_the_next_one_is_told(club: Mailer) -> None:
    club("session", "edit", "2023-09-07", "--topic", "Wärme", "--no-mail")
    club("tick", "--now", "2023-08-25T09:00")
    club("session", "edit", "2023-09-07", "--time", "17:00", "--now", "2023-08-26T09:00")
    entry = club.json("plan", "--now", "2023-08-26T09:00")[0]  # type: ignore[index]
    assert entry["notice"] == {"kind": "update", "members": 3}
    before = sent_kinds(club)
    club("tick", "--now", "2023-08-26T09:00")
    assert dict(sent_kinds(club) - before) == {("2023-09-07", "update"): 3}


def test_undoing_a_quiet_edit_is_quiet_too(club: Mailer) -> None:
    club("session", "edit", "2023-09-07", "--topic", "Wärme", "--no-mail")
    club("tick", "--now", "2023-08-25T09:00")
    undone = club("plan", "undo", "--now", "2023-08-25T10:00")
    assert "will send: nothing" in undone.stdout
    before = sent_kinds(club)
    club("tick", "--now", "2023-08-25T10:00")
    assert sent_kinds(club) == before


def test_removing_an_announced_session_warns_that_nobody_is_told(club: Mailer) -> None:
    club("session", "add", "2023-08-31", "--topic", "Extra", "--now", "2023-08-25T09:00")
    club("tick", "--now", "2023-08-25T09:00")
    said = club("session", "remove", "2023-08-31", "--dry-run", "--now", "2023-08-25T10:00")
    assert "3 invited members keep it in their calendars; cancel it instead" in said.stdout


def test_the_cli_reports_a_conflict_and_a_field(club: Mailer) -> None:
    wrong = club("session", "edit", "2023-09-07", "--join-url", "http://x", ok=False)
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("--join-url: schedule.yaml:")
    assert "Traceback" not in wrong.stderr


def test_cancel_through_the_core_names_the_mail_in_german(plan_file: Path, store: Store) -> None:
    shown = planstore.preview(plan_file, store, CancelSession(session="2023-09-07"), NOW)
    assert shown.sends == []  # nothing announced yet in this database


def test_an_undo_dry_run_says_what_it_would_undo_and_writes_nothing(
    plan_file: Path, store: Store
) -> None:
    saved = save(plan_file, store, TOPIC, by="anna")
    after = plan_file.read_bytes()
    kept = sorted(versions_folder(plan_file).iterdir())
    shown = planstore.undo(plan_file, store, by="ben", via="web", now=NOW, dry_run=True)
    assert (shown.undone, shown.change) == (saved.change, None)
    hunk, removed, added = saved.preview.diff
    assert shown.diff == [hunk, "-" + added[1:], "+" + removed[1:]]  # the change, backwards
    assert plan_file.read_bytes() == after
    assert sorted(versions_folder(plan_file).iterdir()) == kept
    assert planstore.history(store) == [saved.change]


def test_the_cli_undo_dry_run_writes_nothing(club: Mailer) -> None:
    club("session", "edit", "2023-09-07", "--topic", "Wärme", "--by", "anna")
    club("tick", "--now", "2023-08-25T09:00")  # the members were told of "Wärme"
    edited = club.config.read_bytes()
    said = club("plan", "undo", "--dry-run", "--now", "2023-08-25T10:00")
    assert said.stdout.startswith("schedule.yaml: would undo (dry run: nothing was written)"
                                  " change 1 (changed the topic of the session on 2023-09-07;"
                                  " by anna, ")  # fmt: skip
    assert "will send: 2023-09-07: update due for 3 members at the next tick" in said.stdout
    assert club.config.read_bytes() == edited
    assert len(club.json("plan", "history")) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("action", "words"),
    [
        pytest.param(
            "undo-on-a-stale-page", "nichts wurde rückgängig gemacht. Unten", id="undo-stale-page"
        ),
        pytest.param(
            "undo-after-a-hand-edit",
            "nach dieser Änderung noch einmal geändert",
            id="undo-after-hand-edit",
        ),
    ],
)
def test_an_undo_refused_says_why_in_german(
    plan_file: Path, store: Store, action: str, words: str
) -> None:
    """Not the save's sentence: the page was stale, or the file changed after the change
    (undoing it would lose that)."""
    save(plan_file, store, TOPIC)
    shown = read_plan_text(plan_file)
    plan_file.write_text(plan_file.read_text("utf-8") + "# von Hand\n", "utf-8")
    expected = shown.version if action == "undo-on-a-stale-page" else None
    with pytest.raises(PlanConflict) as caught:
        planstore.undo(plan_file, store, by="a", via="web", now=NOW, expected=expected)
    assert words in caught.value.german
    assert "gespeichert" not in caught.value.german
    assert caught.value.current == read_plan_text(plan_file)
