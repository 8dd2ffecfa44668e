"""Whisper-teacher distillation: packing, frame alignment, batches and the loss, with a fake
encoder (the real one is an optional extra)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from voice.asr.model import AsrModelConfig, CtcRecognizer, without_aux_heads
from voice.audio import SAMPLE_RATE, save_wav
from voice.training.asr.batches import AsrDataConfig
from voice.training.asr.task import AsrRecipe, AsrTask, TeacherConfig, distillation_loss
from voice.training.asr.teacher import (
    DIM,
    GAP,
    TEACHER_HOP,
    WINDOW,
    TeacherFrames,
    pack,
    student_frames,
)


class RampEncoder:
    """Frame j of a window holds the mean of its 320 samples in every dimension: each
    utterance's cut must then show that utterance's own level."""

    calls = 0

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        RampEncoder.calls += 1
        padded = np.zeros(WINDOW, np.float32)
        padded[:len(audio)] = audio
        means = padded.reshape(-1, TEACHER_HOP).mean(1)
        return np.repeat(means[:, None], DIM, 1)


def test_windows_hold_several_utterances_and_never_pass_30_seconds():
    lengths = [5 * SAMPLE_RATE] * 13
    windows = list(pack(lengths))
    assert [len(w) for w in windows] == [5, 5, 3]
    for window in windows:
        i, start = window[-1]
        assert start + lengths[i] <= WINDOW
        assert [s for _, s in window] == [k * (5 * SAMPLE_RATE + GAP) for k in range(len(window))]


def _manifest(folder: Path, levels: list[float], seconds: float = 2.0) -> Path:
    rows = []
    for n, level in enumerate(levels):
        save_wav(folder / f"{n}.wav", np.full(int(seconds * SAMPLE_RATE), level, np.float32))
        rows.append({"audio": f"{n}.wav", "text": "hola", "duration": seconds})
    manifest = folder / "set.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def test_each_utterance_gets_its_own_frames_at_the_students_rate(tmp_path):
    levels = [0.1, -0.2, 0.3, 0.05, -0.4, 0.25, 0.15, -0.1, 0.2, 0.35, -0.3, 0.12, 0.22, 0.4,
              -0.05]
    manifest = _manifest(tmp_path, levels)
    RampEncoder.calls = 0
    frames = TeacherFrames.load(manifest, RampEncoder())
    assert RampEncoder.calls == 2  # 15 two-second clips: two windows
    for i, level in enumerate(levels):
        assert frames[i].shape == (student_frames(2 * SAMPLE_RATE), DIM)
        assert np.allclose(frames[i][:-1], level, atol=2e-3)  # its own clip, no neighbour's
    RampEncoder.calls = 0
    TeacherFrames.load(manifest, RampEncoder())  # cached: Whisper does not run again
    assert RampEncoder.calls == 0


@pytest.fixture
def one_thread():
    """One thread: the same sums in the same order, so the same run on any machine (with two,
    150 steps of this toy land on either side of the bar)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_batches_carry_stretched_teacher_frames_and_the_head_learns_them(tmp_path, one_thread):
    torch.manual_seed(0)
    manifest = str(_manifest(tmp_path, [0.1, -0.2, 0.3]))
    TeacherFrames.load(manifest, RampEncoder())
    recipe = AsrRecipe(data=AsrDataConfig(train=[manifest], dev=[manifest]),
                       model=AsrModelConfig(hidden=32, layers=2, dropout=0.0, teacher_layer=1),
                       teacher=TeacherConfig(weight=1.0, sets=[manifest]))
    task = AsrTask(recipe)
    assert task.model.teacher_head.out_features == DIM
    (batch,) = list(task.batches(0, 0, 1))  # augmented: tempo changes the frame counts
    outputs = [(int(n) + 3) // 4 for n in batch.lengths]
    assert batch.teacher_lengths.tolist() == outputs
    assert batch.teacher.shape[:2] == (3, max(outputs))

    def distill() -> float:
        out = task.model(batch.features, batch.lengths, aux=True)
        return distillation_loss(out.teacher, batch.teacher, batch.teacher_lengths).item()

    before = distill()
    optimizer = torch.optim.Adam(task.model.parameters(), lr=3e-3)
    for _ in range(150):
        loss, _ = task.loss(task.model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert distill() < 0.5 * before


def test_the_teacher_head_is_off_by_default_and_reading_is_unchanged_with_it():
    torch.manual_seed(0)
    plain = CtcRecognizer(AsrModelConfig(hidden=16, layers=3)).eval()
    assert not any("teacher" in k for k in plain.state_dict())
    taught = CtcRecognizer(AsrModelConfig(hidden=16, layers=3, teacher_dim=8, teacher_layer=2,
                                          phone_vocab=5, phone_layer=1)).eval()
    taught.load_state_dict(plain.state_dict())
    x, lengths = torch.randn(2, 60, 80), torch.tensor([60, 40])
    with torch.no_grad():
        out = taught(x, lengths, aux=True)
        assert torch.allclose(out.log_probs, plain(x, lengths)[0], atol=1e-5)
    assert out.teacher.shape == (2, 15, 8) and out.phones.shape == (2, 15, 5)


def test_an_export_leaves_the_training_heads_out_and_reads_the_same(tmp_path):
    torch.manual_seed(0)
    taught = CtcRecognizer(AsrModelConfig(hidden=16, layers=3, teacher_dim=8, teacher_layer=2,
                                          phone_vocab=5, speakers=4)).eval()
    bare = without_aux_heads(taught).eval()
    assert not any(k.startswith(("teacher_head", "phone_head", "speaker_head"))
                   for k in bare.state_dict())
    assert (bare.config.teacher_dim, bare.config.phone_vocab, bare.config.speakers) == (0, 0, 0)
    x, lengths = torch.randn(2, 60, 80), torch.tensor([60, 40])
    with torch.no_grad():
        assert torch.equal(bare(x, lengths)[0], taught(x, lengths)[0])
    again = CtcRecognizer(taught.config)  # fine-tuning the export with heads: they start afresh
    again.load_state_dict(bare.state_dict())
    assert torch.equal(again.rnn.weight_ih_l0, taught.rnn.weight_ih_l0)
