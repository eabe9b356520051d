"""USE multilingual v3 is called directly: a web worker imports no torch for it, and the vectors are those the
sentence-transformers wrapper (kb/matching/st_modules.py) gave, so stored embeddings stay valid."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import numpy as np
from kb.matching.embedder import load_embedder
texts = ["Cleaner production training for small firms", "Formação em produção mais limpa para pequenas empresas",
         "Gestion des déchets solides"] * 4
direct = load_embedder("use-multilingual-v3")
vectors = direct.encode(texts)
query = direct.encode(texts[:1], query=True)
torch_imported = "torch" in sys.modules or "sentence_transformers" in sys.modules
from sentence_transformers import SentenceTransformer
from kb.matching.embedder import SentenceTransformerEmbedder
from kb.matching.st_modules import USEModule
wrapped = SentenceTransformerEmbedder("use", SentenceTransformer(modules=[USEModule()], device="cpu")).encode(texts)
print(json.dumps({"torch": torch_imported, "name": direct.name, "dim": direct.dim, "shape": list(vectors.shape),
                  "norms": np.linalg.norm(vectors, axis=1).tolist(), "diff": float(np.abs(vectors - wrapped).max()),
                  "query_diff": float(np.abs(query[0] - vectors[0]).max())}))
"""


def test_the_default_model_needs_no_torch_and_gives_the_wrapped_vectors():
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["torch"] is False
    assert (out["name"], out["dim"], out["shape"]) == ("use-multilingual-v3", 512, [12, 512])
    assert all(abs(n - 1) < 1e-5 for n in out["norms"])
    assert out["diff"] < 1e-5 and out["query_diff"] < 1e-5
