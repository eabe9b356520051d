"""gunicorn's preload (gunicorn.conf.py, kb/serving.py): a worker forked from a master that loaded the index keeps it,
applies the changes committed since, and never inherits a load that was under way in the master."""
from __future__ import annotations

import json
import os
import threading

from kb import create_app
from kb.matching import sync


def _search(app, text):
    from kb.services.matching import SuggestionArgs, search

    with app.app_context():
        return [r["title"] for r in search(None, text, "offers", SuggestionArgs(k=5))]


def _in_child(work, meanwhile=None) -> dict:
    """Run work() in a forked child (as gunicorn forks a worker) and return what it returned (JSON); the parent runs
    meanwhile() after the fork, before the child starts working."""
    read, write = os.pipe()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.read(go_read, 1)
            out = json.dumps(work()).encode()
        except BaseException as exc:  # noqa: BLE001 (reported to the parent)
            out, code = json.dumps({"error": repr(exc)}).encode(), 1
        os.write(write, out)
        os._exit(code)
    os.close(write)
    try:
        if meanwhile is not None:
            meanwhile()
    finally:
        os.write(go_write, b"x")
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def test_a_forked_worker_keeps_the_loaded_index_and_applies_the_changes_committed_since(kb, app):
    from kb.services.matching import embedder
    from kb.serving import after_fork

    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    kb.published_offer(centre, sec, title="Geothermal drilling advice")
    kb.published_offer(centre, sec, title="Solar irrigation pumps")
    # The master: another app instance on the same database, loaded before the change below.
    master = create_app({k: app.config[k] for k in app.config if k.startswith("KB_")} | {"TESTING": True})
    assert "Geothermal drilling advice" in _search(master, "geothermal drilling")
    with master.app_context():
        loaded = sync.get_manager(embedder(), master.config["KB_INDEX_DIR"])
        revision = loaded.revision

    def worker():
        after_fork(master)
        with master.app_context():
            m = sync.get_manager(embedder(), master.config["KB_INDEX_DIR"])
            inherited = (m is loaded, m.revision)
        return {"inherited": inherited, "found": _search(master, "mangrove restoration"),
                "revision": m.revision}

    # Committed after the fork (by another worker, say): the forked worker has not seen it.
    out = _in_child(worker, lambda: kb.published_offer(centre, sec, title="Mangrove restoration nurseries"))
    assert "error" not in out, out
    assert out["inherited"] == [True, revision]  # the master's catalogues, not a new load
    assert "Mangrove restoration nurseries" in out["found"]
    assert out["revision"] > revision


def test_a_load_under_way_in_the_master_is_not_inherited(app):
    """Its thread does not come along: the worker starts its own load instead of waiting for ever."""
    key = ("some database", "some model")
    with sync._managers_lock:
        sync._starts[key] = sync._Start(threading.Event())  # under way: done is not set

    def worker():
        return {"inherited": key in sync._starts, "lock_free": sync._managers_lock.acquire(blocking=False)}

    try:
        out = _in_child(worker)
    finally:
        with sync._managers_lock:
            sync._starts.pop(key, None)
    assert out == {"inherited": False, "lock_free": True}


def test_the_master_waits_for_its_loads_before_replacing_workers(app):
    assert sync.loaded_before_fork(0) is False  # nothing loading: nothing to share
    key = ("some database", "some model")
    start = sync._Start(threading.Event())
    with sync._managers_lock:
        sync._starts[key] = start
    try:
        assert sync.loaded_before_fork(0) is False  # still loading
        start.error = RuntimeError("no database")
        start.done.set()
        assert sync.loaded_before_fork(0) is False  # failed: the workers load their own
        start.error, start.manager = None, object()
        assert sync.loaded_before_fork(0) is True
    finally:
        with sync._managers_lock:
            sync._starts.pop(key, None)


def test_after_fork_leaves_other_wsgi_applications_alone():
    from kb.serving import after_fork

    after_fork(lambda environ, start_response: [])  # bench/http_load.py's baseline app is served with the same hooks


def test_the_gunicorn_settings_share_the_master_and_bound_the_workers():
    """gunicorn.conf.py (make serve, the browser tests, bench/); README "Production" documents these."""
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert conf["preload_app"] is True and conf["timeout"] >= 30
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert {"pre_fork", "post_fork", "when_ready"} <= set(conf)


def test_the_master_replaces_only_the_workers_forked_before_its_load(app):
    """kb.serving.rotate_when_loaded: SIGTERM, one at a time, to the workers forked before the load succeeded."""
    import subprocess
    import sys
    import time
    from types import SimpleNamespace

    from kb.serving import before_fork, rotate_when_loaded

    old, new = (subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2))
    workers = {p.pid: SimpleNamespace(tmp=None) for p in (old, new)}
    before_fork(workers[old.pid])
    key = ("some database", "some model")
    start = sync._Start(threading.Event())
    with sync._managers_lock:
        sync._starts[key] = start
    server = SimpleNamespace(WORKERS=workers, cfg=SimpleNamespace(preload_app=False, graceful_timeout=-27))  # 3 s for a replacement
    try:
        thread = rotate_when_loaded(server)
        time.sleep(0.3)
        assert old.poll() is None  # still loading: nobody replaced
        start.manager = object()
        start.done.set()
        time.sleep(0.1)
        before_fork(workers[new.pid])  # forked after the load: shares it already
        thread.join(10)
        assert old.wait(5) == -15 and new.poll() is None
    finally:
        with sync._managers_lock:
            sync._starts.pop(key, None)
        for p in (old, new):
            p.kill()
            p.wait()
