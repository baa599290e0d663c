"""YAML read into values that remember their line, so every error can name it.

PyYAML's composer gives the node tree with marks; we keep scalars as their raw text
(so `16:00` stays "16:00" instead of YAML 1.1's sexagesimal 960) and let the
plan reader decide what each one must be.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from mailer.errors import PlanError
from mailer.text import one_line

_BOOL_TRUE = {"true", "yes", "on"}
_BOOL_FALSE = {"false", "no", "off"}
_NULL = {"", "~", "null"}


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_KEY_AND_VALUE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_]+):\s+(.*)$")
_DASH_WITHOUT_SPACE = re.compile(r"^\s*-[^\s-]")


def common_trap(text: str, line: int | None) -> tuple[int, str] | None:
    """The mistakes people make when they edit YAML by hand, explained in their words:
    a tab, a '-' without its space, a colon in a text. (line, sentence), or None."""
    if line is None:
        return None
    lines = text.splitlines()
    # The parser notices some slips a line or two later: look at the lines before, too.
    for number in range(line, max(line - 3, 0), -1):
        if number > len(lines):
            continue
        written = lines[number - 1]
        if "\t" in written[: len(written) - len(written.lstrip())]:
            return (
                number,
                "this line is indented with a tab; YAML needs spaces: replace the tab with spaces",
            )
        if _DASH_WITHOUT_SPACE.match(written):
            return (
                number,
                "a '-' that starts a list entry needs a space after it: write '- ' (dash, space)",
            )
    if line <= len(lines):
        found = _KEY_AND_VALUE.match(lines[line - 1])
        if found and ": " in found.group(3) and not found.group(3).startswith(("'", '"')):
            key, value = found.group(2), found.group(3).split(" #")[0].strip()
            return line, (
                f"the text after '{key}:' holds a colon and a space, which YAML reads as a new"
                f' key; put the text in quotes: {key}: "{value}"'
            )
    return None


@dataclass(frozen=True)
class Scalar:
    text: str
    line: int
    quoted: bool

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.text.lower() in _NULL


@dataclass(frozen=True)
class Sequence:
    items: tuple[Node, ...]
    line: int


@dataclass(frozen=True)
class Mapping:
    entries: dict[str, tuple[int, Node]]
    line: int

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def items(self) -> Iterator[tuple[str, int, Node]]:
        for key, (line, node) in self.entries.items():
            yield key, line, node


Node = Scalar | Sequence | Mapping


def read_source(path: Path, missing: str = "no such file") -> str:
    """A hand-edited file as text: PlanError (`NAME[:LINE]: ...`) when it is missing,
    unreadable, or not UTF-8 (with the first line that is not)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanError(path.name, None, missing) from None
    except OSError as error:
        raise PlanError(path.name, None, f"cannot be read: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PlanError(
            path.name, line, "this line is not UTF-8 text; save the file as UTF-8"
        ) from None


class Reader:
    """Turns located nodes into typed values, raising PlanError with the line."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, line: int | None, message: str) -> PlanError:
        return PlanError(self.source, line, message)

    def parse(self, text: str) -> Mapping:
        try:
            self._refuse_aliases(text)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            # An unclosed quote or bracket is found far below; name the line that opened it.
            opened = (
                error.context_mark if (error.context or "").startswith("while scanning") else None
            )
            mark = opened or error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else None
            problem = error.problem or "unknown problem"
            if opened:
                problem = f"{problem} ({error.context})"
            trap = common_trap(text, line)
            if trap is not None:
                raise self.fail(*trap) from None
            if opened and "quoted scalar" in (error.context or ""):
                raise self.fail(
                    line,
                    "a quote opened on this line is never closed; end the text with the"
                    " same quote mark",
                ) from None
            raise self.fail(line, f"this is not valid YAML: {problem}") from None
        except yaml.YAMLError as error:
            raise self.fail(None, f"this is not valid YAML: {error}") from None
        if root is None:
            raise self.fail(1, "the file is empty; `mailer init` writes a starter plan")
        node = self._convert(root)
        if not isinstance(node, Mapping):
            raise self.fail(
                node.line, "the file must be a mapping of sections (series, sender, ...)"
            )
        return node

    def _refuse_aliases(self, text: str) -> None:
        """An alias (*name) repeats a value written elsewhere: ten nested ones make a few
        hundred bytes into gigabytes, and one inside its own anchor never ends. A plan
        needs neither, so the first one is refused with its line."""
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise self.fail(
                    event.start_mark.line + 1,
                    f"'*{event.anchor}' repeats a value from elsewhere (a YAML alias);"
                    " write the value out here instead",
                )

    def _convert(self, node: yaml.Node) -> Node:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return Scalar(str(node.value), line, quoted=node.style in ("'", '"', "|", ">"))
        if isinstance(node, yaml.SequenceNode):
            return Sequence(tuple(self._convert(item) for item in node.value), line)
        if isinstance(node, yaml.MappingNode):
            entries: dict[str, tuple[int, Node]] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_line, "a key must be a plain word")
                key = str(key_node.value)
                if key in entries:
                    raise self.fail(key_line, f"'{key}' is given twice")
                entries[key] = (key_line, self._convert(value_node))
            return Mapping(entries, line)
        raise self.fail(line, "unsupported YAML construct")

    # -- shapes --------------------------------------------------------------

    def mapping(self, node: Node | None, what: str, known: set[str]) -> Mapping:
        if not isinstance(node, Mapping):
            line = node.line if node else None
            raise self.fail(line, f"{what} must be a mapping of keys")
        for key, line, _ in node.items():
            if key not in known:
                raise self.fail(line, unknown_key_message(key, what, known))
        return node

    def sequence(self, node: Node, what: str) -> tuple[Node, ...]:
        if isinstance(node, Sequence):
            return node.items
        if isinstance(node, Scalar) and node.is_null:
            return ()
        raise self.fail(node.line, f"{what} must be a list")

    def scalar(self, node: Node, what: str) -> Scalar:
        if not isinstance(node, Scalar):
            kind = "list" if isinstance(node, Sequence) else "mapping"
            raise self.fail(node.line, f"{what} must be a single value, not a {kind}")
        return node

    def text(self, node: Node, what: str, *, multiline: bool = False) -> str:
        scalar = self.scalar(node, what)
        value = scalar.text
        if (control := control_character(value)) is not None:
            raise self.fail(
                scalar.line,
                f"{what} holds the character U+{ord(control):04X}, which no mail can carry"
                " (a control character); remove it",
            )
        if multiline:
            return value.strip()
        # One line only: a line break in a topic or a name must never reach a header.
        return one_line(value)

    def boolean(self, node: Node, what: str) -> bool:
        scalar = self.scalar(node, what)
        word = scalar.text.lower()
        if not scalar.quoted and word in _BOOL_TRUE:
            return True
        if not scalar.quoted and word in _BOOL_FALSE:
            return False
        raise self.fail(scalar.line, f"{what} must be true or false, not '{scalar.text}'")

    def integer(self, node: Node, what: str, *, minimum: int = 0) -> int:
        scalar = self.scalar(node, what)
        try:
            value = int(scalar.text)
        except ValueError:
            raise self.fail(
                scalar.line, f"{what} must be a whole number, not '{scalar.text}'"
            ) from None
        if value < minimum:
            raise self.fail(scalar.line, f"{what} must be at least {minimum}")
        return value


def control_character(text: str) -> str | None:
    """The first character of `text` that YAML may not hold (YAML 1.2, 5.1 c-printable:
    the controls but tab, line feed, carriage return and next line; surrogates; U+FFFE
    and U+FFFF) and that a double-quoted escape (`"\\a"`, `"\\x00"`) or a terminal
    argument that was not UTF-8 still brings in; None when there is none."""
    found = _NOT_PRINTABLE.search(text)
    return found.group(0) if found else None


def unknown_key_message(key: str, where: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
    return f"unknown key '{key}' in {where}{hint}"
