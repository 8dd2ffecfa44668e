"""Where the trained models live: $VOICE_MODELS when set, else the ones shipped inside the
package (this folder: asr-es/, asr-es-encoder/, mt-es-en/, intent-es/, wake-es/), found with
importlib.resources so that `pip install .` runs from any folder."""

from __future__ import annotations

import json
import os
from importlib.resources import files
from pathlib import Path

from voice.errors import VoiceError

SHIPPED = Path(str(files(__name__)))
CONFIG, WEIGHTS = "config.json", "model.safetensors"
RECIPES = {"asr-es": ("asr", ["asr-es-real-ft"]), "asr-es-encoder": ("asr", ["asr-es-encoder"]),
           "mt-es-en": ("mt", ["mt-es-en-compact", "mt-es-en-everyday"]),
           "intent-es": ("intent", ["intent-es"]), "wake-es": ("wake", ["wake-es"])}


def models_dir() -> Path:
    """$VOICE_MODELS, else the models shipped with the package."""
    if os.environ.get("VOICE_MODELS"):
        return Path(os.environ["VOICE_MODELS"])
    return SHIPPED


def find_model(name: str) -> Path:
    """Directory of a trained model, or a one-line error saying how to train it."""
    path = models_dir() / name
    if not (path / "model.safetensors").exists():
        data, recipes = RECIPES.get(name, ("asr", [name]))
        steps = ", then ".join(f"`voice train {data} --recipe recipes/{r}.toml`" for r in recipes)
        raise VoiceError(f"no model yet at {path}: run `voice data build {data}`, then {steps}")
    return path


def model_config(path: Path, *needed: str) -> dict:
    """The config of the model folder path, after checking that it holds the files named; a
    folder trained before the runtime ran ONNX graphs is told how to export them."""
    for name in (CONFIG, *needed):
        if not (path / name).is_file():
            hint = f"; run `voice export {path}`" if name.endswith(".onnx") else ""
            raise VoiceError(f"{path}: not a model folder (no {name}){hint}")
    return json.loads((path / CONFIG).read_text())
