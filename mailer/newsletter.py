"""A newsletter file: Markdown with a front matter, read into a Draft. Pure but for reading
the file; every mistake is `FILE:LINE: what is wrong`.

    ---
    subject: Rückblick und Ausblick
    send_at: 2023-09-20T10:00        # optional; without an offset: the series' time zone
    preheader: Folien, Aufzeichnung und die Termine im Herbst   # optional
    greeting: true                   # optional: the member's greeting above the text
    ---
    Text in Markdown ...
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailer.errors import PlanError
from mailer.moments import YEARS, within_years
from mailer.plan import Plan
from mailer.yamlsource import Reader, Scalar, read_source

KEYS = {"subject", "send_at", "preheader", "greeting"}
FENCE = "---"


@dataclass(frozen=True)
class Draft:
    source: str  # the file's name, as the organizer knows it
    subject: str
    body: str  # Markdown
    send_at: datetime | None = None
    preheader: str | None = None
    greeting: bool = True
    warnings: tuple[tuple[int, str], ...] = ()  # (line, sentence): a subject cut short by '#'

    @property
    def digest(self) -> str:
        """What makes two schedulings the same newsletter: SHA-256 (hex) of what the
        organizer wrote for members to read (subject, preheader, greeting, text), never of
        its rendering, which changes with every setting (web.base_url, sender, imprint,
        templates, salutation, series name). `send_at` is left out: the same letter at
        another moment is still the letter members already have."""
        written = [self.subject, self.preheader, self.greeting, self.body]
        return hashlib.sha256(json.dumps(written, ensure_ascii=False).encode()).hexdigest()


def read_draft(path: Path, plan: Plan) -> Draft:
    """The newsletter in `path`; PlanError (`FILE:LINE: ...`) for any mistake in it."""
    return parse_draft(read_source(path), path.name, plan)


def parse_draft(text: str, source: str, plan: Plan) -> Draft:
    reader = Reader(source)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise reader.fail(
            1,
            "a newsletter starts with its front matter: a line '---', then 'subject: ...',"
            " then '---', then the text in Markdown",
        )
    end = next((n for n in range(1, len(lines)) if lines[n].strip() in (FENCE, "...")), None)
    if end is None:
        raise reader.fail(1, "the front matter opened here is never closed with a line '---'")
    written = [line for line in lines[1:end] if line.strip() and not line.lstrip().startswith("#")]
    if not written:
        raise reader.fail(1, "the front matter needs 'subject: ...'")
    try:
        # Parsed with a blank first line, so YAML's line numbers are the file's.
        front = reader.parse("\n" + "\n".join(lines[1:end]) + "\n")
    except PlanError as error:
        if error.problem.startswith("the file"):  # words for schedule.yaml, not for this
            raise reader.fail(
                error.line, "the front matter must be lines of 'key: value'"
            ) from None
        raise
    reader.mapping(front, "the front matter", KEYS)
    subject_node = front.get("subject")
    if subject_node is None or (isinstance(subject_node, Scalar) and subject_node.is_null):
        raise reader.fail(front.line, "the front matter needs 'subject: ...'")
    subject = reader.text(subject_node, "subject", prose=True)
    if not subject:
        raise reader.fail(subject_node.line, "subject: is empty")
    send_at = None
    if (node := front.get("send_at")) is not None and not reader.scalar(node, "send_at").is_null:
        send_at = _moment(reader, reader.scalar(node, "send_at"), plan)
    preheader = None
    if (node := front.get("preheader")) is not None and not reader.scalar(
        node, "preheader"
    ).is_null:
        preheader = reader.text(node, "preheader", prose=True) or None
    greeting = True
    if (node := front.get("greeting")) is not None:
        greeting = reader.boolean(node, "greeting")
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise reader.fail(end + 2, "there is no text after the front matter")
    return Draft(source, subject, body, send_at, preheader, greeting, tuple(reader.warnings))


def _moment(reader: Reader, scalar: Scalar, plan: Plan) -> datetime:
    try:
        moment = datetime.fromisoformat(scalar.text.strip())
    except ValueError:
        moment = None
    if moment is None or len(scalar.text.strip()) <= len("2023-09-20"):
        raise reader.fail(
            scalar.line,
            f"send_at must be a moment like 2023-09-20T10:00 (date and time), not '{scalar.text}'",
        )
    if not within_years(moment.year):
        raise reader.fail(
            scalar.line,
            f"send_at: {scalar.text.strip()} is not between the years {YEARS[0]} and {YEARS[1]}",
        )
    return plan.local(moment)
