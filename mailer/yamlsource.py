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
from mailer.yamlslips import (
    KEY_AND_VALUE,
    Problem,
    cut_by_comment,
    dash_sentence,
    duplicate_key_sentence,
    explain,
    odd_space_sentence,
    quoted,
    reserved_start_sentence,
)

_BOOL_TRUE = {"true", "yes", "on"}
_BOOL_FALSE = {"false", "no", "off"}
_NULL = {"", "~", "null"}


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Scalar:
    text: str
    line: int
    quoted: bool
    comment: str | None = None  # the comment after a plain text on its line, as written

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


LARGEST_SOURCE = 1024 * 1024  # a plan of years of sessions is a few dozen kB


def read_source(path: Path, missing: str = "no such file") -> str:
    """A hand-edited file as text: PlanError (`NAME[:LINE]: ...`) when it is missing,
    unreadable, larger than LARGEST_SOURCE (`--config /dev/zero` never ends), or not
    UTF-8 (with the first line that is not)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(LARGEST_SOURCE + 1)
    except FileNotFoundError:
        raise PlanError(path.name, None, missing) from None
    except OSError as error:
        raise PlanError(path.name, None, f"cannot be read: {error.strerror}") from None
    if len(data) > LARGEST_SOURCE:
        raise PlanError(
            path.name, None, f"larger than {LARGEST_SOURCE // 1024} KiB: is it the right file?"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PlanError(
            path.name, line, "this line is not UTF-8 text; save the file as UTF-8"
        ) from None


class Reader:
    """Turns located nodes into typed values, raising PlanError with the line."""

    known_keys: frozenset[str] = frozenset()  # every key of the format, for the slips

    def __init__(self, source: str):
        self.source = source
        self.warnings: list[tuple[int, str]] = []  # (line, sentence): see `text`
        self._lines: list[str] = []

    def fail(self, line: int | None, message: str) -> PlanError:
        return PlanError(self.source, line, message)

    def parse(self, text: str) -> Mapping:
        try:
            self._refuse_hidden_parts(text)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            raise self._explained(text, error) from None
        except yaml.YAMLError as error:
            raise self.fail(None, f"this is not valid YAML: {error}") from None
        if root is None:
            raise self.fail(1, "the file is empty; `mailer init` writes a starter plan")
        self._lines = text.splitlines()
        node = self._convert(root)
        if not isinstance(node, Mapping):
            raise self.fail(
                node.line, "the file must be a mapping of sections (series, sender, ...)"
            )
        return node

    def _explained(self, text: str, error: yaml.MarkedYAMLError) -> PlanError:
        """The parser's complaint as the slip a person made (see yamlslips.py), or as it is."""
        context = error.context or ""
        # An unclosed quote or bracket is found far below; name the line that opened it.
        opens = context.startswith(("while scanning", "while parsing a flow"))
        opened = error.context_mark.line + 1 if opens and error.context_mark else None
        mark = error.problem_mark or error.context_mark
        problem = Problem(
            lines=text.splitlines(),
            line=mark.line + 1 if mark else None,
            opened=opened,
            problem=error.problem or "unknown problem",
            context=context,
            known_keys=self.known_keys,
        )
        slip = explain(problem)
        if slip is not None:
            return self.fail(*slip)
        words = problem.problem + (f" ({context})" if opened and context else "")
        return self.fail(opened or problem.line, f"this is not valid YAML: {words}")

    def _refuse_hidden_parts(self, text: str) -> None:
        """What YAML reads but a person does not mean, refused with its line:
        - an alias (*name) repeats a value written elsewhere: ten nested ones make a few
          hundred bytes into gigabytes, and one inside its own anchor never ends;
        - an anchor (&name) or a tag (!name) before a text is taken away from the text
          (`topic: &Co Finanzen` would read "Finanzen")."""
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            alias = isinstance(event, yaml.AliasEvent)
            hidden = isinstance(event, yaml.ScalarEvent) and (
                event.anchor is not None or (event.tag or "").startswith("!")
            )
            if not alias and not hidden:
                continue
            line = event.start_mark.line + 1
            found = KEY_AND_VALUE.match(text.splitlines()[line - 1])
            if hidden:
                key, value = (found[2], found[3].rstrip()) if found else ("key", "...")
                raise self.fail(line, reserved_start_sentence(key, value))
            hint = ""
            if found and found[3].startswith("*"):
                hint = (
                    "; if it is the start of a text, put the text in quotes:"
                    f" {found[2]}: {quoted(found[3].rstrip())}"
                )
            raise self.fail(
                line,
                f"'*{event.anchor}' repeats a value from elsewhere (a YAML alias);"  # type: ignore[union-attr]
                f" write the value out here instead{hint}",
            )

    def _convert(self, node: yaml.Node, entry: int | None = None) -> Node:
        """Located values; `entry` is the line of the list entry this mapping is."""
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            quoted_style = node.style in ("'", '"', "|", ">")
            return Scalar(
                str(node.value), line, quoted=quoted_style, comment=self._comment_after(node)
            )
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self._convert(item, item.start_mark.line + 1) for item in node.value)
            return Sequence(items, line)
        if isinstance(node, yaml.MappingNode):
            entries: dict[str, tuple[int, Node]] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_line, "a key must be a plain word")
                key = str(key_node.value)
                if key in entries:
                    first_key = next(iter(entries))
                    raise self.fail(
                        key_line,
                        duplicate_key_sentence(
                            key,
                            entries[key][0],
                            entry if key == first_key else None,
                            self._line(key_line),
                        ),
                    )
                entries[key] = (key_line, self._convert(value_node))
            return Mapping(entries, line)
        raise self.fail(line, "unsupported YAML construct")

    def _line(self, number: int) -> str:
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""

    def _comment_after(self, node: yaml.ScalarNode) -> str | None:
        """The comment after a plain text on its last line, as written (' #2 mit Gast'):
        YAML ends a plain text at ' #', whatever the writer meant."""
        if node.style:
            return None
        rest = self._line(node.end_mark.line + 1)[node.end_mark.column :]
        return rest if re.match(r"\s+#", rest) else None

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

    def text(self, node: Node, what: str, *, multiline: bool = False, prose: bool = False) -> str:
        """The value as text. `prose`: a text a person writes (a topic, a name), where a
        '#' after a space may be part of the text though YAML ends the text there: that
        is noted in `warnings` (see yamlslips.cut_by_comment)."""
        scalar = self.scalar(node, what)
        value = scalar.text
        if prose and scalar.comment is not None:
            sentence = cut_by_comment(what, value, scalar.comment, self._line(scalar.line))
            if sentence is not None:
                self.warnings.append((scalar.line, sentence))
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
    if key.startswith("-"):
        return dash_sentence()
    if key[:1].isspace():  # YAML drops ordinary spaces: this is another kind of space
        return odd_space_sentence(key[0])
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
    return f"unknown key '{key}' in {where}{hint}"
