"""One rule for every change of a member's status (mailer.consent), through every path
that sets one: `subscribers add` (with and without a new consent), `subscribers import`,
`subscribers reactivate`, the /admin form (with and without its box) and its import, the
sign-up form, the sign-up with its confirmation, the member's own "Wieder eintragen", and
`inbox refile`; each from every status a member can have. After a withdrawal (an unsubscribe, a
complaint) only the member's own confirmation or the organizer's recorded new consent
makes them active, and no path's words hide that a withdrawal is in force."""

from __future__ import annotations

import io
import mailbox
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailer.consent import Act, complaint_cause
from mailer.store import Store
from tests.conftest import Mailer, person_mail
from tests.webtools import (
    BASE_URL,
    Clock,
    client,
    hidden_fields,
    link_in,
    log_in,
    sent_mails,
    sign_up,
    with_web,
)

ANNA = "anna@example.org"
BERLIN = ZoneInfo("Europe/Berlin")
JOINED = "2023-07-01T10:00"
LEFT = "2023-08-01T10:00"  # the withdrawal: a Tuesday
LEFT_DE = "Dienstag, 1. August 2023"
SIGNED = datetime(2023, 8, 2, 8, 0, tzinfo=UTC)  # a sign-up typed in, by anyone
NOW = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)  # when the path is taken


@dataclass
class World:
    mailer: Mailer
    clock: Clock
    web: object

    def status(self) -> str | None:
        with Store(self.mailer.db) as store:
            found = store.subscriber(ANNA)
        return found.status if found else None

    def run(self, *args: str) -> str:
        result = self.mailer(*args, ok=False)
        assert "Traceback" not in result.output
        return result.stdout + result.stderr

    def at(self, text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.fixture
def world(mailer: Mailer) -> World:
    with_web(mailer)
    clock = Clock(NOW)
    return World(mailer, clock, client(mailer, clock))


# -- the statuses before, each made the way it happens -----------------------------------


def active(w: World) -> None:
    w.mailer("subscribers", "add", ANNA, "--now", JOINED)


def unsubscribed(w: World) -> None:
    """Anna leaves with the one-click link of a mail."""
    active(w)
    w.clock.moment = w.at(LEFT)
    web_unsubscribe(w)
    w.clock.moment = NOW


def complaint(w: World) -> None:
    active(w)
    with Store(w.mailer.db) as store:  # as the poller files a feedback report about our mail
        store.change(ANNA, Act.COMPLAINT, complaint_cause("Feedback-Type: abuse"), w.at(LEFT))


def bounced(w: World) -> None:
    active(w)
    with Store(w.mailer.db) as store:  # as the poller files a hard bounce of our mail
        store.change(ANNA, Act.BOUNCE, "bounce 5.1.1 (no such user)", w.at(LEFT))


def signed_up(w: World) -> None:
    """Someone types Anna's address into the sign-up form; nobody confirms."""
    w.clock.moment = SIGNED
    assert "Fast geschafft" in sign_up(w.web, w.clock, ANNA).get_data(as_text=True)
    w.clock.moment = NOW


def pending_fresh(w: World) -> None:
    signed_up(w)


def pending_after_withdrawal(w: World) -> None:
    unsubscribed(w)
    signed_up(w)


BEFORE: dict[str, Callable[[World], None]] = {
    "active": active,
    "pending-after-withdrawal": pending_after_withdrawal,
    "pending-fresh": pending_fresh,
    "unsubscribed": unsubscribed,
    "bounced": bounced,
    "complaint": complaint,
}

# -- the paths ---------------------------------------------------------------------------


def cli_add(w: World) -> str:
    return w.run("subscribers", "add", ANNA)


def cli_add_new_consent(w: World) -> str:
    return w.run("subscribers", "add", ANNA, "--resubscribe", "--consent", "per Mail am 19.8.")


def cli_import(w: World) -> str:
    listing = w.mailer.root / "members.csv"
    listing.write_text(f"email\n{ANNA}\n", "utf-8")
    return w.run("subscribers", "import", str(listing))


def cli_reactivate(w: World) -> str:
    return w.run("subscribers", "reactivate", "--bounced-since", "2023-07-15T00:00")


def _admin_add(w: World, box: bool) -> str:
    log_in(w.web)
    fields = hidden_fields(w.web.get("/admin/mitglieder/neu").get_data(as_text=True))
    form = {**fields, "email": ANNA, "consent": "Visitenkarte beim Treffen"}
    if box:
        form["resubscribe"] = "y"
    answer = w.web.post("/admin/mitglieder/neu", data=form, follow_redirects=True)
    page = answer.get_data(as_text=True)
    return re.sub(r"<[^>]+>", " ", page)


def admin_import(w: World) -> str:
    """The upload in /admin: its preview, and its confirmation when it offers one."""
    log_in(w.web)
    fields = hidden_fields(w.web.get("/admin/mitglieder/import").get_data(as_text=True))
    upload = (io.BytesIO(f"email\n{ANNA}\n".encode()), "members.csv")
    preview = w.web.post("/admin/mitglieder/import", data={**fields, "upload": upload},
                         content_type="multipart/form-data").get_data(as_text=True)  # fmt: skip
    said = preview
    if "eintragen</button>" in preview:
        said += w.web.post("/admin/mitglieder/import/eintragen",
                           data=hidden_fields(preview)).get_data(as_text=True)  # fmt: skip
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said))


def admin_add(w: World) -> str:
    return _admin_add(w, box=False)


def admin_add_new_consent(w: World) -> str:
    return _admin_add(w, box=True)


def web_sign_up(w: World) -> str:
    return sign_up(w.web, w.clock, ANNA).get_data(as_text=True)


def web_sign_up_and_confirm(w: World) -> str:
    web_sign_up(w)
    moment = w.clock().astimezone(UTC).isoformat(timespec="seconds")
    w.mailer("tick", "--now", moment)
    sent = sent_mails(w.mailer.root) if (w.mailer.root / "outbox").is_dir() else []
    mails = [m for m in sent if "bestätige" in m["Subject"]]
    if not mails:
        return "(no confirmation mail)"
    link = link_in(mails[-1], rf"{re.escape(BASE_URL)}/bestaetigen/\S+")
    w.clock.wait(minutes=5)
    return w.web.post(link.removeprefix(BASE_URL)).get_data(as_text=True)


def rejoin(w: World) -> str:
    """ "Wieder eintragen" on the member's own page (the link's secret came in our mail)."""
    with Store(w.mailer.db) as store:
        ref = store.subscriber(ANNA).ref
    answer = w.web.post(f"/einstellungen/{ref}", data={"action": "resubscribe"})
    return f"{answer.status_code} {answer.get_data(as_text=True)}"


PATHS: dict[str, Callable[[World], str]] = {
    "cli-add": cli_add,
    "cli-add-new-consent": cli_add_new_consent,
    "cli-import": cli_import,
    "cli-reactivate": cli_reactivate,
    "admin-import": admin_import,
    "admin-add": admin_add,
    "admin-add-new-consent": admin_add_new_consent,
    "web-sign-up": web_sign_up,
    "web-sign-up-confirmed": web_sign_up_and_confirm,
    "rejoin": rejoin,
}

WITHDRAWN = "; add them again only with their new consent: mailer subscribers add"
NEW_CONSENT = "; their new consent is on record)"
PENDING_LEFT = "pending: unsubscribed on 2023-08-01, then signed up on the web, not confirmed"
ADMIN_REFUSED = ". Nur mit neuer Zustimmung wieder aufnehmen: Häkchen unten setzen."
CASES = {
    # path, status before: status after, words the organizer or the member reads
    ("cli-add", "active"): ("active", f"already active: {ANNA}"),
    ("cli-add", "pending-after-withdrawal"): ("pending", f"{ANNA}: {PENDING_LEFT}{WITHDRAWN}"),
    ("cli-add", "pending-fresh"): (
        "active", f"active: {ANNA} (was pending: signed up on the web, not confirmed)",
    ),
    ("cli-add", "unsubscribed"): ("unsubscribed", f"{ANNA}: unsubscribed on 2023-08-01{WITHDRAWN}"),
    ("cli-add", "bounced"): ("active", f"active again: {ANNA} (was bounced)"),
    ("cli-add", "complaint"): (
        "unsubscribed", f"{ANNA}: unsubscribed on 2023-08-01 by a complaint about a mail{WITHDRAWN}",
    ),
    ("cli-add-new-consent", "active"): ("active", f"already active: {ANNA}"),
    ("cli-add-new-consent", "pending-after-withdrawal"): (
        "active", f"active again: {ANNA} (was {PENDING_LEFT}{NEW_CONSENT}",
    ),
    ("cli-add-new-consent", "pending-fresh"): (
        "active", f"active: {ANNA} (was pending: signed up on the web, not confirmed)",
    ),
    ("cli-add-new-consent", "unsubscribed"): (
        "active", f"active again: {ANNA} (was unsubscribed on 2023-08-01{NEW_CONSENT}",
    ),
    ("cli-add-new-consent", "bounced"): ("active", f"active again: {ANNA} (was bounced)"),
    ("cli-add-new-consent", "complaint"): (
        "active",
        f"active again: {ANNA} (was unsubscribed on 2023-08-01 by a complaint about a mail"
        f"{NEW_CONSENT}",
    ),
    ("cli-import", "active"): ("active", "imported 0, already on the list 1, bad rows 0"),
    ("cli-import", "pending-after-withdrawal"): (
        "pending", f"members.csv:2: {ANNA}: {PENDING_LEFT}{WITHDRAWN}",
    ),
    ("cli-import", "pending-fresh"): ("pending", "imported 0, already on the list 1, bad rows 0"),
    ("cli-import", "unsubscribed"): (
        "unsubscribed", "imported 0, already on the list 0, left out after a withdrawal 1",
    ),
    ("cli-import", "bounced"): ("bounced", "imported 0, already on the list 1, bad rows 0"),
    ("cli-import", "complaint"): (
        "unsubscribed", f"members.csv:2: {ANNA}: unsubscribed on 2023-08-01 by a complaint",
    ),
    ("cli-reactivate", "active"): ("active", "reactivated 0"),
    ("cli-reactivate", "pending-after-withdrawal"): ("pending", "reactivated 0"),
    ("cli-reactivate", "pending-fresh"): ("pending", "reactivated 0"),
    ("cli-reactivate", "unsubscribed"): ("unsubscribed", "reactivated 0"),
    ("cli-reactivate", "bounced"): ("active", f"reactivated 1: {ANNA}"),
    ("cli-reactivate", "complaint"): ("unsubscribed", "reactivated 0"),
    ("admin-import", "active"): ("active", "0 neu, 1 schon da, 0 fehlerhafte Zeilen"),
    ("admin-import", "pending-after-withdrawal"): (
        "pending",
        f"Zeile 2: {ANNA}: abgemeldet am {LEFT_DE}, eine neue Anmeldung nicht bestätigt. Nur mit"
        " neuer Zustimmung wieder aufnehmen",
    ),
    ("admin-import", "pending-fresh"): ("pending", "0 neu, 1 schon da, 0 fehlerhafte Zeilen"),
    ("admin-import", "unsubscribed"): (
        "unsubscribed", "0 neu, 0 schon da, 1 nach Abmeldung ausgelassen, 0 fehlerhafte Zeilen",
    ),
    ("admin-import", "bounced"): ("bounced", "0 neu, 1 schon da, 0 fehlerhafte Zeilen"),
    ("admin-import", "complaint"): (
        "unsubscribed", f"Zeile 2: {ANNA}: Mail als Spam gemeldet am {LEFT_DE}. Nur mit neuer",
    ),
    ("admin-add", "active"): ("active", f"{ANNA} ist bereits im Verteiler."),
    ("admin-add", "pending-after-withdrawal"): (
        "pending",
        f"{ANNA}: abgemeldet am {LEFT_DE}, eine neue Anmeldung nicht bestätigt{ADMIN_REFUSED}",
    ),
    ("admin-add", "pending-fresh"): (
        "active", f"{ANNA} ist jetzt im Verteiler (vorher: Anmeldung nicht bestätigt).",
    ),
    ("admin-add", "unsubscribed"): ("unsubscribed", f"{ANNA}: abgemeldet am {LEFT_DE}{ADMIN_REFUSED}"),
    ("admin-add", "bounced"): ("active", f"{ANNA} ist wieder im Verteiler (vorher: unzustellbar)."),
    ("admin-add", "complaint"): (
        "unsubscribed", f"{ANNA}: Mail als Spam gemeldet am {LEFT_DE}{ADMIN_REFUSED}",
    ),
    ("admin-add-new-consent", "active"): ("active", f"{ANNA} ist bereits im Verteiler."),
    ("admin-add-new-consent", "pending-after-withdrawal"): (
        "active",
        f"{ANNA} ist wieder im Verteiler (vorher: abgemeldet am {LEFT_DE}, eine neue Anmeldung"
        " nicht bestätigt).",
    ),
    ("admin-add-new-consent", "pending-fresh"): (
        "active", f"{ANNA} ist jetzt im Verteiler (vorher: Anmeldung nicht bestätigt).",
    ),
    ("admin-add-new-consent", "unsubscribed"): (
        "active", f"{ANNA} ist wieder im Verteiler (vorher: abgemeldet am {LEFT_DE}).",
    ),
    ("admin-add-new-consent", "bounced"): (
        "active", f"{ANNA} ist wieder im Verteiler (vorher: unzustellbar).",
    ),
    ("admin-add-new-consent", "complaint"): (
        "active", f"{ANNA} ist wieder im Verteiler (vorher: Mail als Spam gemeldet am {LEFT_DE}).",
    ),
    # The sign-up answers the same whatever the address's state; it is no consent yet.
    **{("web-sign-up", before): ("active" if before == "active" else "pending", "Fast geschafft")
       for before in BEFORE},
    # The member's own confirmation is a new consent, after any status.
    **{("web-sign-up-confirmed", before): ("active", "Willkommen!") for before in BEFORE},
    ("web-sign-up-confirmed", "active"): ("active", "(no confirmation mail)"),
    # So is their own "Wieder eintragen"; only a mailbox that bounced must confirm anew.
    **{("rejoin", before): ("active", "200") for before in BEFORE},
    ("rejoin", "bounced"): ("bounced", "Bitte neu anmelden"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "before"), list(CASES), ids=[f"{path}-from-{before}" for path, before in CASES]
)
def test_every_path_from_every_status_follows_the_one_rule(
    world: World, path: str, before: str
) -> None:
    status, words = CASES[path, before]
    BEFORE[before](world)
    said = PATHS[path](world)
    assert words in said
    assert world.status() == status
    assert "was pending)" not in said  # never "active again (was pending)"
    if before == "pending-after-withdrawal" and status == "pending":
        # and still withdrawn: the plain add after it is refused too
        assert WITHDRAWN in world.run("subscribers", "add", ANNA)
        assert world.status() == "pending"


def test_the_table_has_every_path_from_every_status() -> None:
    assert set(CASES) == {(path, before) for path in PATHS for before in BEFORE}


# -- refiling: a misread request to leave, put right ------------------------------------

MISREAD = person_mail(ANNA, "Re: Digital-Impuls", "Ich möchte mich abmelden.")


def misread(w: World) -> None:
    """Anna's mail, read as a request to leave (the organizer will see it was an idea)."""
    mailbox.Maildir(w.mailer.root / "inbox", create=True).add(MISREAD.as_bytes())
    w.mailer("poll", "--now", "2023-08-10T10:00")


def web_unsubscribe(w: World) -> None:
    with Store(w.mailer.db) as store:
        ref = store.subscriber(ANNA).ref
    w.web.post(f"/abmelden/{ref}", data={"List-Unsubscribe": "One-Click"})


def complained(w: World) -> None:
    with Store(w.mailer.db) as store:
        store.change(ANNA, Act.COMPLAINT, complaint_cause("Feedback-Type: abuse"), w.at(LEFT))


def added_again(w: World) -> None:
    w.mailer("subscribers", "add", ANNA, "--resubscribe", "--consent", "am Telefon")


def nothing(w: World) -> None:
    pass


REFILES = {
    # status before the misread mail, what happened after it: status after the refile, words
    ("active", "nothing"): ("active", f"{ANNA} active again"),
    ("pending-fresh", "nothing"): ("pending", f"{ANNA} pending again"),
    ("pending-after-withdrawal", "nothing"): ("pending", f"{ANNA} pending again"),
    ("unsubscribed", "nothing"): ("unsubscribed", "unsubscribe -> suggestion; moved to"),
    ("bounced", "nothing"): ("bounced", f"{ANNA} bounced again"),
    ("complaint", "nothing"): ("unsubscribed", "unsubscribe -> suggestion; moved to"),
    ("active", "unsubscribed on the web"): (
        "unsubscribed", f"{ANNA} stays unsubscribed on 2023-08-10: that changed after",
    ),
    ("active", "complained"): ("unsubscribed", f"{ANNA} stays unsubscribed on 2023-08-10"),
    ("active", "signed up again"): (
        "pending", f"{ANNA} stays pending: unsubscribed on 2023-08-10, then signed up",
    ),
    ("active", "added again with consent"): ("active", f"{ANNA} stays active: that changed"),
}  # fmt: skip
AFTER = {
    "nothing": nothing,
    "unsubscribed on the web": web_unsubscribe,
    "complained": complained,
    "signed up again": signed_up,
    "added again with consent": added_again,
}


@pytest.mark.parametrize(
    ("before", "after"), list(REFILES), ids=[f"{b}-then-{a}" for b, a in REFILES]
)
def test_a_refile_undoes_only_what_the_misread_mail_did(
    world: World, before: str, after: str
) -> None:
    status, words = REFILES[before, after]
    BEFORE[before](world)
    misread(world)
    AFTER[after](world)
    said = world.run("inbox", "refile", str(MISREAD["Message-ID"]), "suggestion")
    assert words in said
    assert world.status() == status
    if before == "pending-after-withdrawal":  # the earlier withdrawal is still in force
        assert WITHDRAWN in world.run("subscribers", "add", ANNA)


def test_a_withdrawal_said_twice_is_logged_but_reported_once(world: World) -> None:
    active(world)
    web_unsubscribe(world)
    world.clock.wait(minutes=1)
    web_unsubscribe(world)  # a mail client's one-click, sent again
    with Store(world.mailer.db) as store:
        log = store.consent_log(ANNA)
    assert [entry["status"] for entry in log] == ["active", "unsubscribed", "unsubscribed"]
    log_in(world.web)
    page = world.web.get("/admin/mitglieder/abgaenge").get_data(as_text=True)
    assert page.count("Abmeldung mit einem Klick (RFC 8058)") == 1
    assert NOW + timedelta(minutes=1) == world.clock.moment
