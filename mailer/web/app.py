"""The Flask application of `mailer serve`: configuration, security headers, throttles,
error pages. Nothing here knows a page; members.py and the admin package do.

Safety, in one place:
- Content-Security-Policy with no script at all, and no framing (frame-ancestors, and
  X-Frame-Options for older browsers); Referrer-Policy same-origin (Flask-WTF's CSRF
  check on https compares the Referer with the host, so it must reach us, and nobody else).
- Requests are at most MAX_REQUEST_BYTES; a form of a few fields needs less. Only an
  organizer's upload of a member list may be larger (LARGER_REQUESTS).
- The session cookie (only the organizer's login and CSRF tokens need one) is HttpOnly,
  SameSite=Lax, and Secure when the public address is https.
- No visitor ever sees a stack trace: every error is a German page with its status.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from mailer.app import App
from mailer.errors import MailerError
from mailer.plan import Plan
from mailer.store import stored_secret
from mailer.web import pages, paths
from mailer.web.uploads import Shelf

MAX_REQUEST_BYTES = 64 * 1024
# The routes that take more, for a logged-in organizer only: (the whole request, what the
# multipart parser may buffer; werkzeug reads in 64 KiB chunks). A member list of 100,000
# rows is about 7 MB (bench/admin_members.py); a few thousand fit many times over.
LARGER_REQUESTS = {"admin.member_files.upload": (8 * 1024 * 1024, 256 * 1024)}
ADMIN_SESSION = timedelta(hours=8)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)
# The web version of a mail is the mail's own HTML: its CSS is inline, as mail needs, and
# a newsletter or recap may show the organizer's pictures from elsewhere (https only).
CSP_LETTER = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:;"
    " form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)

# Throttles, per client address unless said otherwise (Flask-Limiter, in memory: one
# waitress process). A sign-up is also limited per typed address (counting only the
# sign-ups taken, see members.signup_taken), and the outbox sends an address at most one
# confirmation a day whatever the throttles let through.
SIGNUP_LIMITS = "5 per minute;20 per hour"
SIGNUP_ADDRESS_LIMIT = "3 per day"
LOGIN_LIMITS = "5 per minute;20 per hour"
log = logging.getLogger("mailer.web")


@dataclass(frozen=True)
class PlanReading:
    """schedule.yaml as last read: the file's (mtime, size), and either its plan or the
    sentence that says why it cannot be read."""

    stamp: tuple[int, int] | None
    plan: Plan | None
    problem: str | None


class Door:
    """What the pages share: mailer's App, the clock, the admin password, and the plan as
    the file says it now (read_plan) and as it last could be read (last_plan)."""

    def __init__(self, app: App, clock: Callable[[], datetime], admin_password: str | None):
        self.app = app
        self.clock = clock
        self.admin_password = admin_password
        self.last_plan: Plan | None = None  # the last one that could be read
        self._reading = PlanReading(None, None, None)
        self.read_plan()
        self.uploads = Shelf()  # member lists between their preview and their import

    def read_plan(self) -> PlanReading:
        """schedule.yaml, read again whenever it changed on disk (the organizer edits it
        while the server runs); a file that cannot be read is a PlanReading with the
        file's sentence, logged once, never an exception."""
        try:
            info = self.app.workspace.config.stat()
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        reading = self._reading
        if stamp == reading.stamp and (reading.plan or reading.problem):
            return reading  # unchanged (a missing file stays missing: no new read)
        self.app.reload()
        try:
            plan = self.app.plan()
        except MailerError as problem:
            log.error("%s", problem)  # the organizer's sentence, in the log too
            reading = PlanReading(stamp, None, str(problem))
        else:
            self.last_plan = plan
            reading = PlanReading(stamp, plan, None)
        self._reading = reading  # one assignment: another thread sees the old or the new
        return reading

    def admin_open(self) -> bool:
        """Whether anyone could log in to /admin: the environment's password, or an
        organizer's account (`mailer admin add NAME`)."""
        if self.admin_password is not None:
            return True
        from mailer import accounts

        with self.app.store() as store:
            return accounts.any_organizer(store.conn)

    def secure_cookies(self) -> bool:
        """The session cookie is Secure when the public address is https (and, while no
        plan could be read yet, when this request came over https)."""
        shown = self.read_plan().plan or self.last_plan
        if shown is None or shown.web.base_url is None:
            return request.is_secure
        return shown.web.base_url.startswith("https://")


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure as the door decides it per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return app.extensions["mailer"].secure_cookies()


def create_app(
    app: App,
    *,
    clock: Callable[[], datetime] | None = None,
    admin_password: str | None = None,
    throttle: bool = True,
) -> Flask:
    """The web application on `app`'s plan and database. `admin_password` is the one from
    the environment (`mailer serve` passes MAILER_ADMIN_PASSWORD); None closes /admin.

    A plan without web.base_url is refused (MailerError: the pages would not know their
    own address). A plan that cannot be read at all does not stop the server: /admin
    opens with the file's sentence, and the members' pages answer 503 until it is fixed.
    """
    door = Door(app, clock or (lambda: datetime.now(UTC)), admin_password)
    if door.last_plan is not None and door.last_plan.web.base_url is None:
        raise MailerError(
            f"{app.workspace.config.name}: set web.base_url (the public https:// address of"
            " these pages) before `mailer serve`; see the README"
        )
    with app.store() as store:
        secret = stored_secret(store.conn, "web")
    web = Flask(__name__, static_folder="static", template_folder="templates")
    web.extensions["mailer"] = door
    web.session_interface = SessionCookies()
    web.config.update(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_REQUEST_BYTES,
        SESSION_COOKIE_NAME="mailer_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=ADMIN_SESSION,
        WTF_CSRF_TIME_LIMIT=None,  # as long as the session: a form left open all day still works
        RATELIMIT_ENABLED=throttle,
        JSON_AS_ASCII=False,
    )
    web.jinja_env.filters["code_spans"] = pages.code_spans
    web.teardown_appcontext(pages.close_store)
    web.url_map.converters.update(paths.CONVERTERS)

    from mailer.web import admin, members
    from mailer.web.admin import gate

    web.register_blueprint(members.blueprint)
    web.register_blueprint(members.token_pages)
    web.register_blueprint(admin.blueprint, url_prefix="/admin")

    @web.before_request
    def request_limit() -> None:
        """Before anything reads the body (the CSRF check below reads the form): the
        larger limit of LARGER_REQUESTS, for a logged-in organizer (the gate checks the
        login fully; without one, the request stays small)."""
        larger = LARGER_REQUESTS.get(request.endpoint or "")
        if larger is not None and session.get("organizer"):
            request.max_content_length, request.max_form_memory_size = larger

    csrf = CSRFProtect(web)
    # The links in a mail carry the member's secret: a forged form cannot know it, and a
    # one-click unsubscribe (RFC 8058) comes with no cookie and no token by design.
    csrf.exempt(members.token_pages)
    limiter = Limiter(
        get_remote_address, app=web, storage_uri="memory://", enabled=throttle,
        headers_enabled=False,
    )  # fmt: skip
    web.extensions["mailer"].limiter = limiter  # Flask-Limiter keeps only a weak reference
    views = web.view_functions
    # Only a sign-up that was taken counts toward its address's limit (tested before the
    # view, deducted after it): a bot's post (honeypot, too fast, a forged or replayed
    # form) and a duplicate that changed nothing must not lock the person out.
    per_address = limiter.limit(
        SIGNUP_ADDRESS_LIMIT,
        methods=["POST"],
        key_func=members.typed_address,
        deduct_when=members.signup_taken,
    )
    views["members.index"] = limiter.limit(SIGNUP_LIMITS, methods=["POST"])(
        per_address(views["members.index"])
    )
    views["admin.login"] = limiter.limit(LOGIN_LIMITS, methods=["POST"])(views["admin.login"])

    @web.context_processor
    def common() -> dict:
        shown = pages.shown_plan()  # a broken schedule.yaml: the last one that could be read
        return {
            "series": shown.series if shown else {"name": "mailer"},
            "formal": pages.formal(),
        }

    @web.after_request
    def security_headers(response):
        letter = request.endpoint in ("members.letter", "members.newsletter")
        response.headers.setdefault("Content-Security-Policy", CSP_LETTER if letter else CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "admin" in request.blueprints or request.method == "POST":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @web.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return pages.message(
            "Formular abgelaufen",
            "Das Formular war zu lange offen oder kam nicht von dieser Seite. "
            + pages.say(
                "Bitte laden Sie die Seite neu und senden Sie es noch einmal.",
                "Bitte lade die Seite neu und sende es noch einmal.",
            ),
            status=400,
        )

    @web.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            404: ("Nicht gefunden", "Diese Seite gibt es nicht."),
            405: ("Nicht erlaubt", "So lässt sich diese Seite nicht aufrufen."),
            413: ("Zu groß", "Diese Anfrage ist zu groß."),
            429: (
                "Zu viele Versuche",
                pages.say(
                    "Bitte warten Sie etwas und versuchen Sie es dann noch einmal.",
                    "Bitte warte etwas und versuche es dann noch einmal.",
                ),
            ),
        }
        title, text = titles.get(error.code or 500, ("Fehler", "Die Anfrage ging nicht."))
        return pages.message(title, text, status=error.code or 500)

    @web.errorhandler(MailerError)
    def mailer_error(error: MailerError):
        log.error("%s", error)  # the organizer's sentence goes to the log, not to a visitor
        if "admin" in request.blueprints and gate.passed():
            # Behind the gate the organizer reads it: a German lead, then mailer's sentence.
            lead = "Das ging gerade nicht:"
            if isinstance(error, pages.PlanUnreadable):
                lead = error.problem.lead
            return pages.message("Gerade nicht möglich", lead, detail=str(error), status=503)
        return pages.message(
            "Gerade nicht verfügbar",  # in no register: with no plan read, it is not known
            "Die Seite ist gerade nicht verfügbar. Bitte später noch einmal versuchen.",
            status=503,
        )

    @web.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return pages.message(
            "Fehler",
            "Da ist etwas schiefgegangen. Bitte später noch einmal versuchen.",
            status=500,
        )

    return web


def admin_password_from_environment() -> str | None:
    """MAILER_ADMIN_PASSWORD, the only place it comes from; empty counts as unset."""
    return os.environ.get("MAILER_ADMIN_PASSWORD") or None
