"""A private Redis for the job tests: redis-server on a free local port (never the shared 6379), no persistence,
stopped at the end; and helpers to run `flask kb worker` as a real process."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mailserver import free_port

from kb.config import ROOT


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A running redis-server; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder), "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def start_worker(env: dict[str, str], log: Path, threads: int = 2) -> subprocess.Popen:
    """`flask --app wsgi kb worker` as its own process, its output in log."""
    out = open(log, "ab")  # noqa: SIM115  (closed when the process has ended: stop_worker)
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "worker", "--threads", str(threads)],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc._kb_log = out  # type: ignore[attr-defined]
    return proc


def stop_worker(proc: subprocess.Popen, kill: bool = False) -> None:
    if proc.poll() is None:
        if kill:
            os.kill(proc.pid, 9)
        else:
            proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, 9)
            proc.wait(5)
    proc._kb_log.close()  # type: ignore[attr-defined]


def wait_for(predicate, timeout: float, every: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
