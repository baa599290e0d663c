"""What every command shares: the App (paths, plan, store, transport) and error handling."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from mailer.plan import Plan
    from mailer.store import Store
    from mailer.workspace import Workspace


class UserError(click.ClickException):
    """Shown as the bare sentence: `schedule.yaml:12: ...`, not `Error: ...`."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class MailerGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from mailer.errors import MailerError

        try:
            return super().invoke(ctx)
        except MailerError as error:
            raise UserError(str(error)) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as error:
            if error.filename:
                raise UserError(f"{error.filename}: {error.strerror}") from None
            raise


class App:
    """What every command shares: where the files are, and how to open them."""

    def __init__(self, config: Path, db: Path):
        from mailer.workspace import Workspace

        self.workspace: Workspace = Workspace(config, db)
        self._plan: Plan | None = None

    def use(self, config: Path | None = None, db: Path | None = None) -> None:
        """Point at another plan or database (a command's own --config / --db)."""
        from mailer.workspace import Workspace

        self.workspace = Workspace(config or self.workspace.config, db or self.workspace.db)
        self._plan = None

    def reload(self) -> None:
        """Read schedule.yaml again at the next use (the daemon does so every pass)."""
        self._plan = None

    def plan(self) -> Plan:
        from mailer.planfile import load_plan

        if self._plan is None:
            self._plan = load_plan(self.workspace.config)
        return self._plan

    def store(self) -> Store:
        from mailer.store import Store

        return Store(self.workspace.db)

    def now(self, value: str | None) -> datetime:
        plan = self.plan()
        if value is None:
            return datetime.now(plan.timezone)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise UserError(
                f"--now: '{value}' is not an ISO 8601 moment like 2023-08-20T10:00"
            ) from None
        return plan.local(moment)

    def renderer(self, now: datetime):
        from mailer.render import Renderer

        return Renderer(self.plan(), self.workspace.templates, now)

    def transport(self):
        from mailer.smtp import MaildirTransport, SmtpTransport
        from mailer.workspace import server_address

        plan = self.plan()
        server = server_address("smtp", plan, os.environ)
        if server is None:
            return MaildirTransport(self.workspace.outbox)
        return SmtpTransport(server, rate_per_minute=plan.smtp.rate_per_minute)


pass_app = click.make_pass_decorator(App)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def consent_time(app: App, text: str | None) -> datetime:
    """The moment a subscriber change is recorded: the real clock unless --now is given."""
    if text is None:
        from datetime import UTC

        return datetime.now(UTC)
    return app.now(text)
