"""The wake phrase: model and data shapes, a toy model that learns the phrase, the shipped model
on a voice it never heard, and the streaming detector against offline scoring."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from tests.conftest import needs
from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.wake.detector import PHRASE, WakeDetector, WakeFeatures, WakeModelConfig, peaks
from voice.wake.model import WakeNet, load_wake_net, torch_wake

SHIPPED = Path("voice/models/wake-es")
SPEECH = "assets/samples/conf-waitforleader.wav"  # real Spanish speech, not the phrase


def test_model_shapes_and_size():
    config = WakeModelConfig()
    model = WakeNet(config)
    frames = torch.randn(3, 101, config.n_mels)
    logits, state = model(frames)
    assert logits.shape == (3, 101 // config.stride)
    assert state.shape == (config.layers, 3, config.hidden)
    assert 30_000 < sum(p.numel() for p in model.parameters()) < 100_000
    for samples in (0, 399, 400, 559, 560, 16_000):
        got = WakeFeatures()(np.zeros(samples, np.float32)).shape[0]
        assert got == WakeFeatures.num_frames(samples)


def test_streaming_equals_offline_scoring():
    torch.manual_seed(0)
    config = WakeModelConfig()
    detector = WakeDetector(torch_wake(WakeNet(config)), config, threshold=0.5, refractory=0.3)
    audio = load_audio(SPEECH)[: 4 * SAMPLE_RATE]
    offline = detector.probabilities(audio)
    detector.reset()
    rng = np.random.default_rng(1)
    parts, at = [], 0
    while at < len(audio):  # blocks of any size, some shorter than a frame
        size = int(rng.integers(1, 2500))
        parts.append(detector.scores(audio[at:at + size]))
        at += size
    assert np.allclose(np.concatenate(parts), offline, atol=1e-5)
    # a threshold the random model crosses now and then: the same detections both ways
    detector.threshold = float(np.quantile(offline, 0.9))
    refractory = round(detector.refractory / detector.step_seconds)
    expected = [(s + 1) * detector.step_seconds for s in peaks(offline, detector.threshold,
                                                                 refractory)]
    assert expected and np.allclose(detector.detections(audio, block=0.08), expected)


def _say(folder: Path, name: str, items: list[tuple[str, str]]) -> None:
    """espeak-ng (text, voice) items -> folder/<name>/*.wav and folder/<name>.jsonl."""
    from voice.data.espeak import EspeakVoice, synthesize

    (folder / name).mkdir(parents=True)
    rows = []
    for i, (text, variant) in enumerate(items):
        audio = synthesize(text, EspeakVoice("es", variant, 160 + 10 * (i % 4), 40 + 7 * (i % 5)))
        save_wav(folder / name / f"{i}.wav", audio)
        rows.append({"audio": f"{name}/{i}.wav", "text": text,
                     "duration": len(audio) / SAMPLE_RATE})
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@needs("espeak-ng", "espeak-ng")
def test_a_toy_model_learns_the_phrase_on_a_voice_it_never_heard(tmp_path):
    from voice.config import from_dict
    from voice.training.trainer import train
    from voice.training.wake import WakeRecipe, WakeTask, clip_peaks, padded

    train_voices, unseen = ["m1", "f2", "m3", "f1"], "m7"
    others = ["enciende la luz de la cocina", "qué hora es", "pon música en el salón",
              "mañana lloverá en el norte", "apaga la radio", "sube la persiana"]
    _say(tmp_path, "train-wake", [(PHRASE, v) for v in train_voices for _ in range(3)])
    _say(tmp_path, "train-confusers", [(t, v) for v in train_voices for t in others[:2]])
    _say(tmp_path, "speech-train", [(t, v) for v in train_voices[:2] for t in others[2:]])
    _say(tmp_path, "train-sentences", [(t, v) for v in train_voices[2:] for t in others[2:]])
    _say(tmp_path, "dev-wake", [(PHRASE, unseen)] * 2)
    _say(tmp_path, "dev-confusers", [(others[0], unseen)])
    _say(tmp_path, "speech-dev", [(others[3], unseen)])
    recipe = from_dict(WakeRecipe, {
        "data": {"dir": str(tmp_path), "batch_size": 16, "examples_per_epoch": 16 * 150,
                 "window": [120, 200]},
        "model": {"hidden": 24, "layers": 1},
        "augment": {"babble": 0.0, "time_masks": 0},
        "train": {"lr": 0.01, "warmup_steps": 20, "epochs": 1, "eval_every": 150,
                  "checkpoint_every": 150, "threads": 1, "run_dir": str(tmp_path / "run"),
                  "export_dir": str(tmp_path / "model")}})
    torch.manual_seed(0)
    random.seed(0)
    task = WakeTask(recipe)
    batch = task.batch(random.Random(0))
    assert batch.features.shape[0] == 16 and batch.positive.shape == batch.features.shape[:2]
    assert not (batch.positive & batch.negative).any()
    train(task, recipe.train)
    WakeDetector.load(tmp_path / "model")  # the training run exported its graph
    model = load_wake_net(tmp_path / "model")
    words = [load_audio(tmp_path / "dev-wake" / f"{i}.wav") for i in range(2)]
    speech = [load_audio(tmp_path / n / "0.wav") for n in ("dev-confusers", "speech-dev")]
    wake_peaks = clip_peaks(model, [padded(a) for a in words])
    speech_peaks = clip_peaks(model, [padded(a) for a in speech])
    assert wake_peaks.min() > speech_peaks.max() + 0.2, (wake_peaks, speech_peaks)


shipped = pytest.mark.skipif(not (SHIPPED / "model.safetensors").exists(),
                             reason="no shipped wake model (voice train wake)")


@shipped
@needs("espeak-ng", "espeak-ng")
def test_the_shipped_model_wakes_on_an_unseen_voice_and_not_on_other_speech():
    from voice.data.espeak import DEV_VARIANTS, EspeakVoice

    detector = WakeDetector.load(SHIPPED)
    quiet = np.zeros(SAMPLE_RATE // 2, np.float32)
    heard = 0
    for variant in DEV_VARIANTS[5:9]:  # eval voices: never trained on, never selected on
        said = EspeakVoice("es", variant, 170, 50).synthesize("Oye, Zafira.")
        heard += bool(detector.detections(np.concatenate([quiet, said, quiet, quiet])))
    assert heard >= 3
    assert detector.detections(load_audio(SPEECH)) == []


def test_eval_and_listen_refuse_a_missing_model_in_one_line(tmp_path):
    for args in (["eval", "wake", "--model-dir", str(tmp_path)],
                 ["listen", "--mode", "assistant", "--wake", "--input", SPEECH, "--no-speak"]):
        env_models = {"VOICE_MODELS": str(tmp_path)} if args[0] == "listen" else {}
        result = subprocess.run([sys.executable, "-m", "voice", *args], capture_output=True,
                                text=True, timeout=120,
                                env={**os.environ, **env_models})
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert "no wake model" in result.stderr


@shipped
@needs("espeak-ng", "espeak-ng")
def test_the_wyoming_wake_service_detects_the_phrase_in_a_stream():
    import asyncio

    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient
    from wyoming.wake import Detect, Detection, NotDetected

    from voice.data.espeak import DEV_VARIANTS, EspeakVoice
    from voice.serve.audio import pcm16
    from voice.serve.wake import Wake
    from voice.serve.wyoming import background

    said = EspeakVoice("es", DEV_VARIANTS[6], 170, 50).synthesize("Oye, Zafira.")
    quiet = np.zeros(SAMPLE_RATE, np.float32)
    streams = {"wake": np.concatenate([quiet, said, quiet]), "other": load_audio(SPEECH)}

    async def first_answer(port: int, audio: np.ndarray) -> str:
        pcm = pcm16(audio)
        async with AsyncTcpClient("127.0.0.1", port) as connection:
            await connection.write_event(Detect(names=["wake-es"]).event())
            await connection.write_event(AudioStart(SAMPLE_RATE, 2, 1).event())
            for start in range(0, len(pcm), 2048):
                chunk = AudioChunk(SAMPLE_RATE, 2, 1, pcm[start:start + 2048])
                await connection.write_event(chunk.event())
            await connection.write_event(AudioStop().event())
            return (await asyncio.wait_for(connection.read_event(), 30)).type

    with background([Wake(WakeDetector.load(SHIPPED))]) as uri:
        port = int(uri.rsplit(":", 1)[1])
        assert asyncio.run(first_answer(port, streams["wake"])) == Detection().event().type
        assert asyncio.run(first_answer(port, streams["other"])) == NotDetected().event().type


class _Scripted:
    """A detector that fires on the blocks it is told to, at a given point in the block."""

    def __init__(self, fire_on: set[int], at: float) -> None:
        self.fire_on, self.at, self.blocks = fire_on, at, 0
        self.heard_at: float | None = None

    def feed(self, block: np.ndarray) -> bool:
        self.blocks += 1
        if self.blocks - 1 in self.fire_on:
            self.heard_at = (self.blocks - 1 + self.at) * len(block) / SAMPLE_RATE
            return True
        return False


def test_the_wake_gate_passes_only_what_follows_the_phrase_until_answered():
    from voice.wake.gate import WakeGate

    heard = []
    gate = WakeGate(_Scripted({2}, at=0.5), heard.append, listen=0.3)  # type: ignore[arg-type]
    block = np.ones(1600, np.float32)  # 0.1 s
    out = [gate.filter(block) for _ in range(8)]
    assert [float(o.sum()) for o in out[:2]] == [0.0, 0.0]  # before the phrase: silence
    assert float(out[2][:800].sum()) == 0.0 and float(out[2][800:].min()) == 1.0
    assert all(float(o.min()) == 1.0 for o in out[3:5])  # the command window (0.3 s)
    assert all(float(o.sum()) == 0.0 for o in out[6:])  # then silence again
    assert heard == [pytest.approx(0.25)]
    gate.detector.fire_on = {8}
    gate.filter(block)  # the phrase again, at 0.85 s
    answer = gate.answering(lambda utterance: "hecho")
    assert answer(SimpleNamespace(end=0.9)) == "hecho"
    assert float(gate.filter(block).sum()) == 0.0  # answered: closed
    gate.detector.fire_on = {10}
    gate.filter(block)  # the phrase at 1.05 s, while a command that ended at 0.9 is answered
    assert answer(SimpleNamespace(end=0.9)) == "hecho"
    assert float(gate.filter(block).min()) == 1.0  # the new command still gets through


def test_the_second_check_finds_the_phrase_as_a_recogniser_may_spell_it():
    from voice.wake.check import edits_within, letters

    phrase = letters("oye Zafira")
    assert phrase == "oyesafira"
    for heard, edits in (("oye safira enciende la luz", 0), ("y oie zafira", 1),
                         ("oye sara", 2), ("olle safila", 3), ("pon música", 6)):
        assert edits_within(phrase, letters(heard)) == edits, heard


def test_a_detection_the_check_rejects_does_not_open_the_gate():
    from voice.wake.gate import WakeGate

    seen = []

    def check(audio: np.ndarray) -> bool:
        seen.append(len(audio))
        return len(seen) > 1  # the first detection is a sound-alike, the second the phrase

    heard = []
    gate = WakeGate(_Scripted({2, 4}, at=0.5), heard.append, listen=0.3,  # type: ignore[arg-type]
                    check=check)
    block = np.ones(1600, np.float32)
    out = [gate.filter(block) for _ in range(6)]
    assert float(out[2].sum()) == 0.0  # rejected: still waiting
    assert float(out[4][800:].min()) == 1.0 and heard == [pytest.approx(0.45)]
    assert seen == [3 * 1600, 5 * 1600]  # the check reads what was heard up to the detection


@shipped
@needs("espeak-ng", "espeak-ng")
def test_listen_acts_only_on_the_command_after_the_phrase(tmp_path):
    """Other speech, then "oye Zafira" and a command, in a held-out voice: one wake, and only
    the command is acted on (the speech before it never reaches the recogniser)."""
    from voice.data.espeak import EspeakVoice

    voice = EspeakVoice("es", "quincy", 160, 50)
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    save_wav(tmp_path / "said.wav", np.concatenate([
        pause, load_audio(SPEECH), pause, voice.synthesize("Oye, Zafira."), pause,
        voice.synthesize("enciende la luz de la cocina"), pause, pause, pause]))
    result = subprocess.run([sys.executable, "-m", "voice", "listen", "--mode", "assistant",
                             "--input", str(tmp_path / "said.wav"), "--no-speak"],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "VOICE_STATE": str(tmp_path / "state.db")})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(line) == ["wake"] for line in lines] == [True, False], lines
    speech_ends = 0.5 + len(load_audio(SPEECH)) / SAMPLE_RATE
    assert lines[1]["intent"] == "HassTurnOn" and lines[1]["start"] > speech_ends


@shipped
def test_the_shipped_graph_scores_as_the_trained_weights_do():
    """The runtime's ONNX graph (voice export) against the PyTorch model of the same folder on
    real speech fed in blocks: probabilities within 1e-4."""
    shipped = WakeDetector.load(SHIPPED)
    trained = WakeDetector(torch_wake(load_wake_net(SHIPPED)), shipped.config)
    audio = load_audio(SPEECH)
    for block in (0.08, 1.0):
        ours, theirs = [], []
        for detector, out in ((shipped, ours), (trained, theirs)):
            detector.reset()
            size = round(block * SAMPLE_RATE)
            for start in range(0, len(audio), size):
                out.append(detector.scores(audio[start:start + size]))
        assert np.abs(np.concatenate(ours) - np.concatenate(theirs)).max() < 1e-4
