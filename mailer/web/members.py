"""The members' pages: sign up, confirm, answer, leave, and what anyone may read.

Only a POST changes anything. The security gateways of town halls and mail scanners
(Microsoft's Safe Links and others) fetch every link in a mail before the member sees
it, with GET, HEAD or OPTIONS. Each link of a mail opens a page with a button, and the
button's POST acts; every other method gets the page (HEAD: its headers; OPTIONS:
Flask's answer, without the view). RFC 9110 9.2.1: GET, HEAD and OPTIONS are "safe",
and a server must not let them act. The one exception to "a button first" is the
one-click unsubscribe of RFC 8058, which is a POST already.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, Signer
from markupsafe import Markup

from mailer import german, optin, richtext, rsvps
from mailer import privacy as privacy_statement
from mailer.consent import ACTIVE, Act
from mailer.errors import MailerError
from mailer.members import clean_text, normalize_address
from mailer.outbound import newsletters
from mailer.outbound.outbox import SENT
from mailer.outbound.queueing import published_versions
from mailer.render import ONE_CLICK, Renderer
from mailer.salutation import Person
from mailer.store import Subscriber, schema_columns, stamp
from mailer.web import pages
from mailer.web.forms import SignUpForm

blueprint = Blueprint("members", __name__)
# The pages a mail links to: the member's secret is in the URL (see app.py on CSRF).
token_pages = Blueprint("member_links", __name__)

FASTEST_HUMAN = timedelta(seconds=3)  # a sign-up sent sooner after the page came is a bot's
FORM_VALID = timedelta(days=1)
AHEAD_DAYS = 120
ARCHIVE_DAYS = 3 * 366
ANSWERS = {"ja": rsvps.ACCEPTED, "nein": rsvps.DECLINED}
SESSION_KINDS = ("announcement", "reminder", "update", "cancellation", "recap")


def typed_address() -> str:
    """The throttle's key for "per address": the address as typed, folded."""
    return "address:" + (request.form.get("email") or "").strip().lower()


def signup_taken(_response: Response) -> bool:
    """Whether this request's sign-up was taken: it made or changed a member, or queued
    a confirmation (optin.sign_up). Only those count toward the address's limit."""
    return bool(g.get("signup_taken"))


# -- sign-up ----------------------------------------------------------------------------


@blueprint.route("/", methods=["GET", "POST"])
def index():
    form = SignUpForm()
    moment = pages.now()
    if request.method == "POST" and form.validate_on_submit():
        problem = _signup_problem(form, moment)
        if problem is None:
            _sign_up(form, moment)
        if problem in (None, "bot"):
            # The same page for every address: whether it was known is nobody's business.
            return pages.message(
                "Fast geschafft",
                f"Wir haben eine Mail an {form.email.data.strip()} geschickt (oder schicken sie"
                " gleich). "
                + pages.say("Bitte bestätigen Sie", "Bitte bestätige")
                + f" die Anmeldung mit dem Link darin; er gilt {optin.CONFIRM_DAYS} Tage.",
                "Keine Mail bekommen? "
                + pages.say(
                    "Schauen Sie auch im Spam-Ordner nach.", "Schau auch im Spam-Ordner nach."
                ),
            )
        form.email.errors = [*form.email.errors, problem]
    form.shown.data = _signed_moment(moment)
    form.website.data = ""
    return _front_page(form, moment)


def _front_page(form: SignUpForm, moment: datetime):
    plan = pages.plan()
    ahead = [
        _session_view(session.public)
        for session in plan.sessions_from(moment, AHEAD_DAYS)
        if not session.cancelled
    ]
    status = 400 if form.errors else 200
    return render_template("index.html", form=form, sessions=ahead), status


def _signup_problem(form: SignUpForm, moment: datetime) -> str | None:
    """None for a sign-up to take; "bot" for one to ignore without a word; or the
    sentence that tells a person what to correct."""
    if form.website.data:
        return "bot"
    try:
        shown = datetime.fromtimestamp(
            int(_signer().unsign(form.shown.data or "").decode()), moment.tzinfo
        )
    except (BadSignature, ValueError):
        return "bot"
    if moment - shown < FASTEST_HUMAN:
        return "bot"
    if moment - shown > FORM_VALID:
        return "Das Formular war zu lange offen. " + pages.say(
            "Bitte senden Sie es noch einmal.", "Bitte sende es noch einmal."
        )
    try:
        form.email.data = normalize_address(form.email.data or "")
    except MailerError:
        return "Das ist keine gültige E-Mail-Adresse."
    return None


def _sign_up(form: SignUpForm, moment: datetime) -> None:
    plan = pages.plan()
    try:
        person = Person(name=clean_text(form.name.data), org=clean_text(form.org.data))
    except MailerError:
        person = Person()
    signup = optin.SignUp(
        email=form.email.data,
        person=person,
        form=f"{plan.web.base_url}/",
        ip=optin.short_ip(pages.client_ip()),
    )
    g.signup_taken = optin.sign_up(
        pages.store(),
        signup,
        day=moment.date().isoformat(),
        list_id=plan.sender.list_id,
        now=moment,
    )


def _signer() -> Signer:
    return Signer(pages.store().secret("web"), salt="mailer.signup-form")


def _signed_moment(moment: datetime) -> str:
    return _signer().sign(str(int(moment.timestamp()))).decode()


# -- confirmation -----------------------------------------------------------------------


@token_pages.route("/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    moment = pages.now()
    try:
        subscriber_id = optin.read_confirmation(pages.store().secret("web"), token, moment)
    except optin.LinkExpired:
        return pages.message(
            "Link abgelaufen",
            f"Dieser Link galt {optin.CONFIRM_DAYS} Tage und ist abgelaufen. "
            + pages.say(
                "Bitte melden Sie sich einfach noch einmal an.",
                "Bitte melde dich einfach noch einmal an.",
            ),
            link=(url_for("members.index"), "Zur Anmeldung"),
            status=410,
        )
    except optin.LinkInvalid:
        abort(404)
    member = pages.store().subscriber_by_id(subscriber_id)
    if member is None:
        abort(404)
    if request.method != "POST":
        if member.status == ACTIVE:
            return _welcome(member)
        return pages.message(
            "Anmeldung bestätigen",
            pages.say("Bitte bestätigen Sie", "Bitte bestätige")
            + f", dass {member.email} die Einladungen zum {pages.plan().series.name}"
            " bekommen soll.",
            button=(request.path, "Anmeldung bestätigen", {}),
        )
    if optin.confirm(pages.store(), member.id, ip=_ip(), now=moment) is None:
        return pages.message(
            "Nicht mehr aktuell",
            "Diese Adresse hat sich inzwischen abgemeldet. Zum Wieder-Anmelden "
            + pages.say("nutzen Sie bitte das Formular.", "nutze bitte das Formular."),
            link=(url_for("members.index"), "Zur Anmeldung"),
        )
    return _welcome(member)


def _welcome(member: Subscriber):
    return pages.message(
        "Willkommen!",
        f"{member.email} ist jetzt im Verteiler des {pages.plan().series.name_genitive}."
        " Die nächste Einladung kommt per Mail.",
        link=(url_for("members.index"), "Zur Startseite"),
    )


# -- leaving and preferences ------------------------------------------------------------


@token_pages.route("/abmelden/<ref>", methods=["GET", "POST"])
def unsubscribe(ref: str):
    """GET: the choice ("only the invitations" before "nothing at all"). POST: leave;
    this is also the RFC 8058 one-click target: a POST with `List-Unsubscribe=One-Click`
    (form-encoded or multipart, or an empty body), no cookie, no token beyond the URL,
    answered 200 without a redirect."""
    member = _member(ref)
    if request.method != "POST":
        return render_template("unsubscribe.html", member=member, ref=ref)
    one_click = request.form.get("List-Unsubscribe") == ONE_CLICK.partition("=")[2]
    cause = "one-click unsubscribe (RFC 8058)" if one_click else "unsubscribed on the web page"
    pages.store().change(member.email, Act.UNSUBSCRIBE, cause, pages.now(), ip=_ip())
    return pages.message(
        "Abgemeldet",
        f"{member.email} bekommt keine Mails mehr.",  # no plan needed: leaving always works
        "Versehentlich abgemeldet? "
        + pages.say("Dann tragen Sie sich hier wieder ein:", "Dann trag dich hier wieder ein:"),
        button=(url_for("member_links.preferences", ref=ref), "Wieder eintragen",
                {"action": "resubscribe"}),
    )  # fmt: skip


@token_pages.route("/einstellungen/<ref>", methods=["GET", "POST"])
def preferences(ref: str):
    member = _member(ref)
    if request.method != "POST":
        return render_template("preferences.html", member=member, ref=ref, saved=False)
    action = request.form.get("action", "")
    store, moment = pages.store(), pages.now()
    if action in ("reminders-off", "reminders-on"):
        wanted = action == "reminders-on"
        cause = f"reminders {'on' if wanted else 'off'} (web settings)"
        store.set_reminders(member.id, wanted, cause, moment, _ip())
    elif action == "resubscribe":
        # The member's own yes: the link's secret came in a mail to them (mailer.consent).
        cause = "subscribed again on the web page after leaving (link from our mail)"
        if store.change(member.email, Act.REJOIN, cause, moment, ip=_ip()).refused:
            return pages.message(
                "Bitte neu anmelden",
                f"Mails an {member.email} kamen zuletzt nicht an. "
                + pages.say("Bitte melden Sie sich", "Bitte melde dich")
                + " über das Formular neu an: Die Bestätigungsmail zeigt, dass sie wieder"
                " ankommen.",
                link=(url_for("members.index"), "Zur Anmeldung"),
            )
    else:
        abort(400)
    member = store.subscriber_by_id(member.id)
    return render_template("preferences.html", member=member, ref=ref, saved=True)


def _ip() -> str | None:
    """The client's network for the consent log (optin.short_ip)."""
    return optin.short_ip(pages.client_ip())


def _member(ref: str) -> Subscriber:
    member = pages.store().member_by_ref(ref)
    if member is None:
        abort(404)
    return member


# -- answers ----------------------------------------------------------------------------


@token_pages.route("/zusage/<ref>/<day:session_key>/<answer>", methods=["GET", "POST"])
def rsvp(ref: str, session_key: str, answer: str):
    """ "Ich bin dabei / Ich kann nicht" from the announcement: the same answer a calendar
    reply gives, recorded with `via: web`."""
    member = _member(ref)
    if answer not in ANSWERS:
        abort(404)
    plan, moment = pages.plan(), pages.now()
    session = plan.session(session_key)  # the key is a date in the plan's years (paths.py)
    if session is None or session.key != session_key:
        abort(404)
    when = german.long_datetime(session.start)
    if session.cancelled or session.start <= moment:
        return pages.message(
            "Nicht mehr möglich",
            f"Der Termin am {when} ist {'abgesagt' if session.cancelled else 'vorbei'}.",
        )
    yes = ANSWERS[answer] == rsvps.ACCEPTED
    if request.method != "POST":
        return pages.message(
            "Zusage" if yes else "Absage",
            f"{plan.series.name} am {when}" + (f": {session.topic}" if session.topic else ""),
            button=(request.path, "Ja, ich bin dabei" if yes else "Nein, ich kann nicht", {}),
        )
    store = pages.store()
    with store.transaction():
        rsvps.record(
            store.conn,
            session_key=session.key,
            subscriber_id=member.id,
            answer=ANSWERS[answer],
            answered_at=stamp(moment),
            sequence=store.known_sequence(session.key, session.version),
            via=rsvps.WEB,
            now=stamp(moment),
        )
    return pages.message(
        "Danke!",
        pages.say("Schön, dass Sie dabei sind.", "Schön, dass du dabei bist.")
        if yes
        else "Schade – vielleicht beim nächsten Mal.",
        f"{plan.series.name} am {when}",
    )


# -- what anyone may read ---------------------------------------------------------------


@blueprint.route("/brief/<day:session_key>/<kind>")
def letter(session_key: str, kind: str):
    """The web version of a session mail that went out: no member's data in it."""
    if kind not in SESSION_KINDS:
        abort(404)
    plan = pages.plan()
    session = plan.session(session_key)  # the key is a date in the plan's years (paths.py)
    sent = (
        pages.store()
        .conn.execute(
            "SELECT min(sent_at) FROM outbox WHERE session_key = ? AND kind = ? AND status = ?",
            (session_key, kind, SENT),
        )
        .fetchone()[0]
    )
    if session is None or session.key != session_key or sent is None:
        abort(404)
    renderer = Renderer(plan, pages.templates(), datetime.fromisoformat(sent))
    return renderer.public_page(session, kind)


@blueprint.route("/archiv")
def archive():
    plan, moment = pages.plan(), pages.now()
    past = plan.sessions_between(moment.date() - timedelta(days=ARCHIVE_DAYS), moment.date())
    held = [
        _session_view(s.public) for s in reversed(past) if s.start <= moment and not s.cancelled
    ]
    letters = [
        {
            "id": item.id,
            "subject": item.subject,
            "when": german.long_date(
                pages.plan().local(datetime.fromisoformat(item.queued_at)).date()
            ),
        }
        for item in newsletters.published(pages.store().conn)
    ]
    return render_template("archive.html", sessions=held, newsletters=letters)


@blueprint.route("/rundbrief/<id:newsletter_id>")
def newsletter(newsletter_id: int):
    """The web version of a newsletter that went out: no member's data in it."""
    conn = pages.store().conn
    found = newsletters.get(conn, newsletter_id)
    if found is None or not found.published:
        abort(404)
    content = newsletters.content(conn, newsletter_id)
    assert content is not None
    return content.public_html


@blueprint.route("/kalender.ics")
def calendar_feed():
    from mailer.invite import feed

    plan, moment = pages.plan(), pages.now()
    sessions = plan.sessions_between(
        moment.date() - timedelta(days=92), moment.date() + timedelta(days=AHEAD_DAYS)
    )
    # Each version it shows is recorded, as the tick records what it mails: the next
    # change then gets a higher SEQUENCE, and calendars take it. This record is the one
    # write a GET makes, on a connection of its own (the request's is read-only): it
    # changes no member, no answer and no mail.
    with current_app.extensions["mailer"].app.store() as versions:
        listed = published_versions(versions, sessions, moment)
    body = feed(plan, listed, moment, public_url=f"{plan.web.base_url}/")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="kalender.ics"'},
    )


# -- the site's duties -------------------------------------------------------------------


@blueprint.route("/impressum")
def imprint():
    """The imprint (web.imprint; schedule.yaml's default is sender.imprint), as written."""
    return render_template("imprint.html", imprint=pages.plan().web.imprint or "")


@blueprint.route("/datenschutz")
def privacy():
    """The privacy statement (web.privacy, Markdown; see mailer.privacy)."""
    plan = pages.plan()
    root = current_app.extensions["mailer"].app.workspace.root
    text = privacy_statement.markdown(plan, root, schema_columns())
    return render_template("privacy.html", statement=Markup(richtext.to_html(text)))


def _session_view(session) -> dict:
    return {
        "when": german.long_datetime(session.start),
        "topic": session.topic,
        "guests": session.guests,
        "description": session.description,
        "key": session.key,
        "recap": Markup(richtext.to_html(session.recap)) if session.recap else None,
    }
