"""The Whisper readability filter on synthetic training clips: each packed clip gets its own
score, the threshold comes from the real voices, kept clips form a new manifest; and (slow,
with the train extra) Whisper base scores a recording's own transcript above a wrong one."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from experiments import readable
from tests.test_whisper import EXTRA, SAMPLES
from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.evaluation import whisper
from voice.manifest import read_jsonl
from voice.training.asr.teacher import WINDOW


class LevelScorer:
    """Scores a clip by the mean level of its stretch of the packed window, and checks that
    the texts come in the clips' order: a clip credited with a neighbour's score shows."""

    def __init__(self) -> None:
        self.calls = 0

    def window(self, audio: np.ndarray, texts: list[str]) -> list[float]:
        self.calls += 1
        assert len(audio) <= WINDOW
        levels = [float(t.split()[1]) for t in texts]
        found = [lv for lv in levels if np.isclose(audio, lv, atol=1e-3).sum() >= SAMPLE_RATE]
        assert found == levels  # every clip's audio is in the window it is scored with
        return levels


def _manifest(folder: Path, levels: list[float]) -> Path:
    rows = []
    for n, level in enumerate(levels):
        save_wav(folder / f"{n}.wav", np.full(4 * SAMPLE_RATE, level, np.float32))
        rows.append({"audio": f"{n}.wav", "text": f"nivel {level}", "duration": 4.0})
    manifest = folder / "espeak-train.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def test_each_packed_clip_is_scored_and_the_scores_are_cached(tmp_path):
    levels = [-0.5, -0.1, -0.3, -0.05, -0.4, -0.2, -0.25, -0.15, -0.35, -0.45]
    manifest = _manifest(tmp_path, levels)
    scorer = LevelScorer()
    assert readable.scores(manifest, scorer) == pytest.approx(levels, abs=1e-3)
    assert scorer.calls == 2  # ten 4-second clips: two windows
    assert readable.scores(manifest, scorer) == pytest.approx(levels, abs=1e-3)
    assert scorer.calls == 2  # from the cache


def test_kept_clips_are_those_at_least_as_readable_as_the_real_voices(tmp_path):
    manifest = _manifest(tmp_path, [-0.5, -0.1, -0.3, -0.05])
    real = list(np.linspace(-0.4, 0.0, 11))
    limit = readable.threshold(real, 0.9)  # nine in ten real clips score -0.36 or more
    assert limit == pytest.approx(-0.36)
    counts = readable.keep_readable(manifest, limit, LevelScorer())
    kept = list(read_jsonl(tmp_path / "espeak-train-readable.jsonl"))
    assert [r["audio"] for r in kept] == ["1.wav", "2.wav", "3.wav"]
    assert counts["kept"] == 3 and counts["of"] == 4 and counts["hours"] == round(12 / 3600, 2)


@pytest.mark.slow
@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in EXTRA),
                    reason=f"needs the train extra: {whisper.INSTALL}")
def test_whisper_finds_a_recordings_own_transcript_far_likelier_than_another(tmp_path):
    rows = [r.split("\t") for r in (SAMPLES / "transcripts.tsv").read_text().splitlines()[1:]]
    (first, text, _), (_, other, _) = rows[:2]
    audio = load_audio(SAMPLES / first)
    scorer = readable.WhisperScorer()
    own, wrong = scorer.window(audio, [text])[0], scorer.window(audio, [other])[0]
    assert own > -1.5 and wrong < own - 3.0  # the texts lack accents: own is about -1.1
