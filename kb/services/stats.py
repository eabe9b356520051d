"""Headline figures of the knowledge bank (public front page): the indicators' own (kb/services/indicators.py)."""
from __future__ import annotations

from kb.services.indicators import headline

__all__ = ["headline"]
