"""`voice eval asr|mt|intent|e2e`: scores on held-out data, beside the baselines."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voice.choices import RecognizerKind
from voice.cli.common import (
    AsJson,
    Decoder,
    DecoderOption,
    DraftWeightOption,
    ModelDir,
    RecognizerOption,
    ShortlistOption,
    eval_app,
    log,
    report,
    require_manifests,
)
from voice.errors import VoiceError

if TYPE_CHECKING:
    from voice.evaluation.whisper import WhisperBaseline


class MtBaseline(StrEnum):
    apertium = "apertium"


class AsrBaseline(StrEnum):
    whisper = "whisper"


Threads = Annotated[int | None, typer.Option(
    help="CPU threads, ours and Whisper's alike (default: torch's, one per core).")]


def whisper(threads: int | None, wanted: bool) -> WhisperBaseline | None:
    """Whisper base (when wanted) on as many threads as our recogniser, so that the real-time
    factors compare; loaded before our models, so a missing extra fails at once."""
    import torch

    if threads is not None:
        if threads < 1:
            raise VoiceError("--threads must be at least 1")
        torch.set_num_threads(threads)
    if not wanted:
        return None
    from voice.evaluation.whisper import WhisperBaseline

    return WhisperBaseline(cpu_threads=torch.get_num_threads())


@eval_app.command("mt")
def eval_mt(
    manifest: Annotated[Path, typer.Option(help="Spanish/English pairs.")] = Path(
        "data/mt/dev.jsonl"),
    baseline: Annotated[MtBaseline | None, typer.Option(
        help="Also score a baseline on the same sentences.")] = None,
    beam: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = 5,
    shortlist: ShortlistOption = None,
    draft_weight: DraftWeightOption = None,
    as_json: AsJson = False,
    model_dir: ModelDir = None,
) -> None:
    """BLEU/chrF per source of the pairs (asterisk, homeassistant, bible), on clean and
    recogniser-style input, with numbers and home names kept, beside Apertium."""
    from voice.evaluation.mt import evaluate
    from voice.mt.translator import Translator

    require_manifests([manifest], "mt")
    translator = Translator.load(model_dir, shortlist, draft_weight)
    report(evaluate(translator, manifest, beam, baseline is not None), as_json)


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
    as_json: AsJson = False,
    model_dir: ModelDir = None,
) -> None:
    """Intent accuracy, slot F1, calibration error and parse latency, on clean and
    recogniser-style text."""
    import torch

    from voice.evaluation.hassil import HassilParser, subsample
    from voice.evaluation.intent import score_labeller
    from voice.intent.data import bio_tags, recogniser_style
    from voice.intent.parser import IntentParser
    from voice.manifest import read_jsonl
    from voice.models import find_model
    from voice.training.intent.calibrate import calibrate as fit

    require_manifests([manifest], "intent")
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
        temperature = fit(parser, [ex for examples in styles.values() for ex in examples],
                          model_dir or find_model("intent-es"))
        log(f"voice: confidence temperature {temperature} saved with the model")
    report((score_labeller(labeller, examples, f"{manifest.stem}:{style}", name)
            for style, examples in styles.items() for name, labeller in parsers.items()),
           as_json)


class E2eBaseline(StrEnum):
    apertium = "apertium"
    whisper = "whisper"


@eval_app.command("e2e")
def eval_e2e(
    manifest: Annotated[Path, typer.Option(
        help="Recordings with an English reference (`en`) or an Asterisk prompt id.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    baseline: Annotated[list[E2eBaseline] | None, typer.Option(
        help="Repeatable. apertium: our recogniser's output through Apertium; whisper: "
             "Whisper base's own speech -> English translation of the same recordings (the "
             "optional `eval` extra). Default: apertium.")] = None,
    beam: Annotated[int, typer.Option(help="Translation beam size.")] = 5,
    draft_weight: DraftWeightOption = None,
    decoder: DecoderOption = Decoder.beam,
    threads: Threads = None,
    kind: RecognizerOption = RecognizerKind.encoder,
    as_json: AsJson = False,
    mt_model_dir: Annotated[Path | None, typer.Option(
        help="Translator folder (default: shipped).")] = None,
) -> None:
    """Speech in, English out: BLEU/chrF against the English prompts of the recordings."""
    from voice.asr.recognizer import Recognizer
    from voice.evaluation.e2e import evaluate_e2e, speech_translation
    from voice.mt.translator import Translator

    baselines = set(baseline or [E2eBaseline.apertium])
    require_manifests([manifest], "asr")
    other = whisper(threads, E2eBaseline.whisper in baselines)
    recognizer = Recognizer.load(None, decoder.value, profile=None, kind=kind)  # as shipped
    translator = Translator.load(mt_model_dir, draft_weight=draft_weight)

    def rows() -> Iterator[dict]:
        for row in evaluate_e2e(recognizer, translator, manifest, beam,
                                E2eBaseline.apertium in baselines):
            yield {**row, "recognizer": kind.value, "recogniser_decoder": decoder.value}
        if other is not None:
            yield {**speech_translation(other, manifest), "recogniser_decoder": "-"}

    report(rows(), as_json)


@eval_app.command("asr")
def eval_asr(
    manifest: Annotated[list[Path] | None, typer.Option(help="Manifests to score.")] = None,
    noisy: Annotated[bool, typer.Option(help="Also at 10 dB SNR (white, babble).")] = True,
    streaming: Annotated[bool, typer.Option(
        help="Also streamed (see --chunk, --lookahead).")] = False,
    # the defaults are StreamConfig's (a literal here: importing it would load torch for --help)
    chunk: Annotated[float, typer.Option(help="Streaming chunk, seconds.")] = 0.32,
    lookahead: Annotated[float, typer.Option(help="Streaming look-ahead, seconds.")] = 1.28,
    as_json: AsJson = False,
    decoder: DecoderOption = Decoder.beam,
    lm_weight: Annotated[float | None, typer.Option(
        help="Beam search: weight of the word LM (default: the model's).")] = None,
    word_score: Annotated[float | None, typer.Option(
        help="Beam search: bonus per word (default: the model's).")] = None,
    baseline: Annotated[AsrBaseline | None, typer.Option(
        help="Also score Whisper base on the same audio, same normaliser, same table (the "
             "optional `eval` extra).")] = None,
    limit: Annotated[int, typer.Option(
        help="Score only the first N utterances of each manifest (0: all).")] = 0,
    threads: Threads = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    compare: Annotated[bool, typer.Option(
        help="Also score the other recogniser (small beside encoder, or encoder beside small) "
             "on the same audio, in the same row.")] = True,
    model_dir: ModelDir = None,
) -> None:
    """WER/CER/real-time factor of the recogniser on dev manifests (default: Asterisk dev,
    Drascula's dev characters, the same through phone codecs, held-out espeak voices, the
    held-out Kokoro style, and Piper, a synthesizer never trained on); with --baseline whisper,
    Whisper base's figures on the same audio beside ours."""
    from voice.asr.recognizer import Recognizer
    from voice.asr.stream import StreamConfig
    from voice.evaluation.asr import NOISES, evaluate
    from voice.evaluation.devsets import DEV_MANIFESTS

    settings = {"lm_weight": lm_weight, "word_score": word_score}
    if decoder is not Decoder.beam and any(v is not None for v in settings.values()):
        raise VoiceError("--lm-weight and --word-score need --decoder beam")
    if limit < 0:
        raise VoiceError("--limit must be 0 (all) or more")
    manifests = manifest or [Path(m) for m in DEV_MANIFESTS]
    require_manifests(manifests, "asr")
    other = whisper(threads, baseline is not None)
    decode = {k: v for k, v in settings.items() if v is not None}
    ours = Recognizer.load(model_dir, decoder.value, decode=decode, profile=None,
                           kind=recognizer)
    kinds = [k for k in RecognizerKind if k is not recognizer] if compare else []
    also = tuple(Recognizer.load(None, decoder.value, profile=None, kind=k) for k in kinds)
    runs = [(noise, None) for noise in ((None, *NOISES) if noisy else (None,))]
    if streaming:
        runs.append((None, StreamConfig(chunk, lookahead)))
    report((evaluate(ours, path, noise, streaming=stream, limit=limit, baseline=other,
                     also=also)
            for path in manifests for noise, stream in runs), as_json)


@eval_app.command("assistant")
def eval_assistant(
    manifest: Annotated[list[Path] | None, typer.Option(
        help="Spoken commands with intents and slots (default: data/assistant/piper.jsonl, "
             "kokoro.jsonl and espeak.jsonl, from `voice data build assistant`).")] = None,
    home: Annotated[Path | None, typer.Option(
        help="The home the commands name (default: the example home).")] = None,
    margin: Annotated[float | None, typer.Option(
        help="Fallback: nats per frame the grammar's reading may lose to the open one "
             "(default: the assistant's).")] = None,
    as_json: AsJson = False,
    kind: RecognizerOption = RecognizerKind.encoder,
    model_dir: ModelDir = None,
) -> None:
    """Audio in -> intent and slots: intent accuracy and slot F1 of the parse of what the
    recogniser heard, decoding open and with the command grammar (falling back to open when
    no command fits; "grammar only" never does), beside the typed commands."""
    from voice.asr.grammar import MARGIN, GrammarDecoder
    from voice.asr.recognizer import Recognizer
    from voice.evaluation.intent import score_spoken
    from voice.intent.commands import command_grammar
    from voice.intent.home import Home
    from voice.intent.parser import IntentParser

    manifests = manifest or [Path(f"data/assistant/{name}.jsonl")
                             for name in ("piper", "kokoro", "espeak")]
    require_manifests(manifests, "assistant")
    recognizer = Recognizer.load(model_dir, "beam", profile=None, kind=kind)
    decoder = GrammarDecoder(recognizer.vocab, recognizer.beam, command_grammar(Home.load(home)),
                             MARGIN if margin is None else margin)
    parser = IntentParser.load()

    report((row for path in manifests
            for row in score_spoken(recognizer, decoder, parser, path)), as_json)


@eval_app.command("wake")
def eval_wake(
    data: Annotated[Path, typer.Option(help="`voice data build wake`'s folder.")] = Path(
        "data/wake"),
    threshold: Annotated[float | None, typer.Option(
        help="Detection threshold (default: the model's, calibrated on dev).")] = None,
    babble_db: Annotated[float, typer.Option(
        help="Also score the phrase with other speech this far (dB) under it.")] = 10.0,
    check: Annotated[bool, typer.Option(
        help="The second stage: the encoder recogniser must find the phrase in the last "
             "seconds before a detection counts (--no-check: the detector alone).")] = True,
    edits: Annotated[int | None, typer.Option(
        help="Second stage: letter edits the phrase may differ by (default: the shipped "
             "setting).")] = None,
    split: Annotated[str, typer.Option(
        help="eval (the held-out voices) or dev (for tuning).")] = "eval",
    as_json: AsJson = False,
    model_dir: ModelDir = None,
) -> None:
    """The wake phrase: misses (%) on voices never trained on, the sound-alikes they accept,
    and false accepts per hour over other speech (the recogniser's dev sets, about 1.6 h)."""
    import torch

    from voice.evaluation.wake import evaluate_wake
    from voice.models import models_dir
    from voice.wake.detector import MODEL_NAME, WakeDetector
    from voice.wake.model import load_wake_net

    detector = WakeDetector.load(model_dir, threshold)
    if split not in ("eval", "dev"):
        raise VoiceError("--split must be eval or dev")
    require_manifests([data / f"{split}-{k}.jsonl" for k in ("wake", "confusers")]
                      + [data / f"speech-{split}.jsonl"], "wake")
    torch.set_num_threads(1)
    confirm = None
    if check:
        from voice.asr.recognizer import Recognizer
        from voice.wake.check import WakeCheck

        confirm = WakeCheck(Recognizer.load(None, "greedy", profile=None,
                                            kind=RecognizerKind.encoder),
                            **({} if edits is None else {"edits": edits}))
    network = load_wake_net(Path(model_dir) if model_dir else models_dir() / MODEL_NAME)
    report(evaluate_wake(detector, network, data, babble_db, confirm, split), as_json)
