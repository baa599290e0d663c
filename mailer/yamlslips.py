"""The slips people make when they edit YAML by hand, each explained in their words. Pure.

PyYAML names a slip as its parser meets it: "expected <block end>, but found '<block
mapping start>'" for a key one space too far left, "could not find expected ':'" for a key
without its space, and nothing at all for a forgotten '- ' (the second entry's keys join
the first, and 'date' is given twice). `explain` turns the parser's problem and the lines
around it into one sentence that says what to write; the README's "schedule.yaml" section
shows each of them.

| slip | what PyYAML says |
| --- | --- |
| a tab in the indentation | found character '\\t' that cannot start any token |
| a non-breaking space in the indentation (copied from a web page) | (various) |
| '-' without its space | (various) |
| a tab after 'key:' | found character '\\t' that cannot start any token |
| a colon and a space inside a text | mapping values are not allowed here |
| a key indented one step too far or too little, a '-' out of line | mapping values are not allowed here; expected <block end>, but found '<block mapping start>' (or '?', '-', '<block sequence start>') |
| 'key:' without the space after it; a key without its colon; a text line below its key | could not find expected ':' |
| a text that begins with a quote and goes on after it; with '[' or '{' | expected <block end>, but found '<scalar>' |
| a text that begins with a character YAML reserves (@ ` % * & ! | > - ?) | found character '@' that cannot start any token, and others |
| a '[' or '{' never closed | expected ',' or ']' |
| a quote never closed | found unexpected end of stream |
| a line '---' in the middle | expected a single document in the stream |
| a forgotten '- ' before a list entry | (none: yamlsource says "'date:' is given a second time") |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A line as far as the slips need it: its indentation, an optional '- ', an optional key.
_LINE = re.compile(
    r"^(?P<indent> *)(?:(?P<dash>-)(?P<gap> +|$))?"
    r"(?:(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?P<after>[ \t]|$)(?P<value>.*))?"
)
_DASH_WITHOUT_SPACE = re.compile(r"^\s*-[^\s-]")
# A line `key: value` (or `- key: value`): (indentation and dash, key, value).
KEY_AND_VALUE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*):\s+(.*)$")
_KEY_GLUED = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):(\S.*)$")
_KEY_WITHOUT_COLON = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*)?(\S.*)$")
# Spaces a copy from a word processor or a web page brings along; YAML counts only ' '.
_ODD_SPACES = "\u00a0\u2007\u202f\u2002\u2003\u2009\u3000"

Located = tuple[int, str]


@dataclass(frozen=True)
class Problem:
    """Where PyYAML stopped, and what it said. Lines count from 1."""

    lines: list[str]
    line: int | None  # where the parser stopped
    opened: int | None  # the line that opened what was never closed, if that is the problem
    problem: str
    context: str
    known_keys: frozenset[str] = frozenset()

    def text(self, number: int | None) -> str:
        if number is None or not 1 <= number <= len(self.lines):
            return ""
        return self.lines[number - 1]


def explain(problem: Problem) -> Located | None:
    """The sentence for the first slip that fits, with its line; None for none."""
    for slip in SLIPS:
        found = slip(problem)
        if found is not None:
            return found
    return None


def quoted(text: str) -> str:
    """`text` as a YAML value in quotes: double quotes, or single ones when the text holds a
    double quote (a single quote inside single quotes is written twice)."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def dash_sentence() -> str:
    return "a '-' that starts a list entry needs a space after it: write '- ' (dash, space)"


def odd_space_sentence(char: str) -> str:
    return (
        f"this line is indented with a non-breaking space (U+{ord(char):04X}, copied from a"
        " web page or a word processor); YAML needs plain spaces: retype the indentation"
    )


def duplicate_key_sentence(key: str, first: int, entry: int | None, line_text: str) -> str:
    """A key given twice in one mapping. In a list entry whose first key it is, the '- '
    of a new entry was forgotten: its keys joined the entry above."""
    if entry is not None:
        written = line_text.strip()
        return (
            f"'{key}:' is given a second time in the entry that starts on line {entry}: a new"
            f" list entry starts with '- ' (dash, space); write '- {written}', with the dash in"
            f" the column of the dash on line {entry}"
        )
    return f"'{key}:' is given twice (first on line {first}); keep one of them"


def cut_by_comment(what: str, text: str, comment: str, line_text: str) -> str | None:
    """The sentence for a text that YAML ended at ' #' though the '#' looks like part of
    it; None for a comment that looks meant. A meant comment is written as yamllint's
    defaults ask (rules `comments`: min-spaces-from-content 2, require-starting-space):
    two spaces or more before the '#', and a space after it. `topic: Smart City #2 mit
    Gast` (one space, '#2') is a cut text; `topic: Smart City  # ask Julia` a comment."""
    spaces = len(comment) - len(comment.lstrip())
    after = comment.lstrip()[1:2]
    if spaces >= 2 and after in ("", " ", "#"):
        return None
    left_out = comment.strip()
    whole = f"{text}{comment}".rstrip()
    found = KEY_AND_VALUE.match(line_text)
    write = f"{found[2]}: {quoted(whole)}" if found else quoted(whole)
    if line_text.lstrip().startswith("- ") and not found:
        write = f"- {quoted(whole)}"
    return (
        f"{what} ends at '{text.strip()}': YAML reads ' #' as the start of a comment, so"
        f" '{left_out}' is left out; to keep it, put the text in quotes: {write} (a comment"
        " that is meant goes two spaces after the text: '  # ...')"
    )


# -- the slips, in the order they are tried -----------------------------------------------


def _nearby(problem: Problem) -> range:
    """The problem's line and the two before it: the parser notices some slips late."""
    line = problem.line or 0
    return range(min(line, len(problem.lines)), max(line - 3, 0), -1)


def _tab_indent(problem: Problem) -> Located | None:
    for number in _nearby(problem):
        written = problem.text(number)
        if "\t" in written[: len(written) - len(written.lstrip())]:
            return (
                number,
                "this line is indented with a tab; YAML needs spaces: replace the tab with spaces",
            )
    return None


def _odd_space_indent(problem: Problem) -> Located | None:
    for number in _nearby(problem):
        written = problem.text(number)
        indent = written[: len(written) - len(written.lstrip())]
        odd = next((c for c in indent if c in _ODD_SPACES), None)
        if odd is not None:
            return number, odd_space_sentence(odd)
    return None


def _dash_without_space(problem: Problem) -> Located | None:
    for number in _nearby(problem):
        if _DASH_WITHOUT_SPACE.match(problem.text(number)):
            return number, dash_sentence()
    return None


def _tab_after_colon(problem: Problem) -> Located | None:
    found = re.match(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):\t", problem.text(problem.line))
    if found and "'\\t'" in problem.problem:
        return (
            problem.line or 0,
            f"a tab follows '{found[1]}:'; YAML needs a space there: replace the tab with a space",
        )
    return None


def _colon_in_text(problem: Problem) -> Located | None:
    if problem.problem != "mapping values are not allowed here" or problem.line is None:
        return None
    found = KEY_AND_VALUE.match(problem.text(problem.line))
    if found and ": " in found[3] and not found[3].startswith(("'", '"')):
        key, value = found[2], found[3].split(" #")[0].strip()
        return problem.line, (
            f"the text after '{key}:' holds a colon and a space, which YAML reads as a new"
            f" key; put the text in quotes: {key}: {quoted(value)}"
        )
    return None


def _tokens(text: str) -> list[tuple[str, int, str]]:
    """The dash and the key a line starts with: ("dash", column, ""), ("key", column, name)."""
    found = _LINE.match(text)
    if not found or not text.strip() or text.lstrip().startswith("#"):
        return []
    tokens = []
    column = len(found["indent"])
    if found["dash"]:
        tokens.append(("dash", column, ""))
        column += 1 + len(found["gap"])
    if found["key"]:
        tokens.append(("key", column, found["key"]))
    return tokens


_INDENTATION_PROBLEMS = (
    "mapping values are not allowed here",
    "expected <block end>, but found '<block mapping start>'",
    "expected <block end>, but found '<block sequence start>'",
    "expected <block end>, but found '?'",
    "expected <block end>, but found '-'",
)


def _indentation(problem: Problem) -> Located | None:
    """A key or a '-' whose column is not the column of its neighbours above."""
    if problem.problem not in _INDENTATION_PROBLEMS or problem.line is None:
        return None
    tokens = _tokens(problem.text(problem.line))
    if not tokens:
        return None
    kind, column, name = tokens[0]
    # The same kind of token on the lines above, up to and with the line that holds this
    # one's block (the first one further left).
    seen: dict[int, tuple[int, str]] = {}
    for number in range(problem.line - 1, 0, -1):
        above = _tokens(problem.text(number))
        for other_kind, other_column, other_name in above:
            if other_kind == kind and other_column not in seen:
                seen[other_column] = (number, other_name)
        if above and above[0][1] < column:
            break
    if not seen or column in seen:
        return None
    # A key in the column of a '-' above: it belongs to that entry, or starts a new one.
    dash_above = kind == "key" and any(
        (token[0], token[1]) == ("dash", column)
        for number in range(problem.line - 1, 0, -1)
        for token in _tokens(problem.text(number))
    )
    distance = min(abs(other - column) for other in seen)
    closest = sorted((other for other in seen if abs(other - column) == distance), reverse=True)
    what = f"'{name}:'" if kind == "key" else "this '-'"

    def beside(other: int) -> str:
        number, other_name = seen[other]
        if kind == "key":
            return f"'{other_name}:' on line {number}"
        return f"the '-' on line {number}"

    def spaces(count: int) -> str:
        return f"{count} space" + ("" if count == 1 else "s")

    first = closest[0]
    sentence = (
        f"{what} is indented by {spaces(column)} and {beside(first)} by {spaces(first)}:"
        " YAML counts the spaces, and "
        + ("keys that belong together" if kind == "key" else "the entries of one list")
        + " start in the same column; "
    )
    if dash_above:
        return problem.line, sentence + (
            f"indent {what} by {spaces(first)} (beside {beside(first)}), or write '- '"
            f" before it if a new entry starts here"
        )
    if len(closest) == 1:
        return problem.line, sentence + f"indent {what} by {spaces(first)}"
    second = closest[1]
    return problem.line, sentence + (
        f"indent {what} by {spaces(first)} (beside {beside(first)}) or by {spaces(second)}"
        f" (beside {beside(second)})"
    )


def _key_without_space(problem: Problem) -> Located | None:
    if problem.problem != "could not find expected ':'":
        return None
    number = problem.opened or problem.line
    found = _KEY_GLUED.match(problem.text(number))
    if found is None or (problem.known_keys and found[1] not in problem.known_keys):
        return None
    return number or 0, (f"a ':' after a key needs a space: write '{found[1]}: {found[2].strip()}'")


def _text_without_key(problem: Problem) -> Located | None:
    if problem.problem != "could not find expected ':'":
        return None
    number = problem.opened or problem.line or 0
    written = problem.text(number)
    found = _KEY_WITHOUT_COLON.match(written)
    if found and found[1] in problem.known_keys:
        return number, (
            f"'{found[1]}' needs a colon and a space after it: write '{found[1]}: {found[2]}'"
        )
    above = next((line for line in range(number - 1, 0, -1) if _tokens(problem.text(line))), None)
    sentence = "this line has no key (a word, a colon and a space) in front of its text"
    if above is None:
        return number, sentence
    kind, _, key = _tokens(problem.text(above))[-1]
    what = f"'{key}:'" if kind == "key" else "the '-'"
    return number, (
        f"{sentence}; if it goes on with the text after {what} on line {above}, indent it"
        f" further than {what}, or put all of the text in quotes on one line"
    )


def _text_after_quote(problem: Problem) -> Located | None:
    """A text that begins with a quote, '[' or '{' and goes on after it: YAML read the
    quoted part (or the list) as the whole value and does not know what follows."""
    if problem.problem != "expected <block end>, but found '<scalar>'" or problem.line is None:
        return None
    found = KEY_AND_VALUE.match(problem.text(problem.line))
    if not found or not found[3].startswith(("'", '"', "[", "{")):
        return None
    key, value = found[2], found[3].rstrip()
    if value[0] in "'\"" and len(value) > 1 and value[-1] == value[0]:
        inner = value[1:-1]  # the whole text was meant to be quoted; it holds quotes itself
        hint = f"a text in quotes must not hold the same quote mark; write {key}: {quoted(inner)}"
        if '"' in inner and "'" in inner:
            hint = f"write {key}: {quoted(inner)}"
        return problem.line, hint
    start = "a quote" if value[0] in "'\"" else f"'{value[0]}'"
    return problem.line, (
        f"the text after '{key}:' begins with {start}, so YAML reads only up to its end and"
        f" not the rest; put all of the text in quotes: {key}: {quoted(value)}"
    )


# Characters YAML reserves at the start of a value, with what YAML makes of them.
_RESERVED = {
    "@": "is reserved",
    "`": "is reserved",
    "%": "starts a directive",
    "*": "marks an alias, a value repeated from elsewhere",
    "&": "marks an anchor, a name for the value",
    "!": "marks a tag, a type for the value",
    "|": "announces a text on the lines below",
    ">": "announces a text on the lines below",
    "-": "starts a list",
    "?": "starts a key",
}


# What PyYAML says when a value begins with one of them.
_RESERVED_PROBLEMS = (
    "that cannot start any token",
    "expected alphabetic or numeric character",
    "expected a comment or a line break",
    "sequence entries are not allowed here",
    "mapping keys are not allowed here",
)


def _reserved_start(problem: Problem) -> Located | None:
    if not any(words in problem.problem for words in _RESERVED_PROBLEMS):
        return None
    written = problem.text(problem.line)
    found = KEY_AND_VALUE.match(written)
    if not found or not found[3] or found[3][0] not in _RESERVED:
        return None
    key, value, first = found[2], found[3].rstrip(), found[3][0]
    if first == "-" and not value.startswith("- "):
        return None  # a negative number, a date range: not this slip
    return problem.line or 0, reserved_start_sentence(key, value)


def reserved_start_sentence(key: str, value: str) -> str:
    first = value[0]
    return (
        f"a text cannot begin with '{first}' in YAML (it {_RESERVED[first]}); put the"
        f" text in quotes: {key}: {quoted(value)}"
    )


def _unclosed_flow(problem: Problem) -> Located | None:
    if problem.context not in ("while parsing a flow sequence", "while parsing a flow mapping"):
        return None
    if problem.problem.startswith("expected ',' or"):
        bracket, closing = ("[", "]") if "sequence" in problem.context else ("{", "}")
        return problem.opened or problem.line or 0, (
            f"a '{bracket}' opened on this line is never closed; end the list with '{closing}'"
        )
    return None


def _unclosed_quote(problem: Problem) -> Located | None:
    if problem.opened and "quoted scalar" in problem.context:
        return problem.opened, (
            "a quote opened on this line is never closed; end the text with the same quote mark"
        )
    return None


def _second_document(problem: Problem) -> Located | None:
    if problem.context == "expected a single document in the stream":
        return problem.line or 0, (
            "a line '---' starts a second document here, and the file is one document:"
            " remove this line"
        )
    return None


SLIPS: tuple[Callable[[Problem], Located | None], ...] = (
    _tab_indent,
    _odd_space_indent,
    _dash_without_space,
    _tab_after_colon,
    _colon_in_text,
    _indentation,
    _key_without_space,
    _text_without_key,
    _text_after_quote,
    _reserved_start,
    _unclosed_flow,
    _unclosed_quote,
    _second_document,
)
