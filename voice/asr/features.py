"""Log-mel features of a whole manifest, computed once and memory-mapped for training."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from voice.audio import N_MELS, LogMel, load_audio
from voice.data.manifest import read_jsonl
from voice.data.parallel import parallel_map
from voice.files import atomic_path, write_atomically

_LOGMEL: LogMel | None = None


def _features(path: str) -> np.ndarray:
    global _LOGMEL
    if _LOGMEL is None:
        torch.set_num_threads(1)
        _LOGMEL = LogMel()
    with torch.no_grad():
        audio = torch.from_numpy(load_audio(path))
        return _LOGMEL(audio[None])[0].numpy().astype(np.float16)


@dataclass
class FeatureSet:
    """Features (frames x 80, float16) and transcripts of every utterance of one manifest."""

    features: np.ndarray
    offsets: np.ndarray
    texts: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.texts)

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.features[self.offsets[i]:self.offsets[i + 1]]

    @classmethod
    def load(cls, manifest: str | Path, jobs: int | None = None) -> FeatureSet:
        """Open the cache next to the manifest, building it first if missing or stale."""
        manifest = Path(manifest)
        data, index = manifest.with_suffix(".feats.npy"), manifest.with_suffix(".feats.json")
        if not index.exists() or index.stat().st_mtime < manifest.stat().st_mtime:
            rows = list(read_jsonl(manifest))
            audio = [str(manifest.parent / r["audio"]) for r in rows]
            feats = parallel_map(_features, audio, f"features {manifest.name}", jobs)
            offsets = np.concatenate([[0], np.cumsum([len(f) for f in feats])])
            # atomic writes (per-process temp names: torchrun ranks may build the same cache at
            # once); the index last, since its time stamp says the cache is fresh
            with atomic_path(data, ".npy") as tmp:
                np.save(tmp, np.concatenate(feats) if feats else np.zeros((0, N_MELS), np.float16))
            write_atomically(index, json.dumps({"offsets": offsets.tolist(),
                                                "texts": [r["text"] for r in rows]}))
        meta = json.loads(index.read_text())
        return cls(np.load(data, mmap_mode="r"), np.asarray(meta["offsets"]), meta["texts"],
                   manifest.stem)
