"""The notification outbox: queued for the parties concerned, sent by `kb outbox send` to a real local SMTP
server (aiosmtpd on a free port), one transaction per message, never twice, with no user text in a header."""
from __future__ import annotations

import pytest
from mailserver import Authenticator, MailServer, Recorder, self_signed_certificate, server_tls_context
from sqlalchemy import select

from kb.extensions import db
from kb.models import Notification, NotificationStatus, Request, utcnow
from kb.services import audit, events, letters, mail

INJECTED = "Cleaner tanneries \r\nBcc: evil@attacker.example"


@pytest.fixture
def outbox(kb, app, monkeypatch):
    """Three users hear about a submitted request; returns (their e-mails, run the CLI, read the outbox)."""
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    other_sec = kb.user("secretariat", org_id=sec.org_id)
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    with app.app_context():  # a title stored as typed (however the API treats control characters today)
        db.session.get(Request, req["id"]).title = INJECTED
        db.session.commit()
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    runner = app.test_cli_runner()

    def send(*args: str):
        return runner.invoke(args=["kb", "outbox", "send", *args])

    def rows() -> dict[str, Notification]:
        with app.app_context():
            found = {n.user.email: n for n in db.session.scalars(select(Notification).order_by(Notification.id))}
            db.session.expunge_all()
            return found

    def use(server: MailServer, **settings):
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)
        monkeypatch.setitem(app.config, "KB_MAIL_FROM", "Knowledge Bank <kb@kb.example>")
        for key, value in settings.items():
            monkeypatch.setitem(app.config, f"KB_SMTP_{key.upper()}", value)

    return sorted([sec.email, colleague.email, other_sec.email]), send, rows, use


def test_a_transition_notifies_the_owner_and_the_secretariat_but_not_the_actor(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    with app.app_context():
        rows = db.session.query(Notification).all()
        by_user = {(n.user_id, n.event.action) for n in rows}
    assert (sec.id, "submit") in by_user and (colleague.id, "submit") in by_user
    assert (director.id, "submit") not in by_user


def test_without_an_smtp_host_the_messages_go_to_the_mail_log(outbox, app, tmp_path, monkeypatch):
    import mailbox

    emails, send, rows, _use = outbox
    monkeypatch.setitem(app.config, "KB_MAIL_LOG", str(tmp_path / "mail.log"))
    result = send()
    assert result.exit_code == 0, result.output
    assert "3 sent" in result.output and "0 pending" in result.output
    assert {(n.status, n.transport) for n in rows().values()} == {(NotificationStatus.SENT, "log")}
    logged = list(mailbox.mbox(tmp_path / "mail.log"))
    assert sorted(m["To"] for m in logged) == emails
    assert send().output.startswith("0 sent")  # nothing twice


def test_a_title_with_a_forged_bcc_header_is_delivered_once_per_recipient_and_to_nobody_else(outbox, app):
    emails, send, rows, use = outbox
    with app.app_context():  # a message queued before titles were flattened: its stored subject has the CRLF
        legacy = db.session.scalars(select(Notification).order_by(Notification.id)).first()
        legacy.subject = "[KB] request is now submitted: " + INJECTED
        db.session.commit()
    with MailServer() as server:
        use(server)
        result = send()
        assert result.exit_code == 0, result.output
        assert "3 sent" in result.output
        assert sorted(server.recipients) == emails  # one message each, to the notified users only
        assert all(len(d.rcpt_tos) == 1 for d in server.delivered)
        for d in server.delivered:
            assert d.message["Bcc"] is None and d.message["Cc"] is None
            assert "\n" not in d.message["Subject"] and "\r" not in d.message["Subject"]
            assert "Cleaner tanneries Bcc: evil@attacker.example" in d.message["Subject"]
            assert [str(a.addr_spec) for a in d.message["To"].addresses] == d.rcpt_tos
            assert b"\r\nBcc:" not in d.raw.split(b"\r\n\r\n")[0] + b"\r\n"
        assert "evil@attacker.example" not in server.rcpt_asked
        # A second run sends nothing again.
        again = send()
        assert again.exit_code == 0 and "0 sent" in again.output
        assert len(server.delivered) == 3
    assert {n.status for n in rows().values()} == {NotificationStatus.SENT}
    assert {n.attempts for n in rows().values()} == {1}


def test_a_refused_recipient_is_marked_failed_and_the_others_are_sent(outbox):
    emails, send, rows, use = outbox
    refused = emails[1]
    with MailServer(Recorder(refuse_rcpt={refused: "550 5.1.1 No such user here"})) as server:
        use(server)
        result = send()
        assert result.exit_code == 0, result.output
        assert "2 sent, 1 failed" in result.output
        assert f"to {refused}" in result.output and "550" in result.output
        assert sorted(server.recipients) == [e for e in emails if e != refused]
        state = rows()
        assert state[refused].status == NotificationStatus.FAILED and state[refused].attempts == 1
        assert "550" in state[refused].error and "No such user" in state[refused].error
        assert all(state[e].status == NotificationStatus.SENT for e in emails if e != refused)
        # Nothing is sent twice, and the failed message is not retried.
        again = send()
        assert "0 sent, 0 failed" in again.output and "0 pending" in again.output
        assert len(server.delivered) == 2 and server.rcpt_asked.count(refused) == 1


def test_a_transient_refusal_is_retried_later_with_the_same_message_id_then_given_up(outbox, app):
    emails, _send, rows, use = outbox
    recorder = Recorder(data_answers={1: "451 4.3.0 Try again later"})
    with MailServer(recorder) as server, app.app_context():
        use(server)
        now = utcnow()
        report = events.send_pending(now=now)
        assert (report.sent, report.failed, report.retrying, report.pending) == (2, 0, 1, 1)
        waiting = next(n for n in rows().values() if n.status == NotificationStatus.PENDING)
        assert waiting.attempts == 1 and "451" in waiting.error
        assert waiting.next_attempt_at > now
        first_id = recorder.data_seen[0]["Message-ID"]
        assert first_id.startswith(f"<kb-notification-{waiting.id}.") and first_id.endswith("@kb.example>")

        # Not due yet: a run now leaves it alone.
        assert events.send_pending(now=now).counts() == {"sent": 0, "failed": 0, "retrying": 0, "pending": 1}
        assert len(recorder.data_seen) == 3
        # Due: tried again, with the same Message-ID (receivers can tell a repeat).
        recorder.data_answers = {4: "451 4.3.0 Still busy", 5: "452 4.3.1 Full"}
        report = events.send_pending(now=waiting.next_attempt_at)
        assert report.retrying == 1 and recorder.data_seen[3]["Message-ID"] == first_id
        later = rows()[waiting.user.email]
        report = events.send_pending(now=later.next_attempt_at)
        assert report.retrying == 1 and rows()[waiting.user.email].attempts == 3
        # Up to MAX_ATTEMPTS, then it fails for good.
        recorder.data_answers = {n: "451 4.3.0 Busy" for n in range(6, 20)}
        while rows()[waiting.user.email].status == NotificationStatus.PENDING:
            events.send_pending(now=rows()[waiting.user.email].next_attempt_at)
        final = rows()[waiting.user.email]
        assert final.status == NotificationStatus.FAILED and final.attempts == events.MAX_ATTEMPTS
        assert {m["Message-ID"] for m in recorder.data_seen[3:]} == {first_id}
        assert sorted(server.recipients) == sorted(e for e in emails if e != waiting.user.email)


def test_a_crash_after_some_deliveries_resends_nothing_already_delivered(outbox, app, monkeypatch):
    emails, send, rows, use = outbox
    real_build, calls = letters.notification, []

    def build_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the process dies here (simulated)")
        return real_build(*args, **kwargs)

    with MailServer() as server:
        use(server)
        monkeypatch.setattr(letters, "notification", build_then_crash)
        crashed = send()
        assert isinstance(crashed.exception, RuntimeError)
        assert len(server.delivered) == 2
        assert sorted(n.status for n in rows().values()) == ["pending", "sent", "sent"]
        monkeypatch.setattr(letters, "notification", real_build)
        result = send()
        assert result.exit_code == 0 and "1 sent" in result.output
        assert sorted(server.recipients) == emails  # each exactly once


def test_a_server_that_closes_the_session_stops_the_run_without_marking_the_message(outbox):
    emails, send, rows, use = outbox
    with MailServer(Recorder(data_answers={2: "421 4.3.2 Shutting down"})) as server:
        use(server)
        result = send()
        assert result.exit_code == 1
        assert "1 sent" in result.output and "Stopped" in result.output and "421" in result.output
        state = sorted(rows().values(), key=lambda n: n.id)
        assert [n.status for n in state] == ["sent", "pending", "pending"]
        assert [n.attempts for n in state] == [1, 0, 0]
        result = send()
        assert result.exit_code == 0 and "2 sent" in result.output
        assert sorted(server.recipients) == emails


def test_no_server_listening_stops_the_run_cleanly_and_marks_nothing(outbox, monkeypatch, app):
    _emails, send, rows, use = outbox
    server = MailServer()  # never started: nothing listens on its port
    use(server)
    result = send()
    assert result.exit_code == 1
    assert "Stopped: Cannot open the SMTP session with 127.0.0.1" in result.output
    assert "Traceback" not in result.output
    assert {(n.status, n.attempts) for n in rows().values()} == {(NotificationStatus.PENDING, 0)}


def test_starttls_with_a_verified_certificate_and_auth_login(outbox, tmp_path, monkeypatch):
    emails, send, rows, use = outbox
    cert, key = self_signed_certificate(tmp_path)
    options = dict(tls_context=server_tls_context(cert, key), require_starttls=True, auth_required=True,
                   auth_require_tls=True, authenticator=Authenticator("kb-mailer", "s3cret-pass"))
    with MailServer(**options) as server:
        use(server, security="starttls", username="kb-mailer", password="wrong-pass")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate (the system store otherwise)
        refused = send()
        assert refused.exit_code == 1 and "Stopped" in refused.output and "535" in refused.output
        assert {n.attempts for n in rows().values()} == {0}

        use(server, security="starttls", username="kb-mailer", password="s3cret-pass")
        result = send()
        assert result.exit_code == 0, result.output
        assert "3 sent" in result.output
        assert sorted(server.recipients) == emails
        assert {d.authenticated_as for d in server.delivered} == {"kb-mailer"}
        assert {str(d.message["From"]) for d in server.delivered} == {"Knowledge Bank <kb@kb.example>"}


def test_an_untrusted_certificate_stops_the_run(outbox, tmp_path):
    _emails, send, rows, use = outbox
    cert, key = self_signed_certificate(tmp_path)
    with MailServer(tls_context=server_tls_context(cert, key), require_starttls=True) as server:
        use(server, security="starttls")
        result = send()
        assert result.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in result.output
        assert not server.delivered
    assert {n.attempts for n in rows().values()} == {0}


def test_implicit_tls(outbox, tmp_path, monkeypatch):
    emails, send, _rows, use = outbox
    cert, key = self_signed_certificate(tmp_path)
    with MailServer(ssl_context=server_tls_context(cert, key)) as server:
        use(server, security="tls")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        result = send()
        assert result.exit_code == 0, result.output
        assert sorted(server.recipients) == emails


@pytest.mark.parametrize("settings,message", [
    ({"KB_SMTP_SECURITY": "ssl3"}, "KB_SMTP_SECURITY must be one of none, starttls, tls"),
    ({"KB_SMTP_USERNAME": "kb-mailer"}, "KB_SMTP_USERNAME is set but KB_SMTP_SECURITY is none"),
    ({"KB_MAIL_FROM": "not an address"}, "KB_MAIL_FROM is not an e-mail address"),
    ({"KB_MAIL_FROM": "kb@kb.example\r\nBcc: evil@attacker.example"}, "KB_MAIL_FROM is not an e-mail address"),
])
def test_settings_that_cannot_work_stop_the_run_with_their_name(outbox, monkeypatch, app, settings, message):
    _emails, send, rows, _use = outbox
    monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    result = send()
    assert result.exit_code == 1 and message in result.output
    assert {n.attempts for n in rows().values()} == {0}


def test_header_text_flattens_every_line_break_and_control_character():
    assert mail.header_text("a\r\nBcc: x@y\nb\rc\x85d\u2028e\u2029f\tg\x00h\x1bi\ud800j") == \
        "a Bcc: x@y b c d e f g h i j"
    assert mail.header_text("  spaced   out  ") == "spaced out"
    long = mail.header_text("x" * 500)
    assert len(long) == mail.SUBJECT_MAX and long.endswith("…")


def test_the_subject_and_body_of_a_notification_hold_no_forged_lines(kb, app):
    director = kb.user("director")
    kb.user("secretariat", country="AT")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    with app.app_context():
        record = db.session.get(Request, req["id"])
        record.title = INJECTED + "\u2028X-Evil: 1" + "y" * 230  # fits the column (300), not the subject
        event = audit.record_event(None, record, "submit", "draft", "submitted", notify=False)
        subject, body = audit.describe(event, record)
        db.session.rollback()
    assert "\r" not in subject and "\n" not in subject and len(subject) <= mail.SUBJECT_MAX
    assert subject.startswith(f"[KB] request #{req['id']} is now submitted: Cleaner tanneries Bcc: evil@")
    assert not any(line.startswith(("Bcc:", "X-Evil:")) for line in body.splitlines())
