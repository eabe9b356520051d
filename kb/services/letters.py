"""The e-mails themselves, written in each recipient's language: one notification, or a daily digest of several.

Plain text and HTML alternatives from templates/mail/; every header value goes through mail.header_text()
(no line break, no control character: no header injection), the message is built with email.policy.SMTP.
Each carries List-Unsubscribe (a signed one-click link, RFC 8058) for the kind it is about.
"""
from __future__ import annotations

from collections.abc import Sequence
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app, render_template
from flask_babel import force_locale, gettext, ngettext

from kb import i18n
from kb.i18n import LANGUAGES
from kb.models import Notification, User
from kb.services import mail
from kb.services.preferences import unsubscribe_token
from kb.workflow import recipients as rcp


def base_url() -> str:
    return (current_app.config.get("KB_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def _language(user: User) -> str:
    return user.language if user.language in LANGUAGES else "en"


def _what(n: Notification) -> str:
    event = n.event
    if event.to_state and event.from_state != event.to_state:
        return str(i18n.state(event.to_state))
    return str(i18n.EVENTS.get(event.action) or i18n.action(event.action))


def _line(n: Notification) -> str:
    """"Request #5 “Title”: published", in the current language."""
    record = str(i18n.RECORD_TYPES.get(n.record_type or "", n.record_type or ""))
    title = f" “{n.title}”" if n.title else ""
    return gettext("%(record)s #%(id)s%(title)s: %(what)s", record=record, id=n.record_id or "", title=title,
                   what=_what(n))


def _item(n: Notification) -> dict:
    item = {"kind": str(i18n.NOTIFICATION_KINDS.get(n.kind, n.kind)), "line": mail.body_text(_line(n)),
            "reason": mail.body_text(gettext(n.event.reason) if n.event.action in i18n.FIXED_REASONS and n.event.reason
                                     else n.event.reason or ""), "when": n.created_at,
            "link": f"{base_url()}{n.link}" if n.link else None, "answers": None}
    if n.kind == rcp.MATCH_PROPOSED and n.record_type == "match":  # e-mail-first answers (kb/services/answers.py)
        from kb.services.answers import link_token

        item["answers"] = {a: f"{base_url()}/answer/{link_token(n.id, a)}" for a in ("accept", "decline")}
    return item


def _message(cfg: mail.Settings, to: str, subject: str, message_id: str, created_at, text: str, html: str,
             unsubscribe: str) -> EmailMessage:  # type: ignore[no-untyped-def]
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = cfg.sender
    msg["To"] = Address(addr_spec=to)
    msg["Subject"] = mail.header_text(subject)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(created_at) if created_at else None
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    msg.set_content(mail.body_text(text))
    msg.add_alternative(mail.body_text(html), subtype="html")
    return msg


def notification(cfg: mail.Settings, n: Notification) -> EmailMessage:
    """The e-mail of one notification, in its user's language (an account message as it was written)."""
    if n.kind == rcp.ACCOUNT:
        return mail.build(cfg, n.id, n.created_at, n.recipient, n.subject, n.body)
    user = n.user
    with force_locale(_language(user)):
        item = _item(n)
        subject = f"[KB] {item['kind']}: {item['line']}"
        unsubscribe = f"{base_url()}/unsubscribe/{unsubscribe_token(user.id, n.kind)}"
        context = {"items": [item], "digest": False, "unsubscribe": unsubscribe,
                   "preferences": f"{base_url()}/account/notifications", "lang": _language(user)}
        text = render_template("mail/notification.txt", **context)
        html = render_template("mail/notification.html", **context)
    return _message(cfg, user.email, subject, mail.message_id(n.id, n.created_at, cfg.domain), n.created_at, text,
                    html, unsubscribe)


def digest(cfg: mail.Settings, user: User, items: Sequence[Notification]) -> EmailMessage:
    """One e-mail gathering a user's notifications kept for the daily digest, grouped by kind, oldest first."""
    first = items[0]
    with force_locale(_language(user)):
        entries = [_item(n) for n in items]
        groups: dict[str, list[dict]] = {}
        for entry in entries:
            groups.setdefault(entry["kind"], []).append(entry)
        subject = "[KB] " + ngettext("Your daily digest: %(num)s notification", "Your daily digest: %(num)s notifications",
                                     len(items))
        unsubscribe = f"{base_url()}/unsubscribe/{unsubscribe_token(user.id, first.kind)}"
        context = {"groups": groups, "digest": True, "unsubscribe": unsubscribe,
                   "preferences": f"{base_url()}/account/notifications", "lang": _language(user)}
        text = render_template("mail/digest.txt", **context)
        html = render_template("mail/digest.html", **context)
    message_id = f"<kb-digest-{user.id}-{first.id}.{first.created_at.strftime('%Y%m%d%H%M%S')}@{cfg.domain}>"
    return _message(cfg, user.email, subject, message_id, first.created_at, text, html, unsubscribe)


def weekly(cfg: mail.Settings, user: User, items: Sequence[Notification], week: str) -> EmailMessage:
    """The weekly digest of new fitting records (the week's match alerts of one user), in their language."""
    first = items[0]
    with force_locale(_language(user)):
        entries = [_item(n) for n in items]
        subject = "[KB] " + ngettext("This week: %(num)s new fitting record", "This week: %(num)s new fitting records",
                                     len(items))
        unsubscribe = f"{base_url()}/unsubscribe/{unsubscribe_token(user.id, rcp.MATCH_ALERT)}"
        context = {"groups": {gettext("New records that fit yours"): entries}, "digest": True,
                   "unsubscribe": unsubscribe, "preferences": f"{base_url()}/account/notifications",
                   "lang": _language(user), "title": gettext("Your weekly digest")}
        text = render_template("mail/digest.txt", **context)
        html = render_template("mail/digest.html", **context)
    safe_week = week.replace(":", "-")
    return _message(cfg, user.email, subject, f"<kb-{safe_week}-{user.id}@{cfg.domain}>", first.created_at, text,
                    html, unsubscribe)
