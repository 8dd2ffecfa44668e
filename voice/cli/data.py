"""`voice data build|import`: training corpora from installed packages, or your own speech."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.cli.common import data_app


class Corpus(StrEnum):
    asr = "asr"
    mt = "mt"
    intent = "intent"
    assistant = "assistant"  # spoken commands for `voice eval assistant`
    everyday = "everyday"  # the translator's everyday dev sentences, spoken (`voice eval e2e`)
    wake = "wake"  # the wake phrase, sound-alikes, other speech (after asr)
    lm = "lm"  # Spanish text for the recogniser's word LM
    all = "all"


@data_app.command("build")
def data_build(
    corpus: Annotated[Corpus, typer.Argument(help="Which corpus to build.")] = Corpus.all,
    out: Annotated[Path, typer.Option(help="Output folder for manifests and audio.")] = Path(
        "data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 0,
    hours: Annotated[float, typer.Option(help="Hours of espeak-ng training speech.")] = 9.0,
    kokoro_hours: Annotated[float, typer.Option(
        help="Hours of Kokoro training speech (about 1.8x real time on 2 cores).")] = 1.0,
    ahotts_hours: Annotated[float, typer.Option(
        help="Hours of AhoTTS training speech (over 10x real time).")] = 2.0,
    pico_hours: Annotated[float, typer.Option(
        help="Hours of SVOX Pico training speech (about 100x real time).")] = 2.0,
    jobs: Annotated[int, typer.Option(help="Worker processes (0: one per core).")] = 0,
) -> None:
    """Write JSONL manifests under OUT: asr/, mt/, intent/, assistant/, everyday/, wake/, lm/
    (resumable: finished audio is kept)."""
    from voice.data import asr, assistant, fortunes, intent, mt, spoken_everyday, wake

    builders = {
        "intent": lambda: intent.build(out, seed=seed),
        "assistant": lambda: assistant.build(out, seed=seed, jobs=jobs or None),
        "mt": lambda: mt.build(out, seed=seed),
        "everyday": lambda: spoken_everyday.build(out, seed=seed, jobs=jobs or None),
        "asr": lambda: asr.build(out, seed=seed, hours=hours, jobs=jobs or None,
                                 kokoro_hours=kokoro_hours, ahotts_hours=ahotts_hours,
                                 pico_hours=pico_hours),
        "wake": lambda: wake.build(out, seed=seed, jobs=jobs or None),
        "lm": lambda: fortunes.build(out),
    }
    names = list(builders) if corpus is Corpus.all else [corpus.value]
    for name in names:
        start = time.perf_counter()
        counts = builders[name]()
        counts["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({"corpus": name, **counts}), flush=True)


class Importable(StrEnum):
    commonvoice = "commonvoice"
    list = "list"


@data_app.command("import")
def data_import(
    kind: Annotated[Importable, typer.Argument(help="commonvoice: a release's language folder; "
                                                    "list: a file of audio<TAB>text lines.")],
    source: Annotated[Path, typer.Argument(help="The folder or list file.")],
    name: Annotated[str, typer.Option(help="Manifest name (data/asr/NAME[-SPLIT].jsonl).")],
    out: Annotated[Path, typer.Option(help="Where manifests go.")] = Path("data/asr"),
) -> None:
    """Make recogniser manifests for speech you already have (audio is not copied)."""
    from voice.data.importers import import_common_voice, import_list

    out.mkdir(parents=True, exist_ok=True)
    if kind is Importable.commonvoice:
        counts = import_common_voice(source, out, name)
    else:
        counts = import_list(source, out, name)
    print(json.dumps({"import": kind.value, **counts}))
