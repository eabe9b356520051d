"""Language detection (kb.matching.language) on the benchmark's texts: titles alone, descriptions alone,
and title + description as kb reads them, against each record's declared text_lang.

    .venv/bin/python bench/langdetect.py
"""
from __future__ import annotations

import time
from collections import Counter

from _common import read_jsonl

from kb.matching import language


def main() -> None:
    rows = read_jsonl("offers.jsonl") + read_jsonl("requests.jsonl")
    truth = [r["text_lang"] for r in rows]
    language.detect_text("warm-up")
    for name, texts in (("title alone", [r["title"] for r in rows]),
                        ("description alone", [r["description"] for r in rows]),
                        ("title + description", [f"{r['title']}. {r['description']}" for r in rows])):
        t0 = time.perf_counter()
        got = [language.detect_text(t) for t in texts]
        ms = (time.perf_counter() - t0) * 1000 / len(texts)
        right = sum(g == t for g, t in zip(got, truth, strict=True))
        errors = Counter(f"{t}->{g}" for g, t in zip(got, truth, strict=True) if g != t)
        words = sum(len(t.split()) for t in texts) / len(texts)
        print(f"{name:20} {right}/{len(texts)} = {right / len(texts):.3f} correct  ({words:.0f} words on average, "
              f"{ms:.1f} ms each)  errors: {dict(errors) or 'none'}")
    by_lang = Counter(truth)
    print("texts by declared language:", dict(by_lang))


if __name__ == "__main__":
    main()
