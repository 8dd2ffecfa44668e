"""The assistant's command grammar: the command language of a home, decoding against it from
audio, the fall-back to open decoding, and the cache that follows the home file."""

import dataclasses
from functools import cache

from tests.conftest import needs
from voice.asr.grammar import GrammarDecoder, cached_grammar
from voice.asr.lm import WordLM
from voice.intent.commands import command_sentences, grammar_key
from voice.intent.home import Device, Home

COMMANDS = ["apaga la lámpara de pie", "enciende la luz del techo en la cocina", "qué hora es",
            "sube la persiana del dormitorio", "pon un temporizador de cinco minutos"]


@cache
def _recognizer():
    from voice.asr.recognizer import Recognizer

    return Recognizer.load(None, "beam")


@cache
def _heard(text: str):
    """Frame log-probabilities of text spoken by espeak-ng."""
    from voice.data.espeak import EspeakVoice, synthesize

    return _recognizer().log_probs(synthesize(text, EspeakVoice("es", "m3", 150, 50)))


def _decoder() -> GrammarDecoder:
    recognizer = _recognizer()
    return GrammarDecoder(recognizer.vocab, recognizer.beam, WordLM.counted(COMMANDS))


@needs("espeak-ng", "espeak-ng")
def test_a_spoken_command_is_decoded_in_the_grammar():
    heard = _decoder().hypotheses(_heard("apaga la lámpara de pie"))
    assert heard.grammar == "apaga la lámpara de pie"
    assert heard.in_grammar and heard.chosen == heard.grammar


@needs("espeak-ng", "espeak-ng")
def test_a_sentence_outside_the_grammar_falls_back_to_open_decoding():
    heard = _decoder().hypotheses(_heard("la conferencia comenzará cuando llegue el organizador"))
    assert heard.grammar != heard.open  # the grammar can only write its own words...
    assert set(heard.grammar.split()) <= {w for c in COMMANDS for w in c.split()}
    assert not heard.in_grammar and heard.chosen == heard.open  # ...so the open text wins
    assert "conferencia" in heard.chosen


def test_the_command_language_speaks_the_homes_names():
    home = Home.load()
    renamed = dataclasses.replace(home, devices=[
        Device("light.kitchen_ceiling", ("farol verde",), "", "light", "kitchen")])
    sentences = command_sentences(renamed, per_template=8)
    assert any("farol verde" in s for s in sentences)
    assert not any("lámpara de pie" in s for s in sentences)
    assert any(s.endswith("hora es") for s in sentences)  # commands without a name stay
    assert all(s == s.lower() and not any(c.isdigit() for c in s) for s in sentences)


def test_the_grammar_is_cached_and_rebuilt_when_the_home_changes(tmp_path):
    home = Home.load()
    built: list[str] = []

    def sentences():
        built.append("once")
        return COMMANDS

    first = cached_grammar(tmp_path, grammar_key(home), sentences)
    again = cached_grammar(tmp_path, grammar_key(home), sentences)
    assert built == ["once"] and again.tri == first.tri
    renamed = dataclasses.replace(home, devices=[
        dataclasses.replace(home.devices[0], names=("farol verde",)), *home.devices[1:]])
    assert grammar_key(renamed) != grammar_key(home)
    assert grammar_key(Home.load()) == grammar_key(home)  # same file, same key
    cached_grammar(tmp_path, grammar_key(renamed), sentences)
    assert built == ["once", "once"]


def test_an_unreadable_cached_grammar_is_built_again(tmp_path):
    (tmp_path / "k.json.gz").write_bytes(b"not gzip")
    lm = cached_grammar(tmp_path, "k", lambda: COMMANDS)
    assert "lámpara" in lm.words()
    assert WordLM.load(tmp_path / "k.json.gz").words() == lm.words()


def test_silence_is_not_a_command():
    import torch

    silence = torch.full((20, len(_recognizer().vocab)), -30.0)
    silence[:, 0] = 0.0  # every frame blank
    heard = _decoder().hypotheses(silence)
    assert heard.chosen == "" and not heard.in_grammar


def test_spoken_slots_compare_as_said():
    from voice.evaluation.intent import score_readings
    from voice.intent.parser import Parse

    parses = {"pon un temporizador de una hora": ("HassStartTimer", {"hours": "una"}),
              "enciende la lampara": ("HassTurnOn", {"name": "lampara"})}

    class Heard:
        def parse(self, text):
            intent, slots = parses.get(text, (None, {}))
            return Parse(text, intent, slots, 0.9)

    gold = [{"text": "pon un temporizador de 1 hora", "intent": "HassStartTimer",
             "slots": [{"slot": "hours", "start": 23, "end": 24}]},
            {"text": "enciende la lámpara de pie", "intent": "HassTurnOn",
             "slots": [{"slot": "name", "start": 12, "end": 26}]}]
    heard = ["pon un temporizador de una hora", "enciende la lampara"]
    # "una" is 1; "lampara" is not "lámpara de pie": 1 of 2 slots found, 1 wrong
    assert score_readings(Heard(), gold, heard) == {"intent_acc": 100.0, "slot_f1": 50.0}
    assert score_readings(Heard(), gold, ["", ""]) == {"intent_acc": 0.0, "slot_f1": 0.0}


@needs("espeak-ng", "espeak-ng")
def test_eval_assistant_scores_spoken_commands_both_ways(tmp_path):
    import json

    from tests.test_cli import run
    from voice.audio import save_wav
    from voice.data.espeak import EspeakVoice, synthesize

    text = "apaga la lámpara de pie"
    save_wav(tmp_path / "0.wav", synthesize(text, EspeakVoice("es", "m3", 150, 50)))
    row = {"audio": "0.wav", "text": text, "intent": "HassTurnOff",
           "slots": [{"slot": "name", "start": 9, "end": 23}]}
    (tmp_path / "set.jsonl").write_text(json.dumps(row) + "\n")
    result = run("eval", "assistant", "--manifest", str(tmp_path / "set.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["decoding"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert list(rows) == ["typed", "open", "grammar", "grammar only"]
    assert rows["grammar"]["intent_acc"] == 100.0 and rows["grammar"]["slot_f1"] == 100.0
    assert rows["grammar"]["grammar_kept_percent"] == 100.0


def test_a_cache_folder_that_cannot_be_written_still_gives_the_grammar(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    lm = cached_grammar(blocked / "grammar", "k", lambda: COMMANDS)
    assert "lámpara" in lm.words()
    assert "cannot keep the command grammar" in caplog.text
