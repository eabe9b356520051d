"""Which of the four working languages (en, es, pt, fr) a record's text is written in.

lingua-language-detector, restricted to those four languages (its n-gram models ship inside the
wheel; nothing is downloaded), reads the title and description together. Measured on the benchmark's
texts, titles alone included, by bench/langdetect.py (docs/MATCHING.md).
"""
from __future__ import annotations

import functools
from typing import Any

CODES = ("en", "es", "pt", "fr")


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE, Language.FRENCH).build()


def _code(language: Any) -> str | None:
    return language.iso_code_639_1.name.lower() if language is not None else None


def detect_text(text: str, default: str = "en") -> str:
    """The language of one text among en/es/pt/fr (default when there is nothing to go on)."""
    return _code(_detector().detect_language_of(text or "")) or default


def detect(title: str, description: str, default: str = "en") -> str:
    """The language of a record's title and description read together."""
    return detect_text(f"{(title or '').strip()}. {(description or '').strip()}", default)


def detect_many(texts: list[str], default: str = "en") -> list[str]:
    """detect_text for many texts at once (lingua runs them in parallel)."""
    return [_code(lang) or default for lang in _detector().detect_languages_in_parallel_of(texts)]
