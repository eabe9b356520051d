"""Worker start-up and memory under gunicorn on PostgreSQL (issue #13): failures while starting, restart time, RSS/PSS/USS.

    .venv/bin/python bench/startup.py --offers 10000 --model use-multilingual-v3
    .venv/bin/python bench/startup.py --offers 100000 --model hashing-512 --snapshot

Builds or reuses a PostgreSQL database of N offers and N/10 requests (bench/http_load.py's builder), named
`kb_start_<offers>_<model>` (never the serving benchmark's kb_http_* databases), optionally writes an index snapshot
(`kb index rebuild` into a directory of its own, given to the server as KB_INDEX_DIR), then starts gunicorn with the
repository's settings (gunicorn.conf.py, `--workers`, KB_PRELOAD_MODEL=1) from a checkout (`--root`, default this
one: a checkout of an older commit measures "before").

From the first second, a client thread per path hammers `/`, a request's suggestions and a search, and records every
answer: connections refused before gunicorn listens are counted apart; a 503 with Retry-After is allowed for the API
while the index loads; any other non-2xx is a failure. The script prints when each path first answered 200, waits
until the workers are settled (ready, and replaced by the master if it loaded the index), prints RSS, PSS and USS
(Private_Clean + Private_Dirty) of the master and of each worker from /proc/<pid>/smaps_rollup, then sends SIGTERM to
one worker (gunicorn forks another) while the other workers are stopped (SIGSTOP: every request goes to the new one),
and times the new worker's first suggestions answer (200) from the signal. Memory is printed again after the restart.
"""
from __future__ import annotations

# ruff: noqa: E402  (the standard-library imports must follow the sys.path fix below)
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))

import argparse
import contextlib
import json
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.append(_HERE)
from _common import ROOT, loadavg, log


def _bench_http():
    """bench/http_load.py, whose database builder and server start this script reuses."""
    import http_load

    return http_load


def memory(pid: int) -> dict[str, int]:
    """RSS, PSS and USS (private pages) in MB from /proc/<pid>/smaps_rollup."""
    out = {"rss": 0, "pss": 0, "uss": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            kb = int(rest.split()[0]) if rest.split() and rest.split()[0].isdigit() else 0
            if key == "Rss":
                out["rss"] += kb
            elif key == "Pss":
                out["pss"] += kb
            elif key in ("Private_Clean", "Private_Dirty"):
                out["uss"] += kb
    except OSError:
        pass
    return {k: round(v / 1024) for k, v in out.items()}


class Hammer:
    """One client thread per path, from the first second: every answer recorded."""

    def __init__(self, base: str, paths: dict[str, str]) -> None:
        self.base, self.paths = base, paths
        self.began = time.monotonic()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts: dict[str, dict[str, int]] = {name: {} for name in paths}
        self.first_ok: dict[str, float] = {}
        self.failures: list[tuple[float, str, str]] = []
        self.listening: float | None = None
        self.threads = [threading.Thread(target=self._run, args=(name, path), daemon=True)
                        for name, path in paths.items()]
        for t in self.threads:
            t.start()

    def _note(self, name: str, outcome: str, at: float, failure: bool) -> None:
        with self.lock:
            self.counts[name][outcome] = self.counts[name].get(outcome, 0) + 1
            if outcome == "200" and name not in self.first_ok:
                self.first_ok[name] = at
            if failure:
                self.failures.append((round(at, 2), name, outcome))

    def _run(self, name: str, path: str) -> None:
        api = path.startswith("/api/")
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(self.base + path, timeout=60) as r:
                    r.read()
                    status, retry = r.status, r.headers.get("Retry-After")
            except urllib.error.HTTPError as e:
                status, retry = e.code, e.headers.get("Retry-After")
            except OSError as e:
                at = time.monotonic() - self.began
                if self.listening is None:  # gunicorn not listening yet (the master is importing the app)
                    self._note(name, "refused before listening", at, False)
                    time.sleep(0.1)
                else:
                    self._note(name, f"error {type(e).__name__}", at, True)
                continue
            at = time.monotonic() - self.began
            if self.listening is None:
                self.listening = at
            if 200 <= status < 300:
                self._note(name, str(status), at, False)
            elif status == 503 and retry and api:
                self._note(name, "503 Retry-After", at, False)
                time.sleep(0.2)
            else:
                self._note(name, str(status), at, True)
            time.sleep(0.02)


def workers_of(pid: int) -> list[int]:
    return sorted(_bench_http().children(pid))


def print_memory(title: str, master: int, workers: list[int]) -> list[dict]:
    rows = [{"process": "master", "pid": master, **memory(master)}] + \
        [{"process": f"worker {i + 1}", "pid": pid, **memory(pid)} for i, pid in enumerate(workers)]
    print(f"\n{title} (load {loadavg()})\n\n| process | pid | RSS MB | PSS MB | USS MB |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['process']} | {r['pid']} | {r['rss']} | {r['pss']} | {r['uss']} |")
    return rows


def settle(proc: subprocess.Popen, hammer: Hammer, n_workers: int, quiet: float, timeout: float,
           replaced: bool) -> float:
    """Wait until suggestions answer and the worker set has not changed for `quiet` seconds; with `replaced`
    (a checkout whose master loads the index and then replaces its first workers), until none of the first
    workers is left. Returns when that was."""
    deadline = time.monotonic() + timeout
    last, since, first = None, time.monotonic(), None
    while time.monotonic() < deadline:
        now = workers_of(proc.pid)
        if first is None and len(now) == n_workers:
            first = set(now)
        if now != last:
            last, since = now, time.monotonic()
        done = not replaced or (first is not None and not first & set(now))
        if done and "suggestions" in hammer.first_ok and len(now) == n_workers and time.monotonic() - since >= quiet:
            return time.monotonic() - hammer.began
        time.sleep(0.5)
    raise TimeoutError("workers did not settle")


def restart_one(proc: subprocess.Popen, base: str, path: str, limit: float) -> dict:
    """SIGTERM one worker with the others stopped (SIGSTOP): seconds from the signal to the first 200 on path."""
    workers = workers_of(proc.pid)
    victim, others = workers[0], workers[1:]
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    began = time.monotonic()
    statuses: dict[str, int] = {}
    answered = None
    try:
        os.kill(victim, signal.SIGTERM)
        while time.monotonic() - began < limit:
            try:
                with urllib.request.urlopen(base + path, timeout=limit) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = 0
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 200:
                answered = time.monotonic() - began
                break
            time.sleep(0.1)
    finally:
        for pid in others:
            with contextlib.suppress(ProcessLookupError):  # gunicorn killed it (no heartbeat for `timeout` s)
                os.kill(pid, signal.SIGCONT)
    new = [p for p in workers_of(proc.pid) if p not in workers]
    return {"victim": victim, "new": new, "seconds": answered, "statuses": statuses}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--model", default="use-multilingual-v3")
    ap.add_argument("--second-model", default="hashing-384",
                    help="KB_SECOND_EMBEDDING_MODEL of the build and the server (none: without second vectors)")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    ap.add_argument("--db-name", help="default kb_start_<offers>_<model>")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--root", default=str(ROOT), help="the checkout to serve (its gunicorn.conf.py and wsgi.py)")
    ap.add_argument("--snapshot", action="store_true", help="write an index snapshot first (kb index rebuild)")
    ap.add_argument("--settle", type=float, default=8.0, help="seconds without worker changes before measuring")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--restart-limit", type=float, default=20.0,
                    help="below gunicorn's timeout when the other workers are stopped meanwhile (--workers 1: any)")
    ap.add_argument("--json")
    args = ap.parse_args()

    dbname = args.db_name or f"kb_start_{args.offers}_{re.sub(r'[^a-z0-9]', '_', args.model.lower())}"
    if not dbname.startswith("kb_") or dbname.startswith("kb_http_"):
        ap.error("--db-name must start with kb_ and not kb_http_ (the serving benchmark's databases are not ours)")
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": dbname}).scalar():
            c.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    url = f"{args.pg}/{dbname}"
    os.environ.setdefault("KB_BASE_URL", "http://127.0.0.1:8000")
    _bench_http().build(url, args.offers, args.model, args.second_model)
    engine = create_engine(url)
    with engine.connect() as c:
        req_id = c.execute(text("SELECT id FROM requests WHERE status = 'published' ORDER BY id LIMIT 1")).scalar()
    engine.dispose()

    root = Path(args.root).resolve()
    env = {**os.environ, "KB_DATABASE_URL": url, "KB_SECRET_KEY": "bench-" + "x" * 32, "KB_BASE_URL":
           "http://127.0.0.1:8000", "KB_EMBEDDING_MODEL": args.model, "KB_SECOND_EMBEDDING_MODEL": args.second_model, "KB_PRELOAD_MODEL": "1",
           "KB_INDEX_DIR": tempfile.mkdtemp(prefix=f"{dbname}-idx-")}
    python = str(ROOT / ".venv" / "bin" / "python")
    if args.snapshot:
        t = time.monotonic()
        subprocess.run([python, "-m", "flask", "--app", "wsgi", "kb", "index", "rebuild"], cwd=root, env=env,
                       check=True, capture_output=True)
        log(f"snapshot written in {time.monotonic() - t:.0f} s")

    port = _bench_http().free_port()
    base = f"http://127.0.0.1:{port}"
    paths = {"front page": "/", "suggestions": f"/api/v1/requests/{req_id}/suggestions",
             "search": "/api/v1/search?q=cleaner%20production%20training&kind=offers"}
    print(f"\n{args.offers} offers, model {args.model}, second model {args.second_model}, {args.workers} workers, root {root}, "
          f"snapshot {'yes' if args.snapshot else 'no'}, {os.cpu_count()} cores, load {loadavg()}")
    logf = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="kb-start-", delete=False)  # noqa: SIM115
    proc = subprocess.Popen([python, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
                             "-c", str(root / "gunicorn.conf.py"), "wsgi:app"], cwd=root, env=env, stdout=logf,
                            stderr=subprocess.STDOUT)
    hammer = Hammer(base, paths)
    result: dict = {"offers": args.offers, "model": args.model, "root": str(root), "snapshot": args.snapshot}
    try:
        replaced = "rotate_when_loaded" in (root / "gunicorn.conf.py").read_text()
        settled = settle(proc, hammer, args.workers, args.settle, args.timeout, replaced)
        print(f"\nlistening after {hammer.listening or 0:.1f} s; first 200: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(hammer.first_ok.items(), key=lambda kv: kv[1]))
              + f"; workers settled at {settled:.1f} s")
        result["started"] = {"listening": hammer.listening, "first_ok": hammer.first_ok, "settled": settled}
        result["memory_started"] = print_memory("Memory once started", proc.pid, workers_of(proc.pid))
        restart = restart_one(proc, base, paths["suggestions"], args.restart_limit)
        answered = f"{restart['seconds']:.2f} s" if restart["seconds"] is not None else \
            f"no 200 within {args.restart_limit:.0f} s"
        print(f"\nrestart: SIGTERM to worker {restart['victim']} (others stopped): new worker {restart['new']} "
              f"answered suggestions after {answered}; answers meanwhile {restart['statuses']}")
        result["restart"] = restart
        time.sleep(2)
        result["memory_restarted"] = print_memory("Memory after the restart", proc.pid, workers_of(proc.pid))
    finally:
        hammer.stop.set()
        for t in hammer.threads:
            t.join(70)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("\nanswers per path:")
    for name, counts in hammer.counts.items():
        print(f"  {name}: {json.dumps(counts)}")
    print(f"failures (non-2xx other than the API's 503 with Retry-After; errors once listening): "
          f"{len(hammer.failures)} {hammer.failures[:20]}")
    print(f"gunicorn log: {logf.name}")
    result.update(counts=hammer.counts, failures=hammer.failures, load=loadavg())
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
