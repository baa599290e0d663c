"""Logging in and out of /admin: by name and password (accounts.verify: Argon2 hashes in
subscribers.db, or MAILER_ADMIN_PASSWORD as the account `admin`). Logging in is
throttled (web/app.py); a login lasts ADMIN_SESSION (gate.py)."""

from __future__ import annotations

from flask import redirect, render_template, session, url_for

from mailer import accounts
from mailer.web import pages
from mailer.web.admin import gate
from mailer.web.forms import ButtonForm, LoginForm

blueprint = gate.blueprint


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    store = pages.store()
    form = LoginForm()
    if not form.is_submitted() and not accounts.any_organizer(store.conn):
        form.name.data = accounts.ENVIRONMENT_ACCOUNT  # the only account there is
    if form.validate_on_submit():
        with store.transaction() as conn:  # a good login may store a fresher hash
            name = accounts.verify(
                conn, form.name.data or "", form.password.data or "", gate.clock(),
                environment_password=gate.environment_password(),
            )  # fmt: skip
        if name is not None:
            gate.log_in(name)
            return redirect(url_for("admin.overview"))
        form.password.errors = ["Name oder Passwort stimmen nicht."]
    status = 400 if form.errors else 200
    return render_template("admin/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
def logout():
    if ButtonForm().validate_on_submit():
        session.clear()
    return redirect(url_for("admin.login"))
