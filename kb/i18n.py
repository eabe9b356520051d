"""Words the services put into their messages, translatable without importing kb.web.

A service raises with a lazy template and named values, e.g.
``lazy_gettext("Cannot %(action)s %(record)s that is %(state)s.", action=i18n.action("publish"), ...)``;
the message becomes text only when str() is called on it, in the locale of the request then running
(the API's: Accept-Language, else the token user's language, else English; outside a request, e.g. in the CLI,
English).
The words below are those values: record kinds with their article ("a request", "this request"), states
and actions as they read inside a sentence (contexts keep them apart from the capitalised labels of the pages).
"""
from __future__ import annotations

import re
from typing import Any

from flask.globals import _cv_app
from flask_babel import (
    LazyString,
    format_date,
    format_decimal,
    lazy_gettext,
    lazy_pgettext,
)

# The four languages of the interface, of the reference labels (label_xx columns) and of the texts that matching
# supports (a record's text_lang). The first is the default and the fallback of every label.
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr")


def N_(message: str) -> str:
    """Mark a constant message for extraction where it is raised; it stays English where it is raised, and pages
    and API error bodies translate it with gettext when they show it (translate)."""
    return message

A_RECORD = {
    "request": lazy_gettext("a request"), "offer": lazy_gettext("an offer"),
    "match": lazy_gettext("a match"), "exchange": lazy_gettext("an exchange"),
    "application": lazy_gettext("an application"),
    "contribution_offer": lazy_gettext("a contribution offer"),
}
THIS_RECORD = {
    "request": lazy_gettext("this request"), "offer": lazy_gettext("this offer"),
    "match": lazy_gettext("this match"), "exchange": lazy_gettext("this exchange"),
    "application": lazy_gettext("this application"),
    "contribution_offer": lazy_gettext("this contribution offer"),
}
STATES = {
    "draft": lazy_pgettext("workflow state", "draft"),
    "submitted": lazy_pgettext("workflow state", "submitted"),
    "returned": lazy_pgettext("workflow state", "returned"),
    "published": lazy_pgettext("workflow state", "published"),
    "matched": lazy_pgettext("workflow state", "matched"),
    "closed": lazy_pgettext("workflow state", "closed"),
    "rejected": lazy_pgettext("workflow state", "rejected"),
    "withdrawn": lazy_pgettext("workflow state", "withdrawn"),
    "archived": lazy_pgettext("workflow state", "archived"),
    "proposed": lazy_pgettext("workflow state", "proposed"),
    "accepted_by_requester": lazy_pgettext("workflow state", "accepted by the requester"),
    "accepted_by_provider": lazy_pgettext("workflow state", "accepted by the provider"),
    "accepted": lazy_pgettext("workflow state", "accepted"),
    "approved": lazy_pgettext("workflow state", "approved"),
    "declined": lazy_pgettext("workflow state", "declined"),
    "planned": lazy_pgettext("workflow state", "planned"),
    "agreed": lazy_pgettext("workflow state", "agreed"),
    "in_progress": lazy_pgettext("workflow state", "in progress"),
    "completed": lazy_pgettext("workflow state", "completed"),
    "evaluated": lazy_pgettext("workflow state", "evaluated"),
    "cancelled": lazy_pgettext("workflow state", "cancelled"),
    "unconfirmed": lazy_pgettext("workflow state", "unconfirmed"),
    "waiting": lazy_pgettext("workflow state", "waiting for review"),
    "refused": lazy_pgettext("workflow state", "refused"),
    "offered": lazy_pgettext("workflow state", "offered"),
}
ACTIONS = {
    "submit": lazy_pgettext("workflow action", "submit"),
    "publish": lazy_pgettext("workflow action", "publish"),
    "return": lazy_pgettext("workflow action", "return"),
    "reject": lazy_pgettext("workflow action", "reject"),
    "withdraw": lazy_pgettext("workflow action", "withdraw"),
    "archive": lazy_pgettext("workflow action", "archive"),
    "renew": lazy_pgettext("workflow action", "renew"),
    "close": lazy_pgettext("workflow action", "close"),
    "accept": lazy_pgettext("workflow action", "accept"),
    "decline": lazy_pgettext("workflow action", "decline"),
    "approve": lazy_pgettext("workflow action", "approve"),
    "agree": lazy_pgettext("workflow action", "agree"),
    "start": lazy_pgettext("workflow action", "start"),
    "complete": lazy_pgettext("workflow action", "complete"),
    "evaluate": lazy_pgettext("workflow action", "evaluate"),
    "cancel": lazy_pgettext("workflow action", "cancel"),
    "match": lazy_pgettext("workflow action", "match"),
    "reopen": lazy_pgettext("workflow action", "reopen"),
    "confirm": lazy_pgettext("workflow action", "confirm"),
    "refuse": lazy_pgettext("workflow action", "refuse"),
    "recall": lazy_pgettext("workflow action", "recall to draft"),
}

# Kinds of notification (kb/workflow/recipients.py), as the inbox and the preferences name them.
NOTIFICATION_KINDS = {
    "record_update": lazy_gettext("Your request or offer"),
    "review": lazy_gettext("To review"),
    "match_proposed": lazy_gettext("Match proposed to you"),
    "match_update": lazy_gettext("Match news"),
    "exchange_update": lazy_gettext("Exchange news"),
    "match_alert": lazy_gettext("New fitting record"),
    "reminder": lazy_gettext("Reminder"),
}
DELIVERIES = {
    "immediately": lazy_gettext("Immediately"), "daily": lazy_gettext("In a daily digest"),
    "never": lazy_gettext("Never (inbox only)"),
}
RECORD_TYPES = {
    "request": lazy_gettext("Request"), "offer": lazy_gettext("Offer"),
    "match": lazy_gettext("Match"), "exchange": lazy_gettext("Exchange"),
}
# What happened to a record, besides the workflow actions above.
EVENTS = {
    "create": lazy_gettext("created"), "update": lazy_gettext("edited"), "propose": lazy_gettext("proposed"),
    "join": lazy_gettext("a party joined"), "contribute": lazy_gettext("a contribution was added"),
    "activity": lazy_gettext("an activity was reported"), "result": lazy_gettext("a result was reported"),
    "alert": lazy_gettext("newly published; it fits yours"),
    "remind": lazy_gettext("reminder"),
    "unmet": lazy_gettext("no strong match or no proposal yet; listed among the unmet needs"),
}
# Events whose reason is one of kb's fixed messages (marked N_ where raised), shown in the reader's language.
FIXED_REASONS = ("remind", "unmet")


# Field labels as the forms show them (the same msgids as the templates), for messages that name a field.
FIELDS = {
    "people_trained": lazy_gettext("People trained"),
    "women_trained": lazy_gettext("Of whom women"),
}


def field(name: str) -> Any:
    """A field's label as the form shows it ("People trained"); an unknown name stays as it is."""
    return FIELDS.get(name, name)


def date(value: Any) -> LazyString:
    """A date written in the locale of the request rendering the message ("1 Feb 2026", "1 févr. 2026")."""
    return LazyString(lambda: format_date(value, "medium"))


def number(value: Any) -> LazyString:
    """A number written in the locale of the request rendering the message ("1,200", "1.200")."""
    return LazyString(lambda: format_decimal(value))


def state(code: Any) -> Any:
    """A state inside a sentence ("published"); an unknown code stays as it is."""
    return STATES.get(str(code), str(code))


def action(code: str) -> Any:
    """An action inside a sentence ("publish"); an unknown code stays as it is."""
    return ACTIONS.get(code, code)


def label_in_sentence(label: str) -> str:
    """A vocabulary label (a sector, a modality) inside a sentence: "shares the sector health", "propose cours de
    formation", not "Health", "Cours de formation". Only a first word written as an ordinary capitalised word is
    lowered; a word with other capitals ("ICT", "WASH", "eLearning", "South-South", "SDG-related") stays as it is.
    (A label starting with a proper noun, "Mercosur integration", is lowered too: the vocabularies have no flag.)"""
    first = label.split(maxsplit=1)[0] if label.strip() else ""
    if first[:1].isupper() and len(first) > 1 and not any(c.isupper() for c in first[1:]) and first[1].isalpha():
        return label[0].lower() + label[1:]
    return label


def a_record(kind: str) -> Any:
    """A record kind with its indefinite article ("an offer")."""
    return A_RECORD.get(kind.lower(), kind)


def this_record(kind: str) -> Any:
    """A record kind after "this" ("this offer")."""
    return THIS_RECORD.get(kind.lower(), f"this {kind}")


def is_lazy(message: Any) -> bool:
    """True for a message built by lazy_gettext & co: str() renders it in the current language."""
    return isinstance(message, LazyString)


def plain(value: Any) -> Any:
    """Messages (and dicts / lists of them) as plain str, e.g. for a JSON body."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def translate(message: Any) -> str:
    """A message from a service, a schema or a library as text in the current language.

    A lazy template (the services' messages with values) renders itself; marshmallow's messages with values
    ("Longer than maximum length 300.") are refilled into our translated templates (kb.web.messages.PATTERNS);
    constants (N_, marshmallow's and Werkzeug's) go through the catalogues. English stays as it is."""
    if isinstance(message, LazyString):
        return str(message)
    from flask_babel import gettext

    from kb.web.messages import PATTERNS

    text = str(message)
    for pattern, ours in PATTERNS:
        if found := pattern.match(text):
            return str(ours) % {k: _number(v) for k, v in found.groupdict().items()}
    return gettext(text)


def _number(text: str) -> str:
    """A number taken out of an English message, in the current locale's format (else as it was)."""

    if re.fullmatch(r"-?\d{1,18}", text):
        return format_decimal(int(text))
    return text


def translated(value: Any) -> Any:
    """Messages (and dicts / lists of them, keys kept) as text in the current language (translate): the field
    errors of an API error body are read by people too."""
    if isinstance(value, (str, LazyString)):
        return translate(value)
    if isinstance(value, dict):
        return {k: translated(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [translated(v) for v in value]
    return value


def not_found(kind: str, record_id: Any) -> LazyString:
    """"Offer 5 not found." for a record kind (a model's name) and an id."""
    kind = kind.lower()
    if kind == "request":
        return lazy_gettext("Request %(id)s not found.", id=record_id)
    if kind == "offer":
        return lazy_gettext("Offer %(id)s not found.", id=record_id)
    if kind == "match":
        return lazy_gettext("Match %(id)s not found.", id=record_id)
    if kind == "exchange":
        return lazy_gettext("Exchange %(id)s not found.", id=record_id)
    if kind == "expert":
        return lazy_gettext("Expert %(id)s not found.", id=record_id)
    if kind == "organisation":
        return lazy_gettext("Organisation %(id)s not found.", id=record_id)
    if kind == "user":
        return lazy_gettext("User %(id)s not found.", id=record_id)
    return lazy_gettext("Record %(id)s not found.", id=record_id)


# Fast paths to the request's locale and translations. Flask-Babel keeps both on `g._flask_babel` once the request
# has chosen its locale, but reaching them costs several context-local lookups a call, and a catalogue page asks
# for them hundreds of times (every label, every _() of the templates). These read the same attributes directly
# and fall back to Flask-Babel whenever they are not set yet (first call of a request, outside a request, after
# flask_babel.refresh()); force_locale() replaces the locale object, which the memo below compares by identity.
def current_locale() -> Any:
    """flask_babel.get_locale(), read without its context lookups once the request has chosen its locale."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        from flask_babel import get_locale

        return get_locale()
    return locale


def current_language() -> str:
    """The interface language's two-letter code ("pt" for pt_BR), "en" outside a request."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        from flask_babel import get_locale

        return str(get_locale() or "en")[:2]
    memo = getattr(state, "kb_language", None)
    if memo is None or memo[0] is not locale:
        memo = (locale, str(locale)[:2])
        state.kb_language = memo
    return memo[1]


def current_translations() -> Any:
    """flask_babel.get_translations(), memoised per request and locale."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    memo = getattr(state, "kb_translations", None) if locale is not None else None
    if memo is not None and memo[0] is locale and getattr(state, "babel_domain", None) is memo[1]:
        return memo[2]
    from flask_babel import get_translations

    translations = get_translations()
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is not None:
        state.kb_translations = (locale, getattr(state, "babel_domain", None), translations)
    return translations


def _babel_state() -> Any:
    ctx = _cv_app.get(None)  # imported once: an import statement here cost more than the lookup (hundreds a page)
    return None if ctx is None else ctx.g.__dict__.get("_flask_babel")


def install_fast_gettext(env: Any) -> None:
    """Give a Jinja environment (after Flask-Babel's init_app) the same gettext callables through the memo."""
    env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )


def gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext through the memoised translations (the same result)."""
    s = current_translations().ugettext(string)
    return s % variables if variables else s


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """flask_babel.ngettext through the memoised translations (the same result; `num` is a variable too)."""
    variables.setdefault("num", num)
    return current_translations().ungettext(singular, plural, num) % variables
