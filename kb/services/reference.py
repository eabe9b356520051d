"""Reference data: countries from pycountry (names in en/es/pt/fr), groups, sectors, modalities, SDGs.

The vocabularies are seeded from kb/data; at run time their labels come from the database rows only. Sectors
and modalities are administered in the database (/admin/vocabularies): seeding adds the entries of the files
that are missing and never changes an existing one (its labels, position or retirement are the database's).
"""
from __future__ import annotations

import gettext
import re

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import data
from kb.extensions import db
from kb.i18n import LANGUAGES
from kb.models import SDG, Country, Modality, RegionalGroup, Sector
from kb.services import cache, unit_of_work

CATALOGUE_LOCALES = {"pt": ["pt_BR"]}


def _translators() -> dict[str, gettext.NullTranslations]:
    out: dict[str, gettext.NullTranslations] = {}
    for lang in LANGUAGES[1:]:
        # The interface's Portuguese is Brazil's (pt-BR): iso-codes' "pt" catalogue is Portugal's ("Quénia",
        # "Bangladeche", "Vietname"); its pt_BR catalogue alone (a name it leaves alone is Brazil's too: "Benin").
        wanted = CATALOGUE_LOCALES.get(lang, [lang])
        out[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=wanted, fallback=True)
    return out


CLDR_LOCALES = {"es": "es", "pt": "pt_BR", "fr": "fr"}
# CLDR's standard names that are worse in a list than iso-codes' (a region's status, "Congo - Kinshasa", "Myanmar
# (Birmanie)"), and Palestine, which the United Nations call a State ("Territoires palestiniens" in CLDR).
# Where neither reads as a list entry should, the United Nations' names in the language.
_NAMES = {"PS": {"es": "Estado de Palestina", "pt": "Estado da Palestina", "fr": "État de Palestine"},
          "CD": {"pt": "República Democrática do Congo"}}
_KEEP_ISO = re.compile(r"\(|R\.A\.S\.|\bRAE\b|\bSAR\b|Kinshasa|Brazzaville|palestin", re.IGNORECASE)


def country_labels() -> dict[str, dict[str, str]]:
    """alpha-2 -> {lang: name} for every ISO 3166-1 country. English: iso-codes' common name where it has one. Spanish,
    Portuguese (Brazil's) and French: the name CLDR gives for use in interfaces ("Argelia", "Irã", "Russie"), where
    iso-codes' catalogues have official forms sorted by keyword ("Russie, Fédération de", "Venezuela, República
    Bolivariana da"), Portugal's forms and a few errors ("Tunez", "Algeria"); iso-codes' name where CLDR's would
    read worse in a list (_KEEP_ISO) or CLDR has none."""
    from babel import Locale

    tr = _translators()
    cldr = {lang: Locale.parse(tag).territories for lang, tag in CLDR_LOCALES.items()}
    labels: dict[str, dict[str, str]] = {}
    for c in pycountry.countries:
        common = getattr(c, "common_name", None)
        names = {"en": common or c.name}
        for lang, t in tr.items():
            translated = t.gettext(common) if common else c.name
            if not common or translated == common:
                translated = t.gettext(c.name)
            preferred = cldr.get(lang, {}).get(c.alpha_2)
            names[lang] = _NAMES.get(c.alpha_2, {}).get(lang) or (
                preferred if preferred and not _KEEP_ISO.search(preferred) else translated)
        labels[c.alpha_2] = names
    return labels


def _upsert(model, key: str, value, labels: dict[str, str], **extra):
    obj = db.session.get(model, value) or model(**{key: value})
    for lang in LANGUAGES:
        setattr(obj, f"label_{lang}", labels.get(lang) or labels["en"])
    for k, v in extra.items():
        setattr(obj, k, v)
    db.session.add(obj)
    return obj


def _add_missing(model, entries: list[dict]) -> None:
    """Insert the file's entries the database lacks, after the existing ones; leave every existing one alone."""
    existing = {row.code: row for row in db.session.scalars(select(model))}
    next_position = max((row.position for row in existing.values()), default=-1) + 1
    for i, entry in enumerate(entries):
        if entry["code"] in existing:
            continue
        taken = {row.position for row in existing.values()}
        position = i if i not in taken else next_position
        row = _upsert(model, "code", entry["code"], entry["labels"], position=position)
        existing[row.code] = row
        next_position = max(next_position, position + 1)
    db.session.flush()


def seed_reference_data() -> dict[str, int]:
    """Insert or refresh all reference vocabularies from kb/data and pycountry (idempotent); returns counts.

    Country names, regional groups and SDGs of an existing database are brought to what the files say; sectors and
    modalities missing from the database are added (the others are administered in the database).
    """
    groups, sectors = data.load("regional_groups"), data.load("sectors")
    modalities, sdgs = data.load("modalities"), data.load("sdgs")
    with unit_of_work():
        alpha3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
        countries = {}
        for code, names in country_labels().items():
            countries[code] = _upsert(Country, "code", code, names, alpha3=alpha3[code])
        db.session.flush()
        for group in groups:
            row = _upsert(RegionalGroup, "code", group["code"], group["labels"])
            row.countries = [countries[c] for c in group["members"] if c in countries]
        _add_missing(Sector, sectors)
        _add_missing(Modality, modalities)
        for s in sdgs:
            _upsert(SDG, "number", s["number"], s["labels"])
    return {
        "countries": len(countries), "regional_groups": len(groups),
        "sectors": len(sectors), "modalities": len(modalities), "sdgs": len(sdgs),
    }


def list_countries(region: str | None = None) -> list[Country]:
    """All countries, optionally those of one regional group."""
    stmt = select(Country).options(selectinload(Country.groups)).order_by(Country.code)
    if region:
        stmt = stmt.join(Country.groups).where(RegionalGroup.code == region.upper())
    return list(db.session.scalars(stmt).unique())


def get_country(code: str) -> Country | None:
    """One country by its ISO 3166-1 alpha-2 code, or None."""
    return db.session.get(Country, code)


def list_vocabulary(model, include_retired: bool = True) -> list:
    """Every entry of a vocabulary (sectors, modalities, SDGs, regional groups) in display order; without the
    retired sectors and modalities when include_retired is false."""
    order = {Sector: Sector.position, Modality: Modality.position, SDG: SDG.number,
             RegionalGroup: RegionalGroup.code}[model]
    stmt = select(model).order_by(order)
    if not include_retired and model in (Sector, Modality):
        stmt = stmt.where(model.retired.is_(False))
    return list(db.session.scalars(stmt))


_VOCABULARY_MODELS = {"sectors": Sector, "modalities": Modality, "sdgs": SDG, "regional_groups": RegionalGroup}


def labels(vocabulary: str, lang: str) -> dict[str, str]:
    """{code: label in lang} of a vocabulary (sectors, modalities, sdgs, regional_groups) in display order.

    SDG numbers are given as strings, like the codes of the forms. Cached per process until reference data
    changes (kb.services.cache)."""
    def build() -> dict[str, str]:
        model = _VOCABULARY_MODELS[vocabulary]
        return {str(row.number) if model is SDG else row.code: row.label(lang) for row in list_vocabulary(model)}

    return cache.cached(("labels", vocabulary, lang), build, depends=("reference",))


def country_names(lang: str) -> list[tuple[str, str]]:
    """(code, name in lang) of every country, sorted by name: the country options of the forms and filters.
    Cached per process until reference data changes."""
    def build() -> list[tuple[str, str]]:
        countries = db.session.scalars(select(Country)).all()
        return sorted(((c.code, c.label(lang)) for c in countries), key=lambda p: p[1].casefold())

    return cache.cached(("countries", lang), build, depends=("reference",))


def retired_codes(vocabulary: str) -> frozenset[str]:
    """The retired codes of a vocabulary (sectors, modalities; none for the others). Cached per process until
    reference data changes."""
    model = _VOCABULARY_MODELS[vocabulary]
    if model not in (Sector, Modality):
        return frozenset()
    return cache.cached(("retired", vocabulary),
                        lambda: frozenset(db.session.scalars(select(model.code).where(model.retired.is_(True)))),
                        depends=("reference",))


def codes(vocabulary: str, include_retired: bool = True) -> list[str]:
    """The codes of sectors or modalities in display order (the OpenAPI document's code lists)."""
    model = _VOCABULARY_MODELS[vocabulary]
    return [row.code for row in list_vocabulary(model, include_retired)]


def forget_labels() -> None:
    """After an administrator changed a vocabulary: the next read sees the new reference revision (the change
    itself moved it in its transaction; kb.services.cache)."""
    cache.forget_revisions()


def country_name(code: str, lang: str) -> str | None:
    """A country's name in lang by its code, None for an unknown code (from the cached names: no query)."""
    names = cache.cached(("country-names", lang), lambda: dict(country_names(lang)), depends=("reference",))
    return names.get(code.upper())
