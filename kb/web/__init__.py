"""The web application: server-rendered pages calling the same services as the API."""
from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, render_template, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from kb.i18n import LANGUAGES
from kb.services import discard_changes

log = logging.getLogger(__name__)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()


def select_locale() -> str:
    """The signed-in user's language, else the visitor's choice, else the browser's, else English (the API: the
    Accept-Language header first, then the token user's language)."""
    if not has_request_context():  # the CLI rendering a lazy message, say
        return "en"
    if request.path.startswith("/api/"):
        # A program's call: the language it asks for, else its token user's choice, else English.
        asked = request.accept_languages.best_match(LANGUAGES)
        if asked:
            return asked
        user = g.get("kb_user")
        try:
            return user.language if user is not None and user.language in LANGUAGES else "en"
        except SQLAlchemyError:  # the error handler of a failed request reads this too: its answer must be written
            log.warning("the token user's language could not be read; answering in English", exc_info=True)
            return "en"
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


@login_manager.user_loader
def _load_user(session_id: str):  # type: ignore[no-untyped-def]
    """The user a session cookie names, if the session is still theirs and they are active."""
    from kb.services.auth import user_for_session

    return user_for_session(session_id)


def register_web(app: Flask) -> None:
    """Babel, sessions, CSRF, blueprints and HTML error pages."""
    from kb.errorhandlers import set_html_error_handler
    from kb.web import (
        account,
        admin,
        applications,
        catalogue,
        exchanges,
        home,
        join,
        notifications,
        records,
        reports,
        secretariat,
    )

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    babel.init_app(app, locale_selector=select_locale)
    from kb.i18n import install_fast_gettext

    install_fast_gettext(app.jinja_env)  # the same translations, without Flask-Babel's lookups on every _()
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = None
    csrf.init_app(app)
    web_modules = (catalogue, account, records, secretariat, exchanges, home, admin, join, applications, reports,
                   notifications)
    for module in web_modules:
        app.register_blueprint(module.bp)
    # A mail program's one-click unsubscribe (RFC 8058) posts without a form: the signed link is the authority.
    csrf.exempt(notifications.unsubscribe)
    # The API authenticates with bearer tokens, not cookies: no CSRF there.
    for name, blueprint in app.blueprints.items():
        if name not in {m.bp.name for m in web_modules}:
            csrf.exempt(blueprint)

    @app.context_processor
    def _globals():  # type: ignore[no-untyped-def]
        from flask_babel import get_locale

        from kb.services.inbox import unread_count
        from kb.web import helpers

        signed_in = has_request_context() and getattr(current_user, "is_authenticated", False)
        return {"LANGUAGES": LANGUAGES, "current_lang": str(get_locale()), "h": helpers,
                "unread_total": unread_count(current_user) if signed_in else 0}

    @app.errorhandler(CSRFError)
    def _csrf(exc):  # type: ignore[no-untyped-def]
        return render_error(400, str(exc.description))

    def render_error(code: int, message: str, errors=None):  # type: ignore[no-untyped-def]
        from flask_babel import get_locale

        from kb import i18n
        from kb.web import helpers

        discard_changes()
        # A detail the catalogues cannot translate (an English text from a library, say) stays off a page in
        # another language: the heading already says what happened, in the user's language. Lazy messages
        # (the services' messages with values) and marshmallow's are translated with their values.
        if message and not i18n.is_lazy(message):
            translated = helpers.message(message)
            if str(get_locale()) != "en" and translated == str(message):
                translated = ""
            message = translated
        return render_template("errors/error.html", code=code, message=str(message or "")), code

    set_html_error_handler(render_error)
