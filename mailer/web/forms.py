"""The forms of the web door (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
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


class AddMemberForm(FlaskForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=FIELD_LIMIT)])
    org = StringField("Kommune", validators=[Length(max=FIELD_LIMIT)])
    consent = StringField(
        "Wie hat die Person zugestimmt?", validators=[DataRequired(), Length(max=FIELD_LIMIT)]
    )
    resubscribe = BooleanField("Auch wenn die Adresse sich abgemeldet hatte (neue Zustimmung)")
