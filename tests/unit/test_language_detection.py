"""Language detection among the four working languages, titles included."""
from __future__ import annotations

import pytest

from kb.matching import language


@pytest.mark.parametrize(("text", "code"), [
    ("Cleaner production for small tanneries", "en"),
    ("Producción más limpia para curtiembres", "es"),
    ("Produção mais limpa para curtumes", "pt"),
    ("Production plus propre dans les tanneries artisanales", "fr"),
    ("Energia solar para bombeamento de água", "pt"),
    ("Formación de instructores en mantenimiento", "es"),
])
def test_short_titles_are_recognised(text, code):
    assert language.detect_text(text) == code


def test_title_and_description_are_read_together_and_nothing_falls_back_to_the_default():
    assert language.detect("Diagnostics", "Nous accompagnons les PME dans la réduction des déchets.") == "fr"
    assert language.detect("", "") == "en" and language.detect_text("1234", default="es") == "es"
    assert language.detect_many(["Gestão de resíduos sólidos", "Waste management"]) == ["pt", "en"]
