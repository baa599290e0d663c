"""The forms of /admin/plan, and what each makes of what the organizer typed: the plan's
edit (planedit, the one core the CLI calls too) and the list of what changes, in the
organizer's words.

Every field is checked first, in German, for what `mailer check` checks about it
(planchecks.py; here: one of the three salutations, a guest's name). What only the
whole plan can tell (a date another session has) comes back from the core as an
EditError, which planwords.py says in German. A field left as it was shown is left out
of the edit, so its lines in schedule.yaml stay byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from mailer import german
from mailer.errors import MailerError
from mailer.plan import Plan, Session, format_offset
from mailer.planedit import (
    KEEP,
    AddSession,
    CancelSession,
    Edit,
    EditError,
    EditSeries,
    EditSession,
    Guest,
    MoveSession,
    ReinstateSession,
    RemoveSession,
    WriteRecap,
)
from mailer.planstore import FIELD_WORDS
from mailer.salutation import DU, NEUTRAL, SIE
from mailer.web.admin.planchecks import (
    check_text,
    checked,
    limit,
    one_line_field,
    read_day,
    read_duration,
    read_link,
    read_reminders,
    read_time,
    text_field,
)

LINE_LIMIT = 200
TOPIC_LIMIT = 300
TEXT_LIMIT = 4000
RECAP_LIMIT = 10000  # a recap of a few pages; the whole request stays under 64 KiB
MAX_GUESTS = 12
QUIET_LABEL = "Keine Mail dazu verschicken (z. B. Tippfehler)"
SALUTATIONS = {DU: "du", SIE: "Sie", NEUTRAL: "neutral (weder du noch Sie)"}
# The organizer's word for each field an edit changes (the history's words, planstore).
LABELS = {**{name: words[1] for name, words in FIELD_WORDS.items()}, "cancelled": "Stand"}


class NothingChanged(MailerError):
    """The form holds the values it was shown with: there is nothing to save."""

    def __init__(self) -> None:
        super().__init__("Sie haben nichts geändert.")


@dataclass(frozen=True)
class Difference:
    """One field an edit changes, as the preview lists it: its name, before and after."""

    label: str
    before: str
    after: str


# -- the forms ---------------------------------------------------------------------------


def line_field(label: str, *validators: Any, **options: Any) -> StringField:
    """A field of one line, without white space around it."""
    return StringField(label, filters=[one_line_field], validators=list(validators), **options)


def text_area(label: str, size: int = TEXT_LIMIT, **options: Any) -> TextAreaField:
    """A text of several lines (the browser's CR LF as LF), at most `size` characters."""
    return TextAreaField(
        label, filters=[text_field], validators=[limit(size), check_text], **options
    )


def date_field(label: str) -> StringField:
    return line_field(label, checked(read_day), description="Wie 2024-03-07 oder 7.3.2024.")


def start_field() -> StringField:
    """A session's own start; empty: the series'."""
    return line_field(
        "Beginn", checked(read_time, required=False), description="Wie 16:00; leer: wie die Reihe."
    )


def link_field(*, required: bool, **options: Any) -> StringField:
    return line_field(
        "Link zur Konferenz", checked(read_link, required=required), render_kw={"type": "url"},
        **options,
    )  # fmt: skip


class GuestRow(Form):
    name = line_field("Name", limit(LINE_LIMIT), check_text)
    role = line_field("Rolle", limit(LINE_LIMIT), check_text)

    def validate_name(self, field: Any) -> None:
        if self.role.data and not field.data:
            raise ValidationError("Bitte den Namen angeben (oder die Rolle leeren).")


class PlanForm(FlaskForm):
    """A change of the plan: `fill` shows the plan's values, `edit` makes the edit of
    what the organizer changed (NothingChanged when nothing), `place` puts a mistake
    the core found on its field."""

    version = HiddenField(validators=[Length(max=64)])
    title: ClassVar[str]
    field_order: ClassVar[tuple[str, ...]] = ()

    def shown_fields(self) -> list[Any]:
        """The fields the organizer fills in, in the order the page shows them."""
        names = self.field_order or [
            name for name in self._fields if name not in ("version", "csrf_token")
        ]
        return [self[name] for name in names]

    def fill(self, plan: Plan, session: Session | None) -> None:
        """Shows the plan's values (nothing to show for a form without fields)."""

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        raise NotImplementedError

    def place(self, error: EditError, sentence: str) -> None:
        field = getattr(self, error.field or "", None)
        if error.field and error.field != "version" and hasattr(field, "errors"):
            field.errors = [*field.errors, sentence]  # type: ignore[union-attr]
        else:
            self.form_errors.append(sentence)

    @property
    def quiet(self) -> bool:
        box = getattr(self, "no_mail", None)
        return bool(box is not None and box.data)


def _differences(pairs: list[tuple[str, str, str]]) -> list[Difference]:
    found = [Difference(LABELS[name], before, after) for name, before, after in pairs]
    if not found:
        raise NothingChanged()
    return found


def _guests_words(guests: tuple) -> str:
    return "; ".join(f"{g.name} ({g.role})" if g.role else g.name for g in guests)


class SessionFields(PlanForm):
    """What a session shows: topic, guests, description, start time, link."""

    topic = line_field("Thema", limit(TOPIC_LIMIT), check_text)
    guests = FieldList(FormField(GuestRow), "Gäste", max_entries=MAX_GUESTS)
    description = text_area("Beschreibung")
    time = start_field()
    join_url = link_field(required=False, description="Leer: der Link der Reihe.")

    def show_session(self, plan: Plan, session: Session | None) -> None:
        guests = list(session.guests) if session else []
        for guest in guests:
            self.guests.append_entry({"name": guest.name, "role": guest.role or ""})
        for _ in range(1 if guests else 2):
            self.guests.append_entry()
        if session is not None:
            self.topic.data = session.topic or ""
            self.description.data = session.description or ""
            self.time.data = session.start.strftime("%H:%M")
            self.join_url.data = (
                "" if session.join_url == plan.series.join_url else session.join_url
            )

    def more_guests(self) -> None:
        """One more empty guest row (the button "Weiteren Gast hinzufügen")."""
        if len(self.guests) < MAX_GUESTS:
            self.guests.append_entry()

    def typed_guests(self) -> tuple[Guest, ...]:
        return tuple(
            Guest(row.form.name.data, row.form.role.data or None)
            for row in self.guests
            if row.form.name.data
        )

    def typed_time(self, plan: Plan) -> str | None:
        """The start as typed; None for the series' own (empty, or the same)."""
        typed = read_time(self.time.data or "", required=False)
        return None if typed in (None, plan.series.time.strftime("%H:%M")) else typed

    def typed_link(self, plan: Plan) -> str | None:
        typed = read_link(self.join_url.data or "", required=False)
        return None if typed in (None, plan.series.join_url) else typed


class AddSessionForm(SessionFields):
    title = "Termin anlegen"
    date = date_field("Datum")
    field_order = ("date", "topic", "guests", "description", "time", "join_url")

    def fill(self, plan: Plan, session: Session | None) -> None:
        self.show_session(plan, None)

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        day = read_day(self.date.data or "")
        edit = AddSession(
            date=day,
            topic=self.topic.data or None,
            guests=self.typed_guests(),
            description=self.description.data or None,
            time=self.typed_time(plan),
            join_url=self.typed_link(plan),
        )
        pairs = [("date", "", german.long_date(day))]
        pairs += [(name, "", str(getattr(edit, name))) for name in ("topic", "description")
                  if getattr(edit, name)]  # fmt: skip
        if edit.guests:
            pairs.append(("guests", "", _guests_words(edit.guests)))
        if edit.time:
            pairs.append(("time", "", edit.time))
        if edit.join_url:
            pairs.append(("join_url", "", edit.join_url))
        return edit, _differences(pairs)


class EditSessionForm(SessionFields):
    title = "Termin bearbeiten"
    no_mail = BooleanField(QUIET_LABEL)
    field_order = ("topic", "guests", "description", "time", "join_url", "no_mail")

    def fill(self, plan: Plan, session: Session | None) -> None:
        self.show_session(plan, session)

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        changes: dict[str, Any] = {}
        pairs: list[tuple[str, str, str]] = []
        for name, before, after in (
            ("topic", session.topic, self.topic.data or None),
            ("description", session.description, self.description.data or None),
        ):
            if before != after:
                changes[name] = after
                pairs.append((name, before or "", after or ""))
        guests = self.typed_guests()
        if [(g.name, g.role) for g in guests] != [(g.name, g.role) for g in session.guests]:
            changes["guests"] = guests
            pairs.append(("guests", _guests_words(session.guests), _guests_words(guests)))
        shown_time = session.start.strftime("%H:%M")
        time = self.typed_time(plan)
        if (time or plan.series.time.strftime("%H:%M")) != shown_time:
            changes["time"] = time
            pairs.append(("time", shown_time, time or plan.series.time.strftime("%H:%M")))
        link = self.typed_link(plan)
        if (link or plan.series.join_url) != session.join_url:
            changes["join_url"] = link
            pairs.append(("join_url", session.join_url, link or plan.series.join_url))
        differences = _differences(pairs)
        edit = EditSession(session=session.key, notify=not self.quiet, **changes)
        return edit, differences


class MoveSessionForm(PlanForm):
    title = "Termin verschieben"
    date = date_field("Neues Datum")
    time = start_field()
    no_mail = BooleanField(QUIET_LABEL)

    def fill(self, plan: Plan, session: Session | None) -> None:
        assert session is not None
        self.date.data = session.date.isoformat()
        self.time.data = session.start.strftime("%H:%M")

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        day = read_day(self.date.data or "")
        series_time = plan.series.time.strftime("%H:%M")
        typed = read_time(self.time.data or "", required=False)
        shown_time = session.start.strftime("%H:%M")
        time: str | None = None if typed in (None, series_time) else typed
        pairs = []
        if day != session.date:
            pairs.append(("date", german.long_date(session.date), german.long_date(day)))
        if (typed or series_time) != shown_time:
            pairs.append(("time", shown_time, typed or series_time))
        differences = _differences(pairs)
        if day == session.date:  # only the time: an edit of the session, not a move
            return EditSession(session=session.key, time=time, notify=not self.quiet), differences
        keep_time = (typed or series_time) == shown_time
        edit = MoveSession(
            session=session.key, date=day, time=KEEP if keep_time else time, notify=not self.quiet
        )
        return edit, differences


class CancelSessionForm(PlanForm):
    title = "Termin absagen"
    reason = text_area("Grund (steht in der Absage)")
    no_mail = BooleanField(QUIET_LABEL)

    def fill(self, plan: Plan, session: Session | None) -> None:
        assert session is not None
        self.reason.data = session.reason or ""

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        reason = self.reason.data or None
        pairs = []
        if not session.cancelled:
            pairs.append(("cancelled", "findet statt", "abgesagt"))
        if reason != session.reason:
            pairs.append(("reason", session.reason or "", reason or ""))
        return CancelSession(session=session.key, reason=reason, notify=not self.quiet), (
            _differences(pairs)
        )


class ReinstateSessionForm(PlanForm):
    title = "Absage zurücknehmen"
    no_mail = BooleanField(QUIET_LABEL)

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        pairs = [("cancelled", "abgesagt", "findet statt")] if session.cancelled else []
        if session.reason:
            pairs.append(("reason", session.reason, ""))
        edit = ReinstateSession(session=session.key, notify=not self.quiet)
        return edit, [Difference(LABELS[name], before, after) for name, before, after in pairs]


class RecapForm(PlanForm):
    title = "Nachbericht schreiben"
    recap = text_area(
        "Nachbericht (Markdown)", RECAP_LIMIT,
        description="Geht nach dem Termin an die Mitglieder; leer: kein Nachbericht.",
    )  # fmt: skip

    def fill(self, plan: Plan, session: Session | None) -> None:
        assert session is not None
        self.recap.data = session.recap or ""

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        recap = self.recap.data or None
        pairs = [("recap", session.recap or "", recap or "")] if recap != session.recap else []
        return WriteRecap(session=session.key, recap=recap), _differences(pairs)


class RemoveSessionForm(PlanForm):
    title = "Termin entfernen"

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        assert session is not None
        return RemoveSession(session=session.key), [
            Difference("Termin", german.long_date(session.date), "entfernt")
        ]


class SeriesForm(PlanForm):
    title = "Einstellungen der Reihe"
    name = line_field("Name der Reihe", limit(LINE_LIMIT), check_text)
    description = text_area("Beschreibung (steht in jeder Einladung)")
    time = line_field(
        "Beginn jedes Termins", checked(read_time, required=True), description="Wie 16:00."
    )
    duration = line_field("Dauer", checked(read_duration), description="Wie 90m oder 1h30m.")
    join_url = link_field(required=True)
    announcement = line_field(
        "Einladung so lange vor dem Beginn", checked(read_duration),
        description="Wie 14d (Tage) oder 1w (Woche).",
    )  # fmt: skip
    reminders = line_field(
        "Erinnerungen so lange vor dem Beginn",
        description="Wie 1d, 1h (Tag, Stunde); leer: keine Erinnerungen.",
    )
    salutation = SelectField(
        "Anrede in den Mails",
        choices=[SelectChoice(value, words) for value, words in SALUTATIONS.items()],
        validate_choice=False,
    )
    imprint = text_area("Impressum (unter jeder Mail)")
    no_mail = BooleanField(QUIET_LABEL)

    def validate_name(self, field: Any) -> None:
        if not field.data:
            raise ValidationError("Bitte einen Namen für die Reihe angeben.")

    def validate_salutation(self, field: Any) -> None:
        if field.data not in SALUTATIONS:
            raise ValidationError("Bitte du, Sie oder neutral wählen.")

    def validate_reminders(self, field: Any) -> None:
        try:
            announcement = read_duration(self.announcement.data or "")
        except ValidationError:
            announcement = None  # said on its own field
        read_reminders(field.data or "", announcement)

    def fill(self, plan: Plan, session: Session | None) -> None:
        series, times = plan.series, plan.mail_times
        self.name.data = series.name
        self.description.data = series.description or ""
        self.time.data = series.time.strftime("%H:%M")
        self.duration.data = format_offset(series.duration)
        self.join_url.data = series.join_url
        self.announcement.data = format_offset(times.announcement)
        self.reminders.data = ", ".join(format_offset(r) for r in times.reminders)
        self.salutation.data = series.salutation
        self.imprint.data = plan.sender.imprint

    def edit(self, plan: Plan, session: Session | None) -> tuple[Edit, list[Difference]]:
        series, times = plan.series, plan.mail_times
        changes: dict[str, Any] = {}
        pairs: list[tuple[str, str, str]] = []

        def compare(name: str, before: Any, after: Any, value: Any, shown: tuple[str, str]):
            if before != after:
                changes[name] = value
                pairs.append((name, *shown))

        name = self.name.data or ""
        compare("name", series.name, name, name, (series.name, name))
        text = self.description.data or None
        compare("description", series.description, text, text,
                (series.description or "", text or ""))  # fmt: skip
        time = read_time(self.time.data or "", required=True) or ""
        shown = series.time.strftime("%H:%M")
        compare("time", shown, time, time, (shown, time))
        for field, before in (("duration", series.duration), ("announcement", times.announcement)):
            typed = getattr(self, field).data.strip().lower()
            compare(field, before, read_duration(typed), typed, (format_offset(before), typed))
        link = read_link(self.join_url.data or "", required=True)
        compare("join_url", series.join_url, link, link, (series.join_url, link or ""))
        reminders = read_reminders(self.reminders.data or "", None)
        offsets = sorted((read_duration(r) for r in reminders), reverse=True)
        compare("reminders", list(times.reminders), offsets, reminders,
                (", ".join(format_offset(r) for r in times.reminders), ", ".join(reminders)))  # fmt: skip
        salutation = self.salutation.data
        compare("salutation", series.salutation, salutation, salutation,
                (SALUTATIONS.get(series.salutation, ""), SALUTATIONS.get(salutation, "")))  # fmt: skip
        imprint = self.imprint.data or None
        compare("imprint", plan.sender.imprint, imprint, imprint,
                (plan.sender.imprint, imprint or ""))  # fmt: skip
        differences = _differences(pairs)
        return EditSeries(notify=not self.quiet, **changes), differences
