"""Random unit vectors for the matching tests (one generator, n rows, dim columns)."""
from __future__ import annotations

import numpy as np

from kb.matching.index import as_stored


def unit_vectors(rng: np.random.Generator, n: int, dim: int, stored: bool = False) -> np.ndarray:
    """n random unit vectors as float32; stored: rounded as the catalogue holds first-model vectors and queries
    (float16 components), so that a direct computation agrees with the catalogue's."""
    v = rng.standard_normal((n, dim))
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    return as_stored(v) if stored else v.astype(np.float32)
