"""Where things are and which servers to use: read once, at the edge, and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mailer.errors import MailerError
from mailer.plan import Plan


@dataclass(frozen=True)
class Workspace:
    """The organizer's working directory, found from --config and --db."""

    config: Path
    db: Path

    @property
    def root(self) -> Path:
        return self.config.parent

    @property
    def templates(self) -> Path:
        return self.root / "templates" / "email"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def previews(self) -> Path:
        return self.root / "preview"


@dataclass(frozen=True)
class ServerAddress:
    """A parsed smtp://, smtp+starttls://, smtps://, imap://, imap+starttls:// or imaps:// URL."""

    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None
    path: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def implicit_tls(self) -> bool:
        return self.scheme in ("smtps", "imaps")

    @property
    def starttls(self) -> bool:
        return self.scheme.endswith("+starttls")

    @property
    def cleartext_login(self) -> str | None:
        """A warning when a password would cross a network unencrypted: a login over plain
        smtp:// or imap:// to a host that is not this machine."""
        if not self.user or self.implicit_tls or self.starttls or _is_this_machine(self.host):
            return None
        kind = "SMTP" if self.scheme.startswith("smtp") else "IMAP"
        return (
            f"MAILER_{kind}_URL: the password for '{self.user}' would travel unencrypted to"
            f" {self.where}; use {self.scheme}s:// or {self.scheme}+starttls://"
        )


DEFAULT_PORTS = {
    "smtp": 25,
    "smtp+starttls": 587,
    "smtps": 465,
    "imap": 143,
    "imap+starttls": 143,
    "imaps": 993,
}


def server_address(
    kind: str, plan: Plan, environ: os._Environ[str] | dict[str, str]
) -> ServerAddress | None:
    """The server for `kind` (smtp or imap): the environment wins over schedule.yaml."""
    variable = f"MAILER_{kind.upper()}_URL"
    settings = plan.smtp if kind == "smtp" else plan.imap
    url = environ.get(variable) or settings.url
    if not url:
        return None
    where = variable if environ.get(variable) else f"schedule.yaml {kind}.url"
    schemes = [s for s in DEFAULT_PORTS if s.startswith(kind)]
    shape = f"must look like {kind}://host:port ({', '.join(schemes)})"
    try:
        parts = urlsplit(url)
    except ValueError:
        raise MailerError(f"{where}: '{redacted(url)}' {shape}") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise MailerError(f"{where}: '{redacted(url)}' {shape}")
    if parts.password:
        raise MailerError(
            f"{where}: put the password in MAILER_{kind.upper()}_PASSWORD, not in the URL"
        )
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise MailerError(f"{where}: '{redacted(url)}' has a port that is not a number") from None
    return ServerAddress(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=environ.get(f"MAILER_{kind.upper()}_PASSWORD"),
        path=unquote(parts.path.lstrip("/")),
    )


def _is_this_machine(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_warnings(plan: Plan, environ: os._Environ[str] | dict[str, str]) -> list[str]:
    """What `check` and every run say about how the servers are reached."""
    servers = (server_address(kind, plan, environ) for kind in ("smtp", "imap"))
    return [s.cleartext_login for s in servers if s is not None and s.cleartext_login]


def redacted(url: str) -> str:
    """The URL as it may be shown: a password in it (user:password@) replaced by ***.

    Made by hand, not by urlsplit, because it must also work on a URL too broken to parse.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, at, host = rest[:end].rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    return f"{scheme}{separator}{userinfo}{at}{host}{rest[end:]}"
