"""Markdown (a newsletter, a session's recap) -> the HTML part and the text part of a mail.

markdown-it-py parses CommonMark, plus tables and ~~strikethrough~~, with two changes for
a letter written in German rather than a CommonMark document:
- a line break in the source is a line break in the mail (markdown-it's `breaks` option):
  "Viele Grüße" and "Ihr Orga-Team" stay on two lines;
- a `*` inside a word is the gender star, not emphasis: CommonMark's rule for `_` (spec
  6.2: an underscore inside a word neither opens nor closes emphasis) is applied to `*`
  too, so "Bürgermeister*innen und Amtskolleg*innen" stays as written, while `*Wort*`
  and `**Wort**` around whole words are still emphasis. The gender gap `Bürger_innen`
  and the colon `Kolleg:innen` were safe already.

Raw HTML in the
source is shown as text, never passed on (`html: False`), and links with a scheme that
runs code (javascript:, vbscript:, file:, data: other than images) are not made links:
markdown-it's own validateLink. Links are kept exactly as written: no tracking redirect,
no parameters added.

The text part is made from the same parse, not from the HTML: headings underlined,
lists with their markers, links as "text (address)", tables as aligned columns, quotes
with "> ". It is what a careful writer of plain-text mail would write by hand.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from markdown_it.tree import SyntaxTreeNode


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False, "breaks": True})
    parser.enable(["table", "strikethrough"])
    parser.inline.ruler.at("emphasis", _emphasis_of_whole_words)
    return parser


def _emphasis_of_whole_words(state: StateInline, silent: bool) -> bool:
    """markdown-it's own emphasis tokenizer (rules_inline/emphasis.py), except that a run
    of `*` is scanned as a run of `_` is: one with a letter or digit on both sides can
    neither open nor close emphasis, and stays text."""
    start = state.pos
    marker = state.src[start]
    if silent or marker not in ("_", "*"):
        return False
    scanned = state.scanDelims(start, False)  # False: no emphasis that splits a word
    for _ in range(scanned.length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=scanned.length,
                token=len(state.tokens) - 1,
                end=-1,
                open=scanned.can_open,
                close=scanned.can_close,
            )
        )
    state.pos += scanned.length
    return True


def to_html(source: str) -> str:
    """The HTML of a Markdown text; everything in it that came from the source is escaped."""
    return _parser().render(source)


def to_text(source: str) -> str:
    """The plain text of a Markdown text, for the text/plain part of a mail."""
    tree = SyntaxTreeNode(_parser().parse(source))
    return "\n\n".join(block for node in tree.children if (block := _block(node))).strip()


def first_words(source: str, limit: int = 140) -> str:
    """The opening words of the text, on one line: a preheader when none is given."""
    tree = SyntaxTreeNode(_parser().parse(source))
    paragraphs = [_block(node) for node in tree.children if node.type == "paragraph"]
    words = " ".join(" ".join(paragraphs).split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0] + " …"


# -- the text part -----------------------------------------------------------------------


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "heading":
        title = _inline_of(node)
        level = int(node.tag[1])
        if level <= 2:
            return f"{title}\n{('=' if level == 1 else '-') * len(title)}"
        return title
    if kind == "paragraph":
        return _inline_of(node)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind == "blockquote":
        inner = "\n\n".join(_block(child) for child in node.children)
        return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
    if kind in ("code_block", "fence"):
        return "\n".join(f"    {line}" for line in node.content.rstrip("\n").split("\n"))
    if kind == "hr":
        return "-" * 20
    if kind == "table":
        return _table(node)
    return _inline_of(node) if node.children else node.content


def _list(node: SyntaxTreeNode) -> str:
    ordered = node.type == "ordered_list"
    first = int(node.attrs.get("start", 1)) if ordered else 1
    items = []
    for number, item in enumerate(node.children, start=first):
        marker = f"{number}. " if ordered else "- "
        body = "\n".join(_block(child) for child in item.children)
        lines = body.split("\n")
        indent = " " * len(marker)
        items.append(
            marker + lines[0] + "".join(f"\n{indent}{line}" if line else "\n" for line in lines[1:])
        )
    return "\n".join(items)


def _table(node: SyntaxTreeNode) -> str:
    rows = [
        [_inline_of(cell) for cell in row.children]
        for section in node.children
        for row in section.children
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    head, *body = rows
    return "\n".join([line(head), "  ".join("-" * width for width in widths), *map(line, body)])


def _inline_of(node: SyntaxTreeNode) -> str:
    return "".join(_inline(child) for child in node.children)


def _inline(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "inline":
        return _inline_of(node)
    if kind in ("text", "code_inline", "html_inline"):
        return node.content
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "strong":
        return f"*{_inline_of(node)}*"
    if kind == "em":
        return f"_{_inline_of(node)}_"
    if kind == "link":
        text, href = _inline_of(node), str(node.attrs.get("href", ""))
        shown = href.removeprefix("mailto:")
        return text if text in (href, shown) else f"{text} ({shown})"
    if kind == "image":
        alt = node.content or _inline_of(node)
        return f"[{alt}] ({node.attrs.get('src', '')})" if alt else str(node.attrs.get("src", ""))
    return _inline_of(node) if node.children else node.content
