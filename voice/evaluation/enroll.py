"""`voice eval enroll`: what enrolling with 2, 5, 10 minutes of one speaker does to their WER.

Every fourth clip of the speaker is a test clip; the others enrol, in manifest order, up to
each amount. Each amount adapts the shipped model afresh and is scored with the default
decoder (beam + LM when the model has it), so the rows compare like with like.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voice.asr.recognizer import Recognizer
from voice.audio import load_audio
from voice.errors import VoiceError
from voice.evaluation.asr import score
from voice.manifest import read_jsonl
from voice.text import CharVocab
from voice.training.asr.enroll import Clip, EnrollConfig, enroll, features, trainable


def evaluate_enrolment(manifest: Path, speaker: str | None, minutes: list[float],
                       model_dir: Path, config: EnrollConfig) -> Iterator[dict]:
    rows = [r for r in read_jsonl(manifest) if speaker is None or r.get("speaker") == speaker]
    if len(rows) < 8:
        raise VoiceError(f"{manifest}: {len(rows)} clips of {speaker or 'anyone'}; enrolment "
                         "needs at least 8 (a quarter of them test it)")
    test = rows[3::4]
    pool = [r for i, r in enumerate(rows) if i % 4 != 3]
    audio = [load_audio(manifest.parent / r["audio"]) for r in test]
    references = [r["text"] for r in test]
    scorer = Recognizer.load(model_dir, None, profile=None)
    scorer.network = trainable(model_dir).network  # the PyTorch weights, to swap adaptations in
    base_state = {k: v.clone() for k, v in scorer.network.model.state_dict().items()}
    available = sum(r["duration"] for r in pool) / 60
    for amount in minutes:
        if amount > available + 1e-6:
            raise VoiceError(f"{manifest}: {available:.1f} min to enrol with, not {amount:g}")
        scorer.network.model.load_state_dict(base_state)
        info = {"clips": 0, "minutes": 0.0, "adapt_seconds": 0.0}
        if amount > 0:
            chosen = pool[:int(np.searchsorted(np.cumsum([r["duration"] for r in pool]) / 60,
                                               amount - 1e-6)) + 1]
            clips = features([Clip(manifest.parent / r["audio"], r["text"]) for r in chosen],
                             CharVocab(), lambda _: None, scorer)
            adapted, _, info = enroll(clips, model_dir, config)
            scorer.network.model.load_state_dict(adapted.network.model.state_dict())
        yield {"set": manifest.stem + (f":{speaker}" if speaker else ""),
               "enrol_minutes": info["minutes"], "enrol_clips": info["clips"],
               "adapt_seconds": info["adapt_seconds"], "test_clips": len(test),
               **score(lambda a: scorer.recognize(a).text, audio, references)}
