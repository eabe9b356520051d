"""CPU per request in process: the calls of bench/http_load.py through Flask's test client, in a loop.

    .venv/bin/python bench/inproc.py --offers 10000 --model hashing-512            # every call, 200 rounds
    .venv/bin/python bench/inproc.py --only /offers --rounds 500 --profile out.html  # one call, profiled

Uses the database bench/http_load.py builds (`kb_http_<offers>_<model>` on --pg, or --db-name; --build builds it here
the same way, without serving it). For each call:
one warm-up request (index loaded, caches filled), then --rounds requests in --batches batches; prints the process
CPU time per request of the best and of the median batch
(time.process_time: user + system of this process, so a busy neighbour on a shared core does not inflate it as much
as wall time) and the wall time, and the status code (a call that does not answer 200 is reported, not timed).
--profile writes a pyinstrument HTML profile of the --only call (pyinstrument is not a dependency of kb: put it on
PYTHONPATH from a throw-away virtualenv). The figures leave out what gunicorn adds (HTTP parsing, the socket):
read them beside bench/http_load.py's, which include it.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(_HERE)
from _common import ROOT, loadavg  # noqa: E402

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--model", default="hashing-512")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--batches", type=int, default=5,
                    help="rounds are timed in this many batches; the best batch is the least disturbed by neighbours")
    ap.add_argument("--db-name", help="database to use (default kb_http_<offers>_<model>, as bench/http_load.py)")
    ap.add_argument("--build", action="store_true",
                    help="create and fill the database first if it is missing or short (bench/http_load.py's build)")
    ap.add_argument("--only", help="one path (or a prefix of one) of the calls")
    ap.add_argument("--second-model", default="hashing-384",
                    help="KB_SECOND_EMBEDDING_MODEL of the build and the app (none: without second vectors)")
    ap.add_argument("--lang", default="", help="Accept-Language of every request")
    ap.add_argument("--profile", help="write a pyinstrument HTML profile (wall time) of the --only call here")
    ap.add_argument("--cprofile", type=int, metavar="N",
                    help="print the N costliest functions of each call by CPU time (cProfile, time.process_time)")
    args = ap.parse_args()

    dbname = args.db_name or f"kb_http_{args.offers}_{re.sub(r'[^a-z0-9]', '_', args.model.lower())}"
    url = f"{args.pg}/{dbname}"
    from http_load import build, calls_for, ensure_database

    if args.build:
        ensure_database(args.pg, dbname)
        build(url, args.offers, args.model, args.second_model)
    calls = calls_for(url)
    if args.only:
        calls = [(n, p) for n, p in calls if p.startswith(args.only) or n == args.only]

    from kb import create_app

    app = create_app({"KB_DATABASE_URL": url, "KB_SECRET_KEY": "bench-" + "x" * 32, "KB_EMBEDDING_MODEL": args.model,
                      "KB_SECOND_EMBEDDING_MODEL": args.second_model, "KB_INDEX_WAIT_SECONDS": 600.0, "KB_BASE_URL": "http://localhost"})
    client = app.test_client()
    headers = {"Accept-Language": args.lang} if args.lang else {}
    print(f"{args.offers} offers, model {args.model}, {args.rounds} rounds, load {loadavg()}\n")
    print("| call | status | CPU ms/request (best / median batch) | wall ms/request (best / median batch) |")
    print("|---|---|---|---|")
    for name, path in calls:
        status = client.get(path, headers=headers).status_code
        if status != 200:
            print(f"| {name} | {status} | | |")
            continue
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        cprof = None
        if args.cprofile:
            import cProfile

            cprof = cProfile.Profile(time.process_time)
            cprof.enable()
        batch = max(1, args.rounds // args.batches)
        cpu, wall = [], []
        for _ in range(args.batches):
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(batch):
                client.get(path, headers=headers)
            cpu.append((time.process_time() - c0) / batch * 1000)
            wall.append((time.perf_counter() - w0) / batch * 1000)
        if cprof is not None:
            import pstats

            cprof.disable()
            stats = pstats.Stats(cprof, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(args.cprofile)
            stats.sort_stats("cumulative").print_stats(args.cprofile)
        if profiler is not None:
            profiler.stop()
            with open(args.profile, "w") as f:
                f.write(profiler.output_html())
            print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
        print(f"| {name} | {status} | {min(cpu):.2f} / {statistics.median(cpu):.2f} | {min(wall):.2f} / "
              f"{statistics.median(wall):.2f} |", flush=True)
    print(f"\nload {loadavg()}")


if __name__ == "__main__":
    main()
