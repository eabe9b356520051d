"""Shared pieces of the catalogue and record pages: the viewer, language names, vocabulary options."""
from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from flask import render_template
from flask_babel import lazy_gettext
from flask_login import current_user
from markupsafe import Markup, escape

from kb import i18n
from kb.i18n import LANGUAGES
from kb.models import User
from kb.services import cache, reference
from kb.web import helpers as h

# Working languages offered as checkboxes on the forms (ISO 639-1); a record keeps any other code it has.
WORKING_LANGUAGES = ("en", "es", "pt", "fr", "ar", "ru", "zh", "sw", "hi", "id", "tr", "am", "ha")
PER_PAGE = 20

KIND_LABELS = {"requests": lazy_gettext("Requests"), "offers": lazy_gettext("Offers")}


def viewer() -> User | None:
    """The signed-in user as the services expect it, or None for a visitor."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def _lang() -> str:
    return i18n.current_language()


def language_name(code: str) -> str:
    """A language's name in the interface language (Babel's CLDR data), else in English, else its code."""
    return _language_name(code, _lang())


@functools.lru_cache(maxsize=4096)
def _language_name(code: str, lang: str) -> str:
    """CLDR's data never changes while the process runs: each name is looked up once."""
    try:
        name = Locale.parse(lang).languages.get(code) or Locale.parse("en").languages.get(code)
    except (ValueError, TypeError):
        name = None
    return (name[:1].upper() + name[1:]) if name else code


def language_in_sentence(code: str) -> str:
    """A language's name inside a sentence, as CLDR writes it there: "Text in English", "Texte en anglais",
    "Texto en inglés" (language_name capitalises it, for a name standing alone)."""
    try:
        lang = _lang()
        name = Locale.parse(lang).languages.get(code) or (Locale.parse("en").languages.get(code) if lang != "en" else None)
    except (ValueError, TypeError):
        name = None
    return name or code


def language_names(codes: Any) -> str:
    """Several languages' names, comma-separated."""
    return ", ".join(language_name(c) for c in codes or ())


def sector_names(codes: Any) -> str:
    """Several sectors' labels, comma-separated."""
    return ", ".join(h.label("sectors", c) for c in codes or ())


def modality_names(codes: Any) -> str:
    """Several modalities' labels, comma-separated."""
    return ", ".join(h.label("modalities", c) for c in codes or ())


def terms(code: Any) -> str:
    """An offer's terms (in kind, cost-shared, paid) in the current language."""
    return h.label("terms", code)


def sdg(number: Any) -> str:
    """An SDG's label in the current language."""
    return h.label("sdgs", number)


def language_options(selected: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(code, name) pairs for the working-language checkboxes, plus any code already chosen."""
    codes = list(WORKING_LANGUAGES) + [c for c in selected if c not in WORKING_LANGUAGES]
    return [(c, language_name(c)) for c in codes]


def text_language_options() -> list[tuple[str, str]]:
    """The four languages a record's text may be written in."""
    return [(c, language_name(c)) for c in LANGUAGES]


def country_options() -> list[tuple[str, str]]:
    """Every country, by its name in the current language."""
    return reference.country_names(_lang())


def region_options() -> list[tuple[str, str]]:
    """Regional groups by code and name in the current language."""
    return [(code, f"{code} · {label}") for code, label in reference.labels("regional_groups", _lang()).items()]


FILTER_FIELDS = ("sector", "modality", "country", "region", "language", "text_lang")


def filter_fields(values: dict[str, str], errors: dict[str, Any]) -> Markup:
    """The catalogue's filter fields (six selects, 249 countries among their ~330 options) with the chosen values.

    Rendering them costs more than the rest of the page, and they only change with the reference data and the
    language: the fields with nothing chosen are rendered once per language and reference revision (cached per
    process, kb.services.cache), and a chosen value is marked `selected` in its own select. With errors (a value
    that is no option) the fields are rendered as they are."""
    if errors:
        return Markup(render_template("public/_filters.html", values=values, errors=errors, d=_module()))
    html = str(cache.cached(("filter-fields", str(i18n.current_locale())), _render_blank_filters, depends=("reference",)))
    for name in FILTER_FIELDS:
        value = values.get(name)
        if not value:
            continue
        start = html.find(f'<select id="f-{name}"')
        end = html.find("</select>", start)
        if start < 0 or end < 0:
            continue
        option = f'<option value="{escape(value)}" >'
        at = html.find(option, start, end)
        if at >= 0:
            html = f"{html[:at]}{option[:-1]}selected>{html[at + len(option):]}"
    return Markup(html)


def _render_blank_filters() -> Markup:
    return Markup(render_template("public/_filters.html", values={}, errors={}, d=_module()))


def _module() -> Any:
    import kb.web.display as module

    return module


def context() -> dict[str, Any]:
    """What the catalogue and record templates use besides the app-wide `h`."""
    import kb.web.display as module

    return {"d": module}
