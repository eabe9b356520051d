"""Shared helpers of the benchmark scripts: machine facts, text generation, realistic vectors.

Nothing here writes outside a temporary directory; the benchmark texts are read at run time from
../shared/benchmark beside the repository (or $KB_BENCH_DIR) and never copied into the repository.
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = Path(os.environ.get("KB_BENCH_DIR") or ROOT.parent / "shared" / "benchmark")
CACHE_DIR = Path(tempfile.gettempdir()) / "kb-bench-cache"
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
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "loadavg": loadavg(), "python": platform.python_version(), "numpy": np.__version__, "faiss": faiss.__version__}


def loadavg() -> str:
    """1/5/15-minute load averages: the machine is shared, read every figure next to them."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


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


def realistic_vectors(base: np.ndarray, n: int, seed: int = 0, chunk: int = 100_000,
                      return_source: bool = False):
    """n unit vectors that look like text embeddings, grown from `base` (real embeddings).

    With mu the mean of the real embeddings, each synthetic vector is
        normalise(mu + 0.8 (b_i - mu) + 0.3 (b_j - mu) + 0.5 g)
    where b_i, b_j are two random real embeddings and g a draw from the centred Gaussian fitted
    to them (covariance via the SVD of the centred base); 0.8^2 + 0.3^2 + 0.5^2 ~ 1 keeps the
    spread of the real vectors. So the vectors live in the same cone as real sentence embeddings
    (isotropic noise would make them all nearly orthogonal), keep topical clusters around the
    real texts, and are all distinct. Calibration on 2,194 real USE embeddings (half used as
    base, the other half compared with as many synthetic vectors): mean pairwise cosine 0.324
    real / 0.330 synthetic; mean cosine to the 10th nearest neighbour 0.655 / 0.612; to the
    nearest 0.925 / 0.782 (the real set holds near-duplicates: the composed texts reuse whole
    offer descriptions). With return_source, also the index i of each vector's main base vector.
    """
    rng = np.random.default_rng(seed)
    mu = base.mean(axis=0)
    centred = base - mu
    _u, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = (s / np.sqrt(len(base) - 1)).astype(np.float32)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    source = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        i = rng.integers(0, len(base), m)
        j = rng.integers(0, len(base), m)
        g = (rng.standard_normal((m, len(scale)), dtype=np.float32) * scale) @ vt
        v = mu + 0.8 * centred[i] + 0.3 * centred[j] + 0.5 * g
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
        source[start:start + m] = i
    return (out, source) if return_source else out


def percentile_ms(times_s: list[float], p: float) -> float:
    return float(np.percentile(np.array(times_s) * 1000, p))


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str))
        log(f"results written to {path}")


def base_embeddings(emb, n_composed: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Real embeddings: the benchmark offers plus n_composed ~80-word texts composed from them.

    The benchmark requests are left out: they are the queries, and must not have near-copies in
    the catalogue.

    Encoded with the real model (cached in CACHE_DIR, the temporary directory's kb-bench-cache, keyed by model and count, so a
    second script in the same session does not pay for it again).
    """
    from kb.matching.text import record_text

    rows = read_jsonl("offers.jsonl")
    composer = TextComposer(seed=seed)
    rows += [composer.row(i, words=80) for i in range(n_composed)]
    texts = [record_text(r["title"], r["description"]) for r in rows]
    cache = CACHE_DIR / f"offers_{emb.name}_{n_composed}_{seed}.npy"
    if cache.exists():
        vectors = np.load(cache)
        if vectors.shape == (len(texts), emb.dim):
            log(f"base embeddings: {len(texts)} from cache {cache}")
            return texts, vectors
    t = time.perf_counter()
    vectors = np.vstack([emb.encode(texts[s:s + 256], batch_size=64) for s in range(0, len(texts), 256)])
    log(f"base embeddings: {len(texts)} texts encoded in {time.perf_counter() - t:.1f} s")
    cache.parent.mkdir(exist_ok=True)
    np.save(cache, vectors)
    return texts, vectors
