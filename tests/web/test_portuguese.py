"""The Portuguese catalogue is Brazilian Portuguese (most users in the region are Brazilian institutions):
no word that only European Portuguese uses ("palavra-passe", "registo", "utilizador", ...)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "kb" / "translations" / "pt" / "LC_MESSAGES" / "messages.po"
# European form -> what Brazilians write.
EUROPEAN = {
    r"palavras?-passe": "senha", r"regist(o|os|ar|ad[oa]s?|e|ou)": "registro, registrar, registrado",
    r"utilizador(es)?": "usuário", r"ficheiros?": "arquivo", r"ecrãs?": "tela", r"aceites?": "aceito, aceita",
    r"contactos?": "contato", r"equipas?": "equipe", r"telemóve(l|is)": "celular", r"guardar": "salvar",
    r"partilh\w*": "compartilhar", r"gerir": "gerenciar", r"facto": "fato", r"a aguardar": "aguardando",
    r"est(á|ão) a \w+r": "está ...ndo", r"introduzid[oa]s?": "informado", r"sessão iniciada": "conectado",
    r"descarreg\w*": "baixar", r"(objectiv|actual|acção|direcç|projecto|sector)\w*": "objetivo, atual, ação, direção, projeto, setor",
}


def _strings() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    out = []
    for m in catalogue:
        if m.id and m.string:
            for s in (m.string if isinstance(m.string, tuple) else (m.string,)):
                out.append((str(m.id), s))
    return out


@pytest.mark.parametrize("european", sorted(EUROPEAN))
def test_the_portuguese_catalogue_has_no_european_only_word(european):
    pattern = re.compile(rf"\b{european}\b", re.IGNORECASE)
    found = [f"{msgid!r}: {text!r}" for msgid, text in _strings() if pattern.search(text)]
    assert not found, f"European Portuguese ({european}); Brazilians write {EUROPEAN[european]}:\n" + "\n".join(found)


def test_the_check_sees_a_european_word():
    assert re.search(r"\bpalavras?-passe\b", "Alterar a palavra-passe", re.IGNORECASE)
    assert re.search(r"\baceites?\b", "Aceite", re.IGNORECASE)
    assert not re.search(r"\baceites?\b", "Aceito", re.IGNORECASE)


def test_a_match_between_a_request_and_an_offer_is_a_vinculacao_everywhere():
    """The navigation says "Vinculações"; "Aceitar a correspondência", "Correspondência proposta a você" named the
    same record otherwise (correspondência stays for how well two records fit: "Correspondência forte")."""
    record_sense = re.compile(r"\bthe match\b|\bproposed match\b|^Match (proposed|news)|^Matches?$", re.I)
    wrong = [(mid, s) for mid, s in _strings() if record_sense.search(mid) and "orrespondência" in s]
    assert wrong == []
    assert any("inculaç" in s for mid, s in _strings() if mid == "Match proposed to you")
