"""Where the trained models live: $VOICE_MODELS, or models/ of the checkout voice runs from.

An installed package carries no models (they are trained, and large): point VOICE_MODELS at a
folder holding asr-es/, mt-es-en/ and intent-es/, such as a checkout's models/.
"""

from __future__ import annotations

import os
from pathlib import Path

from voice.errors import VoiceError

CHECKOUT = Path(__file__).resolve().parents[1]
REPO_MODELS = CHECKOUT / "models"
RECIPES = {"asr-es": "asr", "mt-es-en": "mt", "intent-es": "intent"}


def models_dir() -> Path:
    """$VOICE_MODELS, else the checkout's models/; a one-line error when there is neither."""
    if os.environ.get("VOICE_MODELS"):
        return Path(os.environ["VOICE_MODELS"])
    if (CHECKOUT / "pyproject.toml").is_file() and REPO_MODELS.is_dir():
        return REPO_MODELS
    raise VoiceError("no models folder: set VOICE_MODELS to a folder holding asr-es/, "
                     "mt-es-en/ and intent-es/ (such as a checkout's models/)")


def find_model(name: str) -> Path:
    """Directory of a trained model, or a one-line error saying how to train it."""
    path = models_dir() / name
    if not (path / "model.safetensors").exists():
        raise VoiceError(
            f"no model yet at {path}: run `voice data build {RECIPES[name]}` then "
            f"`voice train {RECIPES[name]} --recipe recipes/{name}.toml`"
        )
    return path
