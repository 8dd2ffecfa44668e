"""Shipped model files: weights as float16 safetensors plus a JSON config, for every model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from voice.errors import VoiceError
from voice.files import atomic_path, write_atomically
from voice.models import CONFIG, WEIGHTS


def save_model(out: str | Path, model: nn.Module, config: dict[str, Any]) -> None:
    """Write weights (fp16 for floats) and config atomically into directory out."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v).contiguous().cpu()
             for k, v in model.state_dict().items()}
    with atomic_path(out / WEIGHTS) as tmp:
        save_file(state, str(tmp))
    write_config(out, config)


def write_config(out: Path, config: dict[str, Any], name: str = CONFIG) -> None:
    """Replace a JSON file of a model folder atomically (a reader never sees half a file)."""
    write_atomically(out / name, json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def load_model(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(float32 state dict, config) of a saved model."""
    path = Path(path)
    for name in (WEIGHTS, CONFIG):
        if not (path / name).is_file():
            raise VoiceError(f"{path}: not a model folder (no {name})")
    state = {k: v.float() if v.is_floating_point() else v
             for k, v in load_file(str(path / WEIGHTS)).items()}
    return state, json.loads((path / CONFIG).read_text())
