"""schedule.yaml written back: atomically, the previous versions kept, every change on
record with who made it, the last change undone, and no edit lost to a file that changed
on disk since the organizer looked at it.

The plan's text is the plan (nothing of it lives in the database). Each save
- reads the file and refuses (PlanConflict) when its SHA-256 is not the one the edit was
  made on (the form carries it; a hand edit or a second organizer changed the file);
- applies the edit (planedit.apply_edit: the same validation as `mailer check`);
- keeps the bytes it replaces in `.schedule.yaml.versions/` beside the file (the newest
  KEPT_VERSIONS), writes the new text to a temporary file in the same folder, fsyncs it
  and renames it over the plan (os.replace: a reader sees the old file or the new one,
  never half of one), and fsyncs the folder;
- records the change in subscribers.db's `plan_changes` (this module is its one writer).
An edit marked not worth a mail never writes `notify: false` into the file: the new
content of each session it changes is recorded as quiet (Store.mark_quiet) before the
file is replaced, so the tick that first sees that content owes nobody a notice, and the
next change is told as usual. Nobody has to remember to take a line out again.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailer.errors import MailerError, PlanError
from mailer.moves import follow_moves, recorded
from mailer.outbound.consequences import Sending, changed_sessions, what_it_sends
from mailer.planedit import Applied, Edit, EditError, MoveSession, apply_edit
from mailer.planfile import parse_plan
from mailer.store import Store, stamp
from mailer.yamlsource import read_source

KEPT_VERSIONS = 50
UNDO = "undo"

FIELD_WORDS = {
    "topic": ("topic", "Thema"),
    "guests": ("guests", "Gäste"),
    "description": ("description", "Beschreibung"),
    "time": ("time", "Uhrzeit"),
    "join_url": ("link", "Link"),
    "date": ("date", "Datum"),
    "name": ("name", "Name"),
    "duration": ("duration", "Dauer"),
    "announcement": ("announcement time", "Zeitpunkt der Ankündigung"),
    "reminders": ("reminder times", "Zeitpunkte der Erinnerungen"),
    "salutation": ("salutation", "Anrede"),
    "imprint": ("imprint", "Impressum"),
    "reason": ("reason", "Grund"),
    "recap": ("recap", "Nachbericht"),
}


@dataclass(frozen=True)
class PlanText:
    """The plan's text as read, and its version: the SHA-256 of its bytes (hex), which a
    form carries so that a save can tell whether the file changed meanwhile."""

    text: str
    version: str


class PlanConflict(MailerError):
    """The file is not the one the edit was made on; `current` is the file as it is now.
    str() is the English sentence (CLI), `german` the one /admin shows. `what` is what
    was refused: "saved", or "undone" (`after_change`: the file changed after the change
    an undo would take back, so undoing it would lose that)."""

    def __init__(
        self, name: str, current: PlanText, what: str = "saved", *, after_change: bool = False
    ):
        self.current = current
        if after_change:
            self.german = (
                f"{name} wurde nach dieser Änderung noch einmal geändert (von Hand oder von"
                " jemand anderem); rückgängig machen würde das verlieren, darum wurde nichts"
                " rückgängig gemacht."
            )
        else:
            done = "rückgängig gemacht" if what == "undone" else "gespeichert"
            self.german = (
                f"{name} wurde geändert, seit diese Seite angezeigt wurde (von Hand oder von"
                f" jemand anderem); nichts wurde {done}. Unten steht der aktuelle Stand:"
                " bitte die Änderung darauf noch einmal machen."
            )
        super().__init__(
            f"{name} changed since it was read (by hand, or by another organizer); nothing"
            f" was {what}: look at it as it is now and make the change again"
        )


@dataclass(frozen=True)
class Change:
    """One change of the plan made through mailer, as recorded in `plan_changes`."""

    id: int
    at: str
    by: str
    via: str
    action: str
    session_key: str | None
    detail: dict
    quiet: bool
    before_sha256: str
    after_sha256: str
    kept: str | None
    undoes: int | None
    undone_by: int | None

    @property
    def english(self) -> str:
        return _describe(self, 0)

    @property
    def german(self) -> str:
        return _describe(self, 1)


@dataclass(frozen=True)
class Preview:
    """An edit as it would be saved: the new text and plan, the changed lines (a unified
    diff of the file), and what the next tick would send because of it."""

    applied: Applied
    before: PlanText
    diff: list[str]
    sends: list[Sending]


@dataclass(frozen=True)
class Saved:
    change: Change
    preview: Preview


@dataclass(frozen=True)
class Undone:
    """An undo: the change undone, the undo's own record (None for a dry run, which
    writes nothing), the changed lines, and what the next tick sends because of it."""

    undone: Change
    change: Change | None
    diff: list[str]
    sends: list[Sending]


def versions_folder(path: Path) -> Path:
    """Where the replaced versions of the plan are kept: `.schedule.yaml.versions/`."""
    return path.parent / f".{path.name}.versions"


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_plan_text(path: Path) -> PlanText:
    """The plan's text and version (PlanError when it is missing or not UTF-8)."""
    text = read_source(path, "no such file; `mailer init` writes a starter plan here")
    return PlanText(text, version_of(text.encode("utf-8")))


def read_unchanged(path: Path, expected: str | None, what: str = "saved") -> PlanText:
    """The plan's text and version, when it is still version `expected` (None: any);
    PlanConflict (with the file as it is now, saying nothing was `what`) when it
    changed since."""
    found = read_plan_text(path)
    if expected is not None and expected != found.version:
        raise PlanConflict(path.name, found, what)
    return found


def preview(
    path: Path, store: Store, edit: Edit, now: datetime, *, expected: str | None = None
) -> Preview:
    """What saving `edit` would write and send, without writing anything. With
    `expected`, a file that changed since is a PlanConflict here already."""
    return _preview(path, store, edit, now, read_unchanged(path, expected))


def save(
    path: Path,
    store: Store,
    edit: Edit,
    *,
    expected: str,
    by: str,
    via: str,
    now: datetime,
    recorded_at: datetime | None = None,
) -> Saved:
    """Applies `edit` to the plan at `path`, made on the version `expected` (the SHA-256
    of the bytes the organizer was shown), by organizer `by` through `via` ("web",
    "cli"), at `recorded_at` (default `now`, the moment the sends are told for). Raises
    PlanConflict when the file changed since, EditError (with the field)
    when the edit is wrong, and writes nothing then."""
    path = path.resolve()
    with _locked(path):
        current = read_unchanged(path, expected)
        shown = _preview(path, store, edit, now, current)
        if shown.applied.text == current.text:
            raise MailerError(f"{path.name}: this changes nothing; nothing was saved")
        kept = _keep(path, current.text, recorded_at or now)
        if not edit.notify:
            old_plan = parse_plan(current.text, path.name)
            with store.transaction():
                for session in changed_sessions(old_plan, shown.applied.plan, now):
                    store.mark_quiet(session.key, session.version, now)
        atomic_write(path, shown.applied.text.encode("utf-8"))
        detail = {"fields": list(edit.changed_fields())}
        if isinstance(edit, MoveSession):
            detail["date"] = str(edit.date)
        change = _record(
            store,
            at=recorded_at or now,
            by=by,
            via=via,
            action=edit.action,
            session_key=_session_key(edit, shown.applied),
            detail=detail,
            quiet=not edit.notify,
            before=current.version,
            after=version_of(shown.applied.text.encode("utf-8")),
            kept=kept,
        )
        _prune(path)
    return Saved(change, shown)


def undo(
    path: Path,
    store: Store,
    *,
    by: str,
    via: str,
    now: datetime,
    expected: str | None = None,
    recorded_at: datetime | None = None,
    dry_run: bool = False,
) -> Undone:
    """Puts the plan back as it was before the last change made through mailer that is
    not undone yet; with `dry_run`, only says what that would undo, write and send.
    Refused (PlanConflict) when the file changed since that change, by hand or
    otherwise: undoing it would lose that; and, with `expected`, when the file is no
    longer that version. An undone change that was quiet is undone quietly too."""
    path = path.resolve()
    if dry_run:
        found = _undoing(path, store, now, expected)
        return Undone(found.last, None, found.diff, found.sends)
    with _locked(path):
        found = _undoing(path, store, now, expected)
        last, current = found.last, found.current
        if last.quiet:
            with store.transaction():
                for session in found.quiet:
                    store.mark_quiet(session.key, session.version, now)
        kept = _keep(path, current.text, recorded_at or now)
        atomic_write(path, found.restored)
        record = _record(
            store,
            at=recorded_at or now,
            by=by,
            via=via,
            action=UNDO,
            session_key=last.session_key,
            detail={"undone": last.english, "ungetan": last.german},
            quiet=last.quiet,
            before=current.version,
            after=last.before_sha256,
            kept=kept,
            undoes=last.id,
        )
        with store.transaction():
            store.conn.execute(
                "UPDATE plan_changes SET undone_by = ? WHERE id = ?", (record.id, last.id)
            )
        _prune(path)
    return Undone(_change(store, last.id), record, found.diff, found.sends)


@dataclass(frozen=True)
class _Undoing:
    """What an undo would do: the change it takes back, the file as it is, the bytes it
    puts back, the changed lines, what the next tick sends, and the sessions to record
    as quiet when the change was."""

    last: Change
    current: PlanText
    restored: bytes
    diff: list[str]
    sends: list[Sending]
    quiet: list


def _undoing(path: Path, store: Store, now: datetime, expected: str | None) -> _Undoing:
    current = read_unchanged(path, expected, "undone")
    last = _last_undoable(store)
    if last is None:
        raise MailerError(f"{path.name}: there is no change made through mailer to undo")
    if last.after_sha256 != current.version:
        raise PlanConflict(path.name, current, "undone", after_change=True)
    if not last.kept or not (versions_folder(path) / last.kept).is_file():
        raise MailerError(
            f"{path.name}: the version before change {last.id} is no longer kept"
            f" (only the newest {KEPT_VERSIONS} are); nothing was undone"
        )
    restored = (versions_folder(path) / last.kept).read_bytes()
    if version_of(restored) != last.before_sha256:
        raise MailerError(
            f"{versions_folder(path) / last.kept}: this kept version was changed; nothing"
            " was undone"
        )
    text = restored.decode("utf-8")
    new_plan = parse_plan(text, path.name)
    old_plan = parse_plan(current.text, path.name)
    sends = what_it_sends(store, old_plan, new_plan, now, quiet=last.quiet)
    quiet = changed_sessions(old_plan, new_plan, now) if last.quiet else []
    diff = unified_diff(current.text, text, path.name)
    return _Undoing(last, current, restored, diff, sends, quiet)


def history(store: Store, limit: int = 50) -> list[Change]:
    """The newest changes made through mailer, newest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM plan_changes ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_from_row(row) for row in rows]


def undoable(store: Store) -> Change | None:
    """The change `undo` would undo now (if the file is still as it left it)."""
    return _last_undoable(store)


def atomic_write(path: Path, data: bytes) -> None:
    """`data` as the new content of `path`: written to a temporary file in the same
    folder, fsynced, given the old file's permissions and renamed over it (rename(2) is
    atomic within a file system), then the folder fsynced so the rename lasts."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def unified_diff(before: str, after: str, name: str) -> list[str]:
    """The changed lines, as `diff -U0` shows them (without the file header)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), name, name, n=0
    )
    return [line.rstrip("\n") for line in lines if not line.startswith(("---", "+++"))]


# -- inside ------------------------------------------------------------------------------


def _preview(path: Path, store: Store, edit: Edit, now: datetime, current: PlanText) -> Preview:
    history = store.session_history()
    applied = apply_edit(
        current.text, edit, source=path.name, known=frozenset(key for key, _ in history)
    )
    try:  # as every command will read it (App.plan): a move followed through the record
        follow_moves(applied.plan, recorded(history), path.name)
    except PlanError as error:
        raise EditError("date", str(error), error.line) from None
    old_plan = parse_plan(current.text, path.name)
    sends = what_it_sends(store, old_plan, applied.plan, now, quiet=not edit.notify)
    return Preview(applied, current, unified_diff(current.text, applied.text, path.name), sends)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One save or undo at a time (two organizers pressing "save" at once): an flock on
    a file in the versions folder, held while the file is read, checked and replaced."""
    folder = versions_folder(path)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        raise MailerError(f"{folder}: cannot be created ({error.strerror})") from None
    handle = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _keep(path: Path, text: str, now: datetime) -> str:
    """The bytes about to be replaced, kept as `YYYYMMDDTHHMMSSZ-SHA256PREFIX.yaml`."""
    data = text.encode("utf-8")
    name = f"{stamp(now).replace('-', '').replace(':', '')[:15]}Z-{version_of(data)[:12]}.yaml"
    target = versions_folder(path) / name
    if not target.exists():
        atomic_write(target, data)
    return name


def _prune(path: Path) -> None:
    kept = sorted(p for p in versions_folder(path).glob("*.yaml"))
    for old in kept[:-KEPT_VERSIONS]:
        old.unlink(missing_ok=True)


def _session_key(edit: Edit, applied: Applied) -> str | None:
    return applied.sessions[0] if len(applied.sessions) == 1 else getattr(edit, "session", None)


_COLUMNS = (
    "id, at, by, via, action, session_key, detail, quiet, before_sha256, after_sha256,"
    " kept, undoes, undone_by"
)


def _record(
    store: Store,
    *,
    at: datetime,
    by: str,
    via: str,
    action: str,
    session_key: str | None,
    detail: dict,
    quiet: bool,
    before: str,
    after: str,
    kept: str | None,
    undoes: int | None = None,
) -> Change:
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT INTO plan_changes (at, by, via, action, session_key, detail, quiet,"
            " before_sha256, after_sha256, kept, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (stamp(at), by, via, action, session_key, json.dumps(detail, ensure_ascii=False),
             int(quiet), before, after, kept, undoes),
        )  # fmt: skip
    return _change(store, cursor.lastrowid or 0)


def _change(store: Store, change_id: int) -> Change:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM plan_changes WHERE id = ?", (change_id,)
    ).fetchone()
    return _from_row(row)


def _from_row(row: tuple) -> Change:
    values = list(row)
    values[6] = json.loads(values[6] or "{}")
    values[7] = bool(values[7])
    return Change(*values)


def _last_undoable(store: Store) -> Change | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM plan_changes WHERE action != ? AND undone_by IS NULL"
        " ORDER BY id DESC LIMIT 1",
        (UNDO,),
    ).fetchone()
    return _from_row(row) if row else None


def _describe(change: Change, language: int) -> str:
    key = change.session_key or ""
    fields = ", ".join(
        FIELD_WORDS.get(f, (f, f))[language] for f in change.detail.get("fields", [])
    )
    english, german = {
        "add": (f"added the session on {key}", f"Termin am {key} angelegt"),
        "edit": (f"changed the {fields} of the session on {key}",
                 f"Termin am {key} geändert: {fields}"),
        "move": (f"moved the session of {key} to {change.detail.get('date')}",
                 f"Termin vom {key} auf den {change.detail.get('date')} verschoben"),
        "cancel": (f"cancelled the session on {key}", f"Termin am {key} abgesagt"),
        "reinstate": (f"took back the cancellation of the session on {key}",
                      f"Absage des Termins am {key} zurückgenommen"),
        "recap": (f"wrote the recap of the session on {key}",
                  f"Nachbericht zum Termin am {key} geschrieben"),
        "remove": (f"removed the session on {key}", f"Termin am {key} entfernt"),
        "series": (f"changed the series' {fields}", f"Reihe geändert: {fields}"),
        UNDO: (f"undid: {change.detail.get('undone')}",
               f"Rückgängig gemacht: {change.detail.get('ungetan')}"),
    }.get(change.action, (change.action, change.action))  # fmt: skip
    text = (english, german)[language]
    if change.quiet and change.action != UNDO:
        text += (" (no mail)", " (ohne Mail)")[language]
    return text
