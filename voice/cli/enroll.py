"""`voice enroll` (adapt the recogniser to your voice) and `voice eval enroll` (measure it)."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from voice.choices import RecognizerKind
from voice.cli.common import AsJson, ModelDir, RecognizerOption, app, eval_app, log, report
from voice.errors import VoiceError

Layers = Annotated[int, typer.Option(min=1, help="Upper recurrent layers adapted (with the "
                                                  "output).")]
Epochs = Annotated[int, typer.Option(min=1, help="Passes over the recordings.")]


def _progress():
    """A progress bar on stderr, as a callback for voice.training.asr.enroll.adapt."""
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("adapting", total=None)

    def advance(step: int, steps: int, loss: float) -> None:
        if step == 1:
            bar.start()
        bar.update(task, completed=step, total=steps, description=f"adapting (loss {loss:.2f})")
        if step == steps:
            bar.stop()
    return advance


def _take(device: str | None):
    """Microphone audio until Enter, with a level meter on stderr."""
    import numpy as np

    from voice.audio import SAMPLE_RATE
    from voice.devices import input_stream

    blocks: list[np.ndarray] = []

    def callback(indata, frames, time, status) -> None:
        blocks.append(indata[:, 0].copy())
        level = float(np.sqrt(np.mean(indata[:, 0] ** 2)) + 1e-9)
        bar = "#" * min(30, max(0, int(30 + 20 * np.log10(level)) // 2))
        print(f"\r  recording {bar:<30}", end="", file=sys.stderr, flush=True)

    with input_stream(SAMPLE_RATE, SAMPLE_RATE // 10, callback, device):
        input()
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def _record(prompts: list[str], folder: Path, device: str | None) -> Path:
    """Show each prompt, record it between two presses of Enter with a level meter, offer a
    re-take; the clips and their texts go to folder, which `--from` can read again."""
    from voice.audio import SAMPLE_RATE, save_wav

    folder.mkdir(parents=True, exist_ok=True)
    log(f"Read each sentence aloud: Enter starts, Enter stops; then Enter keeps it, r records "
        f"it again, q finishes. Clips go to {folder}.")
    for n, prompt in enumerate(prompts, 1):
        while True:
            answer = input(f"\n[{n}/{len(prompts)}] {prompt}\n  Enter to record (q to finish) ")
            if answer.strip().lower() == "q":
                return folder
            audio = _take(device)
            if len(audio) < SAMPLE_RATE // 2:
                log("  too short; again")
                continue
            if input("  Enter keeps it, r records again ").strip().lower() != "r":
                save_wav(folder / f"{n:03d}.wav", audio)
                (folder / f"{n:03d}.txt").write_text(prompt + "\n", encoding="utf-8")
                break
    return folder


@app.command()
def enroll(
    source: Annotated[Path | None, typer.Option(
        "--from", help="A folder of recordings with same-named .txt transcripts, or a list of "
                       "`audio<TAB>text` lines. None: read prompts into the microphone.")] = None,
    profile: Annotated[str, typer.Option(help="Profile name; `default` is used by every "
                                              "command unless told otherwise.")] = "default",
    layers: Layers = 3,
    epochs: Epochs = 12,
    device: Annotated[str | None, typer.Option(help="Microphone (python -m sounddevice).")] = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    model_dir: ModelDir = None,
) -> None:
    """Adapt the recogniser to your voice from a few minutes of your speech; writes a personal
    profile (the shipped model is never changed)."""
    from voice.asr import profiles
    from voice.asr.recognizer import Recognizer
    from voice.models import find_model
    from voice.text import CharVocab
    from voice.training.asr import enroll as enrolment
    from voice.training.export import export_asr

    if profile == profiles.NONE:
        raise VoiceError("`none` means no profile; choose another name")
    base = Path(model_dir or find_model(recognizer.folder))
    reader = Recognizer.load(base, "greedy", profile=None)  # its front end reads the clips
    if source is None:
        prompts = files("voice.asr").joinpath("enroll-prompts.txt").read_text("utf-8")
        source = _record(prompts.splitlines(), profiles.profiles_dir() / profile / "recordings",
                         device)
    clips = enrolment.features(enrolment.read_clips(source), CharVocab(),
                               lambda message: log(f"voice: {message}"), reader)
    log(f"voice: adapting to {len(clips)} recordings")
    recognizer, names, info = enrolment.enroll(
        clips, base, enrolment.EnrollConfig(layers=layers, epochs=epochs), _progress())
    folder = profiles.save_profile(profile, recognizer.network.model, names, base, info)
    export_asr(recognizer.network.model, folder)  # the graphs the recognising commands run
    log(f"voice: profile {profile!r} written to {folder} ({info['adapt_seconds']} s)")


@eval_app.command("enroll")
def eval_enroll(
    manifest: Annotated[Path, typer.Option(help="Recordings of the speaker (JSONL manifest).")],
    speaker: Annotated[str | None, typer.Option(
        help="Only this speaker's rows (the manifest's speaker field).")] = None,
    minutes: Annotated[str, typer.Option(help="Enrolment amounts to try, comma-separated.")] =
        "0,2,5,10",
    layers: Layers = 3,
    epochs: Epochs = 12,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    model_dir: ModelDir = None,
    as_json: AsJson = False,
) -> None:
    """WER before and after enrolling with growing amounts of one speaker's speech: every
    fourth clip is kept for testing, the others enrol in manifest order."""
    from voice.evaluation.enroll import evaluate_enrolment
    from voice.models import find_model
    from voice.training.asr.enroll import EnrollConfig

    try:
        amounts = [float(m) for m in minutes.split(",") if m.strip()]
    except ValueError:
        raise VoiceError(f"--minutes {minutes!r}: expected amounts like 0,2,5,10") from None
    report(evaluate_enrolment(manifest, speaker, amounts,
                              Path(model_dir or find_model(recognizer.folder)),
                              EnrollConfig(layers=layers, epochs=epochs)), as_json)
