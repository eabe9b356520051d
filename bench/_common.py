"""Shared helpers of the benchmark scripts: machine facts, text generation, realistic vectors.

Nothing here writes outside a temporary directory; the benchmark texts are read at run time from
/work/shared/benchmark (or $KB_BENCH_DIR) and never copied into the repository.
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = Path(os.environ.get("KB_BENCH_DIR", "/work/shared/benchmark"))
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, date, library versions."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    import faiss

    return {"nproc": str(os.cpu_count()), "cpu": cpu,
            "mem": mem[1].split()[1] if len(mem) > 1 else "?",
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "python": platform.python_version(), "numpy": np.__version__, "faiss": faiss.__version__}


def rss_mib() -> float:
    """Resident set size of this process (MiB)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_jsonl(name: str) -> list[dict]:
    with open(BENCH_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class TextComposer:
    """~N-word texts composed of sentences of the benchmark offers, one language per text.

    Title, country, sectors, modalities and languages come from one randomly chosen offer of
    that language; the description is that offer's sentences followed by sentences of other
    offers in the same language until it reaches the wanted length.
    """

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.offers = read_jsonl("offers.jsonl")
        self.by_lang: dict[str, list[str]] = {}
        for row in self.offers:
            for s in _SENTENCE.split(row["description"]):
                if len(s.split()) >= 4:
                    self.by_lang.setdefault(row.get("text_lang") or "en", []).append(s.strip())

    def row(self, n: int, words: int = 150) -> dict:
        base = self.rng.choice(self.offers)
        lang = base.get("text_lang") or "en"
        parts = [base["description"]]
        count = len(base["description"].split())
        pool = self.by_lang[lang]
        while count < words:
            s = self.rng.choice(pool)
            parts.append(s)
            count += len(s.split())
        return {"id": f"B{n:07d}", "institution": base["institution"], "country": base["country"],
                "title": base["title"], "description": " ".join(parts), "sectors": base["sectors"],
                "languages": base["languages"], "modality": base["modality"], "text_lang": lang}


def realistic_vectors(base: np.ndarray, n: int, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """n unit vectors that look like text embeddings, grown from `base` (real embeddings).

    Each synthetic vector is   normalise(0.70 * b_i + 0.30 * b_j + 0.45 * g)
    with b_i, b_j two random real embeddings and g a draw from the Gaussian fitted to the real
    embeddings (their mean and covariance, via the SVD of the centred base). So the vectors live
    in the same low-dimensional cone as real sentence embeddings (not isotropic noise, which
    would make every vector nearly orthogonal to every other and search trivially easy/hard), keep
    topical clusters around the real texts, and are all distinct.
    """
    rng = np.random.default_rng(seed)
    mu = base.mean(axis=0)
    centred = base - mu
    _u, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = (s / np.sqrt(len(base) - 1)).astype(np.float32)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        i = rng.integers(0, len(base), m)
        j = rng.integers(0, len(base), m)
        g = mu + (rng.standard_normal((m, len(scale)), dtype=np.float32) * scale) @ vt
        v = 0.70 * base[i] + 0.30 * base[j] + 0.45 * g
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def percentile_ms(times_s: list[float], p: float) -> float:
    return float(np.percentile(np.array(times_s) * 1000, p))


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str))
        log(f"results written to {path}")
