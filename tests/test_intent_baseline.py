import json

import pytest

from tests.test_cli import run
from voice.evaluation.hassil import HassilParser, subsample
from voice.intent.data import bio_tags, tokenize


@pytest.fixture(scope="module")
def hassil() -> HassilParser:
    return HassilParser()


def _words(text: str) -> list[str]:
    return [w for w, _, _ in tokenize(text)]


def test_hassil_matches_clean_commands_with_slot_tags(hassil):
    words = _words("Enciende la luz del techo en la cocina")
    assert hassil.label(words) == ("HassTurnOn", 1.0, [
        "O", "O", "B-name", "I-name", "I-name", "O", "O", "B-area"])
    intent, confidence, tags = hassil.label(_words("pon un temporizador de 5 minutos"))
    assert (intent, confidence) == ("HassStartTimer", 1.0)
    assert tags[-2:] == ["B-minutes", "O"]


def test_slot_tags_follow_the_words_not_hassils_drifting_spans(hassil):
    # hassil 3.12 reports "un segundo"'s span two characters late after the number word "un"
    intent, _, tags = hassil.label(_words("resta por un horas al temporizador para un segundo"))
    assert intent == "HassDecreaseTimer"
    assert tags == ["O", "O", "B-hours", "O", "O", "O", "O", "B-start_seconds", "O"]


def test_hassil_gives_nothing_for_gibberish(hassil):
    assert hassil.label(["blorf", "snarg", "quux"]) == ("", 0.0, ["O", "O", "O"])
    assert hassil.label([]) == ("", 0.0, [])


def test_eval_intent_puts_hassil_beside_ours(tmp_path):
    rows = [{"text": "apaga la lámpara de pie", "intent": "HassTurnOff",
             "slots": [{"slot": "name", "start": 9, "end": 23, "value": "lámpara de pie"}]},
            {"text": "blorf snarg", "intent": "HassTurnOn", "slots": []}]
    assert bio_tags(rows[0])[1] == ["O", "O", "B-name", "I-name", "I-name"]
    manifest = tmp_path / "dev.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("eval", "intent", "--manifest", str(manifest), "--baseline", "hassil", "--json")
    assert result.returncode == 0, result.stderr
    table = {(r["set"], r["parser"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert set(table) == {(f"dev:{s}", p) for s in ("clean", "recogniser")
                          for p in ("voice", "hassil")}
    clean, noisy = table["dev:clean", "hassil"], table["dev:recogniser", "hassil"]
    assert clean["commands"] == 2 and clean["intent_acc"] == 50.0 and clean["slot_f1"] == 100.0
    assert noisy["intent_acc"] == 0.0  # "lampara" without its accent is no known name
    assert table["dev:recogniser", "voice"]["intent_acc"] == 50.0


def test_subsample_spreads_over_the_file():
    assert subsample(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert subsample(list(range(3)), 5) == [0, 1, 2]
