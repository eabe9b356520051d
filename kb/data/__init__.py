"""Reference vocabularies as data files, shipped with the package and loaded into the database by `kb seed`.

One JSON file per vocabulary, a list in display order:

* ``sectors.json``, ``modalities.json``: ``{"code", "labels"}``;
* ``sdgs.json``: ``{"number", "labels"}`` (the official UN short titles);
* ``regional_groups.json``: ``{"code", "labels", "members", "note"?}``, members being the ISO 3166-1 alpha-2
  codes of full members as known at the end of 2025, the note saying who is left out and why.

``labels`` holds every language of :data:`kb.i18n.LANGUAGES`: ``en`` (United Nations usage), ``es``, ``pt``
(as used in Brazil) and ``fr``. These files are only what a database starts from and what `kb seed` refreshes:
at run time the labels are read from the database rows (``label_xx`` columns), where the administrator
will add and retire sectors and modalities.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

VOCABULARIES = ("sectors", "modalities", "sdgs", "regional_groups")


def load(name: str) -> list[dict[str, Any]]:
    """The entries of one vocabulary (see the module's docstring for the fields)."""
    if name not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {name!r}; one of {', '.join(VOCABULARIES)}")
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))


def load_mapping(name: str) -> dict[str, Any]:
    """A mapping file that is not a vocabulary (``iati.json``: kb's codes onto the IATI codelists)."""
    if name != "iati":
        raise ValueError(f"unknown mapping {name!r}")
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
