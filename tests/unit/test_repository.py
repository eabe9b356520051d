"""The repository holds no absolute path of one machine: scripts find their data relative to the checkout."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("kb", "bench", "tests", "docs", "migrations", "templates", "requirements")
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:work|home|Users|tmp|root|mnt|srv)/")


def _texts():
    files = [p for p in ROOT.iterdir() if p.is_file() and not p.name.startswith(".")]  # .git: a worktree's pointer
    for top in SOURCES:
        files += [p for p in (ROOT / top).rglob("*") if p.is_file()]
    for path in files:
        if "__pycache__" in path.parts or path.suffix in {".mo", ".png", ".ico", ".woff2", ".npz", ".pyc"}:
            continue
        yield path, path.read_text(encoding="utf-8", errors="replace")


def test_no_file_holds_an_absolute_path_of_a_machine():
    found = [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
             for path, text in _texts() for m in MACHINE_PATH.finditer(text)]
    assert not found, found


def test_the_benchmark_scripts_read_the_shared_benchmark_beside_the_repository(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("KB_BENCH_DIR", raising=False)
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    sys.modules.pop("_common", None)
    common = importlib.import_module("_common")
    try:
        assert ROOT.parent / "shared" / "benchmark" == common.BENCH_DIR
    finally:
        sys.modules.pop("_common", None)
