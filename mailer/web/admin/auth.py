"""Logging in and out of /admin.

The password is compared as SHA-256 digests with hmac.compare_digest: the time it takes
says nothing about the guess, whatever its length. A login lives in the signed session
cookie for ADMIN_SESSION; logging in is throttled (web/app.py).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import redirect, render_template, session, url_for

from mailer.web.admin.gate import admin_password, blueprint
from mailer.web.forms import ButtonForm, LoginForm


def _same_password(given: str, expected: str) -> bool:
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        if _same_password(form.password.data or "", admin_password() or ""):
            session.clear()
            session["admin"] = True
            session.permanent = True
            return redirect(url_for("admin.overview"))
        form.password.errors = ["Das Passwort stimmt nicht."]
    status = 400 if form.errors else 200
    return render_template("admin/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
def logout():
    if ButtonForm().validate_on_submit():
        session.clear()
    return redirect(url_for("admin.login"))
