"""E-mail for the notification outbox: header-safe text, the message of one notification, the SMTP connection.

No user text reaches a header as it was typed: header_text() flattens line breaks and every other control
character and caps the length, and the messages are built with email.policy.SMTP, which refuses a header
value that still holds CR or LF. Each message carries a Message-ID derived from its notification (the
idempotency key of a delivery: a receiver or a later worker recognises a message sent twice).
"""
from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
SUBJECT_MAX = 200
# Control characters (C0, DEL, C1: CR, LF, NEL, TAB...), line and paragraph separators and lone surrogates
# never reach a header.
_UNSAFE_CATEGORIES = {"Cc", "Zl", "Zp", "Cs"}


class MailConfigError(Exception):
    """The e-mail settings cannot work (named setting, what is wrong)."""


# Links carrying a secret (kb/web/join.py): a password reset, an invitation, an application's e-mail confirmation.
# Once a message holding one is delivered, the copy kept in notifications.body loses the token (redact_secrets), so
# whoever reads the outbox table (a backup, an admin's query) cannot use it.
SECRET_LINK = re.compile(r"(/(?:password/reset|invitation|join/confirm)/)[A-Za-z0-9_.~-]+")
REDACTED = "[removed once sent]"


def redact_secrets(body: str) -> str:
    """body with the token of every secret link replaced by REDACTED (the page's address stays readable)."""
    return SECRET_LINK.sub(lambda m: m.group(1) + REDACTED, body)


def header_text(value: Any, limit: int = SUBJECT_MAX) -> str:
    """value as one line fit for a header: control characters and line breaks become spaces, runs of
    white space one space, at most limit characters (an ellipsis marks a cut)."""
    text = "".join(" " if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in str(value or ""))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def body_text(value: Any) -> str:
    """value fit for a text/plain body: lone surrogates (which no charset encodes) replaced, NUL removed."""
    text = str(value or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class Settings:
    """The KB_SMTP_* and KB_MAIL_FROM settings, checked."""

    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float
    sender: Address
    log_path: str = ""  # host "" : write to this mail log instead of SMTP (log_settings)

    @property
    def domain(self) -> str:
        return self.sender.domain or "localhost"


def settings(config: Mapping[str, Any]) -> Settings | None:
    """The checked settings, or None when KB_SMTP_HOST is not set (messages then go to the mail log)."""
    host = (config.get("KB_SMTP_HOST") or "").strip()
    if not host:
        return None
    security = (config.get("KB_SMTP_SECURITY") or "none").strip().lower()
    if security not in SECURITY:
        raise MailConfigError(f"KB_SMTP_SECURITY must be one of {', '.join(SECURITY)} (not {security!r}).")
    port = int(config.get("KB_SMTP_PORT") or 0) or DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        raise MailConfigError(f"KB_SMTP_PORT must be a TCP port (not {port}).")
    username, password = config.get("KB_SMTP_USERNAME") or "", config.get("KB_SMTP_PASSWORD") or ""
    if username and security == "none":
        raise MailConfigError("KB_SMTP_USERNAME is set but KB_SMTP_SECURITY is none: the password would cross "
                              "the network in clear; use starttls or tls.")
    timeout = float(config.get("KB_SMTP_TIMEOUT") or 30)
    if timeout <= 0:
        raise MailConfigError("KB_SMTP_TIMEOUT must be a positive number of seconds.")
    return Settings(host, port, security, username, password, timeout, sender(config.get("KB_MAIL_FROM") or ""))


def log_settings(config: Mapping[str, Any]) -> Settings:
    """Without KB_SMTP_HOST (development): messages are appended to the mail log file KB_MAIL_LOG instead."""
    return Settings("", 0, "none", "", "", 1.0, sender(config.get("KB_MAIL_FROM") or ""),
                    str(config.get("KB_MAIL_LOG") or "mail.log"))


class MailLog:
    """An SMTP session look-alike writing each message to a file (mbox format), for development."""

    def __init__(self, path: str) -> None:
        self.path = path

    def send_message(self, msg: EmailMessage) -> dict:
        import mailbox

        box = mailbox.mbox(self.path, create=True)
        try:
            box.lock()
            box.add(msg)
            box.flush()
        finally:
            box.unlock()
            box.close()
        return {}

    def quit(self) -> None:
        pass

    def close(self) -> None:
        pass


def sender(value: str) -> Address:
    """KB_MAIL_FROM ("kb@example.org" or "Knowledge Bank <kb@example.org>") as an address."""
    name, addr = parseaddr(value)
    try:
        if not addr or "@" not in addr or any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ValueError(value)
        return Address(display_name=header_text(name), addr_spec=addr)
    except (ValueError, IndexError, TypeError):
        raise MailConfigError(f"KB_MAIL_FROM is not an e-mail address: {value!r}.") from None


def message_id(notification_id: int, created_at: Any, domain: str) -> str:
    """The Message-ID of a notification: the same on every attempt; its creation time keeps it apart from a
    notification with the same id in an earlier database."""
    stamp = created_at.strftime("%Y%m%d%H%M%S") if created_at else "0"
    return f"<kb-notification-{notification_id}.{stamp}@{domain}>"


def build(cfg: Settings, notification_id: int, created_at: Any, to: str, subject: str, body: str) -> EmailMessage:
    """The message of one notification; ValueError (and kin) when it cannot be made (a bad address)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = cfg.sender
    msg["To"] = Address(addr_spec=to)
    msg["Subject"] = header_text(subject)
    msg["Message-ID"] = message_id(notification_id, created_at, cfg.domain)
    msg["Date"] = format_datetime(created_at) if created_at else None
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    msg.set_content(body_text(body))
    return msg


# What building a message may raise for a bad stored value (an address, an encoding).
BUILD_ERRORS = (ValueError, TypeError, IndexError, UnicodeError, LookupError)


def connect(cfg: Settings) -> smtplib.SMTP:
    """An open SMTP session: TLS (implicit or STARTTLS) verified against the system's trust store, then AUTH
    when a user name is set. Raises OSError / smtplib errors when that fails."""
    if not cfg.host:
        return MailLog(cfg.log_path)  # type: ignore[return-value]
    context = ssl.create_default_context()
    if cfg.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        smtp.ehlo()
        if cfg.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if cfg.username:
            smtp.login(cfg.username, cfg.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def quit_quietly(smtp: smtplib.SMTP) -> None:
    """End the session; a server already gone is not an error."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
