"""What every command shares: the App handed down by click, and errors turned into sentences."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from mailer.app import App


class UserError(click.ClickException):
    """Shown as the bare sentence: `schedule.yaml:12: ...`, not `Error: ...`."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class MailerGroup(click.Group):
    """Translates once, at the edge: a MailerError becomes its sentence and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from mailer.errors import MailerError

        try:
            return super().invoke(ctx)
        except MailerError as error:
            raise UserError(str(error)) from None
        except sqlite3.Error as error:
            from mailer.store import database_problem

            raise UserError(f"{ctx.obj.workspace.db}: {database_problem(error)}") from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise UserError(f"{where}{error.strerror or error}") from None


pass_app = click.make_pass_decorator(App)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# A cell: plain text, (text, rich style), or a list of those. Text from users and servers
# is never markup: a topic "Wärme [/Strom]" or an answer "[bold]" is shown as written.
Piece = str | tuple[str, str]
Cell = Piece | list[Piece]


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def text(cell: Cell) -> Text:
        return Text.assemble(*(cell if isinstance(cell, list) else [cell]))

    table = Table(title=Text(title))
    for column in columns:
        table.add_column(Text(column))
    for row in rows:
        table.add_row(*(text(cell) for cell in row))
    Console().print(table)


def consent_time(app: App, moment: datetime | None) -> datetime:
    """The moment a subscriber change is recorded: the real clock unless --now is given."""
    if moment is None:
        return datetime.now(UTC)
    return app.now(moment)
