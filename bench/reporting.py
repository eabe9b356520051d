"""Reporting benchmark: a knowledge bank of N exchanges (default 10,000) with parties, contributions, experts,
activities and results, then the server time of the dashboard (/reports), GET /api/v1/indicators and every
export, and the peak Python memory while each export streams.

    .venv/bin/python bench/reporting.py [--n 10000] [--rounds 3] [--export-rounds 1] [--database-url postgresql+psycopg://...] [--json out.json]

The application runs in-process (Flask's test client: no network, the time is the server's own: routing, queries,
rendering, and reading the streamed body to its end). Without --database-url the data goes to a throw-away SQLite
file in a temporary directory; with it, the named database is wiped first. Peak memory is tracemalloc's peak of
Python allocations during the export, next to the size of what was sent: a streamed export's peak stays flat
while its size grows with N.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _common import log, machine

SECTORS = ["agriculture", "agro-industry", "renewable-energy", "water", "cleaner-production", "sme-development",
           "vocational-training", "health", "ict-digital", "quality-infrastructure"]
MODALITIES = ["expert-mission", "training-course", "study-visit", "virtual-advisory"]
REQUESTERS = ["EC", "MZ", "SN", "JM", "BO", "PE", "HN", "GT", "KE", "TZ", "GH", "LA", "KH", "NP", "HT", "PY"]
PROVIDERS = ["CO", "BR", "MA", "IN", "MX", "CL", "ZA", "EG", "TR", "ID", "CN", "AR"]
PARTNERS = ["ES", "DE", "JP", "KR"]
STATES = ["agreed", "in_progress", "completed", "evaluated", "closed", "planned", "cancelled"]


def build(app, n: int, seed: int = 11) -> None:  # type: ignore[no-untyped-def]
    """Insert N exchanges and everything around them, in bulk (executemany), with known random draws."""
    from sqlalchemy import insert

    from kb.extensions import db
    from kb.models import (
        Activity,
        Contribution,
        Event,
        Exchange,
        ExchangeExpert,
        ExchangeParty,
        Expert,
        Match,
        Offer,
        Organisation,
        Request,
        Result,
    )
    from kb.models.records import request_modalities, request_sdgs, request_sectors

    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    with app.app_context():
        s = db.session
        orgs = []
        for i, cc in enumerate(REQUESTERS * 4):
            orgs.append({"id": 1000 + i + 1, "name": f"Ministry {i}", "kind": "ministry", "country_code": cc})
        base = 1000 + len(orgs)
        for i, cc in enumerate(PROVIDERS * 6):
            orgs.append({"id": base + i + 1, "name": f"Centre {i}", "kind": "competence-centre", "country_code": cc})
        centres = [o for o in orgs if o["kind"] == "competence-centre"]
        first_partner = len(orgs)
        for i, cc in enumerate(PARTNERS):
            orgs.append({"id": 1000 + first_partner + i + 1, "name": f"Agency {cc}", "kind": "fund-donor",
                         "country_code": cc})
        partners = orgs[first_partner:]
        facilitator = {"id": 1000 + len(orgs) + 1, "name": "Secretariat", "kind": "un-agency", "country_code": "AT"}
        orgs.append(facilitator)
        now = datetime.now(UTC)
        for o in orgs:
            o.update(created_at=now, updated_at=now, version=1, verified=True)
        s.execute(insert(Organisation), orgs)
        experts = [{"id": i + 1, "organisation_id": centres[i % len(centres)]["id"], "name": f"Expert {i}",
                    "expertise": "x", "languages": ["en"], "active": True, "sex": rng.choice(["female", "male"]),
                    "created_at": now, "updated_at": now, "version": 1} for i in range(len(centres) * 8)]
        s.execute(insert(Expert), experts)
        by_centre: dict[int, list[int]] = {}
        for e in experts:
            by_centre.setdefault(e["organisation_id"], []).append(e["id"])
        offers = []
        for i in range(2000):
            c = centres[i % len(centres)]
            offers.append({"id": i + 1, "title": f"Offer {i}", "description": "d", "text_lang": "en",
                           "organisation_id": c["id"], "country_code": c["country_code"], "status": "published",
                           "terms": "in-kind", "created_at": t0, "updated_at": t0, "version": 1, "published_at": t0})
        s.execute(insert(Offer), offers)
        requesters = [o for o in orgs if o["kind"] == "ministry"]
        rows = {k: [] for k in ("req", "sec", "sdg", "mod", "ev", "match", "ex", "party", "contrib", "act", "res",
                                "xe")}
        party_id = contrib_id = 0
        for i in range(n):
            rid = i + 1
            org = requesters[i % len(requesters)]
            created = t0 + timedelta(days=rng.randrange(0, 900), hours=rng.randrange(24))
            published = created + timedelta(days=rng.randrange(1, 20))
            proposed = published + timedelta(days=rng.randrange(1, 60))
            approved = proposed + timedelta(days=rng.randrange(1, 30))
            state = rng.choices(STATES, weights=[10, 25, 20, 15, 20, 5, 5])[0]
            offer = offers[rng.randrange(len(offers))]
            rows["req"].append({"id": rid, "title": f"Need {i}", "description": "d", "text_lang": "es",
                                "organisation_id": org["id"], "country_code": org["country_code"],
                                "status": "closed" if state == "closed" else "matched", "created_at": created,
                                "updated_at": approved, "version": 1, "published_at": published})
            for code in rng.sample(SECTORS, rng.choice([1, 1, 2])):
                rows["sec"].append({"request_id": rid, "sector_code": code})
            rows["sdg"].append({"request_id": rid, "sdg_number": rng.randrange(1, 18)})
            rows["mod"].append({"request_id": rid, "modality_code": rng.choice(MODALITIES)})
            rows["ev"].append({"at": created + timedelta(hours=2), "record_type": "request", "record_id": rid,
                               "action": "submit"})
            rows["match"].append({"id": rid, "request_id": rid, "offer_id": offer["id"], "status": "approved",
                                  "origin": "suggestion", "created_at": proposed, "updated_at": approved, "version": 1})
            start = (approved + timedelta(days=20)).date()
            end = start + timedelta(days=rng.randrange(10, 120))
            running = state not in ("planned", "cancelled", "agreed")
            rows["ex"].append({"id": rid, "match_id": rid, "request_id": rid, "offer_id": offer["id"],
                               "title": f"Need {i}", "status": state, "created_at": approved, "updated_at": approved,
                               "version": 1, "agreement_ref": None if state == "planned" else f"A-{rid}",
                               "agreement_date": None if state == "planned" else start - timedelta(days=5),
                               "start_date": start if running else None,
                               "end_date": end if state in ("completed", "evaluated", "closed") else None})
            roles = [("requester", org["id"]), ("provider", offer["organisation_id"]),
                     ("facilitator", facilitator["id"])]
            if rng.random() < 0.3:
                roles.append(("partner", rng.choice(partners)["id"]))
            for role, org_id in roles:
                party_id += 1
                rows["party"].append({"id": party_id, "exchange_id": rid, "organisation_id": org_id, "role": role,
                                      "joined_at": approved})
                if role == "partner":
                    contrib_id += 1
                    rows["contrib"].append({"id": contrib_id, "party_id": party_id, "kind": "money",
                                            "amount": Decimal(rng.randrange(1000, 50000)),
                                            "currency": rng.choice(["EUR", "USD"]), "created_at": approved})
                elif role == "provider":
                    contrib_id += 1
                    rows["contrib"].append({"id": contrib_id, "party_id": party_id, "kind": "expert-days",
                                            "expert_days": rng.randrange(5, 40), "created_at": approved})
            if running:
                for e in rng.sample(by_centre[offer["organisation_id"]], 2):
                    rows["xe"].append({"exchange_id": rid, "expert_id": e, "expert_days": rng.randrange(3, 25),
                                       "added_at": approved})
                for k in range(2):
                    d = start + timedelta(days=k * 5)
                    rows["act"].append({"exchange_id": rid, "kind": rng.choice(["training", "expert-mission"]),
                                        "title": "A", "start_date": d, "end_date": d + timedelta(days=3),
                                        "place": "P", "virtual": False,
                                        "participants_female": rng.randrange(0, 30),
                                        "participants_male": rng.randrange(0, 30), "participants_other": 0,
                                        "expert_days": 0, "created_at": approved})
                rows["res"].append({"exchange_id": rid, "people_trained": rng.randrange(5, 60),
                                    "women_trained": rng.randrange(0, 5), "rating": rng.randrange(1, 6),
                                    "policy_changes": "New rule" if rng.random() < 0.2 else None,
                                    "created_at": approved + timedelta(days=60)})
        for table, key in ((Request, "req"), (request_sectors, "sec"), (request_sdgs, "sdg"),
                           (request_modalities, "mod"), (Event, "ev"), (Match, "match"), (Exchange, "ex"),
                           (ExchangeParty, "party"), (Contribution, "contrib"), (Activity, "act"), (Result, "res"),
                           (ExchangeExpert, "xe")):
            for chunk in range(0, len(rows[key]), 5000):
                s.execute(insert(table), rows[key][chunk:chunk + 5000])
        s.commit()
        log("built: " + ", ".join(f"{k} {len(v)}" for k, v in rows.items()))


def timed(client, path: str, headers: dict, memory: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """Server time of one call with its body read to the end (and tracemalloc's peak when asked)."""
    if memory:
        tracemalloc.start()
    t, cpu = time.perf_counter(), time.process_time()
    resp = client.get(path, headers=headers, buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    resp.close()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    if memory:
        tracemalloc.stop()
    assert resp.status_code == 200, (path, resp.status_code)
    return {"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "bytes": size,
            "peak_mib": peak / 2**20 if peak is not None else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3, help="timed calls of each page and API call")
    ap.add_argument("--export-rounds", type=int, default=1, help="timed calls of each export (besides the memory run)")
    ap.add_argument("--pages-only", action="store_true", help="time the pages and the API, not the exports")
    ap.add_argument("--database-url")
    ap.add_argument("--json")
    args = ap.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from kb import create_app
    from kb.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-reporting-"))
    url = args.database_url or f"sqlite:///{tmp / 'kb.sqlite3'}"
    app = create_app({"KB_DATABASE_URL": url, "TESTING": True, "KB_SECRET_KEY": "bench-" + "x" * 32,
                      "KB_EMBEDDING_MODEL": "hashing-256", "KB_INDEX_DIR": str(tmp / "idx"),
                      "KB_PASSWORD_METHOD": "pbkdf2:sha256:1000", "KB_IATI_ORG_REF": "XM-DAC-41123",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        from kb.services.reference import seed_reference_data

        seed_reference_data()
        from kb.models import OrgKind
        from kb.services.admin import create_organisation, create_user
        from kb.services.auth import issue_token

        org = create_organisation(None, {"name": "Bench secretariat", "kind": OrgKind.UN_AGENCY, "country_code": "AT"})
        create_user(None, {"email": "sec@bench.example", "password": "correct-horse-battery", "role": "secretariat",
                           "organisation_id": org.id})
        token, _ = issue_token("sec@bench.example", "correct-horse-battery")
    log(f"building {args.n} exchanges on {url.split(':')[0]}")
    t = time.perf_counter()
    build(app, args.n)
    log(f"built in {time.perf_counter() - t:.1f} s")

    web = app.test_client()
    assert web.post("/login", data={"email": "sec@bench.example", "password": "correct-horse-battery"}).status_code == 302
    api = {"Authorization": f"Bearer {token}"}
    cases = [
        ("dashboard /reports", web, "/reports", {}, False),
        ("dashboard /reports?region=CAN&start=2025-01-01", web, "/reports?region=CAN&start=2025-01-01", {}, False),
        ("chart by_year.svg", web, "/reports/charts/by_year.svg", {}, False),
        ("/transparency", web, "/transparency", {}, False),
        ("GET /api/v1/indicators", web, "/api/v1/indicators", api, False),
        ("GET /api/v1/indicators?sector=water", web, "/api/v1/indicators?sector=water", api, False),
        ("exports/exchanges.csv", web, "/api/v1/exports/exchanges.csv", api, True),
        ("exports/exchanges.xlsx", web, "/api/v1/exports/exchanges.xlsx", api, True),
        ("exports/iati.xml", web, "/api/v1/exports/iati.xml", api, True),
        ("exports/sidicss.csv", web, "/api/v1/exports/sidicss.csv", api, True),
        ("exports/requests.csv", web, "/api/v1/exports/requests.csv", api, True),
    ]
    results = {}
    for name, client, path, headers, memory in cases:
        if memory and args.pages_only:
            continue
        runs = [timed(client, path, headers) for _ in range(args.export_rounds if memory else args.rounds)]
        mem = timed(client, path, headers, memory=True) if memory else None
        results[name] = {"median_ms": statistics.median(r["ms"] for r in runs), "min_ms": min(r["ms"] for r in runs),
                         "cpu_ms": statistics.median(r["cpu_ms"] for r in runs), "loadavg": os.getloadavg()[0],
                         "bytes": runs[0]["bytes"], "peak_mib": mem["peak_mib"] if mem else None}
        log(f"{name}: median {results[name]['median_ms']:.0f} ms (CPU {results[name]['cpu_ms']:.0f} ms, load "
            f"{results[name]['loadavg']:.1f}), {runs[0]['bytes'] / 2**20:.2f} MiB"
            + (f", peak {mem['peak_mib']:.1f} MiB" if mem else ""))
    out = {"n": args.n, "database": url.split(":")[0], "machine": machine(), "results": results,
           "day": date.today().isoformat()}
    print("\n| call | wall median (ms) | CPU (ms) | load | size (MiB) | peak Python memory (MiB) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        peak = f"{r['peak_mib']:.1f}" if r["peak_mib"] is not None else ""
        print(f"| {name} | {r['median_ms']:.0f} | {r['cpu_ms']:.0f} | {r['loadavg']:.1f} | {r['bytes'] / 2**20:.2f} | "
              f"{peak} |")
    print(f"\nmachine: {out['machine']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
