"""gunicorn settings read from the working directory (`make serve`, the browser tests' server, bench/).

Command-line options (`--workers`, `--timeout`, ...) override these. README ("Production") explains them.

The application answers a URL longer than it accepts (kb.MAX_URL_LENGTH, 8000) itself, with its JSON error
body under /api and an HTML page elsewhere (414). gunicorn must therefore read request lines at least that
long: 8190 bytes (method, URL and protocol) is the most gunicorn reads while still bounding the line; a
longer line is refused by gunicorn itself (400).

Start-up and memory (kb/serving.py, docs/PERFORMANCE.md §7): the master imports the application once
(`preload_app`); with KB_PRELOAD_MODEL=1 it loads the embedding model and the search index in the background,
then replaces the workers forked before that, one at a time. Every worker forked afterwards (after a crash, a
kill, `max_requests`) shares the master's model and index pages copy-on-write and answers searches at once.
"""

limit_request_line = 8190

preload_app = True
timeout = 30              # no request waits for the index: 503 + Retry-After while it loads (KB_INDEX_WAIT_SECONDS)
graceful_timeout = 30
max_requests = 5000       # a worker is replaced after this many requests (forked from the master: ready at once)
max_requests_jitter = 500  # ... give or take, so that the workers are not replaced together
control_socket_disable = True  # gunicorn 27's control socket has one default path per user: servers would share it



def _kb_serving():
    """kb's hooks (kb/serving.py), or None when serving another application from elsewhere (bench's baseline)."""
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(os.path.join(here, "kb")) and here not in sys.path:
        sys.path.insert(0, here)  # this checkout's kb, also before gunicorn has changed to its directory
    try:
        from kb import serving
    except ImportError:
        return None
    return serving


if preload_app and _kb_serving():
    _kb_serving().master_loads_later = True  # the master loads once it listens (when_ready), not while importing


def pre_fork(server, worker):
    serving = _kb_serving()
    if serving:
        serving.before_fork(worker)


def post_fork(server, worker):
    serving = _kb_serving()
    if serving:
        serving.after_fork(worker.app.wsgi())


def when_ready(server):
    serving = _kb_serving()
    if serving:
        serving.rotate_when_loaded(server)
