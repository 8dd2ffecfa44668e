"""The entry object: one Voice builds what every command and server uses, from one set of
options that a batch worker process can rebuild it from."""

import json
import pickle
from pathlib import Path

import pytest

import voice
from tests.test_cli import run
from voice.app import Options
from voice.audio import load_audio
from voice.choices import Decoder, RecognizerKind

SAMPLE = Path("assets/samples/vm-nobodyavail.wav")


def test_load_takes_names_or_enums_and_options_pickle():
    v = voice.load("small", "greedy", None, state=Path("x.sqlite3"))
    assert v.options == Options(RecognizerKind.small, Decoder.greedy, None,
                                state=Path("x.sqlite3"))
    assert pickle.loads(pickle.dumps(v.options)) == v.options
    assert voice.load().options.recognizer is RecognizerKind.encoder  # the default
    with pytest.raises(ValueError):
        voice.load("large")


def test_one_voice_keeps_its_models_and_its_commands_share_the_network():
    v = voice.load(profile=None)
    assert v.recognizer is v.recognizer and v.recognizer.kind is RecognizerKind.encoder
    assert v.commands.network is v.recognizer.network  # the grammar decoder is its own
    assert v.assistant() is v.assistant()
    assert v.transcribe(SAMPLE).text == v.recognizer.recognize(load_audio(SAMPLE)).text


def test_translate_gives_the_command_line_result():
    v = voice.load(profile=None)
    result = v.translate(SAMPLE)
    assert set(result) >= {"file", "es", "en", "segments"} and result["en"]
    assert v.translate_text([row["es"] for row in result["segments"]]) == \
        [row["en"] for row in result["segments"]]
    line = run("translate", str(SAMPLE), "--profile", "none")
    assert line.returncode == 0, line.stderr
    assert json.loads(line.stdout)["en"] == result["en"]
