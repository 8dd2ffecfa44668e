"""`voice train asr|lm|mt|intent|wake`: one trainer, a TOML recipe per model."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.cli.common import app, require_manifests
from voice.errors import VoiceError


class Trainable(StrEnum):
    asr = "asr"
    lm = "lm"
    mt = "mt"
    intent = "intent"
    wake = "wake"


@app.command()
def train(
    model: Annotated[Trainable, typer.Argument(help="Which model to train.")],
    recipe: Annotated[Path, typer.Option(help="TOML recipe (see recipes/).")],
    resume: Annotated[bool, typer.Option(help="Continue from the run's last checkpoint.")] = False,
    minutes: Annotated[float | None, typer.Option(
        help="Override the recipe's time budget (0: none).")] = None,
    run_dir: Annotated[Path | None, typer.Option(
        help="Override where the run lives; the best model then goes to RUN_DIR/model "
             "(for experiments that must not replace a shipped model).")] = None,
) -> None:
    """Train a model from its recipe; the best dev checkpoint is exported to the recipe's
    export_dir. `lm` trains the recogniser's word language model (same recipe).
    Several processes: `torchrun --nproc-per-node N -m voice train ...`."""
    import torch

    from voice.config import load_recipe
    from voice.training.tasks import TASKS
    from voice.training.trainer import train as run_training

    entry = TASKS["asr" if model is Trainable.lm else model.value]  # lm: the asr recipe's [lm]
    recipe_class, task_class = entry.classes()
    config = load_recipe(recipe, recipe_class)
    if minutes is not None:
        config.train.max_minutes = minutes
    if run_dir is not None:
        config.train.run_dir, config.train.export_dir = str(run_dir), str(run_dir / "model")
    if model is Trainable.lm:
        _train_lm(config)
        return
    try:
        manifests = config.manifests()
    except VoiceError as error:
        raise VoiceError(f"{recipe}: {error}") from None
    require_manifests(manifests, entry.corpus)
    torch.manual_seed(config.train.seed)
    best = run_training(task_class(config, resume), config.train, resume=resume)
    if best:
        print(json.dumps({"model": model.value, "export": config.train.export_dir, **best}))


def _train_lm(config) -> None:
    """The recogniser's word LM and its decode settings, beside the recipe's model."""
    from voice.training.asr.lm import train_and_save

    if not config.lm.corpora:
        raise VoiceError("the recipe has no [lm] corpora")
    require_manifests(config.lm.corpora, "all")
    print(json.dumps(train_and_save(config)))


@app.command("export")
def export(
    model_dir: Annotated[Path, typer.Argument(help="A trained model's folder.")],
) -> None:
    """Write the ONNX graphs the runtime runs beside a trained model's weights (`voice train`
    does it at the end of each run; this is for a folder trained before)."""
    from voice.training.export import export_model

    print(json.dumps({"model": str(model_dir), "kind": export_model(model_dir)}))
