import pytest

from voice.text import (
    CharVocab,
    fold_accents,
    lacks_accents,
    normalize_es,
    restore_accents,
    spell_numbers,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Marque 1 para teclear una extensión.", "marque uno para teclear una extensión"),
        ("¿Qué HORA es? ¡Ya!", "qué hora es ya"),
        ("Pon un temporizador de 25 minutos", "pon un temporizador de veinticinco minutos"),
        ("Son las 10:30", "son las diez y treinta"),
        ("Tengo 3.000 euros y 2,5 kilos", "tengo tres mil euros y dos coma cinco kilos"),
        ("El 1º de mayo", "el primero de mayo"),
        ("Baja al 40%", "baja al cuarenta por ciento"),
        ("Crème brûlée en el niño", "creme brulée en el niño"),
    ],
)
def test_normalize_es(raw, expected):
    assert normalize_es(raw) == expected


def test_folding_for_scoring():
    assert (
        normalize_es("Contraseña: ¿Está el pingüino?", fold=True) == "contrasena esta el pinguino"
    )
    assert fold_accents("año canción", keep_enye=True) == "año cancion"


def test_spell_numbers_keeps_punctuation():
    assert spell_numbers("Marque 2, por favor.", "es") == "Marque  dos , por favor."


def test_vocab_round_trip_and_unknown_characters():
    vocab = CharVocab()
    assert vocab.symbols[CharVocab.BLANK] == "<blank>"
    assert len(vocab) == 1 + 2 + 33
    ids = vocab.encode("¡Señor, pingüino!")
    assert CharVocab.BLANK not in ids
    assert vocab.decode(ids) == "señor pingüino"
    assert vocab.decode(vocab.encode("α β γ ok")) == "ok"


def test_accents_come_back_where_the_lexicon_is_sure_and_case_is_kept():
    lexicon = {"despues": "después", "telefono": "teléfono", "mas": "más"}
    assert restore_accents("Despues, llame al TELEFONO mas tarde", lexicon) == \
        "Después, llame al TELÉFONO más tarde"
    assert restore_accents("el perro come", lexicon) == "el perro come"
    assert lacks_accents("por favor deje su mensaje despues del tono")
    assert not lacks_accents("deje su mensaje después del tono")


def test_numbers_too_long_for_words_are_read_digit_by_digit():
    """num2words stops at 10^27; a long code or pi's digits must not crash the normaliser."""
    digits = "1415926535897932384626433832795"
    assert normalize_es(f"código {digits}").split()[1:4] == ["uno", "cuatro", "uno"]
    assert len(normalize_es(f"código {digits}").split()) == 1 + len(digits)
