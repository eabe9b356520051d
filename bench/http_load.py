"""Serving cost over HTTP: gunicorn (sync workers) on PostgreSQL under bounded wrk load, per call and mixed.

    .venv/bin/python bench/http_load.py --offers 10000                       # the real model (use-multilingual-v3)
    .venv/bin/python bench/http_load.py --offers 100000 --model hashing-512  # same dimension, no model cost at build

Builds (once; `--rebuild` to start again) a PostgreSQL database of its own, `kb_http_<offers>_<model>` on
--pg (default postgresql+psycopg://postgres@127.0.0.1:5432): migrated, seeded, N offers and N/10 requests
composed from the benchmark texts (bench/_common.TextComposer, 80 words) imported with `kb.services.ingest`
(embedded with the model, ANALYZEd), each with a second vector (`--second-model`, default hashing-384: e5's
dimension at no cost; `none`: without), served with the same KB_SECOND_EMBEDDING_MODEL. Then serves it with gunicorn (`--workers`, sync, the repository's
gunicorn.conf.py, KB_PRELOAD_MODEL=1), waits until the index answers, and for each call of issue #13 runs
`wrk -t2 -c<clients> -d<seconds>s --latency` (Debian's wrk), then a mixed profile (20 clients, a Lua script
picking calls at random). For each it prints req/s, p50/p90/p95/p99, CPU per request of the gunicorn workers and of
PostgreSQL's backends for this database (utime+stime from /proc, before/after), SQL statements per request
(the same call through the app in this process, counted with SQLAlchemy's before_cursor_execute), and the
workers' RSS. The same gunicorn settings serve a trivial WSGI app first: the framework's own cost here.

CPU per request is CPU time, not wall time: on a shared machine a busy neighbour slows wall figures but not these.
"""
from __future__ import annotations

import argparse
import contextlib
import json

# ruff: noqa: E402  (kb's imports follow the sys.path fix below)
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from _common import ROOT, TextComposer, loadavg, log, read_jsonl

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")
TRIVIAL = "def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n" \
          "    return [b'ok']\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """utime + stime of a process; with reaped, of its children that have exited and been waited for (cutime +
    cstime): a gunicorn master's count of the workers it replaced (max_requests) and reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14]) if reaped else int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def ensure_database(pg: str, dbname: str, rebuild: bool = False) -> str:
    """Create the benchmark database when it is missing (dropped first with rebuild); its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if rebuild:
            c.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": dbname}).scalar():
            c.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    return f"{pg}/{dbname}"


def calls_for(url: str) -> list[tuple[str, str]]:
    """The measured calls (name, path) on the database at url: its first published request, its last offer."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        req_id = c.execute(text("SELECT id FROM requests WHERE status = 'published' ORDER BY id LIMIT 1")).scalar()
        offer_id = c.execute(text("SELECT id FROM offers WHERE status = 'published' ORDER BY id DESC LIMIT 1")).scalar()
    engine.dispose()
    return [("GET /", "/"), ("GET /offers", "/offers"), ("GET /offers/{id}", f"/offers/{offer_id}"),
            ("GET /api/v1/offers?per_page=20", "/api/v1/offers?per_page=20"),
            ("GET /api/v1/requests/{id}/suggestions", f"/api/v1/requests/{req_id}/suggestions"),
            ("GET /api/v1/search?q=…", "/api/v1/search?q=cleaner%20production%20training&kind=offers")]


def children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def pg_backends(dbname: str) -> list[int]:
    """PostgreSQL backend processes serving dbname (their title names it: `postgres: user db host ...`)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("postgres:") and f" {dbname} " in cmd:
                out.append(int(p.name))
    return out


def cpu_of(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def wrk(url: str, clients: int, seconds: int, script: str | None = None) -> dict:
    """wrk's run, with p50/p90/p95/p99 from the Lua `done` hook (DONE_LUA; --latency prints no p95)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write((Path(script).read_text() if script else "") + DONE_LUA)
    cmd = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s",
           "-s", lua.name]
    try:
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(lua.name)
    res: dict = {"raw": out}
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"^kb-latency-us p50=(\d+) p90=(\d+) p95=(\d+) p99=(\d+)$", out, re.M)
    if m:
        for pct, us in zip(("50", "90", "95", "99"), m.groups(), strict=True):
            res[f"p{pct}"] = int(us) / 1000
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["socket_errors"] = m.group(1) if m else ""
    return res


# wrk calls done() once after the run with the latency histogram of every thread (microseconds).
DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("kb-latency-us p50=%d p90=%d p95=%d p99=%d\\n", latency:percentile(50),
    latency:percentile(90), latency:percentile(95), latency:percentile(99)))
end
"""
MIXED_LUA = """
paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


class Server:
    """gunicorn with the repository's settings, on a free port."""

    def __init__(self, app: str, env: dict[str, str], workers: int, cwd: Path, extra: list[str] | None = None,
                 root: Path = ROOT) -> None:
        self.port = free_port()
        cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind",
               f"127.0.0.1:{self.port}", "--timeout", "30", "-c", str(root / "gunicorn.conf.py"), *(extra or []), app]
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str = "/", timeout: float = 600, want: int = 200) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as r:
                    if r.status == want:
                        return time.monotonic() - began
            except urllib.error.HTTPError as e:
                if e.code == want:
                    return time.monotonic() - began
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()[-2000:]}")
            time.sleep(0.5)
        raise TimeoutError(path)

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def workers_cpu(self) -> tuple[dict[int, float], float]:
        """CPU seconds of each live worker, and of the workers that have exited (reaped by the master)."""
        return cpu_of(self.workers()), cpu_seconds(self.proc.pid, reaped=True)

    def settle(self, quiet: float = 5.0, timeout: float = 300.0) -> None:
        """Wait until the master has replaced the workers forked before its index was loaded (kb.serving's rotation:
        the same workers for `quiet` seconds), so that no measured worker is replaced by the rotation."""
        began, seen, since = time.monotonic(), set(self.workers()), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() - began < timeout:
            time.sleep(0.5)
            now = set(self.workers())
            if now != seen:
                seen, since = now, time.monotonic()
        log(f"workers {sorted(seen)} settled after {time.monotonic() - began:.0f} s")

    def warm(self, paths: list[str], workers: int, rounds: int = 5) -> None:
        """Each call a few times per worker before measuring: a worker's first requests compile its templates and
        statements and fill its caches (tens of ms each; a worker replaced every ~5000 requests pays them once)."""
        for _ in range(rounds * workers):
            for path in paths:
                with contextlib.suppress(OSError), urllib.request.urlopen(self.url + path, timeout=60) as r:
                    r.read()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


SECOND_DEFAULT = "hashing-384"  # the second model's dimension (multilingual-e5-small), nothing to load or run


def build(url: str, offers: int, model: str, second: str = SECOND_DEFAULT) -> None:
    """Migrate, seed and import N offers and N/10 requests, then give every record a vector of the second model
    (`second`: hashing-384 by default, as cheap as the hashing first model and of e5's dimension, so that every
    catalogue holds both matrices as in production; "none" leaves them out). Resumes: an already built database
    only gets the second vectors it lacks."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from kb import create_app
    from kb.extensions import db
    from kb.models import Offer
    from kb.services.reference import seed_reference_data

    app = create_app({"KB_DATABASE_URL": url, "KB_SECRET_KEY": "bench-" + "x" * 32, "KB_EMBEDDING_MODEL": model,
                      "KB_SECOND_EMBEDDING_MODEL": second, "KB_BASE_URL": "http://localhost"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_reference_data()
        if db.session.scalar(select(func.count()).select_from(Offer)) >= offers:
            log("database already built")
        else:
            _import(offers, model)
        build_second()


def build_second() -> None:
    """The second model's vectors of the records that lack them (kb.services.matching.embed_second, as the job
    workers and `kb index rebuild` compute them), in batches of 500; then ANALYZE."""
    from sqlalchemy import func, select

    from kb.extensions import db
    from kb.matching.sync import KINDS
    from kb.services import ingest
    from kb.services.matching import embed_second, second_name

    name = second_name()
    if name is None:
        return
    for kind, (model, _published) in KINDS.items():
        missing = db.session.scalar(select(func.count()).select_from(model).where(
            model.embedding_e5_model.is_(None) | (model.embedding_e5_model != name)))
        db.session.rollback()
        if not missing:
            continue
        log(f"second vectors ({name}) of {missing} {kind}s")
        began = time.monotonic()

        def progress(k: str, done: int, total: int, began: float = began) -> None:
            if done % 10_000 < 500 or done == total:
                log(f"  {k}: {done}/{total}, {done / (time.monotonic() - began):.0f}/s")

        embed_second(kind, progress=progress, batch=500)
    ingest.analyze(("offers", "requests", "index_changes"))


def _import(offers: int, model: str) -> None:
    from kb.services import ingest

    composer = TextComposer(seed=13)
    began, done = time.monotonic(), [0]

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % 2000 < k:
            log(f"  {done[0]} imported, {done[0] / (time.monotonic() - began):.0f}/s")

    log(f"importing {offers} offers ({model})")
    ingest.import_records("offer", (composer.row(i, words=80) for i in range(offers)), progress=progress)
    requests = read_jsonl("requests.jsonl")
    rows = []
    for i in range(max(offers // 10, len(requests))):
        r = dict(requests[i % len(requests)])
        r["id"] = f"Q{i:07d}"
        rows.append(r)
    log(f"importing {len(rows)} requests")
    ingest.import_records("request", rows)


def statements(url: str, model: str, paths: list[str], second: str = SECOND_DEFAULT) -> dict[str, int]:
    """SQL statements of each path through the app in this process (index warm, second call counted)."""
    from sqlalchemy import event

    from kb import create_app
    from kb.extensions import db

    app = create_app({"KB_DATABASE_URL": url, "KB_SECRET_KEY": "bench-" + "x" * 32, "KB_EMBEDDING_MODEL": model,
                      "KB_SECOND_EMBEDDING_MODEL": second, "KB_INDEX_WAIT_SECONDS": 600.0, "KB_BASE_URL": "http://localhost"})  # the test client's host
    client = app.test_client()
    out = {}
    with app.app_context():
        engine = db.engine
    for path in paths:
        client.get(path)
        seen: list[str] = []

        def count(*_a, _seen=seen) -> None:  # type: ignore[no-untyped-def]
            _seen.append("x")

        event.listen(engine, "before_cursor_execute", count)
        client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        out[path] = len(seen)
    return out


def measure(server: Server, name: str, path: str | list[str], clients: int, seconds: int, dbname: str | None,
            sql: int | str = "") -> dict:
    backends = pg_backends(dbname) if dbname else []
    (w0, reaped0), b0 = server.workers_cpu(), cpu_of(backends)
    if isinstance(path, list):
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(MIXED_LUA % ", ".join(json.dumps(p) for p in path))
        script.close()
        res = wrk(server.url + "/", clients, seconds, script.name)
    else:
        res = wrk(server.url + path, clients, seconds)
    backends_after = pg_backends(dbname) if dbname else []
    (w1, reaped1), b1 = server.workers_cpu(), cpu_of(backends_after)
    n = max(res["requests"], 1)
    # Workers replaced during the run (max_requests) count with their whole life from the master's reaped-children
    # time, less what they had used before the run; their replacements count from their fork.
    exited_before = sum(cpu for pid, cpu in w0.items() if pid not in w1)
    app_cpu = (sum(w1[p] - w0.get(p, 0.0) for p in w1) + reaped1 - reaped0 - exited_before) / n * 1000
    pg_cpu = sum(b1[p] - b0.get(p, 0.0) for p in b1) / n * 1000
    row = {"call": name, "clients": clients, "rps": res["rps"], "p50": res.get("p50"), "p90": res.get("p90"),
           "p95": res.get("p95"), "p99": res.get("p99"), "app_cpu_ms": app_cpu, "pg_cpu_ms": pg_cpu, "sql": sql,
           "rss_mb": [round(rss_mb(p)) for p in w1], "workers_replaced": len([p for p in w0 if p not in w1]), "errors": res["errors"], "socket": res["socket_errors"],
           "load": loadavg()}
    print(f"| {name} | {clients} | {row['rps']:.0f} | {row['p50'] or 0:.1f} / {row['p90'] or 0:.1f} / "
          f"{row['p95'] or 0:.1f} / {row['p99'] or 0:.1f} | {app_cpu:.1f} | {pg_cpu:.1f} | {sql} | "
          f"{'/'.join(map(str, row['rss_mb']))} | "
          f"{res['errors']} {res['socket_errors']} | {row['load']} |", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--model", default="use-multilingual-v3")
    ap.add_argument("--second-model", default=SECOND_DEFAULT,
                    help="KB_SECOND_EMBEDDING_MODEL of the build and the server (none: without second vectors)")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--mixed-clients", type=int, default=20)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--db-name", help="database to build or reuse (default kb_http_<offers>_<model>)")
    ap.add_argument("--only", action="append", metavar="PATH",
                    help="measure only the calls whose path starts with this (repeatable; 'mixed' for the mixed run)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the trivial WSGI app")
    ap.add_argument("--gunicorn", default="", metavar="OPTIONS",
                    help="more gunicorn options for both servers, e.g. '--worker-class gthread --threads 2'")
    ap.add_argument("--root", default=str(ROOT),
                    help="the checkout to serve (its gunicorn.conf.py and wsgi.py; this virtualenv): before/after runs")
    ap.add_argument("--json")
    args = ap.parse_args()
    root = Path(args.root).resolve()

    dbname = args.db_name or f"kb_http_{args.offers}_{re.sub(r'[^a-z0-9]', '_', args.model.lower())}"
    url = ensure_database(args.pg, dbname, rebuild=args.rebuild)
    build(url, args.offers, args.model, args.second_model)
    calls = calls_for(url)
    mixed = [p for _n, p in calls]
    if args.only:
        calls = [(n, p) for n, p in calls if any(p.startswith(o) for o in args.only)]
    sql = statements(url, args.model, [p for _n, p in calls], args.second_model)

    print(f"\n{args.offers} offers, model {args.model}, second model {args.second_model}, {args.workers} workers {args.gunicorn or '(sync)'}, wrk {args.seconds} s per call, "
          f"{os.cpu_count()} cores, load {loadavg()}\n")
    print("| call | clients | req/s | p50 / p90 / p95 / p99 ms | app CPU ms/req | PostgreSQL CPU ms/req | SQL |"
          " worker RSS MB | non-2xx | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    if not args.no_baseline:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "trivial.py").write_text(TRIVIAL)
            trivial = Server("trivial:app", {**os.environ, "PYTHONPATH": tmp}, args.workers, Path(tmp),
                             args.gunicorn.split())
            try:
                trivial.wait("/")
                rows.append(measure(trivial, "trivial WSGI app (framework baseline)", "/", args.clients,
                                    args.seconds, None))
            finally:
                trivial.stop()
    env = {**os.environ, "KB_DATABASE_URL": url, "KB_SECRET_KEY": "bench-" + "x" * 32,
           "KB_EMBEDDING_MODEL": args.model, "KB_SECOND_EMBEDDING_MODEL": args.second_model, "KB_PRELOAD_MODEL": "1",
           "HF_HUB_OFFLINE": "1",
           "KB_INDEX_DIR": tempfile.mkdtemp(prefix="kb-http-idx-"),
           "KB_BASE_URL": "http://127.0.0.1",  # TRUSTED_HOSTS: the host wrk names (the port is not compared)
           "PYTHONPATH": str(root)}  # the served checkout's kb, whatever this virtualenv has installed
    server = Server("wsgi:app", env, args.workers, root, args.gunicorn.split(), root)
    try:
        server.wait("/")
        began = time.monotonic()
        ready = server.wait(mixed[-1], timeout=900)
        log(f"index ready {ready:.1f} s after the first page (503 until then)")
        server.settle()
        server.warm(mixed, args.workers)
        rss_loaded = [round(rss_mb(p)) for p in server.workers()]
        for name, path in calls:
            rows.append(measure(server, name, path, args.clients, args.seconds, dbname, sql[path]))
        if not args.only or "mixed" in args.only:
            rows.append(measure(server, "mixed (all calls at random)", mixed, args.mixed_clients, args.seconds,
                                dbname))
        print(f"\nworker RSS after loading: {rss_loaded} MB; index ready {time.monotonic() - began:.0f} s")
    finally:
        server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps({"offers": args.offers, "model": args.model, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
