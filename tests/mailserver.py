"""A real SMTP server for the e-mail tests (aiosmtpd on a free local port), and a self-signed certificate.

The server records every message it accepted (envelope and parsed message) and every RCPT it was asked for;
answers can be scripted per recipient (RCPT) or per message number (DATA), e.g. 550 or 451.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Delivery:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    authenticated_as: str | None


@dataclass
class Recorder:
    """The handler: records, and answers as scripted."""

    refuse_rcpt: dict[str, str] = field(default_factory=dict)   # address -> answer, e.g. "550 5.1.1 No such user"
    data_answers: dict[int, str] = field(default_factory=dict)  # n-th DATA (from 1) -> answer instead of 250
    delivered: list[Delivery] = field(default_factory=list)
    rcpt_asked: list[str] = field(default_factory=list)
    data_seen: list[EmailMessage] = field(default_factory=list)  # every DATA received, accepted or not

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_asked.append(address)
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.data_seen.append(message)
        answer = self.data_answers.get(len(self.data_seen))
        if answer:
            return answer
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.delivered.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content, login))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [r for d in self.delivered for r in d.rcpt_tos]


class Authenticator:
    """aiosmtpd authenticator: one user name and password."""

    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (self.login, self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class MailServer:
    """A running aiosmtpd server; use as a context manager."""

    def __init__(self, recorder: Recorder | None = None, **smtp_options: Any) -> None:
        self.recorder = recorder or Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **smtp_options)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __getattr__(self, name: str) -> Any:  # what the server recorded: delivered, recipients, rcpt_asked...
        return getattr(self.recorder, name)

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost with its key, as PEM files (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kb test mail server")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
