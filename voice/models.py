"""Where shipped checkpoints live: models/ in a checkout, or $VOICE_MODELS when installed."""

from __future__ import annotations

import os
from pathlib import Path

from voice.errors import VoiceError

REPO_MODELS = Path(__file__).resolve().parents[1] / "models"
RECIPES = {"asr-es": "asr", "mt-es-en": "mt", "intent-es": "intent"}


def models_dir() -> Path:
    return Path(os.environ.get("VOICE_MODELS", REPO_MODELS))


def find_model(name: str) -> Path:
    """Directory of a trained model, or a one-line error saying how to train it."""
    path = models_dir() / name
    if not (path / "model.safetensors").exists():
        raise VoiceError(
            f"no model yet at {path}: run `voice data build {RECIPES[name]}` then "
            f"`voice train {RECIPES[name]} --recipe recipes/{name}.toml`"
        )
    return path
