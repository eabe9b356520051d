"""A process serving requests runs its BLAS libraries on KB_SERVING_BLAS_THREADS threads from its first request on;
one that only builds the application (the command line's bulk work) keeps the libraries' default."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from threadpoolctl import threadpool_info, threadpool_limits
from kb import create_app
from kb.matching import blas, faiss_index  # noqa: F401  (every BLAS library loaded before the default is set)

threadpool_limits(limits=2, user_api="blas")   # the default of a two-core machine, wherever this runs
def threads():
    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
app = create_app({"TESTING": True, "KB_DATABASE_URL": "sqlite:///" + sys.argv[2], "KB_SECRET_KEY": "t" * 40,
                  "KB_EMBEDDING_MODEL": "hashing-64", "KB_SERVING_BLAS_THREADS": int(sys.argv[1])})
built = threads()
if sys.argv[3] == "fork":   # what a gunicorn worker does right after its fork, before any request
    from kb import serving
    serving.after_fork(app)
    status = None
else:
    status = app.test_client().get("/api/v1/no-such-thing").status_code
print(json.dumps({"built": built, "served": threads(), "status": status, "cap": blas.serving_threads(),
                  "batch": blas.threads_for(2)}))
"""


def _run(setting: int, tmp_path, mode: str = "request") -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(setting), str(tmp_path / "db.sqlite3"), mode], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_serving_caps_blas_threads_from_the_first_request(tmp_path):
    got = _run(1, tmp_path)
    assert got["status"] == 404
    assert got["built"] == [2]       # building the app (the command line) changes nothing
    assert got["served"] == [1]      # every BLAS library of the process, once it has served a request
    assert got["cap"] == 1 and got["batch"] == 1  # the USE encoder's big batches too


def test_zero_leaves_the_libraries_default(tmp_path):
    got = _run(0, tmp_path)
    assert got["served"] == [2] and got["cap"] is None and got["batch"] == 2


def test_a_gunicorn_worker_caps_them_right_after_its_fork(tmp_path):
    """Before the worker's own index load (kb.serving.after_fork), not on its first request in the middle of it."""
    got = _run(1, tmp_path, "fork")
    assert got["built"] == [2] and got["served"] == [1] and got["cap"] == 1
