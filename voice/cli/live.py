"""`voice listen` and `voice assistant`: the live pipeline and the text assistant. The
pipelines are assembled by the entry object (`voice.app.Voice`); here options are parsed and
results printed."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from voice.choices import Mode, RecognizerKind, Vad
from voice.cli.common import (
    BestDecoderOption,
    ProfileOption,
    RecognizerOption,
    app,
    load_voice,
    log,
)

VadOption = Annotated[Vad | None, typer.Option(
    help="Pause detector: silero (the default live: it keeps working in babble) or webrtc "
         "(much cheaper).", show_default=False)]
HomeOption = Annotated[Path | None, typer.Option(
    help="Your home file (default: the example home shipped with voice).")]
StateOption = Annotated[Path | None, typer.Option(
    help="State database (default: the user data folder, or $VOICE_STATE).")]
GrammarOption = Annotated[bool, typer.Option(
    help="Assistant: decode against the home's commands (Home Assistant's templates over its "
         "names), open decoding when none fits; --no-grammar: open decoding only.")]
WakeOption = Annotated[bool | None, typer.Option(
    help="Assistant: act only on what follows the wake phrase \"oye Zafira\" (the default "
         "when the wake model is installed); --no-wake: act on every utterance.",
    show_default=False)]


def _speaker(lang: str, speak: bool):
    """(Speaker, play) when speaking, after checking there is somewhere to play to."""
    if not speak:
        return None, None
    from voice.devices import check_output
    from voice.tts import Speaker, play

    check_output()
    return Speaker(lang), play


def _print(row: dict) -> None:
    print(json.dumps(row, ensure_ascii=False), flush=True)


@app.command()
def assistant(
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="A spoken command (recording); none: text commands from stdin.")] = None,
    home: HomeOption = None,
    state: StateOption = None,
    speak: Annotated[bool, typer.Option(help="Say the replies out loud.")] = True,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    vad: VadOption = None,
    grammar: GrammarOption = True,
    profile: ProfileOption = "default",
) -> None:
    """Spanish command -> action -> Spanish reply (printed as JSON and spoken). Finished timers
    are announced while it runs."""
    voice = load_voice(recognizer, decoder, profile, home=home, state=state)
    if input_file is not None:
        from voice.pipeline import Replay

        _run_live(voice, Mode.assistant, Replay(input_file), speak, vad, grammar)
        return
    helper = voice.assistant()
    speaker, play = _speaker("es", speak)

    def say(text: str) -> None:
        if speaker:
            play(speaker.render(text))

    def announce(message: str) -> None:
        _print({"announcement": message})
        say(message)

    with helper.announcing(announce):
        try:
            for line in sys.stdin:
                reply = helper.handle(line.strip())
                _print(reply.to_dict())
                say(reply.reply)
        except KeyboardInterrupt:
            pass


@app.command()
def listen(
    mode: Annotated[Mode, typer.Option(help="What to do with each utterance.")] = Mode.translate,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Play this recording in at real-time pace instead of the microphone.")
    ] = None,
    speak: Annotated[bool, typer.Option(help="Say the English (or the reply) out loud.")] = True,
    vad: VadOption = None,
    device: Annotated[str | None, typer.Option(help="Input device (python -m sounddevice).")] =
        None,
    home: HomeOption = None,
    state: StateOption = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    grammar: GrammarOption = True,
    wake: WakeOption = None,
    wake_check: Annotated[bool, typer.Option(
        help="Assistant: the encoder recogniser must also read the wake phrase before the "
             "assistant wakes (fewer false wakes; more misses in babble).")] = True,
    profile: ProfileOption = "default",
) -> None:
    """Live: microphone (or --input) -> Spanish text -> English text and speech, or an action
    and its spoken reply. One JSON line per utterance on stdout, partial text on stderr;
    Ctrl-C stops. The assistant waits for its wake phrase ({"wake": seconds} on stdout)."""
    from voice.pipeline import Microphone, Replay

    voice = load_voice(recognizer, decoder, profile, home=home, state=state,
                       wake_check=wake_check)
    gate = _wake_gate(voice, mode, wake)
    source = Replay(input_file) if input_file else Microphone(
        int(device) if device and device.isdigit() else device)
    _run_live(voice, mode, gate.source(source) if gate else source, speak, vad, grammar, gate)


def _wake_gate(voice, mode: Mode, wake: bool | None):
    """The assistant's wake gate: on when asked, or by default when the model is installed."""
    from voice.errors import VoiceError
    from voice.wake.detector import WakeDetector

    if wake and mode is not Mode.assistant:
        raise VoiceError("--wake is for --mode assistant")
    if mode is not Mode.assistant or wake is False or (wake is None and
                                                        not WakeDetector.available()):
        return None
    return voice.wake_gate(lambda time: _print({"wake": round(time, 2)}))


def _run_live(voice, mode: Mode, source, speak: bool, vad: Vad | None, grammar: bool,
              wake=None) -> None:
    """Run the mode's live pipeline on source, printing each utterance as it is done."""
    from voice.endpoint import EndpointConfig
    from voice.pipeline import LiveConfig

    config = LiveConfig() if vad is None else LiveConfig(endpoint=EndpointConfig(vad=vad))
    helper = voice.assistant() if mode is Mode.assistant else None
    lang = "es" if mode is Mode.assistant else "en"
    speaker, play = _speaker(lang, speak and mode is not Mode.transcribe)
    live = sys.stderr.isatty()

    def partial(text: str) -> None:
        if live:
            print(f"\r\x1b[K… {text[-100:]}", end="", file=sys.stderr, flush=True)

    def result(utterance) -> None:
        if live:
            print("\r\x1b[K", end="", file=sys.stderr)
        _print(utterance.to_dict())

    pipeline = voice.listen(mode, config, speaker, play, partial, result, grammar, wake)

    def announce(message: str) -> None:
        _print({"announcement": message})
        pipeline.say(message)

    with helper.announcing(announce) if helper else nullcontext():
        try:
            stats = pipeline.run(source)
        except KeyboardInterrupt:  # the pipeline has stopped; queued utterances go unanswered
            if pipeline.errors:
                raise pipeline.errors[0] from None
            stats = pipeline.stats
    log("voice: " + json.dumps(stats.summary()))
