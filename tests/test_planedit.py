"""The plan's writer: each kind of edit changes exactly the lines it means to, in a plan
full of comments and in one written by hand in another layout; a mistake comes back on
the edit's field, from the same validation as `mailer check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.planedit import (
    AddSession,
    CancelSession,
    EditError,
    EditSeries,
    EditSession,
    Guest,
    MoveSession,
    ReinstateSession,
    RemoveSession,
    WriteRecap,
    apply_edit,
)
from mailer.planfile import parse_plan
from mailer.planstore import unified_diff

DATA = Path(__file__).parent / "testdata"
COMMENTED = (DATA / "commented_plan.yaml").read_text("utf-8")
HANDWRITTEN = (DATA / "handwritten_plan.yaml").read_text("utf-8")
# The commented plan after its first session moved a week (`moved_from:` written).
MOVED = apply_edit(COMMENTED, MoveSession(session="2023-09-07", date="2023-09-14")).text
PLANS = {"C": COMMENTED, "H": HANDWRITTEN, "M": MOVED}


def test_the_plans_are_valid_and_ruamel_would_rewrite_the_handwritten_one() -> None:
    import io

    from ruamel.yaml import YAML

    for text in PLANS.values():
        parse_plan(text)
    yaml = YAML()
    out = io.StringIO()
    yaml.dump(yaml.load(HANDWRITTEN), out)
    assert out.getvalue() != HANDWRITTEN  # so the merge, not a plain dump, keeps its lines


@pytest.mark.parametrize(
    ("plan", "edit", "diff"),
    [
        pytest.param(
            "C",
            EditSession(session="2023-09-07", topic="Wärmeplanung: was jetzt"),
            [
                "@@ -31 +31 @@",
                "-    topic: Kommunale Wärmeplanung   # confirmed by phone",
                "+    topic: 'Wärmeplanung: was jetzt' # confirmed by phone",
            ],
            id="topic-plain-with-colon",
        ),
        pytest.param(
            "C",
            EditSession(session="2023-10-05", topic="Finanzen"),
            [
                "@@ -41 +41 @@",
                '-    topic: "Kommunalfinanzen: für die Würde unserer Städte"',
                '+    topic: "Finanzen"',
            ],
            id="topic-double-quoted",
        ),
        pytest.param(
            "C",
            EditSession(
                session="2023-09-07",
                guests=(Guest("Julia Stolzenberger", "KWW"), Guest("Max Muster")),
            ),
            [
                "@@ -34 +34,2 @@",
                '-        role: "Seniorexpertin (KWW)"',
                '+        role: "KWW"',
                "+      - name: Max Muster",
            ],
            id="guests-role-and-one-more",
        ),
        pytest.param(
            "C",
            EditSession(
                session="2023-10-05",
                guests=(Guest("Vertreter*innen des Aktionsbündnisses", "Bündnis"),),
            ),
            [
                "@@ -43 +43,2 @@",
                "-      - Vertreter*innen des Aktionsbündnisses",
                "+      - name: Vertreter*innen des Aktionsbündnisses",
                "+        role: Bündnis",
            ],
            id="a-guest-written-as-a-name-gets-a-role",
        ),
        pytest.param(
            "C",
            EditSession(session="2023-11-02", guests=()),
            [
                "@@ -47,3 +46,0 @@",
                "-    guests:",
                "-      - name: Ein Experte",
                "-        role: Verwaltungsinformatik",
            ],
            id="guests-fewer",
        ),
        pytest.param(
            "C",
            EditSession(session="2023-11-02", description="Neu\nzwei Zeilen", time="18:30"),
            [
                "@@ -45,0 +46 @@",
                '+    time: "18:30"',
                "@@ -49,0 +51,3 @@",
                "+    description: |-",
                "+      Neu",
                "+      zwei Zeilen",
            ],
            id="description-and-time-new-keys",
        ),
        pytest.param(
            "C",
            EditSession(session="2023-09-07", description=None),
            [
                "@@ -36 +35,0 @@",
                "-    description: Was die Wärmeplanung für kleine Gemeinden heißt.",
            ],
            id="description-removed",
        ),
        pytest.param(
            "C",
            EditSession(session="2023-11-02", join_url="https://zoom.us/j/789"),
            [
                "@@ -50 +50 @@",
                "-    join_url: https://zoom.us/j/456    # a link of its own",
                "+    join_url: https://zoom.us/j/789    # a link of its own",
            ],
            id="join-url",
        ),
        pytest.param(
            "C",
            MoveSession(session="2023-10-05", date="2023-10-12"),
            [
                "@@ -39 +39,2 @@",
                "-  - date: 2023-10-05",
                "+  - date: 2023-10-12",
                "+    moved_from: 2023-10-05",
            ],
            id="move-listed",
        ),
        pytest.param(
            "M",
            MoveSession(session="2023-09-07", date="2023-09-21"),
            ["@@ -30 +30 @@", "-  - date: 2023-09-14", "+  - date: 2023-09-21"],
            id="move-again-keeps-moved-from",
        ),
        pytest.param(
            "M",
            MoveSession(session="2023-09-07", date="2023-09-07"),
            [
                "@@ -30,2 +30 @@",
                "-  - date: 2023-09-14",
                "-    moved_from: 2023-09-07",
                "+  - date: 2023-09-07",
            ],
            id="move-back-home",
        ),
        pytest.param(
            "C",
            MoveSession(session="2023-12-07", date="2023-12-14", time="17:00"),
            [
                "@@ -51,0 +52,4 @@",
                "+  - date: 2023-12-14",
                "+    moved_from: 2023-12-07",
                '+    time: "17:00"',
                "+",
            ],
            id="move-rule-occurrence",
        ),
        pytest.param(
            "C",
            CancelSession(session="2023-11-02", reason="Der Gast ist krank"),
            ["@@ -50,0 +51,2 @@", "+    cancelled: true", "+    reason: Der Gast ist krank"],
            id="cancel-listed",
        ),
        pytest.param(
            "C",
            CancelSession(session="2023-12-07", reason="Weihnachtsfeier"),
            [
                "@@ -51,0 +52,4 @@",
                "+  - date: 2023-12-07",
                "+    cancelled: true",
                "+    reason: Weihnachtsfeier",
                "+",
            ],
            id="cancel-rule-occurrence",
        ),
        pytest.param(
            "C",
            ReinstateSession(session="2026-01-01"),
            ["@@ -54,2 +53,0 @@", "-    cancelled: true", "-    reason: Neujahr"],
            id="reinstate",
        ),
        pytest.param(
            "C",
            WriteRecap(
                session="2023-09-07", recap="Danke!\nDie **Folien**: https://example.org/f.pdf"
            ),
            [
                "@@ -36,0 +37,3 @@",
                "+    recap: |-",
                "+      Danke!",
                "+      Die **Folien**: https://example.org/f.pdf",
            ],
            id="recap-new",
        ),
        pytest.param(
            "C",
            WriteRecap(session="2023-11-02", recap="Danke!"),
            ["@@ -50,0 +51 @@", "+    recap: Danke!"],
            id="recap-one-line",
        ),
        pytest.param(
            "C",
            AddSession(date="2024-03-14", topic="Neu", guests=(Guest("Anna", "Kämmerin"),)),
            [
                "@@ -51,0 +52,6 @@",
                "+  - date: 2024-03-14",
                "+    topic: Neu",
                "+    guests:",
                "+      - name: Anna",
                "+        role: Kämmerin",
                "+",
            ],
            id="add-between",
        ),
        pytest.param(
            "C",
            AddSession(date="2024-02-01", topic="Haushalt"),
            ["@@ -51,0 +52,3 @@", "+  - date: 2024-02-01", "+    topic: Haushalt", "+"],
            id="add-on-a-rule-date",
        ),
        pytest.param(
            "C",
            AddSession(date="2027-03-11", topic="Später"),
            ["@@ -55,0 +56,2 @@", "+  - date: 2027-03-11", "+    topic: Später"],
            id="add-at-the-end",
        ),
        pytest.param(
            "C",
            RemoveSession(session="2026-01-01"),
            [
                "@@ -52,5 +51,0 @@",
                "-  # 2026-01-01 is New Year's Day",
                "-  - date: 2026-01-01",
                "-    cancelled: true",
                "-    reason: Neujahr",
                "-",
            ],
            id="remove-last",
        ),
        pytest.param(
            "C",
            RemoveSession(session="2023-10-05"),
            [
                "@@ -38,7 +37,0 @@",
                "-  # October: finances",
                "-  - date: 2023-10-05",
                '-    time: "17:00"                   # later, because of the Kreistag',
                '-    topic: "Kommunalfinanzen: für die Würde unserer Städte"',
                "-    guests:",
                "-      - Vertreter*innen des Aktionsbündnisses",
                "-",
            ],
            id="remove-middle-with-its-comment",
        ),
        pytest.param(
            "C",
            EditSeries(
                name="Impuls",
                time="16:30",
                announcement="10d",
                reminders=("2d", "1h"),
                salutation="sie",
                description="Kurz.",
                imprint="Impuls e. V.\nBerlin",
            ),
            [
                "@@ -5 +5 @@",
                "-  name: 'Digital-Impuls'              # single-quoted on purpose",
                "+  name: 'Impuls'                      # single-quoted on purpose",
                "@@ -7 +7 @@",
                '-  time: "16:00"                       # every session, unless it says otherwise',
                '+  time: "16:30"                       # every session, unless it says otherwise',
                "@@ -12,2 +12,2 @@",
                "-    Jeden ersten Donnerstag im Monat treffen sich junge",
                "-    Amtskolleg*innen aus ganz Deutschland.",
                "+    Kurz.",
                "+  salutation: sie",
                "@@ -19,2 +19,2 @@",
                "-    Digital-Impuls – Netzwerk junger Bürgermeister*innen",
                "-    Musterstraße 1, 10115 Berlin",
                "+    Impuls e. V.",
                "+    Berlin",
                "@@ -23,2 +23,2 @@",
                "-  announcement: 14d     # two weeks ahead",
                "-  reminders: [1d, 1h]   # flow list",
                "+  announcement: 10d     # two weeks ahead",
                "+  reminders: [2d, 1h]   # flow list",
            ],
            id="series-settings",
        ),
        pytest.param(
            "H",
            EditSession(session="2023-09-07", topic="Wärmeplanung"),
            ["@@ -15 +15 @@", "-  topic: Wärme", "+  topic: Wärmeplanung"],
            id="handwritten-topic",
        ),
        pytest.param(
            "H",
            EditSession(session="2023-10-05", guests=(Guest("C"),)),
            ["@@ -21 +21 @@", "-  guests: [C, D]", "+  guests: [C]"],
            id="handwritten-flow-guests",
        ),
        pytest.param(
            "H",
            EditSeries(reminders=("2d",)),
            ["@@ -12 +12 @@", "-    reminders: [ 1d,  1h ]", "+    reminders: [2d]"],
            id="handwritten-reminders",
        ),
        pytest.param(
            "H",
            AddSession(date="2023-12-07", topic="Neu", guests=(Guest("A", "B"),)),
            [
                "@@ -21,0 +22,5 @@",
                "+- date: 2023-12-07",
                "+  topic: Neu",
                "+  guests:",
                "+  - name: A",
                "+    role: B",
            ],
            id="handwritten-add",
        ),
        pytest.param(
            "H",
            MoveSession(session="2023-09-07", date="2023-09-14"),
            [
                "@@ -14 +14,2 @@",
                "-- date: 2023-09-07     # first",
                "+- date: 2023-09-14     # first",
                "+  moved_from: 2023-09-07",
            ],
            id="handwritten-move",
        ),
    ],
)
def test_an_edit_changes_only_its_own_lines(plan: str, edit, diff: list[str]) -> None:
    before = PLANS[plan]
    applied = apply_edit(before, edit)
    assert unified_diff(before, applied.text, "schedule.yaml") == diff
    assert parse_plan(applied.text) == applied.plan


def test_the_edits_say_what_they_did_to_the_plan() -> None:
    moved = apply_edit(COMMENTED, MoveSession(session="2023-10-05", date="2023-10-12")).plan
    session = moved.session("2023-10-05")
    assert session is not None and (session.key, str(session.date)) == ("2023-10-05", "2023-10-12")
    cancelled = apply_edit(COMMENTED, CancelSession(session="2023-12-07", reason="Feier")).plan
    december = cancelled.session("2023-12-07")
    assert december is not None and december.cancelled and december.reason == "Feier"
    recap = apply_edit(COMMENTED, WriteRecap(session="2023-09-07", recap="a\nb")).plan
    assert recap.session("2023-09-07").recap == "a\nb"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        pytest.param(
            EditSession(session="2023-11-02", join_url="http://zoom.us/j/1"),
            "join_url",
            "schedule.yaml:50: join_url must be an https:// link, not 'http://zoom.us/j/1'",
            id="session-link-not-https",
        ),
        pytest.param(
            EditSession(session="2023-09-07", time="25:00"),
            "time",
            "schedule.yaml:31: 25:00 is not a time of day",
            id="session-time",
        ),
        pytest.param(
            EditSession(session="2023-09-07", guests=(Guest(""),)),
            "guests",
            "a guest",
            id="guest-without-name",
        ),
        pytest.param(
            EditSeries(time="16 Uhr"),
            "time",
            'series.time must be a time like "16:00"',
            id="series-time",
        ),
        pytest.param(
            EditSeries(duration="lang"),
            "duration",
            "series.duration must be a duration",
            id="series-duration",
        ),
        pytest.param(
            EditSeries(announcement="2h"),
            "reminders",
            "the reminder '1d' must be shorter than the announcement's time",
            id="announcement-shorter-than-a-reminder",
        ),
        pytest.param(
            EditSeries(join_url="zoom.us/j/1"),
            "join_url",
            "must be an https:// link",
            id="series-link",
        ),
        pytest.param(
            AddSession(date="2023-02-30"), "date", "'2023-02-30' is not a date", id="no-such-date"
        ),
        pytest.param(
            EditSession(session="2023-09-07", guests=(Guest("Julia"), Guest("", "Kämmerin"))),
            "guests",
            "schedule.yaml:34: a guest needs 'name:'",
            id="a-second-guest-with-a-role-and-no-name",
        ),
        pytest.param(EditSeries(name=""), "name", "series needs 'name:'", id="series-name-emptied"),
        pytest.param(
            EditSeries(join_url=""),
            "join_url",
            "series needs 'join_url:'",
            id="series-link-emptied-behind-the-first-key",
        ),
        pytest.param(
            EditSeries(imprint="Impressum\x1b[31m"),
            "imprint",
            "imprint holds the character U+001B, which no mail can carry",
            id="control-character-into-a-block-scalar",
        ),
        pytest.param(
            EditSession(session="2023-09-07", guests=(Guest("Julia", "Rolle\x00"),)),
            "guests",
            "guests holds the character U+0000",
            id="control-character-in-a-guests-role",
        ),
        pytest.param(
            AddSession(date="3000-01-02"),
            "date",
            "date: 3000-01-02 is not between the years 1970 and 2999",
            id="added-last-right-after-another-entry",
        ),
        pytest.param(
            AddSession(date="2023-10-05", topic="x"),
            "date",
            "there is already a session on 2023-10-05 (Kommunalfinanzen",
            id="add-on-a-listed-date",
        ),
        pytest.param(
            MoveSession(session="2023-09-07", date="2023-11-02"),
            "date",
            "there is already a session on 2023-11-02 (KI in der Kommune)",
            id="move-onto-another-session",
        ),
        pytest.param(
            MoveSession(session="2023-09-07", date="2023-12-07"),
            "date",
            "there is already a session on 2023-12-07",
            id="move-onto-a-rule-occurrence",
        ),
        pytest.param(
            EditSession(session="2023-09-08", topic="x"),
            "session",
            "there is no session first planned on 2023-09-08",
            id="no-such-session",
        ),
        pytest.param(
            RemoveSession(session="2023-12-07"),
            "session",
            "comes from series.recurrence and is not listed; cancel it instead",
            id="remove-a-rule-occurrence",
        ),
        pytest.param(
            ReinstateSession(session="2023-09-07"),
            "session",
            "is not cancelled",
            id="reinstate-a-session-that-takes-place",
        ),
    ],
)
def test_a_mistake_comes_back_on_its_field(edit, field: str, words: str) -> None:
    with pytest.raises(EditError) as caught:
        apply_edit(COMMENTED, edit)
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize("rule", [True, False], ids=["with-a-rule", "without-a-rule"])
def test_removing_the_only_listed_session_leaves_a_plan_that_reads(rule: bool) -> None:
    """ruamel writes a list emptied after its comment as `[]` on a line of its own (no
    YAML): the list goes instead. With a rule and no series.start, the rule then has no
    start, which is said; without one, the plan has no sessions."""
    alone = COMMENTED[: COMMENTED.index("  # October")] + "\n"
    if not rule:
        alone = alone.replace("  recurrence: FREQ=MONTHLY;BYDAY=+1TH\n", "")
    edit = RemoveSession(session="2023-09-07")
    if rule:
        with pytest.raises(EditError, match=r"a recurrence needs series\.start or at least one"):
            apply_edit(alone, edit)
        return
    applied = apply_edit(alone, edit)
    assert applied.plan.listed == ()
    assert applied.text.rstrip("\n") == alone[: alone.index("sessions:")].rstrip("\n")


# A move writes `moved_from:` only where members may know the session under its first
# date: a date of the rule, or a session subscribers.db recorded (`known`). An extra
# session nobody was told of just gets its new date: a moved_from naming a date no
# session of the series ever had would be refused by every command (moves.py).
MOVE_PLAN = """\
series:
  name: Digital-Impuls
  timezone: Europe/Berlin
  time: "16:00"
  duration: 90m
  join_url: https://zoom.us/j/1
  recurrence: FREQ=MONTHLY;BYDAY=+1TH
  start: 2024-01-04
sender:
  from: Digital-Impuls <impuls@example.org>
  reply_to: themen@example.org
sessions:
  - date: 2024-03-14    # an extra session
    topic: Haushalt
"""


@pytest.mark.parametrize(
    ("session", "to", "known", "moved_from"),
    [
        ("2024-02-01", "2024-02-08", frozenset(), "2024-02-01"),  # a date of the rule
        ("2024-03-14", "2024-03-21", frozenset({"2024-03-14"}), "2024-03-14"),  # recorded
        ("2024-03-14", "2024-03-21", frozenset(), None),  # nobody was told of it
        ("2024-03-14", "2024-03-21", frozenset({"2024-02-01"}), None),  # others were
    ],
    ids=["rule-date", "extra-recorded", "extra-unknown", "extra-others-known"],
)
def test_a_move_names_where_it_came_from_only_when_members_may_know_it(
    session, to, known, moved_from
):
    applied = apply_edit(MOVE_PLAN, MoveSession(session=session, date=to), known=known)
    entry = next(s for s in applied.plan.listed if s.date.isoformat() == to)
    assert entry.key == (moved_from or to)
    assert ("moved_from:" in applied.text) is (moved_from is not None)
