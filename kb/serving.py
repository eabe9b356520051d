"""Serving with gunicorn and `preload_app` (gunicorn.conf.py): what the master and its forked workers must do.

With preload the master imports the application once; with KB_PRELOAD_MODEL=1 it also loads the embedding model
and the search catalogues (in a background thread: the master binds its socket and forks its workers at once, and
they serve pages meanwhile, loading their own copy for searches until the master's is ready). Once the master has
loaded, it replaces the workers forked before that, one at a time and gracefully (`rotate_when_loaded`): every
worker forked from then on, including the ones gunicorn forks after a crash, a kill or `max_requests`, inherits the
model and the catalogues as copy-on-write pages shared with the master and the other workers, and is ready at once:
it only applies the index changes committed past the master's revision (kb.matching.sync) on its first request.

After a fork a worker must not use the master's database connections, its job queue connections or its threads:
`after_fork` gives it its own (kb.matching.sync forgets loads that were under way in the master).
"""
from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from flask import Flask

_log = logging.getLogger(__name__)

# Set by gunicorn.conf.py before the master imports the application: create_app then leaves KB_PRELOAD_MODEL's load
# to rotate_when_loaded (gunicorn's when_ready, once the socket is bound), so that the load does not slow the import
# that gunicorn waits for before it listens.
master_loads_later = False


_blas_lock = threading.Lock()


def limit_blas_threads(app: Flask) -> None:
    """Serve with KB_SERVING_BLAS_THREADS BLAS threads (kb.matching.blas): a gunicorn worker sets it right after its
    fork, before it starts any BLAS work of its own (`after_fork`); any other server (`flask run`, another WSGI
    server) on the first request this process serves. The command line's bulk work, which never serves a request,
    keeps every thread. 0: the libraries' default."""
    threads = int(app.config["KB_SERVING_BLAS_THREADS"])
    if threads <= 0:
        return
    from kb.matching import blas

    @app.before_request
    def _serving_blas_threads() -> None:
        if blas.serving_threads() != threads:
            apply_blas_cap(app)


def apply_blas_cap(app: Flask) -> None:
    """Cap this process's BLAS libraries at KB_SERVING_BLAS_THREADS once (under a lock: two first requests of a
    threaded server do not both set it)."""
    threads = int(app.config["KB_SERVING_BLAS_THREADS"])
    if threads <= 0:
        return
    from kb.matching import blas

    with _blas_lock:
        if blas.serving_threads() != threads:
            blas.limit_for_serving(threads)


def before_fork(worker: Any) -> None:
    """In the master, just before it forks a worker (gunicorn's `pre_fork`): note when, and freeze the heap."""
    worker.kb_forked_at = time.monotonic()
    freeze_before_fork()


def freeze_before_fork() -> None:
    """Move every object the master holds into the collector's permanent generation (gc.freeze): a worker's garbage
    collections then never write to those objects' headers, so the pages holding the catalogues' many small objects
    stay shared instead of being copied into each worker."""
    gc.collect()
    gc.freeze()


def after_fork(app: Any) -> None:
    """In a worker just forked from the master: its own database connections and job queue; the index loading
    started in the background when KB_PRELOAD_MODEL asks for it and the master had not finished loading.
    Nothing for another WSGI application."""
    if not isinstance(app, Flask):
        return
    from kb.extensions import db
    from kb.jobs import configure as configure_jobs

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # the master's pooled connections stay the master's (not closed from here)
    configure_jobs(app)
    apply_blas_cap(app)  # before this worker's own BLAS work (its index load below), not in the middle of it
    if app.config["KB_PRELOAD_MODEL"] and not app.config.get("TESTING"):
        with app.app_context():
            from kb.services.matching import start_loading

            start_loading()


def rotate_when_loaded(server: Any, timeout: float | None = None) -> threading.Thread:
    """In the master (gunicorn's `when_ready`, the socket bound, no worker forked yet): start loading the model and the
    index in the background when KB_PRELOAD_MODEL asks for it; once that load has succeeded, replace the workers forked
    before, one at a time (SIGTERM: a sync worker finishes its request and exits; gunicorn forks a new one from the
    loaded master). The other workers serve meanwhile and the listening socket stays open: no request fails."""

    app = server.app.wsgi() if server.cfg.preload_app else None
    if isinstance(app, Flask) and app.config["KB_PRELOAD_MODEL"] and not app.config.get("TESTING"):
        with app.app_context():
            from kb.services.matching import embedder, start_loading

            try:
                # The model first, in this thread (seconds; the socket is bound, connections wait): every worker
                # inherits it, and no worker is forked while a thread is importing its modules (a module lock held
                # by a thread that does not come along would hang the worker's own import for ever).
                embedder()
            except Exception:  # noqa: BLE001 (the workers load it themselves and report the error)
                _log.exception("Loading the embedding model in the master failed")
            start_loading()  # the index, in the master's background: gunicorn forks the workers meanwhile

    def run() -> None:
        sync = sys.modules.get("kb.matching.sync")  # not imported: the master loads no index (nothing to share)
        if sync is None or not sync.loaded_before_fork(timeout):
            _log.info("Index not loaded in the master: workers keep loading their own")
            return
        loaded_at = time.monotonic()
        for pid, worker in list(dict(server.WORKERS).items()):
            if getattr(worker, "kb_forked_at", 0.0) >= loaded_at:
                continue  # forked from the loaded master already
            before = set(dict(server.WORKERS))
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + server.cfg.graceful_timeout + 30
            while time.monotonic() < deadline:  # until its replacement has been forked and has booted
                workers = dict(server.WORKERS)
                new = [w for p, w in workers.items() if p not in before]
                if pid not in workers and new and all(_booted(w) for w in new):
                    break
                time.sleep(0.2)
        _log.info("Workers replaced: they now share the master's model and index")

    thread = threading.Thread(target=run, name="kb-rotate-workers", daemon=True)
    thread.start()
    return thread


def _booted(worker: Any) -> bool:
    """A worker has booted once it has signalled the master: its heartbeat file's time (gunicorn writes
    time.monotonic() there) is later than its fork."""
    try:
        return worker.tmp.last_update() > worker.kb_forked_at
    except (AttributeError, OSError, ValueError):
        return True
