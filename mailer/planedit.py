"""The plan's writer beside its reader: one organizer edit applied to schedule.yaml's text.

Pure: text in, text out. The edit is made on ruamel.yaml's round-trip tree, which keeps
comments, key order and quoting; ruamel re-emits the whole document in one layout,
though, and a hand-written file is rarely in exactly that layout (`~` for an empty value,
`[ a,  b ]`, a list whose dash sits under its key). So the new text is not ruamel's dump:
the dump of the tree before the edit and the dump after it are diffed, and only that
difference is carried into the organizer's own text (a three-way merge, line by line).
Every line the edit does not touch stays byte for byte; only where a touched line was
itself in a layout ruamel writes differently does the neighbourhood take ruamel's layout.
The merged text must read back as exactly the edited tree, or ruamel's dump is taken.

Before anything is returned, the new text is read by `planfile.parse_plan`, the same code
as `mailer check`: a mistake comes back as an EditError that names the edit's field.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, fields
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from mailer.errors import MailerError, PlanError
from mailer.plan import Plan, PlanWarning, Session
from mailer.planfile import parse_plan
from mailer.text import one_line
from mailer.yamlsource import control_character


class Keep:
    """The value of an edit's field that leaves the plan as it is."""

    _instance: Keep | None = None

    def __new__(cls) -> Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP = Keep()


class EditError(MailerError):
    """An edit that cannot be written: `field` names the edit's field the mistake is in
    (None: the edit as a whole, or a part of the plan the edit did not touch); the
    message is the sentence to show (from the same validation as `mailer check`)."""

    def __init__(self, field: str | None, message: str, line: int | None = None):
        self.field = field
        self.problem = message
        self.line = line
        super().__init__(message)


# -- the edits -----------------------------------------------------------------------
# A session is named by its key: the date it was first planned on (`mailer plan` lists
# it), which stays the same when it moves. A field left at KEEP is not touched; None (or
# an empty text) removes an optional key. `notify=False` marks the edit as not worth a
# mail (see planstore.save: the file never keeps `notify: false`).


@dataclass(frozen=True)
class Guest:
    name: str
    role: str | None = None


@dataclass(frozen=True, kw_only=True)
class Edit:
    notify: bool = True

    action = "edit"

    def changed_fields(self) -> tuple[str, ...]:
        return tuple(
            f.name
            for f in fields(self)
            if f.name not in ("notify", "session") and getattr(self, f.name) is not KEEP
        )


@dataclass(frozen=True, kw_only=True)
class AddSession(Edit):
    date: date | str
    topic: str | None = None
    guests: tuple[Guest, ...] = ()
    description: str | None = None
    time: str | None = None
    join_url: str | None = None

    action = "add"


@dataclass(frozen=True, kw_only=True)
class EditSession(Edit):
    session: str
    topic: str | Keep | None = KEEP
    guests: tuple[Guest, ...] | Keep = KEEP
    description: str | Keep | None = KEEP
    time: str | Keep | None = KEEP
    join_url: str | Keep | None = KEEP

    action = "edit"


@dataclass(frozen=True, kw_only=True)
class MoveSession(Edit):
    session: str
    date: date | str
    time: str | Keep | None = KEEP

    action = "move"


@dataclass(frozen=True, kw_only=True)
class CancelSession(Edit):
    session: str
    reason: str | None = None

    action = "cancel"


@dataclass(frozen=True, kw_only=True)
class ReinstateSession(Edit):
    """A cancelled session takes place after all: `cancelled:` and `reason:` go."""

    session: str

    action = "reinstate"


@dataclass(frozen=True, kw_only=True)
class WriteRecap(Edit):
    session: str
    recap: str | None

    action = "recap"


@dataclass(frozen=True, kw_only=True)
class RemoveSession(Edit):
    """The entry leaves the list. A session of the rule comes back as a rule occurrence
    (without topic); to have no meeting that day, cancel it instead."""

    session: str

    action = "remove"


@dataclass(frozen=True, kw_only=True)
class EditSeries(Edit):
    name: str | Keep = KEEP
    description: str | Keep | None = KEEP
    time: str | Keep = KEEP
    duration: str | Keep = KEEP
    join_url: str | Keep = KEEP
    announcement: str | Keep = KEEP
    reminders: tuple[str, ...] | Keep = KEEP
    salutation: str | Keep = KEEP
    imprint: str | Keep | None = KEEP

    action = "series"


# Where each series field lives in the file, and each session field's key.
SERIES_PLACES = {
    "name": ("series", "name"),
    "description": ("series", "description"),
    "time": ("series", "time"),
    "duration": ("series", "duration"),
    "join_url": ("series", "join_url"),
    "salutation": ("series", "salutation"),
    "announcement": ("emails", "announcement"),
    "reminders": ("emails", "reminders"),
    "imprint": ("sender", "imprint"),
}
SECTION_ORDER = ("series", "sender", "emails", "sessions")
# The order keys take in a session entry that mailer writes (README's order).
SESSION_ORDER = (
    "date", "moved_from", "time", "duration", "topic", "guests", "description", "join_url",
    "cancelled", "reason", "notify", "recap", "recap_to",
)  # fmt: skip
MULTILINE = {"description", "reason", "recap", "imprint"}
QUOTED = {"time"}  # written "16:00", as the README does (YAML 1.1 reads 16:00 as a number)


@dataclass(frozen=True)
class Applied:
    """The edit's result: the new text, the plan it describes, what `mailer check` would
    warn about, and the session keys the edit touched (for `what_it_sends`)."""

    text: str
    plan: Plan
    warnings: tuple[PlanWarning, ...] = ()
    sessions: tuple[str, ...] = field(default=())


def apply_edit(
    text: str, edit: Edit, *, source: str = "schedule.yaml", known: frozenset[str] = frozenset()
) -> Applied:
    """`text` with `edit` applied, validated as `mailer check` validates. `known`: the keys
    of the sessions subscribers.db recorded (members may have been told of them): a move
    writes `moved_from:` only for one of them or a date of the rule; a session nobody was
    told of just gets its new date.

    Raises EditError (with the field) for an edit that cannot be made or that makes the
    plan wrong, and PlanError when `text` itself is not a valid plan (nothing can be
    edited then; the sentence names the line to fix by hand).
    """
    current = parse_plan(text, source)
    _refuse_controls(edit)
    writer = _Writer(text, known)
    touched = writer.apply(edit, current)
    new_text = writer.result()
    try:
        plan = parse_plan(new_text, source)
    except PlanError as error:
        raise EditError(
            writer.field_at(new_text, error.line, edit), str(error), error.line
        ) from None
    return Applied(new_text, plan, sessions=touched)


def _refuse_controls(edit: Edit) -> None:
    """A character YAML cannot hold is refused on its field before anything is written:
    in a block scalar (`|`) it cannot even be escaped, and the file would not read."""
    for name in edit.changed_fields():
        value = getattr(edit, name)
        texts = value if isinstance(value, tuple) else (value,)
        for text in texts:
            parts = (text.name, text.role or "") if isinstance(text, Guest) else (text,)
            for part in parts:
                if isinstance(part, str) and (found := control_character(part)) is not None:
                    raise EditError(
                        name,
                        f"{name} holds the character U+{ord(found):04X}, which no mail can"
                        " carry (a control character); remove it",
                    )


# -- the writer ---------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the organizer wrote on one
    return yaml


class _Writer:
    def __init__(self, text: str, known: frozenset[str] = frozenset()):
        self.original = text
        self.known = known
        self.yaml = _yaml()
        try:
            self.before = self._dump(self._load(text))
            self.root = self._load(text)
        except YAMLError as error:  # parse_plan read it, so this is ruamel's own limit
            raise EditError(None, f"this plan cannot be written back: {error}") from None
        if not isinstance(self.root, CommentedMap):
            raise EditError(None, "the plan must be a mapping of sections")

    def _load(self, text: str) -> Any:
        return self.yaml.load(text)

    def _dump(self, data: Any) -> str:
        mapping, sequence, offset = _indents(data)
        self.yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        out = io.StringIO()
        self.yaml.dump(data, out)
        return out.getvalue()

    def result(self) -> str:
        after = self._dump(self.root)
        merged = merge(self.original, self.before, after)
        try:
            same = _plain(self._load(merged)) == _plain(self._load(after))
        except YAMLError:
            same = False
        return merged if same else after

    # -- per edit ---------------------------------------------------------------

    def apply(self, edit: Edit, plan: Plan) -> tuple[str, ...]:
        if isinstance(edit, EditSeries):
            self._series(edit)
            return tuple(s.key for s in plan.listed)  # every session may change with it
        if isinstance(edit, AddSession):
            day = _day(edit.date)
            taken = _session_on(plan, day)
            if taken is not None and (taken.line is not None or taken.key != day.isoformat()):
                raise EditError("date", f"there is already a session on {day}{_about(taken)}")
            entry = CommentedMap()  # on a date of the rule: that occurrence, written out
            entry["date"] = day
            self._session_fields(entry, edit)
            self._insert_session(entry, day)
            return (day.isoformat(),)
        key = edit.session  # type: ignore[attr-defined]
        session = _session_by_key(plan, key)
        if session is None:
            raise EditError("session", f"there is no session first planned on {key}")
        entry = self._entry(key)
        if isinstance(edit, RemoveSession):
            if entry is None:
                raise EditError(
                    "session",
                    f"the session on {session.date} comes from series.recurrence and is not"
                    " listed; cancel it instead",
                )
            self._remove_session(entry)
            return (key,)
        if entry is None:  # a rule occurrence gets an entry of its own
            entry = CommentedMap()
            entry["date"] = session.date
            self._insert_session(entry, session.date)
        if isinstance(edit, EditSession):
            self._session_fields(entry, edit)
        elif isinstance(edit, MoveSession):
            self._move(entry, edit, session, plan)
        elif isinstance(edit, CancelSession):
            _put(entry, "cancelled", True, SESSION_ORDER)
            self._text(entry, "reason", edit.reason, SESSION_ORDER)
        elif isinstance(edit, ReinstateSession):
            if not session.cancelled:
                raise EditError("session", f"the session on {session.date} is not cancelled")
            _remove(entry, "cancelled")
            _remove(entry, "reason")
        elif isinstance(edit, WriteRecap):
            self._text(entry, "recap", edit.recap, SESSION_ORDER)
        return (key,)

    def _session_fields(self, entry: CommentedMap, edit: AddSession | EditSession) -> None:
        for name in ("time", "topic", "description", "join_url"):
            value = getattr(edit, name)
            if value is not KEEP:
                self._text(entry, name, value, SESSION_ORDER)
        if edit.guests is not KEEP:
            self._guests(entry, edit.guests)  # type: ignore[arg-type]

    def _move(self, entry: CommentedMap, edit: MoveSession, session: Session, plan: Plan) -> None:
        day = _day(edit.date)
        taken = _session_on(plan, day)
        if taken is not None and taken.key != session.key:
            raise EditError("date", f"there is already a session on {day}{_about(taken)}")
        original = date.fromisoformat(session.key)
        entry["date"] = day
        if day == original:
            _remove(entry, "moved_from")  # back where it was first planned
        elif "moved_from" not in entry and self._told_of(session.key, plan):
            _put(entry, "moved_from", original, SESSION_ORDER)
        if edit.time is not KEEP:
            self._text(entry, "time", edit.time, SESSION_ORDER)

    def _told_of(self, key: str, plan: Plan) -> bool:
        """Whether members may know the session under `key`: a date of the rule, or one
        subscribers.db recorded. An extra session nobody was told of moves like a typo."""
        day = date.fromisoformat(key)
        return key in self.known or (
            bool(plan.series.recurrence) and day in plan.occurrences(day, day)
        )

    def _series(self, edit: EditSeries) -> None:
        for name in edit.changed_fields():
            section, key = SERIES_PLACES[name]
            mapping = self._section(section)
            value = getattr(edit, name)
            if name == "reminders":
                _put(mapping, key, _flow_list(mapping.get(key), [one_line(v) for v in value]))
            else:
                self._text(mapping, key, value)

    def _section(self, name: str) -> CommentedMap:
        found = self.root.get(name)
        if isinstance(found, CommentedMap):
            return found
        section = CommentedMap()
        if name in self.root:
            self.root[name] = section
        else:
            _put(self.root, name, section, SECTION_ORDER)
        return section

    # -- values -----------------------------------------------------------------

    def _text(
        self, mapping: CommentedMap, key: str, value: Any, order: tuple[str, ...] = ()
    ) -> None:
        """Writes a text value in the key's own quoting (a new key: plain where YAML
        allows, "16:00" for times, a `|` block for text of several lines); None or an
        empty text removes the key."""
        text = None if value is None else str(value).strip()
        if not text:
            _remove(mapping, key)
            return
        old = mapping.get(key)
        if key in MULTILINE and "\n" in text:
            new: Any = LiteralScalarString(text)
        elif key in MULTILINE and isinstance(old, FoldedScalarString | LiteralScalarString):
            new = type(old)(text)
        else:
            text = one_line(text)
            if isinstance(old, SingleQuotedScalarString | DoubleQuotedScalarString):
                new = type(old)(text)
            elif key in QUOTED and not isinstance(old, str):
                new = DoubleQuotedScalarString(text)
            else:
                new = text
        if old == new and type(old) is type(new):
            return
        _put(mapping, key, new, order)

    def _guests(self, entry: CommentedMap, guests: tuple[Guest, ...]) -> None:
        """Guests changed in place, so comments among them stay; extra ones appended."""
        if not guests:
            _remove(entry, "guests")
            return
        current = entry.get("guests")
        if not isinstance(current, CommentedSeq):
            current = CommentedSeq()
            _put(entry, "guests", current, SESSION_ORDER)
        for index, guest in enumerate(guests):
            name, role = one_line(guest.name), one_line(guest.role or "")
            if index < len(current) and isinstance(current[index], CommentedMap):
                self._text(current[index], "name", name, ("name", "role"))
                self._text(current[index], "role", role, ("name", "role"))
            elif index < len(current) and not role:
                if current[index] != name:
                    current[index] = name
            else:
                item = CommentedMap()
                item["name"] = name
                if role:
                    item["role"] = role
                if index < len(current):
                    _replace(current, index, item)
                else:
                    _append(current, item)
        while len(current) > len(guests):
            _pop(current, len(current) - 1)

    # -- the sessions list ---------------------------------------------------------

    def _sessions(self) -> CommentedSeq:
        found = self.root.get("sessions")
        if isinstance(found, CommentedSeq):
            return found
        sessions = CommentedSeq()
        if "sessions" in self.root:
            self.root["sessions"] = sessions
        else:
            _put(self.root, "sessions", sessions, SECTION_ORDER)
        return sessions

    def _entry(self, key: str) -> CommentedMap | None:
        for item in self._sessions():
            if isinstance(item, CommentedMap) and _entry_key(item) == key:
                return item
        return None

    def _insert_session(self, entry: CommentedMap, day: date) -> None:
        """In date order among the listed sessions (after the last one before it)."""
        sessions = self._sessions()
        position = len(sessions)
        for index, item in enumerate(sessions):
            when = item.get("date") if isinstance(item, CommentedMap) else None
            if isinstance(when, date) and when > day:
                position = index
                break
        if position == len(sessions):
            _append(sessions, entry)
        else:
            sessions.insert(position, entry)
            _part_gap(sessions, position - 1, position)

    def _remove_session(self, entry: CommentedMap) -> None:
        sessions = self._sessions()
        if len(sessions) == 1:  # ruamel writes an emptied list after its comment as bad YAML
            _remove(self.root, "sessions")
            return
        index = next(i for i, item in enumerate(sessions) if item is entry)
        _pop(sessions, index)

    # -- where a mistake is --------------------------------------------------------

    def field_at(self, text: str, line: int | None, edit: Edit) -> str | None:
        """The edit's field whose lines hold `line` (1-based) in the new text; None if
        the line lies outside what the edit wrote."""
        if line is None:
            return None
        try:
            root = self._load(text)
        except YAMLError:
            return None
        names = set(edit.changed_fields()) | {"date"}
        if isinstance(edit, EditSeries):
            # A key the reader requires, emptied by the edit: the reader names the line
            # where the section's mapping begins.
            for name in edit.changed_fields():
                section_name, key = SERIES_PLACES[name]
                section = root.get(section_name)
                missing = isinstance(section, CommentedMap) and key not in section
                if missing and section.lc.line + 1 == line:
                    return name
            places = {place: name for name, place in SERIES_PLACES.items()}
            for section_name, section in root.items():
                if isinstance(section, CommentedMap):
                    key = _key_at(section, line)
                    if (section_name, key) in places:
                        return places[(section_name, key)]
            return None
        # The entry that starts last at or before the line (an entry's end is only
        # estimated, so the one before may seem to reach into the next one's first line).
        entries = [item for item in root.get("sessions") or () if isinstance(item, CommentedMap)]
        started = [item for item in entries if item.lc.line + 1 <= line]
        key = _key_at(started[-1], line) if started else None
        if key is None:
            return None
        if key in ("cancelled", "reason") and isinstance(edit, CancelSession):
            return "reason"
        if key == "moved_from":
            return "date"
        return key if key in names else None


# -- the merge ------------------------------------------------------------------------


def merge(original: str, before: str, after: str) -> str:
    """`original` with the change from `before` to `after` (ruamel's dumps of the tree
    before and after the edit) carried over, line by line. A line of `original` that
    ruamel writes differently keeps its own form unless the change falls inside it."""
    if original == before:
        return after
    old, was, now = (t.splitlines(keepends=True) for t in (original, before, after))
    deleted = [False] * len(was)
    inserted: list[list[str]] = [[] for _ in range(len(was) + 1)]
    for tag, b1, b2, a1, a2 in SequenceMatcher(None, was, now, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for index in range(b1, b2):
            deleted[index] = True
        inserted[b2].extend(now[a1:a2])
    out: list[str] = []
    for tag, o1, o2, b1, b2 in SequenceMatcher(None, old, was, autojunk=False).get_opcodes():
        if tag == "equal":
            for step in range(o2 - o1):
                out.extend(inserted[b1 + step])
                if not deleted[b1 + step]:
                    out.append(old[o1 + step])
            continue
        untouched = not any(deleted[b1:b2]) and not any(inserted[b1 + 1 : b2])
        if b1 < b2:
            out.extend(inserted[b1])
        if untouched:
            out.extend(old[o1:o2])  # the organizer's own form of lines ruamel writes anew
        else:
            for index in range(b1, b2):
                if index > b1:
                    out.extend(inserted[index])
                if not deleted[index]:
                    out.append(was[index])
    out.extend(inserted[len(was)])
    merged = "".join(out)
    if merged and not merged.endswith("\n") and after.endswith("\n") and original.endswith("\n"):
        merged += "\n"
    return merged


# -- ruamel helpers -------------------------------------------------------------------


def _indents(root: Any) -> tuple[int, int, int]:
    """The file's own indentation, as ruamel's (mapping, sequence, offset): how far a
    nested mapping is indented, and where a list's dash and its entries stand."""
    mapping, sequence, offset = 2, 4, 2
    found_mapping = found_sequence = False
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack and not (found_mapping and found_sequence):
        node, column = stack.pop(0)
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if (
                    isinstance(value, CommentedMap)
                    and value
                    and not found_mapping
                    and value.fa.flow_style() is not True
                    and value.lc.line > node.lc.key(key)[0]
                ):
                    mapping, found_mapping = value.lc.col - column, True
                if isinstance(value, CommentedSeq) and value and not found_sequence:
                    first = value.lc.data[0]
                    if value.fa.flow_style() is not True and first[0] > node.lc.key(key)[0]:
                        dash = value.lc.col
                        offset = dash - column
                        sequence = first[1] - column
                        found_sequence = True
                if isinstance(value, CommentedMap | CommentedSeq):
                    stack.append((value, value.lc.col))
        elif isinstance(node, CommentedSeq):
            for index, value in enumerate(node):
                if isinstance(value, CommentedMap | CommentedSeq):
                    stack.append((value, node.lc.data[index][1]))
    mapping = max(mapping, 1)
    return mapping, max(sequence, offset + 2), max(offset, 0)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return [(str(k), _plain(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, ScalarString):
        return str(value)
    return value


def _entry_key(entry: CommentedMap) -> str | None:
    value = entry.get("moved_from") or entry.get("date")
    return value.isoformat() if isinstance(value, date) else (str(value) if value else None)


def _key_at(mapping: CommentedMap, line: int) -> str | None:
    """The key of `mapping` whose lines (from its key to the next key) hold `line`."""
    starts = [(mapping.lc.key(key)[0] + 1, key) for key in mapping]
    if not starts:
        return None
    found = None
    for start, key in starts:
        if start <= line:
            found = key
    last = _last_line(mapping)
    if found is None or line > last:
        return None
    return found


def _last_line(node: Any) -> int:
    """The 1-based line of the last value in `node` (a collection)."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            return _last_line(value)
        line = node.lc.value(key)[0] + 1
        return line + (str(value).count("\n") if isinstance(value, str) else 0) + 1
    if isinstance(node, CommentedSeq) and node:
        value = node[-1]
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            return _last_line(value)
        return node.lc.data.get(len(node) - 1, (0, 0))[0] + 1
    return 0


@dataclass
class _Slot:
    """Where ruamel keeps what follows a value: its end-of-line comment, then the comment
    lines and blank lines before whatever comes next. After a block scalar (`|`, `>`)
    there is no end-of-line part: its text ends with its own line break."""

    items: dict
    key: Any
    index: int
    block: bool

    def split(self) -> tuple[str, str]:
        """(the end-of-line comment with its line break, the lines after it)."""
        entry = self.items.get(self.key)
        token = entry[self.index] if entry and len(entry) > self.index else None
        if not isinstance(token, CommentToken):
            return "", ""
        if self.block:
            return "", token.value
        head, newline, tail = token.value.partition("\n")
        return head + newline, tail

    def set(self, head: str, tail: str) -> None:
        value = tail if self.block else ((head or "\n") + tail if head.strip() or tail else "")
        entry = self.items.setdefault(self.key, [None, None, None, None])
        while len(entry) <= self.index:
            entry.append(None)
        if not value:
            entry[self.index] = None
            if not any(entry):
                del self.items[self.key]
        elif isinstance(entry[self.index], CommentToken):
            entry[self.index].value = value
        else:
            entry[self.index] = CommentToken(value, CommentMark(0), None)


def _after(node: Any, key: Any = None) -> _Slot | None:
    """The slot after `node[key]`, or after `node`'s last value when key is None."""
    if isinstance(node, CommentedMap | CommentedSeq) and len(node):
        if key is None:
            key = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        value = node[key]
        if isinstance(value, CommentedMap | CommentedSeq) and len(value):
            return _after(value)
        index = 2 if isinstance(node, CommentedMap) else 0
        block = isinstance(value, LiteralScalarString | FoldedScalarString)
        return _Slot(node.ca.items, key, index, block)
    return None


def _move_gap(source: _Slot | None, target: _Slot | None) -> None:
    """What followed `source`'s line (comments, blank lines) now follows `target`'s,
    keeping `source`'s end-of-line comment where it is."""
    if source is None or target is None:
        return
    head, tail = source.split()
    if not tail:
        return
    source.set(head, "")
    target_head, target_tail = target.split()
    target.set(target_head, target_tail + tail)


def _append(sequence: CommentedSeq, item: Any) -> None:
    previous = _after(sequence)
    sequence.append(item)
    _move_gap(previous, _after(sequence))


def _replace(sequence: CommentedSeq, index: int, item: Any) -> None:
    """A list entry replaced by one of another shape (a guest written as a plain name
    that gets a role): what followed the old entry's line follows the new one's last
    line; ruamel would write it after the dash."""
    old = _after(sequence, index)
    head, tail = old.split() if old else ("", "")
    if old is not None:
        old.set("", "")
    sequence[index] = item
    new = _after(sequence, index)
    if new is not None and (head.strip() or tail):
        new.set(head, tail)


def _part_gap(sequence: CommentedSeq, before: int, new: int) -> None:
    """A new entry between two: the comment lines right above the next entry stay with
    it, and the new entry is parted from both by the blank lines that part the others."""
    if before < 0:
        return
    source, target = _after(sequence, before), _after(sequence, new)
    if source is None or target is None:
        return
    head, tail = source.split()
    own = _without_comment_run(tail)
    run = tail[len(own) :]
    if not run and not own.strip():
        target.set("", own)
        return
    source.set(head, own)
    target.set("", (own if not own.strip() else "") + run)


def _pop(sequence: CommentedSeq, index: int) -> None:
    """Removes an entry with the comment lines right above it (they speak of it); the
    lines after it (a blank line, the comment that introduces what follows) stay."""
    if index > 0:
        before, removed = _after(sequence, index - 1), _after(sequence, index)
        if before is not None and removed is not None:
            head, tail = before.split()
            own = _without_comment_run(tail)
            after = removed.split()[1]
            if own and not own.splitlines()[-1].strip():
                after = after.lstrip("\n")
            before.set(head, own + after)
    del sequence[index]
    _renumber(sequence.ca.items, index)


def _without_comment_run(tail: str) -> str:
    """`tail` without the comment lines at its end that no blank line parts from what
    follows."""
    lines = tail.splitlines(keepends=True)
    while lines and lines[-1].strip().startswith("#"):
        lines.pop()
    return "".join(lines)


def _renumber(items: dict, removed: int) -> None:
    for number in sorted(k for k in list(items) if isinstance(k, int) and k >= removed):
        entry = items.pop(number)
        if number > removed:
            items[number - 1] = entry


def _put(mapping: CommentedMap, key: str, value: Any, order: tuple[str, ...] = ()) -> None:
    """Sets `key`; a new key goes where `order` puts it (else at the end), and when it
    comes last, what followed the mapping's last line follows the new key."""
    if key in mapping:
        mapping[key] = value
        return
    keys = list(mapping)
    position = len(keys)
    if key in order:
        rank = order.index(key)
        for index, existing in enumerate(keys):
            if existing in order and order.index(existing) > rank:
                position = index
                break
    if position == len(keys) and keys:
        source = _after(mapping, keys[-1])
        mapping[key] = value
        _move_gap(source, _after(mapping, key))
    else:
        mapping.insert(position, key, value)


def _remove(mapping: CommentedMap, key: str) -> None:
    """Removes `key`; the comment lines and blank lines after its value stay where they
    were (they introduce what follows), only its end-of-line comment goes with it."""
    if key not in mapping:
        return
    keys = list(mapping)
    index = keys.index(key)
    source = _after(mapping, key)
    _, tail = source.split() if source else ("", "")
    del mapping[key]
    mapping.ca.items.pop(key, None)
    if tail and index > 0:
        target = _after(mapping, keys[index - 1])
        if target is not None:
            head, rest = target.split()
            target.set(head, rest + tail)


def _flow_list(old: Any, values: list[str]) -> CommentedSeq:
    new = CommentedSeq(values)
    if not isinstance(old, CommentedSeq) or old.fa.flow_style():
        new.fa.set_flow_style()
    else:
        new.fa.set_block_style()
    return new


# -- the plan's sessions -----------------------------------------------------------------


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise EditError("date", f"'{value}' is not a date like 2023-09-07") from None


def _session_by_key(plan: Plan, key: str) -> Session | None:
    try:
        day = date.fromisoformat(key)
    except ValueError:
        raise EditError("session", f"'{key}' is not a date like 2023-09-07") from None
    found = plan.session(day)
    return found if found is not None and found.key == key else None


def _session_on(plan: Plan, day: date) -> Session | None:
    return next((s for s in plan.sessions_between(day, day) if s.date == day), None)


def _about(session: Session) -> str:
    if session.topic:
        return f" ({session.topic})"
    return " (cancelled)" if session.cancelled else ""
