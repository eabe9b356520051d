"""The vector index behind a catalogue: a small backend interface, in the shape of txtai's ANN.

A backend stores unit vectors under int64 ids and answers inner-product (cosine) top-k queries.
It knows nothing of records, filters, keywords or scores: `Catalogue` (index.py) keeps those,
decides which ids are stored, and calls the backend under its own lock. `FaissIndex`
(faiss_index.py) is the product's backend; any object with these methods will do.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """Vectors by id, searched by inner product."""

    dim: int

    def __len__(self) -> int:
        """How many vectors are stored."""
        ...

    def add(self, ids: np.ndarray, vectors: np.ndarray, replacing: np.ndarray | None = None) -> None:
        """Store vectors (n x dim float32) under ids (n int64).

        Each id is new, or listed in `replacing` (the ids of this call that are stored already: their old
        vectors go first). Saying so in the same call lets a backend restructure once per change.
        """
        ...

    def remove(self, ids: np.ndarray) -> None:
        """Forget these stored ids."""
        ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k stored ids with the highest inner product with query (dim,), best first.

        Returns (ids int64, scores float32), fewer when fewer are stored; with `allowed` (stored ids),
        only among those.
        """
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these ids (n x dim float32), in the same order; KeyError if one is not stored."""
        ...

    def save(self, path: Path) -> None:
        """Write the whole index to one file."""
        ...

    def load(self, path: Path) -> None:
        """Replace the contents with what save() wrote (ValueError or OSError when it cannot)."""
        ...
