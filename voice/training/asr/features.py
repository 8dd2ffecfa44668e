"""The recogniser's input frames for a whole manifest, computed once and memory-mapped for
training: log-mels (10 ms, 80 bins) or Whisper base's encoder frames (20 ms, 512 wide).

Each cache records the front end's settings: a cache made with other settings (or older than
its manifest) is rebuilt, never silently reused.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from voice.asr.encoder import BLOCKS
from voice.asr.mel import HOP_LENGTH, N_MELS, WIN_LENGTH, LogMel
from voice.asr.recognizer import EncoderFeatures
from voice.audio import SAMPLE_RATE, load_audio
from voice.files import atomic_path, write_atomically
from voice.manifest import read_jsonl
from voice.parallel import parallel_map

SUFFIX = {"logmel": "feats", "whisper": "whisper"}
_EXTRACT: dict[tuple[str, int], LogMel | EncoderFeatures] = {}


def settings(kind: str, blocks: int = BLOCKS, pad: float = 0.0) -> dict:
    """What a cache of this kind depends on besides the audio (blocks: of the encoder's, whose
    output it holds; all of them is CTranslate2's int8 last layer, fewer the port's float;
    pad: see padding)."""
    if kind == "logmel":
        return {"kind": kind, "n_mels": N_MELS, "hop": HOP_LENGTH, "win": WIN_LENGTH}
    from importlib.metadata import version

    from voice.asr.encoder import PARTS

    return {"kind": kind, "encoder": f"{PARTS[0]}=={version(PARTS[0])}",
            "layer": "last" if blocks == BLOCKS else blocks,
            "compute": "int8" if blocks == BLOCKS else "float32", **({"pad": pad} if pad else {})}


def padding(path: str, pad: float) -> tuple[int, int]:
    """Samples of silence before and after a clip, each up to pad seconds, fixed by its path:
    the margins an endpointer leaves around speech, which tight-cut training clips lack."""
    rng = np.random.default_rng(zlib.crc32(path.encode()))
    return tuple(int(rng.uniform(0, pad) * SAMPLE_RATE) for _ in range(2))


def _features(job: tuple[str, int, float, str]) -> np.ndarray:
    kind, blocks, pad, path = job
    if (kind, blocks) not in _EXTRACT:  # once per worker process, on one thread
        torch.set_num_threads(1)
        _EXTRACT[kind, blocks] = LogMel() if kind == "logmel" else \
            EncoderFeatures(threads=1, blocks=blocks)
    with torch.no_grad():
        audio = load_audio(path)
        if pad:
            audio = np.pad(audio, padding(path, pad))
        return _EXTRACT[kind, blocks](audio).astype(np.float16)


@dataclass
class FeatureSet:
    """Frames (float16) and transcripts of every utterance of one manifest."""

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
    def load(cls, manifest: str | Path, jobs: int | None = None,
             kind: str = "logmel", blocks: int = BLOCKS, pad: float = 0.0) -> FeatureSet:
        """Open the cache next to the manifest, building it first if missing, stale or made
        with other front-end settings (blocks, pad: see settings)."""
        manifest = Path(manifest)
        suffix = SUFFIX[kind] + ("" if blocks == BLOCKS else f"-b{blocks}") + \
            (f"-pad{pad:g}" if pad else "")
        data = manifest.with_suffix(f".{suffix}.npy")
        index = manifest.with_suffix(f".{suffix}.json")
        wanted = settings(kind, blocks, pad)
        if not _fresh(index, manifest, wanted):
            rows = list(read_jsonl(manifest))
            jobs_ = [(kind, blocks, pad, str(manifest.parent / r["audio"])) for r in rows]
            feats = parallel_map(_features, jobs_, f"{kind} {manifest.name}", jobs)
            offsets = np.concatenate([[0], np.cumsum([len(f) for f in feats])])
            width = feats[0].shape[1] if feats else (N_MELS if kind == "logmel" else 512)
            # atomic writes (per-process temp names: torchrun ranks may build the same cache at
            # once); the index last, since its time stamp says the cache is fresh
            with atomic_path(data, ".npy") as tmp:
                np.save(tmp, np.concatenate(feats) if feats else np.zeros((0, width), np.float16))
            write_atomically(index, json.dumps({"frontend": wanted, "offsets": offsets.tolist(),
                                                "texts": [r["text"] for r in rows]}))
        meta = json.loads(index.read_text())
        return cls(np.load(data, mmap_mode="r"), np.asarray(meta["offsets"]), meta["texts"],
                   manifest.stem)


def _fresh(index: Path, manifest: Path, wanted: dict) -> bool:
    if not index.exists() or index.stat().st_mtime < manifest.stat().st_mtime:
        return False
    try:
        return json.loads(index.read_text()).get("frontend") == wanted
    except ValueError:
        return False
