"""Sign in and out, language choice, password change."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kb.errors import DomainError, Throttled, Unauthorized
from kb.i18n import LANGUAGES
from kb.schemas.people import TokenRequestSchema
from kb.services import admin, auth
from kb.web import helpers as h

bp = Blueprint("account", __name__)


def _safe_next(target: str | None, default: str = "catalogue.home") -> str:
    """target when it is a path of this site (h.is_local_path), else the default page."""
    return target if h.is_local_path(target) else url_for(default)  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign-in form; failed attempts are throttled like the API's."""
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        # The API's rules for credentials (POST /api/v1/auth/tokens): text no database can store (a NUL) or longer
        # than any account's is refused with the field named, and not counted as an attempt. (Passwords as typed.)
        credentials, errors = h.load(TokenRequestSchema(), {k: request.form[k] for k in ("email", "password")
                                                            if request.form.get(k)})
        if errors:
            labels = {"email": _("E-mail"), "password": _("Password")}
            error = " ".join(f"{labels.get(k, k)}: {' '.join(v)}" for k, v in sorted(errors.items()))
            # The e-mail typed comes back unless it is the refused field (a NUL, 100,000 characters: not echoed).
            return render_template("auth/login.html", error=error, email="" if "email" in errors else email), 422
        try:
            user = auth.authenticate(credentials["email"], credentials["password"], request.remote_addr)
        except Throttled:
            error = _("Too many failed sign-in attempts; try again later.")
        except Unauthorized:
            error = _("Wrong e-mail or password.")
        else:
            lang = session.get("lang")
            session.clear()  # a new session on sign-in (no state carried over from before but the language chosen)
            if lang in LANGUAGES:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), "home.home"))  # the workspace, unless `next`
    return render_template("auth/login.html", error=error, email=email), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out everywhere: this and every other session of the user (copied cookies too) and their API tokens."""
    if current_user.is_authenticated:
        auth.sign_out(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("catalogue.home"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (remembered on the user when signed in)."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            admin.set_language(current_user, lang)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new, repeat = request.form.get("new_password", ""), request.form.get("repeat_password", "")
        if new != repeat:
            errors["repeat_password"] = [_("The two new passwords differ.")]
        else:
            try:
                user = admin.change_own_password(current_user, request.form.get("current_password", ""), new)
            except DomainError as exc:
                errors = h.messages(exc.errors) or {"new_password": [h.message(exc.message)]}
            else:
                login_user(user)  # this session goes on under the new session key; every other one has ended
                flash(_("Your password has been changed; you were signed out everywhere else."), "ok")
                return redirect(url_for("catalogue.home"))
    return render_template("auth/password.html", errors=errors), (422 if errors else 200)
