"""Reading JSON bodies: standard JSON only, and not nested deeper than any real document.

The app's JSON provider (``app.json``, used by ``request.get_json()`` and by the API's argument parser)
refuses what Python's json module would otherwise accept or choke on:

- nesting deeper than MAX_DEPTH levels (thousands of ``[`` made the parser overflow the stack: a 500);
- ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON.

Both raise InvalidJSON, a ValueError, which Flask and webargs answer with 400.
"""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32


class InvalidJSON(json.JSONDecodeError):
    """Well-formed text that is not acceptable JSON (too deep, NaN); a ValueError like any decoding error."""

    def __init__(self, message: str, doc: str) -> None:
        super().__init__(message, doc or " ", 0)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when value nests arrays or objects more than limit levels deep (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(text: str | bytes) -> Any:
    """Parse JSON text; InvalidJSON (a ValueError) when it nests too deep or holds NaN / Infinity."""
    doc = text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else text
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidJSON(f"JSON nested more than {MAX_DEPTH} levels deep.", doc[:100]) from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise InvalidJSON(str(exc), doc[:100]) from None
    if too_deep(value):
        raise InvalidJSON(f"JSON nested more than {MAX_DEPTH} levels deep.", doc[:100])
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with loads() guarded as described above."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return loads(s)
