"""Alerts and e-mail delivery: fan-out time of the match alerts for one published request against N published
offers, e-mails delivered per second by one `kb worker` process to a local SMTP server, and that worker's memory.

    .venv/bin/python bench/alerts.py --offers 10000 --mails 1000 [--model hashing-384] [--json out.json]

Everything happens in a temporary directory: a migrated SQLite database, the offers imported with `kb import`'s
service (the benchmark's 150 offers repeated with distinct ids and institutions, so each has its own centre user),
one benchmark request published, kb.services.alerts.alert_for() timed; then --mails pending notifications, a real
worker process (`flask --app wsgi kb worker`, SQLite queue) sending them to aiosmtpd on a free local port.
The default model is the hashing embedder (the real model would take several minutes to embed 10k texts on two
shared cores; ranking and fan-out cost the same whatever the vectors).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH_DIR, ROOT, loadavg, log, machine, write_json


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--mails", type=int, default=1000)
    ap.add_argument("--model", default="hashing-384")
    ap.add_argument("--json")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-alerts-"))
    env = {"KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_EMBEDDING_MODEL": args.model,
           "KB_INDEX_DIR": str(tmp / "idx"), "KB_SECRET_KEY": secrets.token_hex(32),
           "KB_JOBS_FILE": str(tmp / "jobs.sqlite3"), "KB_MAIL_LOG": str(tmp / "mail.log"),
           "KB_PASSWORD_METHOD": "pbkdf2:sha256:1000"}
    os.environ.update(env)
    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.models import Event, Notification, Organisation, Role, User
    from kb.services import alerts, ingest
    from kb.services.reference import seed_reference_data

    app = create_app()
    result: dict = {"machine": machine(), "model": args.model, "offers": args.offers, "load_before": loadavg()}
    with app.app_context():
        upgrade()
        seed_reference_data()
        base = [json.loads(line) for line in (BENCH_DIR / "offers.jsonl").read_text().splitlines() if line.strip()]
        rows = []
        for i in range(args.offers):
            row = dict(base[i % len(base)])
            row["id"] = f"{row['id']}-{i}"
            row["institution"] = f"{row['institution']} #{i // len(base)}"
            row["valid_until"] = "2099-12-31"
            rows.append(row)
        t0 = time.perf_counter()
        report = ingest.import_records("offer", rows)
        result["import_s"] = round(time.perf_counter() - t0, 1)
        log(f"imported {report.created} offers in {result['import_s']} s")
        orgs = db.session.query(Organisation.id).all()
        for (org_id,) in orgs:
            db.session.add(User(email=f"centre{org_id}@bench.example", password_hash="x", role=Role.CENTRE,
                                organisation_id=org_id))
        db.session.commit()
        req = [json.loads(line) for line in (BENCH_DIR / "requests.jsonl").read_text().splitlines()][0]
        ingest.import_records("request", [req])
        from kb.models import Request

        request_id = db.session.query(Request.id).scalar()
        t0 = time.perf_counter()
        from kb.services.matching import manager

        manager()
        result["catalogue_load_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        a = alerts.alert_for("request", request_id)
        result["fanout_s"] = round(time.perf_counter() - t0, 3)
        result["fanout"] = {"considered": a.considered, "fitting": a.fitting, "pairs": a.pairs, "users": a.users}
        log(f"alert fan-out for one request against {args.offers} offers: {result['fanout_s']} s, {result['fanout']}")

        # E-mails: --mails pending notifications to distinct users, sent by one worker process.
        db.session.query(Notification).delete()
        event = Event(record_type="request", record_id=request_id, action="publish")
        db.session.add(event)
        db.session.flush()
        users = [u for (u,) in db.session.query(User.id).order_by(User.id).all()]
        for i in range(args.mails):
            db.session.add(Notification(event_id=event.id, user_id=users[i % len(users)], kind="record_update",
                                        record_type="request", record_id=request_id, title="Bench",
                                        subject="Bench", body="Bench"))
        db.session.commit()
        db.engine.dispose()

    from aiosmtpd.controller import Controller

    class Count:
        n = 0

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            Count.n += 1
            return "250 OK"

    port = _free_port()
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    worker_env = {**os.environ, **env, "KB_SMTP_HOST": "127.0.0.1", "KB_SMTP_PORT": str(port), "FLASK_APP": "wsgi",
                  "KB_MAIL_FROM": "kb@bench.example", "KB_OUTBOX_BATCH": "100"}
    log_path = tmp / "worker.log"
    with open(log_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "flask", "kb", "worker", "--threads", "1"], cwd=ROOT,
                                env=worker_env, stdout=out, stderr=subprocess.STDOUT)
        first = None
        try:
            while Count.n < args.mails and time.perf_counter() - t0 < 600:
                if first is None and Count.n > 0:
                    first = time.perf_counter()
                time.sleep(0.01)
            done = time.perf_counter()
            status = Path(f"/proc/{proc.pid}/status").read_text()
        finally:
            proc.terminate()
            proc.wait(30)
            controller.stop()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    result["mails"] = Count.n
    result["mails_per_s"] = round((Count.n - 1) / (done - first), 1) if first and done > first else None
    result["worker_start_to_first_mail_s"] = round(first - t0, 2) if first else None
    result["worker_rss_mib"] = round(int(fields["VmRSS"].split()[0]) / 1024, 1)
    result["worker_peak_rss_mib"] = round(int(fields["VmHWM"].split()[0]) / 1024, 1)
    result["load_after"] = loadavg()
    log(f"one worker (1 thread): {result['mails_per_s']} e-mails/s to aiosmtpd ({Count.n} in all), "
        f"RSS {result['worker_rss_mib']} MiB (peak {result['worker_peak_rss_mib']} MiB)")
    print(json.dumps(result, indent=2))
    write_json(args.json, result)


if __name__ == "__main__":
    main()
