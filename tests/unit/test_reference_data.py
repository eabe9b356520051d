"""The reference vocabularies shipped as data files (kb/data), and the fixed vocabularies labelled in the catalogues."""
from __future__ import annotations

import pycountry
import pytest

from kb import data
from kb.i18n import LANGUAGES
from kb.models import ActivityKind, ContributionKind, PartyRole, Terms


@pytest.mark.parametrize("name", data.VOCABULARIES)
def test_every_entry_has_a_unique_code_and_a_label_in_each_language(name):
    items = data.load(name)
    key = "number" if name == "sdgs" else "code"
    codes = [item[key] for item in items]
    assert codes and len(set(codes)) == len(codes)
    for item in items:
        assert set(item["labels"]) == set(LANGUAGES), item
        assert all(isinstance(v, str) and v.strip() == v and v for v in item["labels"].values()), item


def test_the_vocabularies_are_the_ones_the_design_names():
    assert len(data.load("sectors")) == 25 and len(data.load("modalities")) == 7  # the benchmark's
    assert [s["number"] for s in data.load("sdgs")] == list(range(1, 18))


def test_regional_group_members_are_iso_countries():
    alpha2 = {c.alpha_2 for c in pycountry.countries}
    for group in data.load("regional_groups"):
        assert group["members"] and set(group["members"]) <= alpha2, group["code"]
        assert len(set(group["members"])) == len(group["members"]), group["code"]


def test_an_unknown_vocabulary_is_refused():
    with pytest.raises(ValueError, match="unknown vocabulary"):
        data.load("../secrets")


@pytest.mark.parametrize("name, enum", [("terms", Terms), ("activity_kinds", ActivityKind),
                                        ("contribution_kinds", ContributionKind), ("party_roles", PartyRole)])
def test_fixed_vocabularies_label_every_code_of_their_enum(name, enum):
    from kb.web.helpers import FIXED_VOCABULARIES

    assert list(FIXED_VOCABULARIES[name]) == [member.value for member in enum]


def test_country_names_in_portuguese_are_brazils_like_the_interface():
    """The interface speaks Brazilian Portuguese (pt-BR); the country lists did in Portugal's ("Quénia")."""
    from kb.services.reference import country_labels

    names = country_labels()
    assert (names["KE"]["pt"], names["BD"]["pt"], names["VN"]["pt"], names["AM"]["pt"], names["BJ"]["pt"]) == (
        "Quênia", "Bangladesh", "Vietnã", "Armênia", "Benin")
    assert (names["KE"]["es"], names["KE"]["fr"], names["KE"]["en"]) == ("Kenia", "Kenya", "Kenya")


def test_country_names_are_the_ones_interfaces_use_not_official_forms_sorted_by_keyword():
    """CLDR's names for es/pt-BR/fr: iso-codes' catalogues had "Tunez", "Algeria" in Spanish, "Irão" and "Venezuela,
    República Bolivariana da" in Brazil's Portuguese, "Russie, Fédération de" in French. A region's status and
    "Congo - Kinshasa" forms stay iso-codes'."""
    from kb.services.reference import country_labels

    names = country_labels()
    assert [names[c]["es"] for c in ("DZ", "TN", "CI", "NE", "VE")] == [
        "Argelia", "Túnez", "Côte d’Ivoire", "Níger", "Venezuela"]
    assert [names[c]["pt"] for c in ("IR", "VE", "RU", "SG", "LA")] == ["Irã", "Venezuela", "Rússia", "Singapura", "Laos"]
    assert [names[c]["fr"] for c in ("RU", "IR", "SB")] == ["Russie", "Iran", "Îles Salomon"]
    assert [names[c][lang] for c, lang in (("HK", "es"), ("MM", "fr"), ("CD", "es"), ("PS", "fr"))] == [
        "Hong Kong", "Birmanie", "República Democrática del Congo", "État de Palestine"]
    commas = {lang: sum(", " in c[lang] for c in names.values()) for lang in ("es", "pt", "fr")}
    assert commas == {"es": 0, "pt": 0, "fr": 0}, commas  # no "Congo, República Democrática do"
