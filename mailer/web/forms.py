"""The forms of the web door (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.fields import EmailField
from wtforms.validators import DataRequired, Length

FIELD_LIMIT = 200


class SignUpForm(FlaskForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name (freiwillig)", validators=[Length(max=FIELD_LIMIT)])
    org = StringField("Kommune (freiwillig)", validators=[Length(max=FIELD_LIMIT)])
    # The honeypot: hidden from people by CSS, filled in by bots that fill in everything.
    website = StringField("Bitte dieses Feld leer lassen", validators=[Length(max=FIELD_LIMIT)])
    # When the form was shown, signed: a bot that posts at once, or a forged time, is seen.
    shown = HiddenField()


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=FIELD_LIMIT)])
    password = PasswordField("Passwort", validators=[DataRequired(), Length(max=FIELD_LIMIT)])


class ButtonForm(FlaskForm):
    """A form that is only a button (logout, mark as done): its CSRF token is all it has."""


REQUIRED = "Bitte ausfüllen."
TOO_LONG = f"Höchstens {FIELD_LIMIT} Zeichen."


def _text(label: str, *required: object) -> StringField:
    return StringField(label, validators=[*required, Length(max=FIELD_LIMIT, message=TOO_LONG)])


class PersonForm(FlaskForm):
    """What is known of a member beside the address (salutation.Person)."""

    name = _text("Name (so steht er im An-Feld der Mails)")
    first_name = _text("Vorname (für „Hallo Anna,“)")
    last_name = _text("Nachname (für „Sehr geehrte Frau Schmidt,“)")
    salutation = _text("Anrede (Frau, Herr, Frau Bürgermeisterin, Herr Dr., ...)")
    org = _text("Kommune")


class AddMemberForm(PersonForm):
    email = EmailField(
        "E-Mail-Adresse",
        validators=[DataRequired(REQUIRED), Length(max=254, message="Höchstens 254 Zeichen.")],
    )
    consent = _text("Wie hat die Person zugestimmt?", DataRequired(REQUIRED))
    resubscribe = BooleanField("Auch wenn die Adresse sich abgemeldet hatte (neue Zustimmung)")


class RemoveForm(FlaskForm):
    """The confirmation of an erasure: the address it names comes back with it."""

    address = HiddenField(validators=[DataRequired(), Length(max=254)])


class ImportForm(FlaskForm):
    upload = FileField("CSV-Datei", validators=[FileRequired("Bitte eine CSV-Datei auswählen.")])


class ImportConfirmForm(FlaskForm):
    """The second step of an import: the upload held since the preview (uploads.Shelf)."""

    upload = HiddenField(validators=[DataRequired(), Length(max=64)])
