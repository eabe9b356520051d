"""EXPLAIN ANALYZE of the list queries the services build, on PostgreSQL with N offers and N/5 requests.

    .venv/bin/python bench/explain.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kb_explain \
        --offers 100000

The database is migrated and seeded, then filled with synthetic rows by SQL (generate_series: fast, no
embeddings; the lists do not read them), ANALYZEd, and each query is explained as the services build it
(kb.services.records.filtered_records and the pagination's COUNT). It prints each plan's key lines: the
access paths, rows, timing and buffers. Re-running reuses rows already there. The database is the caller's
own: never point it at one that matters.
"""
from __future__ import annotations

import argparse
import sys

from _common import ROOT, log

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FILL = """
INSERT INTO organisations (name, kind, country_code, verified, created_at, updated_at, version)
SELECT 'Bench organisation ' || i, (ARRAY['ministry', 'competence-centre'])[1 + i % 2],
       (SELECT code FROM countries ORDER BY code OFFSET (i * 7) % 240 LIMIT 1), true, now(), now(), 1
FROM generate_series(1, 400) AS i;

INSERT INTO offers (organisation_id, country_code, status, terms, valid_until, title, description, text_lang,
                    published_at, created_at, updated_at, version)
SELECT o.id, o.country_code, CASE WHEN i % 10 = 0 THEN 'draft' WHEN i % 23 = 0 THEN 'archived' ELSE 'published' END,
       'cost-shared', CASE WHEN i % 7 = 0 THEN current_date - 30 ELSE current_date + 365 END,
       'Bench offer ' || i, 'Technical cooperation offer number ' || i || ' on cleaner production and training.',
       (ARRAY['en', 'es', 'pt', 'fr'])[1 + i % 4], now(), now(), now(), 1
FROM generate_series(1, :offers) AS i
JOIN organisations o ON o.name = 'Bench organisation ' || (2 * (i % 200) + 2);

INSERT INTO requests (organisation_id, country_code, status, title, description, text_lang, published_at,
                      created_at, updated_at, version)
SELECT o.id, o.country_code, CASE WHEN i % 10 = 0 THEN 'submitted' ELSE 'published' END,
       'Bench request ' || i, 'A request for technical cooperation number ' || i || ' on water and skills.',
       (ARRAY['en', 'es', 'pt', 'fr'])[1 + i % 4], now(), now(), now(), 1
FROM generate_series(1, :requests) AS i
JOIN organisations o ON o.name = 'Bench organisation ' || (2 * (i % 200) + 1);

INSERT INTO offer_sectors (offer_id, sector_code)
SELECT f.id, s.code FROM offers f
JOIN LATERAL (SELECT code FROM sectors ORDER BY code OFFSET f.id % 20 LIMIT 1 + f.id % 2) s ON true;
INSERT INTO offer_modalities (offer_id, modality_code)
SELECT f.id, m.code FROM offers f JOIN LATERAL (SELECT code FROM modalities ORDER BY code OFFSET f.id % 5 LIMIT 1) m ON true;
INSERT INTO offer_languages (offer_id, code)
SELECT f.id, l FROM offers f, unnest(CASE WHEN f.id % 3 = 0 THEN ARRAY['en', 'fr'] ELSE ARRAY['es', 'pt'] END) AS l;
INSERT INTO request_sectors (request_id, sector_code)
SELECT r.id, s.code FROM requests r
JOIN LATERAL (SELECT code FROM sectors ORDER BY code OFFSET r.id % 20 LIMIT 1) s ON true;
INSERT INTO request_languages (request_id, code) SELECT r.id, 'es' FROM requests r;
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--offers", type=int, default=100_000)
    args = ap.parse_args()
    if not args.database_url.startswith("postgresql"):
        ap.error("PostgreSQL only")

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text
    from sqlalchemy.dialects import postgresql

    from kb import create_app
    from kb.extensions import db
    from kb.models import Offer, Request
    from kb.services import records
    from kb.services.reference import seed_reference_data

    app = create_app({"KB_DATABASE_URL": args.database_url, "KB_SECRET_KEY": "bench-" + "x" * 32,
                      "KB_EMBEDDING_MODEL": "hashing-512"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_reference_data()
        have = db.session.scalar(select(func.count()).select_from(Offer))
        if have < args.offers:
            log(f"filling {args.offers} offers, {args.offers // 5} requests")
            for stmt in FILL.split(";\n"):
                if stmt.strip():
                    db.session.execute(text(stmt), {"offers": args.offers, "requests": args.offers // 5})
            db.session.commit()
        conn = db.session.connection()
        conn.exec_driver_sql("ANALYZE")
        dialect = postgresql.psycopg.dialect()

        def explain(name: str, stmt) -> None:  # type: ignore[no-untyped-def]
            compiled = stmt.compile(dialect=dialect)
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
            print(f"\n### {name}")
            for (line,) in rows:
                if any(k in line for k in ("Scan", "Sort", "Limit", "Join", "Aggregate", "Execution Time",
                                           "Filter", "Cond", "Buffers: shared", "Nested", "Hash", "Memoize")):
                    print("   ", line.strip()[:160])

        def count_of(stmt):  # type: ignore[no-untyped-def]
            return select(func.count()).select_from(stmt.order_by(None).subquery())

        sector = "cleaner-production"
        cases = {
            "offers, anonymous catalogue (published, unexpired), page 1":
                records.RecordFilters(status="published", include_expired=False),
            "offers, catalogue by sector": records.RecordFilters(status="published", include_expired=False, sector=sector),
            "offers, catalogue by country": records.RecordFilters(status="published", include_expired=False, country="BR"),
            "offers, catalogue by working language": records.RecordFilters(status="published", include_expired=False,
                                                                           language="fr"),
            "offers, catalogue by region": records.RecordFilters(status="published", include_expired=False, region="MERCOSUR"),
            "offers, staff list (all states)": records.RecordFilters(),
            "offers, staff list of drafts": records.RecordFilters(status="draft"),
        }
        for name, f in cases.items():
            stmt = records.filtered_records(Offer, None if "staff" not in name else _staff(), f)
            explain(name, stmt.limit(20))
            explain(name + " (COUNT)", count_of(stmt))
        explain("requests, anonymous catalogue page 1",
                records.filtered_records(Request, None, records.RecordFilters(status="published")).limit(20))
        explain("requests, submitted queue (staff)",
                records.filtered_records(Request, _staff(), records.RecordFilters(status="submitted")).limit(20))


def _staff():  # type: ignore[no-untyped-def]
    """A secretariat user object (not stored): staff see every record."""
    from kb.models import Role, User

    return User(role=Role.SECRETARIAT, organisation_id=0)


if __name__ == "__main__":
    main()
