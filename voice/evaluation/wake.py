"""`voice eval wake`: the wake phrase's misses, the sound-alikes it accepts and its false
accepts per hour, with or without the second stage (voice.wake.check)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from voice.audio import SAMPLE_RATE, load_audio
from voice.manifest import read_jsonl
from voice.training.wake import clip_peaks, clips, padded, probabilities, stream
from voice.wake.detector import peaks


def _under(audio: np.ndarray, other: np.ndarray, snr_db: float) -> np.ndarray:
    """audio with other (repeated or cut to length) mixed under it at snr_db."""
    other = np.resize(other, len(audio))
    gain = np.sqrt(np.mean(audio ** 2) / (np.mean(other ** 2) + 1e-12) / 10 ** (snr_db / 10))
    return (audio + gain * other).astype(np.float32)


def _confirmed(check: Callable[[np.ndarray], bool], audio: np.ndarray, step: int,
               step_seconds: float) -> bool:
    """The second stage on what the gate would hand it: the audio up to the end of the block
    (100 ms) in which the detector fired at `step`."""
    end = round(((step + 1) * step_seconds + 0.1) * SAMPLE_RATE)
    return check(audio[:end])


def evaluate_wake(detector, model, folder: Path, babble_db: float = 10.0,
                  check: Callable[[np.ndarray], bool] | None = None,
                  split: str = "eval") -> Iterator[dict]:
    """Misses on the eval voices (clean, then with other speech babble_db under them), the
    sound-alikes they accept, and false accepts per hour over the eval speech streamed with
    its state carried (offline scoring, which equals streaming: tests/test_wake.py); with a
    check (voice.wake.check), a detection counts only when the check confirms it. model: the
    detector's PyTorch network (voice.wake.model), which scores clips in batches."""
    threshold = detector.threshold
    refractory = round(detector.refractory / detector.step_seconds)
    rows = {kind: list(read_jsonl(folder / f"{split}-{kind}.jsonl"))
            for kind in ("wake", "confusers")}
    speech = clips(folder / f"speech-{split}.jsonl")
    everything = stream(speech)
    rng = np.random.default_rng(0)
    for kind, babble in (("wake", None), ("wake", babble_db), ("confusers", None)):
        audios = [load_audio(folder / r["audio"]) for r in rows[kind]]
        if babble is not None:
            audios = [_under(a, speech[rng.integers(len(speech))], babble) for a in audios]
        hit = clip_peaks(model, [padded(a) for a in audios]) >= threshold
        if check is not None:
            for i in np.flatnonzero(hit):
                heard = padded(audios[i])
                probs = probabilities(model, heard)
                first = int(np.flatnonzero(probs >= threshold)[0])
                hit[i] = _confirmed(check, heard, first, detector.step_seconds)
        for source in sorted({r["source"] for r in rows[kind]}) + ["all"]:
            picked = np.array([source in ("all", r["source"]) for r in rows[kind]])
            share = round(100 * float(hit[picked].mean()), 2)
            yield {"set": f"{split}-{kind}", "voice": source, "clips": int(picked.sum()),
                   "babble_db": babble, "threshold": threshold,
                   "second_check": check is not None,
                   **({"miss_pct": round(100 - share, 2)} if kind == "wake"
                      else {"accepted_pct": share})}
    hours = len(everything) / SAMPLE_RATE / 3600
    probs = probabilities(model, everything)
    found = peaks(probs, threshold, refractory)
    accepted = len(found) if check is None else sum(
        _confirmed(check, everything, step, detector.step_seconds) for step in found)
    yield {"set": f"speech-{split}", "voice": "all", "hours": round(hours, 2),
           "threshold": threshold, "second_check": check is not None,
           "false_accepts": accepted, "fa_per_hour": round(accepted / hours, 2)}
