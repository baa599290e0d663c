"""Who may become what: the one rule for every change of a member's status (pure).

A withdrawal (an unsubscribe, by whatever way, or a complaint about a mail) ends the
consent, and only a new consent brings it back (DSGVO Art. 7(3); UWG § 7(2) Nr. 2 and
(3) for mail without consent): the member's own confirmation of a new sign-up (double
opt-in), the member's own "Wieder eintragen" on the page a link of our mail opens (the
link's secret proves it is theirs), or the organizer's record of the new consent
(`subscribers add --resubscribe --consent ...`, the box in /admin). A sign-up that anyone
can type in only makes an address `pending`; it is no consent until confirmed, so a
withdrawal stays in force through it.

Whether a consent is withdrawn is read from the consent log (Store.standing): the first
withdrawal (status unsubscribed) after the latest consent (status active). A member
becomes active only where `decide` allows it, so an active entry after a withdrawal is
a new consent.

Every path that sets a status asks `decide` through Store.change: the CLI (add, import,
unsubscribe, reactivate), /admin, the web pages (sign-up, confirmation, unsubscribe,
preferences), the poller (bounces, complaints, unsubscribes) and refiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ACTIVE = "active"
PENDING = "pending"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
STATUSES = (ACTIVE, PENDING, UNSUBSCRIBED, BOUNCED)

_COMPLAINT = "complaint"


def complaint_cause(reason: str) -> str:
    """The consent log's cause for a complaint (a feedback report: the mail marked as spam)."""
    return f"{_COMPLAINT} ({reason})"


def is_complaint(cause: str) -> bool:
    return cause.startswith(f"{_COMPLAINT} (")


class Act(StrEnum):
    """What asks for a change of status, and on whose word."""

    ADD = "add"  # the organizer adds someone: `subscribers add`, the /admin form
    ADD_AGAIN = "add with new consent"  # the same, the new consent recorded (--resubscribe
    # --consent TEXT, the box in /admin): the organizer's one way back after a withdrawal
    IMPORT = "import"  # a row of `subscribers import`: adds newcomers, changes nobody else
    SIGN_UP = "sign up"  # the web form, typed by anyone: waits for the confirmation
    CONFIRM = "confirm"  # the POST of the confirmation link: the member's own yes
    REJOIN = "rejoin"  # "Wieder eintragen" on the member's own page: their own yes
    REACTIVATE = "reactivate"  # `subscribers reactivate --bounced-since`: a mass bounce undone
    RESTORE = "restore"  # `inbox refile`: what a misread message did is undone
    UNSUBSCRIBE = "unsubscribe"  # the page, one-click, a mail, the organizer
    COMPLAINT = "complaint"  # a feedback report about our mail
    BOUNCE = "bounce"

    @property
    def organizers(self) -> bool:
        """The organizer's word: names and municipality they give are taken."""
        return self in (Act.ADD, Act.ADD_AGAIN, Act.IMPORT)


class Refusal(StrEnum):
    """Why a change was not made."""

    NOT_ON_LIST = "not on the list"
    WITHDRAWN = "consent withdrawn"  # needs a new consent
    UNREACHABLE = "bounced"  # the member's own page cannot vouch for a mailbox that bounced
    NOT_PENDING = "not pending"  # a confirmation for a sign-up that is no longer waiting
    CHANGED_SINCE = "changed since"  # a refile cannot undo a status that changed after
    # the message, nor a withdrawal made after it


@dataclass(frozen=True)
class Withdrawal:
    at: str | None  # when (a UTC stamp from the consent log); None if not on record
    complaint: bool  # by a complaint about a mail, not an unsubscribe

    @property
    def day(self) -> str:
        return f" on {self.at[:10]}" if self.at else ""


@dataclass(frozen=True)
class Standing:
    """A member's status and, if their consent is withdrawn, that withdrawal."""

    status: str | None  # None: not on the list
    withdrawal: Withdrawal | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None

    def words(self) -> str:
        """What the organizer reads after an address: `unsubscribed on 2023-09-01`,
        `pending: unsubscribed on 2023-09-01, then signed up on the web, not confirmed`,
        `bounced`, ..."""
        if self.status is None:
            return "not on the list"
        left = self.withdrawal
        if left is None:
            if self.status == PENDING:
                return "pending: signed up on the web, not confirmed"
            return self.status
        how = f"unsubscribed{left.day}" + (" by a complaint about a mail" if left.complaint else "")
        if self.status == PENDING:
            return f"pending: {how}, then signed up on the web, not confirmed"
        return how


@dataclass(frozen=True)
class Decision:
    """`decide`'s answer: the status after the act (None: refused, nothing changes)."""

    status: str | None
    consent: bool = False  # the act is a consent: the member's consent_source/at take its cause
    log_unchanged: bool = False  # logged even when the status stays: a withdrawal said twice
    # is on record too, so that a refile cannot undo a withdrawal made after the misread one
    refusal: Refusal | None = None


def _refuse(why: Refusal) -> Decision:
    return Decision(None, refusal=why)


def decide(
    standing: Standing, act: Act, *, restore_to: str | None = None, changed_since: bool = False
) -> Decision:
    """The status `act` leads to from `standing`, or the refusal.

    For Act.RESTORE (a refile undoing what a misread message did), `restore_to` is the
    status before that effect, and `changed_since` whether the status changed after it,
    or the member withdrew after it (by the page, one-click, a mail, a complaint, the
    organizer): then it stays.
    """
    status = standing.status
    if status is None:
        if act.organizers:
            return Decision(ACTIVE, consent=True)
        if act is Act.SIGN_UP:
            return Decision(PENDING, consent=True)
        return _refuse(Refusal.NOT_ON_LIST)
    if act in (Act.UNSUBSCRIBE, Act.COMPLAINT):
        return Decision(UNSUBSCRIBED, log_unchanged=True)
    if act is Act.BOUNCE:
        return Decision(BOUNCED if status == ACTIVE else status)
    if act is Act.SIGN_UP:
        return Decision(ACTIVE if status == ACTIVE else PENDING)
    if act is Act.CONFIRM:
        if status in (PENDING, ACTIVE):
            return Decision(ACTIVE, consent=True)
        return _refuse(Refusal.NOT_PENDING)
    if act is Act.REJOIN:
        if status == BOUNCED:
            return _refuse(Refusal.UNREACHABLE)
        return Decision(ACTIVE, consent=True)
    if act is Act.ADD_AGAIN:
        return Decision(ACTIVE, consent=True)
    if act is Act.RESTORE:
        if changed_since or status not in (UNSUBSCRIBED, BOUNCED):
            return _refuse(Refusal.CHANGED_SINCE)
        return Decision(restore_to or ACTIVE)
    # The organizer's acts without a new consent: ADD, IMPORT, REACTIVATE.
    if status == ACTIVE:
        return Decision(ACTIVE)
    if standing.withdrawn or status == UNSUBSCRIBED:
        return _refuse(Refusal.WITHDRAWN)
    if act is Act.IMPORT:
        return Decision(status)  # a list read again changes nobody who is on it
    if act is Act.REACTIVATE:
        return Decision(ACTIVE if status == BOUNCED else status)
    return Decision(ACTIVE, consent=True)  # a sign-up not confirmed, or a bounce: the
    # organizer's consent note stands for the person's consent


def refusal_sentence(email: str, standing: Standing, why: Refusal) -> str:
    """The organizer's sentence for a refusal of the CLI (English)."""
    if why is Refusal.WITHDRAWN:
        return (
            f"{email}: {standing.words()}; add them again only with their new consent:"
            f" mailer subscribers add {email} --resubscribe --consent"
            ' "how and when they agreed again"'
        )
    if why is Refusal.CHANGED_SINCE:
        return f"{email} stays {standing.words()}: that changed after this message was filed"
    return f"{email}: {why.value}"
