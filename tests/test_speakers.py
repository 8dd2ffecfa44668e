"""Speaker-adversarial training: speaker ids from the manifests, the reversed gradient, and a
head that learns speakers while the layers below are pushed the other way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from voice.asr import model as model_module
from voice.asr.model import AsrModelConfig, CtcRecognizer
from voice.audio import SAMPLE_RATE, save_wav
from voice.training.asr.batches import AsrDataConfig
from voice.training.asr.task import AsrRecipe, AsrTask, SpeakerConfig


def _manifest(folder: Path, name: str, speakers: list[str], lang: str = "es") -> str:
    rows = []
    rng = np.random.default_rng(len(name))
    for n, speaker in enumerate(speakers):
        save_wav(folder / f"{name}{n}.wav", rng.normal(0, 0.1, SAMPLE_RATE).astype(np.float32))
        rows.append({"audio": f"{name}{n}.wav", "text": "hola", "duration": 1.0,
                     "speaker": speaker, **({"lang": lang} if lang != "es" else {})})
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_speakers_are_told_apart_by_language_and_name(tmp_path):
    es = _manifest(tmp_path, "es", ["ana", "luis", "ana"])
    en = _manifest(tmp_path, "en", ["ana", "bob"], lang="en")
    recipe = AsrRecipe(data=AsrDataConfig(train=[es, en], dev=[es]),
                       model=AsrModelConfig(hidden=16, layers=2),
                       speakers=SpeakerConfig(weight=0.5))
    task = AsrTask(recipe)
    assert task.speakers == [[0, 1, 0], [2, 3]]  # English "ana" is another actor
    assert task.model.speaker_head[-1].out_features == 4
    (batch,) = list(task.batches(0, 0, 1))
    # English without phones or teacher frames has nothing to train: only the Spanish comes
    assert sorted(batch.speakers.tolist()) == [0, 0, 1]
    loss, _ = task.loss(task.model, batch)
    assert torch.isfinite(loss)
    assert AsrTask(AsrRecipe(data=AsrDataConfig(train=[es], dev=[es]))).model.speaker_head is None


def test_the_layers_below_the_head_get_its_gradient_reversed(monkeypatch):
    torch.manual_seed(0)
    model = CtcRecognizer(AsrModelConfig(hidden=16, layers=2, dropout=0.0, speakers=3,
                                         speaker_layer=1))
    x, lengths, labels = torch.randn(3, 80, 80), torch.tensor([80, 70, 60]), torch.tensor([0, 1, 2])

    def gradients() -> tuple[torch.Tensor, torch.Tensor]:
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x, lengths, aux=True).speakers, labels).backward()
        return model.speaker_head[0].weight.grad.clone(), model.rnn.weight_ih_l0.grad.clone()

    head, below = gradients()
    monkeypatch.setattr(model_module._ReverseGradient, "apply", lambda t: t)
    plain_head, plain_below = gradients()
    assert below.abs().sum() > 0
    assert torch.allclose(head, plain_head)  # the head learns to tell speakers apart
    assert torch.allclose(below, -plain_below)  # the layer below learns to hide them


def test_reading_is_unchanged_by_the_speaker_head():
    torch.manual_seed(0)
    plain = CtcRecognizer(AsrModelConfig(hidden=16, layers=2)).eval()
    adversarial = CtcRecognizer(AsrModelConfig(hidden=16, layers=2, speakers=4)).eval()
    adversarial.load_state_dict(plain.state_dict())  # the head starts fresh (fine-tuning)
    x, lengths = torch.randn(2, 60, 80), torch.tensor([60, 40])
    with torch.no_grad():
        out = adversarial(x, lengths, aux=True)
        assert torch.allclose(out.log_probs, plain(x, lengths)[0], atol=1e-5)
    assert out.speakers.shape == (2, 4)
