"""`mailer serve`: the web door (see mailer/web), served by waitress."""

from __future__ import annotations

import logging

import click

from mailer.app import App
from mailer.commands.common import pass_app
from mailer.commands.values import Count
from mailer.errors import MailerError

DEFAULT_LISTEN = "127.0.0.1:8080"
_CLOSED = (
    "/admin closed: no organizer account (`mailer admin add NAME`) and no MAILER_ADMIN_PASSWORD"
)
# waitress takes the client's address and scheme from these headers, and only when the
# connection comes from the trusted proxy (the reverse proxy with TLS in front of us).
PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port"}


def listen_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:8080`) -> (host, port); one sentence if it is not."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    # ASCII digits only: "²" is a digit to isdigit(), and int() refuses it.
    if not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise MailerError(f"--listen: '{text}' is not HOST:PORT, like {DEFAULT_LISTEN}")
    return host, int(port)


@click.command()
@click.option(
    "--listen", default=DEFAULT_LISTEN, show_default=True, metavar="HOST:PORT",
    help="Where to accept connections (put a reverse proxy with TLS in front).",
)  # fmt: skip
@click.option(
    "--trusted-proxy", default="127.0.0.1", show_default=True, metavar="ADDRESS",
    help="The reverse proxy whose X-Forwarded-For/-Proto are believed ('' for none).",
)  # fmt: skip
@click.option(
    "--threads", default=8, show_default=True, help="Requests served at once.",
    type=Count(1, 256, "a number of threads from 1 to 256"),
)  # fmt: skip
@pass_app
def serve(app: App, listen: str, trusted_proxy: str, threads: int) -> None:
    """The web pages: sign-up, confirmation, unsubscribe, answers, and /admin."""
    from waitress import serve as waitress_serve

    from mailer.planfile import web_warnings
    from mailer.web.app import admin_password_from_environment, create_app

    host, port = listen_address(listen)
    password = admin_password_from_environment()
    web = create_app(app, admin_password=password)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    door = web.extensions["mailer"]
    reading = door.read_plan()
    if reading.plan is None:
        click.echo(
            f"warning: {reading.problem}: until it is fixed, /admin shows this sentence and"
            " the members' pages answer 503",
            err=True,
        )
    else:
        for warning in web_warnings(reading.plan, app.workspace.root):
            where = f"{app.workspace.config.name}:{warning.line}: " if warning.line else ""
            click.echo(f"{where}warning: {warning.message}", err=True)
    address = reading.plan.web.base_url if reading.plan else "the pages"
    click.echo(
        f"serving {address} on http://{listen}"
        f" ({'/admin open' if door.admin_open() else _CLOSED});"
        " stop with Ctrl-C",
        err=True,
    )
    options = {}
    if trusted_proxy:
        options = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": PROXY_HEADERS,
            "clear_untrusted_proxy_headers": True,
        }
    try:
        waitress_serve(web, host=host, port=port, threads=threads, ident="mailer", **options)
    except OSError as error:
        raise MailerError(f"--listen {listen}: cannot listen there ({error.strerror})") from None
