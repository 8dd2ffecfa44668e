"""One input, one output: `voice transcribe`, `translate`, `translate-text`, `intent`, `speak`."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.choices import RecognizerKind, SpeechEngine, Vad
from voice.cli.common import (
    BestDecoderOption,
    ModelDir,
    ProfileOption,
    RecognizerOption,
    app,
    audio_inputs,
    load_voice,
    log,
)
from voice.errors import VoiceError


@app.command()
def transcribe(
    audio: Annotated[list[Path], typer.Argument(help="Audio files (any format ffmpeg reads).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines with word times.")] = False,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    profile: ProfileOption = "default",
    model_dir: ModelDir = None,
) -> None:
    """Spanish speech -> Spanish text: one line per file, or JSON with word times."""
    voice = load_voice(recognizer, decoder, profile, asr_model=model_dir)
    voice.recognizer  # noqa: B018 (a missing model is one line before any file is read)
    for path, samples in audio_inputs(audio):
        result = voice.transcribe(samples)
        if as_json:
            print(json.dumps({"file": str(path), **result.to_dict()}, ensure_ascii=False))
        else:
            print(result.text if len(audio) == 1 else f"{path}\t{result.text}", flush=True)


@app.command()
def intent(
    text: Annotated[str | None, typer.Argument(help="A Spanish command; none: read stdin.")] = None,
    home: Annotated[Path | None, typer.Option(
        help="A home file: name, area and floor slots that fit one of its names are given "
             "as the home spells them.")] = None,
    model_dir: ModelDir = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="JSON lines: what it prints in any case (the option is part of the "
                       "command-line contract).")] = False,
) -> None:
    """Spanish command -> {"text","intent","slots","confidence"} (one JSON line per command)."""
    from voice.intent.home import Home

    parser = load_voice(intent_model=model_dir).parser
    house = Home.load(home) if home is not None else None
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        parse = parser.parse(line)
        if house is not None:
            parse.slots = house.spoken_slots(parse.slots)
        print(json.dumps(parse.to_dict(), ensure_ascii=False), flush=True)


class Format(StrEnum):
    jsonl = "jsonl"
    txt = "txt"
    srt = "srt"
    vtt = "vtt"
    wav = "wav"


@app.command("translate")
def translate(
    audio: Annotated[list[Path], typer.Argument(help="Spanish recordings (any format ffmpeg "
                                                     "reads).")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output folder; without it "
                                             "the JSON lines go to stdout.")] = None,
    formats: Annotated[list[Format] | None, typer.Option(
        "--format", help="Outputs per input (repeatable; default all).")] = None,
    jobs: Annotated[int, typer.Option(help="Processes.")] = 1,
    resume: Annotated[bool, typer.Option(help="Skip inputs whose outputs all exist.")] = False,
    beam: Annotated[int, typer.Option(help="Translation beam size (1: greedy).")] = 5,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    profile: ProfileOption = "default",
    vad: Annotated[Vad | None, typer.Option(
        help="Pause detector: webrtc (the default here: fast) or silero (better in babble, "
             "about 30x slower).", show_default=False)] = None,
) -> None:
    """Spanish speech -> English: JSON, TXT, SRT and VTT subtitles and English speech (WAV)
    per input, cut at pauses. A bad file is reported and the rest go on."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from voice.batch import FORMATS, BatchConfig, outputs_for, pending, translate_files
    from voice.endpoint import EndpointConfig
    from voice.models import find_model

    find_model(recognizer.folder), find_model("mt-es-en")
    options = load_voice(recognizer, decoder, profile).options
    chosen = tuple(f for f in FORMATS if f in {f.value for f in formats or []}) or FORMATS
    if out is None:
        chosen = ("jsonl",)
    audio = list(dict.fromkeys(audio))  # the same file twice is translated once
    todo = pending(audio, out, chosen, resume)
    if len(todo) < len(audio):
        log(f"voice: resuming: {len(audio) - len(todo)} of {len(audio)} input(s) already done")
    failed, seconds, start = 0, 0.0, time.perf_counter()
    columns = (TextColumn("translate"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("translate", total=len(todo), rate="")
        config = BatchConfig(formats=chosen, beam=beam)
        if vad is not None:
            config.endpoint = EndpointConfig(vad=vad)
        for path, result, error in translate_files(todo, out, options, config, jobs):
            if error:
                failed += 1
                progress.console.print(f"voice: error: {error}", markup=False, highlight=False,
                                       soft_wrap=True)
                continue
            seconds += result["seconds"]
            if out is None:
                print(json.dumps(result, ensure_ascii=False), flush=True)
            else:  # a human summary; the files hold the details
                written = outputs_for(path, out, chosen)
                speech = f"\n  speech: {written['wav']}" if "wav" in written else ""
                print(f"{path}\n  es: {result['es']}\n  en: {result['en']}{speech}", flush=True)
            speed = seconds / max(1e-9, time.perf_counter() - start)
            progress.update(bar, advance=1, rate=f"{speed:.1f} audio-s/s")
    if out is not None:
        log(f"voice: {len(todo) - failed} translated into {out}/ "
             f"({', '.join(chosen)}; {seconds:.1f} s of audio)")
    if failed:
        log(f"voice: {failed} of {len(audio)} input(s) failed")
        raise typer.Exit(1)


@app.command()
def speak(
    text: Annotated[str, typer.Argument(help="What to say.")],
    lang: Annotated[str, typer.Option(help="en or es (or any espeak-ng voice).")] = "en",
    out: Annotated[Path | None, typer.Option(help="Write a WAV file instead of playing.")] =
        None,
    rate: Annotated[int, typer.Option(help="Words per minute.")] = 170,
    voice: Annotated[str | None, typer.Option(help="espeak-ng voice, e.g. en-us+f3.")] = None,
    engine: Annotated[SpeechEngine | None, typer.Option(
        help="espeak-ng (the default where it is installed) or pyttsx3 (the platform's own "
             "speech).", show_default=False)] = None,
) -> None:
    """Text -> speech through the speaker, or into a WAV file."""
    import soundfile as sf

    from voice.files import atomic_path
    from voice.tts import Speaker, play

    if out is not None and not out.parent.is_dir():
        raise VoiceError(f"{out}: no such folder {out.parent}")
    speech = Speaker(lang, rate, voice, engine).render(text)
    if out is None:
        play(speech)
        return
    with atomic_path(out) as tmp:
        sf.write(tmp, speech.samples, speech.rate, format="WAV", subtype="PCM_16")
    log(f"voice: wrote {out} ({speech.seconds:.1f} s)")


@app.command("translate-text")
def translate_text(
    text: Annotated[str | None, typer.Argument(help="Spanish text; none: one line per stdin "
                                                    "line.")] = None,
    beam: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = 5,
    model_dir: ModelDir = None,
) -> None:
    """Spanish text -> English text, one line out per line in."""
    voice = load_voice(mt_model=model_dir)
    voice.translator  # noqa: B018 (a missing model is one line before stdin is read)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        print(voice.translate_text([line], beam)[0], flush=True)
