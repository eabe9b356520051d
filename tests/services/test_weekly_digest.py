"""The weekly digest of new fitting records: each user alerted in the past 7 days gets one e-mail listing the new
records that fit theirs, once a week; a user who refuses alerts (never) gets none; older alerts are not listed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from mailserver import MailServer
from test_alerts import UNRELATED

from kb.models import utcnow
from kb.services import alerts, digests


@pytest.fixture
def smtp(app, monkeypatch):
    with MailServer() as server:
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)
        yield server


def test_one_weekly_e_mail_per_alerted_user_listing_the_new_fitting_records(kb, app, parties, smtp):
    sec, centre, colleague, other_centre, director = parties
    kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    kb.ok("PATCH", "/notifications/preferences", colleague, {"match_alert": "never"})
    first = kb.published_request(director, sec)
    second = kb.published_request(director, sec)
    with app.app_context():
        for r in (first, second):
            alerts.alert_for("request", r["id"])
        report = digests.send_weekly()
        assert (report.sent, report.records) == (1, 2)
        [mail] = smtp.delivered
        assert mail.rcpt_tos == [centre.email] and "2 new fitting records" in mail.message["Subject"]
        text = mail.message.get_body(("plain",)).get_content()
        assert f"Request #{first['id']} " in text and f"Request #{second['id']} " in text
        assert "Your weekly digest" in text and text.count("- Request #") == 2
        assert digests.send_weekly().sent == 0 and len(smtp.delivered) == 1  # once a week
        assert digests.send_weekly(utcnow() + timedelta(days=8)).sent == 0  # last week's alerts are not new
