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
eval_app = typer.Typer(no_args_is_help=True, help="Score models on held-out data.")
app.add_typer(eval_app, name="eval")
bench_app = typer.Typer(no_args_is_help=True, help="Time the stages (real-time factor, memory).")
app.add_typer(bench_app, name="bench")


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
    hours: Annotated[float, typer.Option(help="Hours of espeak-ng training speech.")] = 9.0,
    kokoro_hours: Annotated[float, typer.Option(
        help="Hours of Kokoro training speech (about 2.7x real time on 2 cores).")] = 0.0,
    jobs: Annotated[int, typer.Option(help="Worker processes (0: one per core).")] = 0,
) -> None:
    """Write JSONL manifests under OUT: asr/, mt/, intent/ (resumable: finished audio is kept)."""
    from voice.data import asr, intent, mt

    builders = {
        "intent": lambda: intent.build(out, seed=seed),
        "mt": lambda: mt.build(out, seed=seed),
        "asr": lambda: asr.build(out, seed=seed, hours=hours, jobs=jobs or None,
                                 kokoro_hours=kokoro_hours),
    }
    names = list(builders) if corpus is Corpus.all else [corpus.value]
    for name in names:
        start = time.perf_counter()
        counts = builders[name]()
        counts["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({"corpus": name, **counts}), flush=True)


class Decoder(StrEnum):
    greedy = "greedy"
    beam = "beam"


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


class Trainable(StrEnum):
    asr = "asr"
    lm = "lm"
    mt = "mt"
    intent = "intent"


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

    from voice.asr.task import AsrRecipe, AsrTask
    from voice.config import load_recipe
    from voice.intent.task import IntentRecipe, IntentTask
    from voice.mt.task import MtRecipe, MtTask
    from voice.train import train as run_training

    recipes = {Trainable.mt: MtRecipe, Trainable.intent: IntentRecipe}
    config = load_recipe(recipe, recipes.get(model, AsrRecipe))
    if minutes is not None:
        config.train.max_minutes = minutes
    if run_dir is not None:
        config.train.run_dir, config.train.export_dir = str(run_dir), str(run_dir / "model")
    torch.manual_seed(config.train.seed)
    if model is Trainable.mt:
        _require_manifests([config.data.train, config.data.dev], "mt")
        task = MtTask(config, resume)
    elif model is Trainable.intent:
        _require_manifests([config.data.train, config.data.dev], "intent")
        task = IntentTask(config)
    elif model is Trainable.lm:
        _train_lm(config)
        return
    else:
        _require_manifests(config.data.train + config.data.dev, "asr")
        if not config.data.dev or len(config.data.repeat) not in (0, len(config.data.train)):
            raise VoiceError(f"{recipe}: [data] needs dev manifests and one repeat per train "
                             "manifest")
        task = AsrTask(config)
    best = run_training(task, config.train, resume=resume)
    if best:
        print(json.dumps({"model": model.value, "export": config.train.export_dir, **best}))


def _require_manifests(paths: list[str | Path], corpus: str) -> None:
    for path in paths:
        if not Path(path).exists():
            raise VoiceError(f"{path}: no such manifest (run `voice data build {corpus}`, "
                             "or `voice data import` for your own speech)")


def _train_lm(config) -> None:
    """The recogniser's word LM: our text corpora minus every evaluated sentence."""
    from voice.asr.evaluate import DEV_MANIFESTS
    from voice.asr.lm import train_lm

    if not config.lm.corpora:
        raise VoiceError("the recipe has no [lm] corpora")
    _require_manifests(config.lm.corpora, "all")
    start = time.perf_counter()
    lm = train_lm(config.lm, [*config.data.dev, *DEV_MANIFESTS])
    out = Path(config.train.export_dir)
    out.mkdir(parents=True, exist_ok=True)
    lm.save(out / "lm.json.gz")
    print(json.dumps({"model": "lm", "export": str(out / "lm.json.gz"), "words": len(lm.uni),
                      "bigrams": len(lm.bi), "trigrams": len(lm.tri),
                      "seconds": round(time.perf_counter() - start, 1)}))


def _audio_inputs(paths: list[Path]):
    """(path, samples) for each readable file; a bad one is reported on one line and skipped."""
    from voice.audio import load_audio
    from voice.errors import VoiceInputError

    failed = 0
    for path in paths:
        try:
            yield path, load_audio(path)
        except VoiceInputError as error:
            _log(f"voice: error: {error}")
            failed += 1
    if failed:
        _log(f"voice: {failed} of {len(paths)} input(s) failed")
        raise typer.Exit(1)


@app.command()
def transcribe(
    audio: Annotated[list[Path], typer.Argument(help="Audio files (any format ffmpeg reads).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines with word times.")] = False,
    decoder: Annotated[Decoder, typer.Option(help="greedy, or beam with the word LM.")] = "greedy",
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Spanish speech -> Spanish text: one line per file, or JSON with word times."""
    from voice.asr.recognizer import Recognizer

    recognizer = Recognizer.load(model_dir, decoder.value)
    for path, samples in _audio_inputs(audio):
        result = recognizer.recognize(samples)
        if as_json:
            print(json.dumps({"file": str(path), **result.to_dict()}, ensure_ascii=False))
        else:
            print(result.text if len(audio) == 1 else f"{path}\t{result.text}", flush=True)


@app.command()
def intent(
    text: Annotated[str | None, typer.Argument(help="A Spanish command; none: read stdin.")] = None,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Spanish command -> {"text","intent","slots","confidence"} (one JSON line per command)."""
    from voice.intent.parser import IntentParser

    parser = IntentParser.load(model_dir)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        print(json.dumps(parser.parse(line).to_dict(), ensure_ascii=False), flush=True)


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
    decoder: Annotated[Decoder, typer.Option(help="Recogniser: greedy, or beam with the word "
                                                  "LM.")] = "greedy",
    vad: Annotated[str, typer.Option(help="Pause detector: webrtc (fast) or silero (better in "
                                          "babble, about 30x slower).")] = "webrtc",
) -> None:
    """Spanish speech -> English: JSON, TXT, SRT and VTT subtitles and English speech (WAV)
    per input, cut at pauses. A bad file is reported and the rest go on."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from voice.batch import FORMATS, BatchConfig, check_names, outputs_for, translate_files
    from voice.endpoint import EndpointConfig
    from voice.models import find_model

    if vad not in ("silero", "webrtc"):
        raise VoiceError(f"--vad {vad}: use silero or webrtc")
    find_model("asr-es"), find_model("mt-es-en")
    chosen = tuple(f for f in FORMATS if f in {f.value for f in formats or []}) or FORMATS
    if out is None:
        chosen = ("jsonl",)
    audio = list(dict.fromkeys(audio))  # the same file twice is translated once
    check_names(audio, out, chosen)
    todo = [p for p in audio if not (resume and out is not None and all(
        t.exists() for t in outputs_for(p, out, chosen).values()))]
    if len(todo) < len(audio):
        _log(f"voice: resuming: {len(audio) - len(todo)} of {len(audio)} input(s) already done")
    failed, seconds, start = 0, 0.0, time.perf_counter()
    columns = (TextColumn("translate"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("translate", total=len(todo), rate="")
        for path, result, error in translate_files(todo, out, BatchConfig(
                formats=chosen, beam=beam, decoder=decoder.value,
                endpoint=EndpointConfig(vad=vad)), jobs):
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
        _log(f"voice: {len(todo) - failed} translated into {out}/ "
             f"({', '.join(chosen)}; {seconds:.1f} s of audio)")
    if failed:
        _log(f"voice: {failed} of {len(audio)} input(s) failed")
        raise typer.Exit(1)


class Mode(StrEnum):
    translate = "translate"
    assistant = "assistant"
    transcribe = "transcribe"


def _assistant(home: Path | None, state: Path | None):
    from voice.intent.assistant import Assistant
    from voice.intent.home import Home
    from voice.intent.parser import IntentParser
    from voice.intent.state import State

    return Assistant(IntentParser.load(), Home.load(home) if home else Home.load(),
                     State(state))


def _speaker(lang: str, speak: bool):
    """(Speaker, play) when speaking, after checking there is somewhere to play to."""
    if not speak:
        return None, None
    from voice.devices import check_output
    from voice.tts import Speaker, play

    check_output()
    return Speaker(lang), play


def _announce(assistant, say, stop) -> None:
    """Poll for finished timers once a second while the assistant runs; a failure to say one
    is reported and the announcer goes on."""
    while not stop.wait(1.0):
        for message in assistant.announcements():
            try:
                say(message)
            except VoiceError as error:
                _log(f"voice: error: {error}")


@app.command()
def assistant(
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="A spoken command (recording); none: text commands from stdin.")] = None,
    home: Annotated[Path | None, typer.Option(help="Your home file (default: assets/home.toml)."
                                              )] = None,
    state: Annotated[Path | None, typer.Option(help="State database (default: the user data "
                                               "folder, or $VOICE_STATE).")] = None,
    speak: Annotated[bool, typer.Option(help="Say the replies out loud.")] = True,
    decoder: Annotated[Decoder, typer.Option(help="With --input: greedy, or beam with the "
                                                  "word LM.")] = "greedy",
) -> None:
    """Spanish command -> action -> Spanish reply (printed as JSON and spoken). Finished timers
    are announced while it runs."""
    import dataclasses
    import threading

    if input_file is not None:
        from voice.pipeline import Replay

        _listen(Mode.assistant, Replay(input_file), speak, "silero", home, state, decoder)
        return
    helper = _assistant(home, state)
    speaker, play = _speaker("es", speak)

    def say(message: str) -> None:
        print(json.dumps({"announcement": message}, ensure_ascii=False), flush=True)
        if speaker:
            play(speaker.render(message))

    stop = threading.Event()
    announcer = threading.Thread(target=_announce, args=(helper, say, stop), daemon=True)
    announcer.start()
    try:
        for line in sys.stdin:
            reply = helper.handle(line.strip())
            print(json.dumps(dataclasses.asdict(reply), ensure_ascii=False), flush=True)
            if speaker:
                play(speaker.render(reply.reply))
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        announcer.join()


@app.command()
def listen(
    mode: Annotated[Mode, typer.Option(help="What to do with each utterance.")] = Mode.translate,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Play this recording in at real-time pace instead of the microphone.")
    ] = None,
    speak: Annotated[bool, typer.Option(help="Say the English (or the reply) out loud.")] = True,
    vad: Annotated[str, typer.Option(help="Voice activity detector: silero or webrtc.")] =
        "silero",
    device: Annotated[str | None, typer.Option(help="Input device (python -m sounddevice).")] =
        None,
    home: Annotated[Path | None, typer.Option(help="assistant: your home file.")] = None,
    state: Annotated[Path | None, typer.Option(help="assistant: state database.")] = None,
    decoder: Annotated[Decoder, typer.Option(help="Recogniser: greedy, or beam with the word "
                                                  "LM.")] = "greedy",
) -> None:
    """Live: microphone (or --input) -> Spanish text -> English text and speech, or an action
    and its spoken reply. One JSON line per utterance on stdout, partial text on stderr;
    Ctrl-C stops."""
    from voice.pipeline import Microphone, Replay

    source = Replay(input_file) if input_file else Microphone(
        int(device) if device and device.isdigit() else device)
    _listen(mode, source, speak, vad, home, state, decoder)


def _listen(mode: Mode, source, speak: bool, vad: str, home: Path | None,
            state: Path | None, decoder: Decoder) -> None:
    """The live pipeline for `voice listen` and `voice assistant --input`."""
    import threading

    from voice.asr.recognizer import Recognizer
    from voice.endpoint import EndpointConfig
    from voice.pipeline import LiveConfig, LivePipeline, translating

    if vad not in ("silero", "webrtc"):
        raise VoiceError(f"--vad {vad}: use silero or webrtc")
    config = LiveConfig(endpoint=EndpointConfig(vad=vad))
    respond, speaker, play, helper = None, None, None, None
    if mode is Mode.translate:
        from voice.mt.translator import Translator

        respond = translating(Translator.load(), config.beam)
        speaker, play = _speaker("en", speak)
    elif mode is Mode.assistant:
        import dataclasses

        helper = _assistant(home, state)

        def respond(utterance):
            reply = helper.handle(utterance.es)
            utterance.intent = {k: v for k, v in dataclasses.asdict(reply).items()
                                if k in ("intent", "slots", "confidence", "ok")}
            utterance.reply = reply.reply
            return reply.reply

        speaker, play = _speaker("es", speak)
    live = sys.stderr.isatty()

    def partial(text: str) -> None:
        if live:
            print(f"\r\x1b[K… {text[-100:]}", end="", file=sys.stderr, flush=True)

    def result(utterance) -> None:
        if live:
            print("\r\x1b[K", end="", file=sys.stderr)
        print(json.dumps(utterance.to_dict(), ensure_ascii=False), flush=True)

    pipeline = LivePipeline(Recognizer.load(None, decoder.value), config, respond, speaker, play,
                            partial, result)
    stop = threading.Event()
    announcer = None
    if helper is not None:
        def announce(message: str) -> None:
            print(json.dumps({"announcement": message}, ensure_ascii=False), flush=True)
            pipeline.say(message)

        announcer = threading.Thread(target=_announce, args=(helper, announce, stop),
                                     daemon=True)
        announcer.start()
    try:
        stats = pipeline.run(source)
    except KeyboardInterrupt:  # the pipeline has stopped; queued utterances go unanswered
        if pipeline.errors:
            raise pipeline.errors[0] from None
        stats = pipeline.stats
    finally:
        stop.set()
        if announcer is not None:
            announcer.join()
    _log("voice: " + json.dumps(stats.summary()))


@app.command()
def speak(
    text: Annotated[str, typer.Argument(help="What to say.")],
    lang: Annotated[str, typer.Option(help="en or es (or any espeak-ng voice).")] = "en",
    out: Annotated[Path | None, typer.Option(help="Write a WAV file instead of playing.")] =
        None,
    rate: Annotated[int, typer.Option(help="Words per minute.")] = 170,
    voice: Annotated[str | None, typer.Option(help="espeak-ng voice, e.g. en-us+f3.")] = None,
) -> None:
    """Text -> speech through the speaker, or into a WAV file."""
    import soundfile as sf

    from voice.tts import Speaker, play

    if out is not None and not out.parent.is_dir():
        raise VoiceError(f"{out}: no such folder {out.parent}")
    speech = Speaker(lang, rate, voice).render(text)
    if out is None:
        play(speech)
        return
    tmp = out.with_name(f".{out.name}.tmp")
    sf.write(tmp, speech.samples, speech.rate, format="WAV", subtype="PCM_16")
    tmp.replace(out)
    _log(f"voice: wrote {out} ({speech.seconds:.1f} s)")


@app.command("translate-text")
def translate_text(
    text: Annotated[str | None, typer.Argument(help="Spanish text; none: one line per stdin "
                                                    "line.")] = None,
    beam: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = 5,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Spanish text -> English text, one line out per line in."""
    from voice.mt.translator import Translator

    translator = Translator.load(model_dir)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        print(translator.translate([line], beam)[0], flush=True)


class MtBaseline(StrEnum):
    apertium = "apertium"


@eval_app.command("mt")
def eval_mt(
    manifest: Annotated[Path, typer.Option(help="Spanish/English pairs.")] = Path(
        "data/mt/dev.jsonl"),
    baseline: Annotated[MtBaseline | None, typer.Option(
        help="Also score a baseline on the same sentences.")] = None,
    beam: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines only.")] = False,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """BLEU/chrF per source of the pairs (asterisk, homeassistant, bible), on clean and
    recogniser-style input, with numbers and home names kept, beside Apertium."""
    from voice.mt.evaluate import evaluate
    from voice.mt.translator import Translator

    _require_manifests([manifest], "mt")
    translator = Translator.load(model_dir)
    rows = []
    for row in evaluate(translator, manifest, beam, baseline is not None):
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not as_json:
        _table(rows)


class IntentBaseline(StrEnum):
    hassil = "hassil"


@eval_app.command("intent")
def eval_intent(
    manifest: Annotated[Path, typer.Option(help="Labelled commands.")] = Path(
        "data/intent/dev.jsonl"),
    calibrate: Annotated[bool, typer.Option(
        help="Fit the confidence temperature on this manifest and save it with the model.")]
    = False,
    baseline: Annotated[IntentBaseline | None, typer.Option(
        help="Also score hassil template matching over the same home.")] = None,
    limit: Annotated[int, typer.Option(
        help="With --baseline: commands scored by both (evenly spaced; 0: all).")] = 400,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines only.")] = False,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Intent accuracy, slot F1, calibration error and parse latency, on clean and
    recogniser-style text."""
    import torch

    from voice.data.manifest import read_jsonl
    from voice.intent.baseline import HassilParser, subsample
    from voice.intent.calibrate import fit_temperature, save_temperature
    from voice.intent.data import bio_tags, recogniser_style
    from voice.intent.evaluate import score_labeller
    from voice.intent.parser import IntentParser
    from voice.models import find_model

    _require_manifests([manifest], "intent")
    torch.set_num_threads(1)
    parser = IntentParser.load(model_dir)
    commands = list(read_jsonl(manifest))
    if baseline is not None and limit:
        commands = subsample(commands, limit)
    gold = [(*bio_tags(r), r["intent"]) for r in commands]
    styles = {"clean": gold,
              "recogniser": [(*recogniser_style(w, t), i) for w, t, i in gold]}
    parsers = {"voice": parser}
    if baseline is not None:
        parsers["hassil"] = HassilParser()
    if calibrate:
        logits = torch.stack([parser.logits(w)[0] for ex in styles.values() for w, _, _ in ex])
        labels = torch.tensor([parser.vocabs.intents(i) for ex in styles.values()
                               for _, _, i in ex])
        parser.temperature = fit_temperature(logits, labels)
        save_temperature(model_dir or find_model("intent-es"), parser.temperature)
        _log(f"voice: confidence temperature {parser.temperature} saved with the model")
    rows = []
    for style, examples in styles.items():
        for name, labeller in parsers.items():
            rows.append(score_labeller(labeller, examples, f"{manifest.stem}:{style}", name))
            print(json.dumps(rows[-1]), flush=True)
    if not as_json:
        _table(rows)


@eval_app.command("e2e")
def eval_e2e(
    manifest: Annotated[Path, typer.Option(help="Recordings with Asterisk prompt ids.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    baseline: Annotated[MtBaseline | None, typer.Option(
        help="Also translate the recogniser's output with a baseline.")] = MtBaseline.apertium,
    beam: Annotated[int, typer.Option(help="Translation beam size.")] = 5,
    decoder: Annotated[Decoder, typer.Option(help="Recogniser: greedy, or beam with the word "
                                                  "LM.")] = "greedy",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines only.")] = False,
) -> None:
    """Speech in, English out: BLEU/chrF against the English prompts of the recordings."""
    from voice.asr.recognizer import Recognizer
    from voice.evaluate_e2e import evaluate_e2e
    from voice.mt.translator import Translator

    _require_manifests([manifest], "asr")
    rows = []
    recognizer = Recognizer.load(None, decoder.value)
    for row in evaluate_e2e(recognizer, Translator.load(), manifest, beam, baseline is not None):
        rows.append({**row, "recogniser_decoder": decoder.value})
        print(json.dumps(rows[-1]), flush=True)
    if not as_json:
        _table(rows)


@eval_app.command("asr")
def eval_asr(
    manifest: Annotated[list[Path] | None, typer.Option(help="Manifests to score.")] = None,
    noisy: Annotated[bool, typer.Option(help="Also at 10 dB SNR (white, babble).")] = True,
    streaming: Annotated[bool, typer.Option(help="Also streamed in 100 ms blocks.")] = False,
    chunk: Annotated[float, typer.Option(help="Streaming chunk, seconds.")] = 0.32,
    lookahead: Annotated[float, typer.Option(help="Streaming look-ahead, seconds.")] = 0.64,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines only.")] = False,
    decoder: Annotated[Decoder, typer.Option(help="greedy, or beam with the word LM.")] = "greedy",
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """WER/CER of the recogniser on dev manifests (default: Asterisk dev, held-out espeak,
    held-out Piper voice)."""
    from voice.asr.evaluate import DEV_MANIFESTS, NOISES, evaluate
    from voice.asr.recognizer import Recognizer
    from voice.asr.stream import StreamConfig

    recognizer = Recognizer.load(model_dir, decoder.value)
    manifests = manifest or [Path(m) for m in DEV_MANIFESTS]
    _require_manifests(manifests, "asr")
    rows = []
    for path in manifests:
        runs = [(noise, None) for noise in ((None, *NOISES) if noisy else (None,))]
        if streaming:
            runs.append((None, StreamConfig(chunk, lookahead)))
        for noise, stream in runs:
            rows.append(evaluate(recognizer, path, noise, streaming=stream))
            print(json.dumps(rows[-1]), flush=True)
    if not as_json:
        _table(rows)


@bench_app.command("asr")
def bench_asr(
    manifest: Annotated[Path, typer.Option(help="Recordings to time.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Recogniser real-time factor on 1 and 2 threads."""
    from voice.asr.recognizer import Recognizer
    from voice.bench import bench_asr as run_bench

    _require_manifests([manifest], "asr")
    recognizer = Recognizer.load(model_dir)
    for threads in (1, 2):
        print(json.dumps(run_bench(recognizer, manifest, threads, runs)), flush=True)


@bench_app.command("mt")
def bench_mt(
    manifest: Annotated[Path, typer.Option(help="Sentences to translate.")] = Path(
        "data/mt/dev.jsonl"),
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    model_dir: Annotated[Path | None, typer.Option(help="Model folder (default: shipped).")] = None,
) -> None:
    """Translator speed: batched greedy sentences/s on 2 threads, beam 5 ms per sentence on 1."""
    from voice.bench import bench_mt as run_bench
    from voice.mt.translator import Translator

    _require_manifests([manifest], "mt")
    for row in run_bench(Translator.load(model_dir), manifest, runs):
        print(json.dumps(row), flush=True)


@bench_app.command("vad")
def bench_vad(
    manifest: Annotated[Path, typer.Option(help="Recordings to join with pauses.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
) -> None:
    """Voice activity detectors (Silero, WebRTC): frame accuracy clean and in noise, speed."""
    from voice.bench import bench_vad as run_bench

    _require_manifests([manifest], "asr")
    rows = run_bench(manifest)
    for row in rows:
        print(json.dumps(row), flush=True)
    _table(rows)


@bench_app.command("pipeline")
def bench_pipeline(
    manifest: Annotated[Path, typer.Option(help="Recordings to replay with pauses.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    minutes: Annotated[float, typer.Option(help="Length of the real-time replay.")] = 2.0,
    vad: Annotated[str, typer.Option(help="silero or webrtc.")] = "silero",
) -> None:
    """Live translate pipeline latencies (endpoint -> text -> English -> first audio), partial
    spacing, dropped blocks and peak memory over a real-time replay."""
    from voice.bench import bench_pipeline as run_bench

    _require_manifests([manifest], "asr")
    print(json.dumps(run_bench(manifest, minutes, vad=vad)), flush=True)


@bench_app.command("batch")
def bench_batch(
    manifest: Annotated[Path, typer.Option(help="Recordings to translate.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    jobs: Annotated[int, typer.Option(help="Processes.")] = 1,
) -> None:
    """`voice translate` speed in audio seconds per second, without and with speech output,
    with either pause detector."""
    from voice.bench import bench_batch as run_bench

    _require_manifests([manifest], "asr")
    for row in run_bench(manifest, jobs):
        print(json.dumps(row), flush=True)


def _table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*rows[0].keys())
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console(stderr=True).print(table)


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
    except BrokenPipeError:  # `voice ... | head`: the reader left; nothing to report
        sys.stderr.close()
        sys.exit(141)
