"""`voice` command line (DESIGN section 5): JSON on stdout, progress and errors on stderr."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.errors import VoiceError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Offline Spanish speech -> English text and speech, and voice commands.",
)
data_app = typer.Typer(no_args_is_help=True, help="Build training corpora from installed packages.")
app.add_typer(data_app, name="data")


class Corpus(StrEnum):
    asr = "asr"
    mt = "mt"
    intent = "intent"
    all = "all"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@data_app.command("build")
def data_build(
    corpus: Annotated[Corpus, typer.Argument(help="Which corpus to build.")] = Corpus.all,
    out: Annotated[Path, typer.Option(help="Output folder for manifests and audio.")] = Path(
        "data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 0,
    hours: Annotated[float, typer.Option(help="Hours of synthetic training speech.")] = 9.0,
    jobs: Annotated[int, typer.Option(help="Worker processes (0: one per core).")] = 0,
) -> None:
    """Write JSONL manifests under OUT: asr/, mt/, intent/ (resumable: finished audio is kept)."""
    from voice.data import asr, intent, mt

    builders = {
        "intent": lambda: intent.build(out, seed=seed),
        "mt": lambda: mt.build(out, seed=seed),
        "asr": lambda: asr.build(out, seed=seed, hours=hours, jobs=jobs or None),
    }
    names = list(builders) if corpus is Corpus.all else [corpus.value]
    for name in names:
        start = time.perf_counter()
        counts = builders[name]()
        counts["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({"corpus": name, **counts}), flush=True)


class Trainable(StrEnum):
    asr = "asr"


@app.command()
def train(
    model: Annotated[Trainable, typer.Argument(help="Which model to train.")],
    recipe: Annotated[Path, typer.Option(help="TOML recipe (see recipes/).")],
    resume: Annotated[bool, typer.Option(help="Continue from the run's last checkpoint.")] = False,
) -> None:
    """Train a model from its recipe; the best dev checkpoint is exported to the recipe's
    export_dir. Several processes: `torchrun --nproc-per-node N -m voice train ...`."""
    from voice.asr.task import AsrRecipe, AsrTask
    from voice.config import load_recipe
    from voice.train import train as run_training

    config = load_recipe(recipe, AsrRecipe)
    best = run_training(AsrTask(config), config.train, resume=resume)
    if best:
        print(json.dumps({"model": model.value, "export": config.train.export_dir, **best}))


def _require_model(name: str) -> Path:
    from voice.models import find_model

    return find_model(name)


@app.command()
def transcribe(audio: Annotated[list[Path], typer.Argument(help="Audio files.")]) -> None:
    """Spanish speech -> Spanish text with word times (JSON lines)."""
    _require_model("asr-es")


@app.command()
def translate(
    audio: Annotated[list[Path], typer.Argument(help="Audio files.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output folder.")] = None,
) -> None:
    """Spanish speech -> English text and speech."""
    _require_model("asr-es")
    _require_model("mt-es-en")


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except VoiceError as error:
        _log(f"voice: error: {error}")
        sys.exit(2)
    except KeyboardInterrupt:
        _log("voice: interrupted")
        sys.exit(130)
