"""The secretariat's desk lists: requests without a proposal yet (oldest first, weakest best fit first) and suggested
partners, timed against a catalogue of N offers, R unproposed requests and P partner organisations.

    .venv/bin/python bench/desk.py --offers 2000 --requests 500 --partners 300 [--model hashing-384] [--json out.json]

Everything happens in a temporary directory: a migrated SQLite database, the benchmark's offers and requests
imported with `kb import`'s service (repeated with distinct ids and institutions; imported records are published),
P partner organisations with seeded priorities. Reports the median wall time of 5 calls (after one warm call) and
the SQL statements of one call. The default model is the hashing embedder (ranking costs the same whatever vectors).
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from _common import loadavg, log, machine, read_jsonl, write_json  # noqa: E402


def _repeat(rows: list[dict], n: int, kind: str) -> list[dict]:
    out = []
    for i in range(n):
        row = dict(rows[i % len(rows)])
        row["id"] = f"{row['id']}-{i}"
        name = "institution" if kind == "offer" else "requester"
        row[name] = f"{row[name]} #{i // len(rows)}"
        if kind == "offer":
            row["valid_until"] = "2099-12-31"
        out.append(row)
    return out


def _timed(fn, runs: int = 5) -> tuple[float, float, int]:
    """(cold ms: the first call with the per-process caches empty, as after a change to the catalogue; warm ms:
    the median of runs calls; statements of one warm call)."""
    from sqlalchemy import event

    from kb.extensions import db
    from kb.services import cache

    cache.clear()
    t0 = time.perf_counter()
    fn()
    cold = round((time.perf_counter() - t0) * 1000, 1)
    count = [0]

    def _count(*_a, **_k):  # type: ignore[no-untyped-def]
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    fn()
    event.remove(db.engine, "before_cursor_execute", _count)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return cold, round(statistics.median(times) * 1000, 1), count[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--offers", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--partners", type=int, default=300)
    ap.add_argument("--model", default="hashing-384")
    ap.add_argument("--json")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-desk-"))
    os.environ.update({"KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_EMBEDDING_MODEL": args.model,
                       "KB_INDEX_DIR": str(tmp / "idx"), "KB_SECRET_KEY": secrets.token_hex(32),
                       "KB_JOBS_FILE": str(tmp / "jobs.sqlite3"), "KB_MAIL_LOG": str(tmp / "mail.log"),
                       "KB_BASE_URL": "http://127.0.0.1:5000"})
    from flask import g
    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.matching.sync import G_INDEX_CHECKED
    from kb.models import Organisation, OrgKind, Request, Role, User
    from kb.services import desk, ingest, matching, partner_fit
    from kb.services.reference import seed_reference_data

    app = create_app()
    result: dict = {"machine": machine(), "model": args.model, "offers": args.offers, "requests": args.requests,
                    "partners": args.partners, "load_before": loadavg()}
    with app.app_context():
        upgrade()
        seed_reference_data()
        ingest.import_records("offer", _repeat(read_jsonl("offers.jsonl"), args.offers, "offer"))
        ingest.import_records("request", _repeat(read_jsonl("requests.jsonl"), args.requests, "request"))
        rng = random.Random(0)
        sectors = [s for s in ("agriculture", "renewable-energy", "cleaner-production", "water", "health",
                               "education", "ict-digital", "vocational-training")]
        for i in range(args.partners):
            org = Organisation(name=f"Partner {i}", kind=OrgKind.FUND_DONOR, country_code="ES", verified=True,
                               priority_sectors=rng.sample(sectors, 2), priority_sdgs=rng.sample(range(1, 18), 3),
                               priority_regions=rng.sample(["CAN", "MERCOSUR", "ECOWAS", "SADC", "ASEAN"], 1),
                               priority_contributions=["money"])
            db.session.add(org)
            db.session.flush()
            db.session.add(User(email=f"p{i}@bench.example", password_hash="x", role=Role.PARTNER,
                                organisation_id=org.id))
        staff_org = Organisation(name="Secretariat", kind=OrgKind.UN_AGENCY, country_code="AT", verified=True)
        db.session.add(staff_org)
        db.session.flush()
        staff = User(email="sec@bench.example", password_hash="x", role=Role.SECRETARIAT, organisation_id=staff_org.id)
        db.session.add(staff)
        db.session.commit()
        request_id = db.session.query(Request.id).order_by(Request.id).first()[0]
        log(f"loaded {args.offers} offers, {args.requests} requests, {args.partners} partners")

        def fresh(fn):  # type: ignore[no-untyped-def]
            def run():  # type: ignore[no-untyped-def]
                g.pop(G_INDEX_CHECKED, None)
                db.session.expire_all()
                return fn()
            return run

        with app.test_request_context():
            matching.manager()  # the catalogue loaded once, as in a running process
            for order, per_page in (("age", 20), ("age", 100), ("fit", 20), ("fit", 100)):
                cold, ms, statements = _timed(fresh(lambda o=order, n=per_page: desk.unproposed_requests(staff, o, 1, n)))
                result[f"waiting_{order}_{per_page}"] = {"cold_ms": cold, "warm_ms": ms, "statements": statements}
                log(f"requests without a proposal, order={order}, per_page={per_page}: cold {cold} ms, warm {ms} ms, "
                    f"{statements} statements")
            cold, ms, statements = _timed(fresh(lambda: partner_fit.for_request(staff, request_id)))
            result["partners"] = {"cold_ms": cold, "warm_ms": ms, "statements": statements}
            log(f"suggested partners for one request among {args.partners}: cold {cold} ms, warm {ms} ms, "
                f"{statements} statements")
    result["load_after"] = loadavg()
    write_json(args.json, result)


if __name__ == "__main__":
    main()
