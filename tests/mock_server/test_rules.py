import pytest

from mock_server.rules import placeholders, render, siret_problem


@pytest.mark.parametrize("siret", ["73282932000074", "55210055400013", "44306184100047", "35600000000048", "35600000049837"])
def test_real_sirets_pass(siret: str) -> None:
    assert siret_problem(siret) is None


@pytest.mark.parametrize(("siret", "why"), [
    ("73282932000075", "Luhn"), ("00000000000000", "all-zero"), ("35600000049838", "Luhn"),
])
def test_impossible_sirets_are_refused(siret: str, why: str) -> None:
    assert why in (siret_problem(siret) or "")


def test_placeholders_and_rendering() -> None:
    text = "Bonjour {{prenom}}, commande {{ numero }} pour {{prenom}}"
    assert placeholders(text) == ["prenom", "numero"]
    assert render(text, {"prenom": "Camille", "numero": "A-1"}) == "Bonjour Camille, commande A-1 pour Camille"
