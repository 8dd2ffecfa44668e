"""The live pipeline of each mode, assembled: what `voice listen`, `voice assistant --input`
and `voice bench pipeline` run. A mode loads only the models it uses, when it starts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice.asr.profiles import DEFAULT as DEFAULT_PROFILE
from voice.asr.recognizer import Recognizer
from voice.choices import Mode
from voice.pipeline import LiveConfig, LivePipeline, Utterance
from voice.tts import Speaker, Speech

if TYPE_CHECKING:  # the intent parser and actions load only in the assistant mode
    import numpy as np

    from voice.intent.assistant import Assistant
    from voice.intent.home import Home
    from voice.pipeline import Microphone, Replay
    from voice.wake.detector import WakeDetector

log = logging.getLogger(__name__)


def make_assistant(home: Path | None = None, state: Path | None = None) -> Assistant:
    """The assistant over a home file (default: the example home) and a state database."""
    from voice.intent.assistant import Assistant
    from voice.intent.home import Home
    from voice.intent.parser import IntentParser
    from voice.intent.state import State

    return Assistant(IntentParser.load(), Home.load(home), State(state))


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


class WakeGate:
    """The assistant hears only what follows its wake phrase, as Alexa or Home Assistant do:
    until the detector fires, the pipeline gets silence (the recogniser does no work and the
    phrase itself is never transcribed); from the detecting step on it hears the audio, for
    `listen` seconds or until the utterance it heard has been answered. The detector runs on
    the source's thread: about 3 ms per 100 ms block."""

    def __init__(self, detector: WakeDetector, on_wake: Callable[[float], None] | None = None,
                 listen: float = 8.0) -> None:
        self.detector, self.listen = detector, listen
        self.on_wake = on_wake or (lambda time: None)
        self.time = 0.0  # stream seconds seen
        self.open_until = -1.0
        self.woke_at = -1.0  # stream time of the last wake phrase

    def filter(self, block: np.ndarray) -> np.ndarray:
        """The block as the pipeline should hear it."""
        import numpy as np

        from voice.audio import SAMPLE_RATE

        start = self.time
        self.time += len(block) / SAMPLE_RATE
        was_open = start < self.open_until
        if self.detector.feed(block):
            heard = self.detector.heard_at
            self.woke_at, self.open_until = heard, heard + self.listen
            self.on_wake(heard)
            if not was_open:
                block = block.copy()
                block[: max(0, round((heard - start) * SAMPLE_RATE))] = 0.0
            return block
        return block if was_open else np.zeros_like(block)

    def close(self, answered_end: float) -> None:
        """Back to waiting for the phrase once the utterance that ended at answered_end (stream
        seconds) is answered, unless the phrase came again after it (a new command)."""
        if self.woke_at <= answered_end:
            self.open_until = -1.0

    def source(self, inner: Microphone | Replay) -> GatedSource:
        """inner, heard through the gate."""
        return GatedSource(inner, self)

    def answering(self, respond: Callable[[Utterance], str | None]
                  ) -> Callable[[Utterance], str | None]:
        """respond, after which the gate closes."""
        def answer(utterance: Utterance) -> str | None:
            try:
                return respond(utterance)
            finally:
                self.close(utterance.end)

        return answer


class GatedSource:
    """A source whose blocks pass through a wake gate on their way to the pipeline."""

    def __init__(self, inner: Microphone | Replay, gate: WakeGate) -> None:
        self.inner, self.gate = inner, gate

    def run(self, offer: Callable[[np.ndarray], None], stop: threading.Event,
            block: int) -> None:
        self.inner.run(lambda samples: offer(self.gate.filter(samples)), stop, block)


def live_pipeline(mode: Mode, config: LiveConfig | None = None, decoder: str | None = None,
                  speaker: Speaker | None = None, play: Callable[[Speech], None] | None = None,
                  assistant: Assistant | None = None,
                  on_partial: Callable[[str], None] | None = None,
                  on_result: Callable[[Utterance], None] | None = None,
                  grammar: bool = True, wake: WakeGate | None = None,
                  profile: str | None = DEFAULT_PROFILE) -> LivePipeline:
    """The pipeline for mode; decoder None: the recogniser's best (beam when it has its LM);
    profile: the speaker's enrolment (voice.asr.profiles), the default one when it exists.
    The assistant mode makes the default assistant unless one is given, and decodes against
    its home's command grammar unless grammar is False; with a wake gate it acts only on what
    follows the wake phrase (run it on `wake.source(source)`)."""
    config = config or LiveConfig()
    # the recogniser first: what its beam decoder frees after building is reused by the rest
    recognizer = Recognizer.load(None, decoder, profile=profile)
    respond = None
    if mode is Mode.translate:
        from voice.mt.translator import Translator

        respond = translating(Translator.load(), config.beam)
    elif mode is Mode.assistant:
        assistant = assistant or make_assistant()
        if grammar:
            listen_for_commands(recognizer, assistant.home)
        respond = assisting(assistant)
        if wake is not None:
            respond = wake.answering(respond)
    return LivePipeline(recognizer, config, respond, speaker, play, on_partial, on_result)
