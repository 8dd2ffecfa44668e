"""What every command group shares: the Typer apps, common options, one-line errors and
result tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from voice.choices import Decoder, RecognizerKind
from voice.errors import VoiceError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Offline Spanish speech -> English text and speech, and voice commands.",
)
data_app = typer.Typer(no_args_is_help=True, help="Build training corpora from installed packages.")
app.add_typer(data_app, name="data")
eval_app = typer.Typer(no_args_is_help=True, help="Score models on held-out data.")
app.add_typer(eval_app, name="eval")
bench_app = typer.Typer(no_args_is_help=True, help="Time the stages (real-time factor, memory).")
app.add_typer(bench_app, name="bench")


ModelDir = Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")]
ShortlistOption = Annotated[int | None, typer.Option(
    help="Translator output shortlist: the most frequent target tokens it may write beside "
         "the input's own (0: the whole vocabulary; default: the shipped setting).")]
DraftWeightOption = Annotated[float | None, typer.Option(
    min=0.0, max=1.0,
    help="Translator, beam search: Apertium's draft's weight in choosing the output among the "
         "beam's hypotheses and the draft (0: the beam's most probable hypothesis; default: "
         "the shipped setting).")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON lines only.")]
DecoderOption = Annotated[Decoder, typer.Option(help="Recogniser: greedy, or beam search with "
                                                     "the word LM.")]
BestDecoderOption = Annotated[Decoder | None, typer.Option(
    "--decoder", help="Recogniser: beam search with the word LM (the default when the model "
                      "has one: more accurate) or greedy (faster).", show_default=False)]

RecognizerOption = Annotated[RecognizerKind, typer.Option(
    "--recognizer", help="encoder: the BiLSTM-CTC over Whisper base's encoder (reads voices "
                         "it never heard far better); small: the log-mel one (no Whisper "
                         "wheels needed, faster).")]
ProfileOption = Annotated[str, typer.Option(
    "--profile", help="Your enrolment (`voice enroll`): a profile name, or none for the "
                      "recogniser as shipped. `default` is used when it exists.")]


def load_voice(recognizer: RecognizerKind = RecognizerKind.encoder,
               decoder: Decoder | None = None, profile: str | None = "default", **options):
    """The entry object every command builds its stages from (`voice.load`)."""
    from voice.app import load

    return load(recognizer, decoder, profile, **options)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def require_manifests(paths: list[str | Path], corpus: str) -> None:
    for path in paths:
        if not Path(path).exists():
            raise VoiceError(f"{path}: no such manifest (run `voice data build {corpus}`, "
                             "or `voice data import` for your own speech)")


def audio_inputs(paths: list[Path]):
    """(path, samples) for each readable file; a bad one is reported on one line and skipped."""
    from voice.audio import load_audio
    from voice.errors import VoiceInputError

    failed = 0
    for path in paths:
        try:
            yield path, load_audio(path)
        except VoiceInputError as error:
            log(f"voice: error: {error}")
            failed += 1
    if failed:
        log(f"voice: {failed} of {len(paths)} input(s) failed")
        raise typer.Exit(1)


def report(rows: Iterable[dict], as_json: bool = False) -> None:
    """Each result as a JSON line on stdout as soon as it is ready, then (unless as_json) all
    of them as a table on stderr."""
    from rich.console import Console
    from rich.table import Table

    done = []
    for row in rows:
        done.append(row)
        print(json.dumps(row), flush=True)
    if done and not as_json:
        grid = Table(*done[0].keys())
        for row in done:
            grid.add_row(*(str(v) for v in row.values()))
        Console(stderr=True).print(grid)
