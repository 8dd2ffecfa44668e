"""Confidence calibration: the assistant acts only above a confidence threshold, so the
softmax must mean what it says. One temperature (Guo et al., 2017), fitted on dev."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from voice.checkpoint import write_config
from voice.models import CONFIG


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature in [0.25, 8] that minimises the negative log-likelihood of labels."""
    grid = torch.exp(torch.linspace(math.log(0.25), math.log(8.0), 241))
    losses = torch.stack([F.cross_entropy(logits / t, labels) for t in grid])
    return round(float(grid[losses.argmin()]), 4)


def calibration_error(confidence: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error in percent: |accuracy - confidence| over equal-width bins,
    weighted by how many predictions fall in each."""
    total, error = len(confidence), 0.0
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        inside = [i for i, c in enumerate(confidence) if low < c <= high or (k == 0 and c == 0)]
        if inside:
            accuracy = sum(correct[i] for i in inside) / len(inside)
            mean = sum(confidence[i] for i in inside) / len(inside)
            error += len(inside) / total * abs(accuracy - mean)
    return round(100 * error, 2)


def save_temperature(model_dir: str | Path, temperature: float) -> None:
    """Record the temperature in the model's config, where `IntentParser.load` reads it."""
    model_dir = Path(model_dir)
    config = json.loads((model_dir / CONFIG).read_text())
    write_config(model_dir, {**config, "temperature": temperature})


def calibrate(parser, examples: list[tuple[list[str], list[str], str]],
              model_dir: str | Path) -> float:
    """Fit the parser's confidence temperature on labelled (words, tags, intent) examples and
    save it beside the model; returns it."""
    logits = torch.from_numpy(np.stack([parser.logits(words)[0] for words, _, _ in examples]))
    labels = torch.tensor([parser.vocabs.intents(intent) for _, _, intent in examples])
    parser.temperature = fit_temperature(logits, labels)
    save_temperature(model_dir, parser.temperature)
    return parser.temperature
