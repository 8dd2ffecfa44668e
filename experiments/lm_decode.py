"""Word LMs and beam weights compared on the same acoustic scores: the recogniser's frame
log-probabilities on dev sets are computed once (cached in an .npz), then decoded with each
LM and setting. Not installed; run from the checkout:

    python -m experiments.lm_decode --model voice/models/asr-es-encoder \
        --lm voice/models/asr-es-encoder/lm.json.gz --lm runs/lm-more/lm.json.gz
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from voice.asr.beam import BeamConfig, BeamDecoder
from voice.asr.lm import WordLM
from voice.asr.recognizer import Recognizer
from voice.audio import load_audio
from voice.checkpoint import load_model
from voice.cores import use_threads
from voice.manifest import read_jsonl
from voice.metrics import error_rates
from voice.text import CharVocab

SETS = {"asterisk-dev": ("data/asr/asterisk-dev.jsonl", 0),
        "drascula-dev": ("data/asr/drascula-dev.jsonl", 0),
        "tuxpaint": ("data/asr/tuxpaint-train.jsonl", 250)}


def scores(model: str, cache: Path,
           pad: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """Per set: each utterance's (T, V) log-probabilities and its reference text; pad: seconds
    of silence added before and after each clip."""
    if cache.is_file():
        data = np.load(cache, allow_pickle=True)
        return {name: (list(data[f"{name}_lp"]), list(data[f"{name}_ref"])) for name in SETS}
    recognizer = Recognizer.load(model, "greedy", profile=None)
    out, arrays = {}, {}
    for name, (manifest, limit) in SETS.items():
        rows = list(read_jsonl(manifest))[:limit or None]
        lead, trail = (int(p * 16_000) for p in pad)
        lps = [recognizer.log_probs(np.pad(load_audio(Path(manifest).parent / r["audio"]),
                                           (lead, trail))) for r in rows]
        out[name] = (lps, [r["text"] for r in rows])
        arrays[f"{name}_lp"] = np.array(lps, dtype=object)
        arrays[f"{name}_ref"] = np.array([r["text"] for r in rows], dtype=object)
    np.savez(cache, **arrays)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--lm", action="append", required=True)
    parser.add_argument("--weights", default="0.6:-1.0",
                        help="lm_weight:word_score, comma-separated")
    parser.add_argument("--cache", default="")
    parser.add_argument("--pad", default="0:0", help="seconds of silence before:after each clip")
    args = parser.parse_args()
    use_threads(1)
    cache = Path(args.cache or Path("runs") / f"logprobs-{Path(args.model).name}.npz")
    sets = scores(args.model, cache, tuple(map(float, args.pad.split(":"))))
    vocab = CharVocab(load_model(args.model)[1]["vocab"])
    for lm_path in args.lm:
        lm = WordLM.load(lm_path)
        for pair in args.weights.split(","):
            weight, word_score = map(float, pair.split(":"))
            decoder = BeamDecoder(vocab, lm, BeamConfig(lm_weight=weight, word_score=word_score))
            row = {"lm": lm_path, "lm_weight": weight, "word_score": word_score}
            for name, (lps, refs) in sets.items():
                hyps = [decoder.decode(lp.astype(np.float32)) for lp in lps]
                rates = error_rates(refs, hyps)
                row[name] = f"{rates['wer']:.1f}/{rates['cer']:.1f}"
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
