"""The one entry object: `voice.load()` returns a `Voice`, from which every command, both
servers, batch translation and the benchmarks build their stages (as `whisper.load_model()`
returns one model with `transcribe` and `decode`). Each model loads at first use and is kept;
the options are one picklable dataclass, so a batch worker process builds its own Voice from
them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice.choices import DEFAULT_PROFILE, Decoder, Mode, RecognizerKind

if TYPE_CHECKING:  # loaded when first used: `voice intent` never loads the recogniser
    import numpy as np

    from voice.asr.recognizer import Recognizer, Transcript
    from voice.intent.assistant import Assistant
    from voice.intent.home import Home
    from voice.intent.parser import IntentParser
    from voice.mt.translator import Translator
    from voice.pipeline import LiveConfig, LivePipeline, Utterance
    from voice.tts import Speaker, Speech
    from voice.wake.gate import WakeGate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    """What a user chooses about the pipeline (the CLI's options, a server's flags)."""

    recognizer: RecognizerKind = RecognizerKind.encoder
    decoder: Decoder | None = None  # None: beam search with the word LM when the model has it
    profile: str | None = DEFAULT_PROFILE  # the speaker's enrolment; None: as shipped
    asr_model: Path | None = None  # another recogniser folder than the shipped one
    mt_model: Path | None = None
    intent_model: Path | None = None
    home: Path | None = None  # the assistant's home file (default: the example home)
    state: Path | None = None  # the assistant's state database
    wake_check: bool = True  # the wake phrase's second stage (encoder recogniser only)


@dataclass
class Voice:
    """Spanish speech in; Spanish text, English text and speech, or an executed command out."""

    options: Options = field(default_factory=Options)
    _speakers: dict[str, Speaker] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def recognizer(self) -> Recognizer:
        from voice.asr.recognizer import Recognizer

        o = self.options
        return Recognizer.load(o.asr_model, o.decoder and Decoder(o.decoder).value,
                               profile=o.profile, kind=RecognizerKind(o.recognizer))

    @cached_property
    def translator(self) -> Translator:
        from voice.mt.translator import Translator

        return Translator.load(self.options.mt_model)

    @cached_property
    def parser(self) -> IntentParser:
        from voice.intent.parser import IntentParser

        return IntentParser.load(self.options.intent_model)

    @cached_property
    def home(self) -> Home:
        from voice.intent.home import Home

        return Home.load(self.options.home)

    def assistant(self) -> Assistant:
        """The assistant over the home and its state (one per Voice)."""
        return self._assistant

    @cached_property
    def _assistant(self) -> Assistant:
        from voice.intent.assistant import Assistant
        from voice.intent.state import State

        return Assistant(self.parser, self.home, State(self.options.state))

    @cached_property
    def commands(self) -> Recognizer:
        """The recogniser decoding against the home's command grammar (open decoding as the
        fallback): the same network, its own decoder."""
        recognizer = copy.copy(self.recognizer)
        listen_for_commands(recognizer, self.home)
        return recognizer

    def speaker(self, language: str) -> Speaker:
        """A voice for a language, made once."""
        if language not in self._speakers:
            from voice.tts import Speaker

            self._speakers[language] = Speaker(language)
        return self._speakers[language]

    def wake_gate(self, on_wake: Callable[[float], None] | None = None) -> WakeGate:
        """The assistant's wake gate: the wake detector, then, with the encoder recogniser,
        the second stage that must read the phrase before the assistant wakes."""
        from voice.wake.detector import WakeDetector
        from voice.wake.gate import WakeGate

        return WakeGate(WakeDetector.load(), on_wake, check=self.wake_check())

    def wake_check(self) -> Callable[[np.ndarray], bool] | None:
        """The wake phrase's second stage: the encoder recogniser must read the phrase (none
        with the small recogniser, or when the options turn it off)."""
        if not self.options.wake_check or \
                RecognizerKind(self.options.recognizer) is not RecognizerKind.encoder:
            return None
        from voice.wake.check import WakeCheck

        return WakeCheck(self.recognizer)

    def transcribe(self, audio: str | Path | np.ndarray) -> Transcript:
        """A recording (path) or 16 kHz float32 samples -> Spanish text with word times."""
        return self.recognizer.recognize(_samples(audio))

    def translate(self, path: str | Path, formats: tuple[str, ...] = ("jsonl",)) -> dict:
        """A recording -> `voice translate`'s JSON line: {"file","es","en","segments",...}."""
        from voice.batch import BatchConfig, FileTranslator

        return FileTranslator(self, BatchConfig(formats=formats)).translate(Path(path))[0]

    def translate_text(self, lines: Iterable[str], beam: int = 5) -> list[str]:
        """Spanish sentences -> English sentences."""
        return self.translator.translate(list(lines), beam)

    def listen(self, mode: Mode | str = Mode.translate, config: LiveConfig | None = None,
               speaker: Speaker | None = None, play: Callable[[Speech], None] | None = None,
               on_partial: Callable[[str], None] | None = None,
               on_result: Callable[[Utterance], None] | None = None,
               grammar: bool = True, wake: WakeGate | None = None) -> LivePipeline:
        """The live pipeline of a mode (run it on a Microphone or a Replay): the assistant
        decodes against its home's command grammar unless grammar is False, and with a wake
        gate acts only on what follows the wake phrase (run it on `wake.source(source)`)."""
        from voice.pipeline import LiveConfig, LivePipeline

        mode = Mode(mode)
        config = config or LiveConfig()
        # the recogniser first: what its beam decoder frees after building is reused by the rest
        recognizer = self.recognizer
        respond = None
        if mode is Mode.translate:
            respond = translating(self.translator, config.beam)
        elif mode is Mode.assistant:
            if grammar:
                recognizer = self.commands
            respond = assisting(self.assistant())
            if wake is not None:
                respond = wake.answering(respond)
        return LivePipeline(recognizer, config, respond, speaker, play, on_partial, on_result)


def load(recognizer: RecognizerKind | str = RecognizerKind.encoder,
         decoder: Decoder | str | None = None, profile: str | None = DEFAULT_PROFILE,
         **options: Any) -> Voice:
    """The pipeline's entry object; recognizer: encoder (the BiLSTM-CTC over Whisper base's
    frozen encoder) or small (the log-mel one); decoder: beam, greedy or None (beam when the
    model has its LM); profile: a `voice enroll` profile, "default", or None; further options
    as `Options` names them."""
    return Voice(Options(RecognizerKind(recognizer), decoder and Decoder(decoder), profile,
                         **options))


def _samples(audio: str | Path | np.ndarray) -> np.ndarray:
    if isinstance(audio, str | Path):
        from voice.audio import load_audio

        return load_audio(audio)
    return audio


def listen_for_commands(recognizer: Recognizer, home: Home) -> None:
    """Make recognizer decode against home's command grammar, open decoding as the fallback
    (`voice.asr.grammar`); it needs beam search and hassil, else it says why and stays open."""
    from importlib.util import find_spec

    from voice.asr.grammar import GrammarDecoder

    if recognizer.beam is None or isinstance(recognizer.beam, GrammarDecoder):
        if recognizer.beam is None:
            log.warning("voice: note: the command grammar needs beam search; decoding open")
        return
    if find_spec("hassil") is None:
        log.warning("voice: note: the command grammar needs hassil (`pip install hassil`); "
                    "decoding open")
        return
    from voice.intent.commands import command_grammar

    recognizer.beam = GrammarDecoder(recognizer.vocab, recognizer.beam, command_grammar(home))


def translating(translator: Any, beam: int = 5) -> Callable[[Utterance], str]:
    """The translate mode's response: the English of the utterance, which is also spoken."""
    def respond(utterance: Utterance) -> str:
        utterance.en = translator.translate([utterance.es], beam)[0]
        return utterance.en

    return respond


def assisting(assistant: Assistant) -> Callable[[Utterance], str]:
    """The assistant mode's response: act on the utterance; the reply is spoken."""
    def respond(utterance: Utterance) -> str:
        reply = assistant.handle(utterance.es)
        utterance.command = reply.to_dict()
        return reply.reply

    return respond
