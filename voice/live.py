"""The live pipeline of each mode, assembled: what `voice listen`, `voice assistant --input`
and `voice bench pipeline` run. A mode loads only the models it uses, when it starts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice.asr.recognizer import Recognizer
from voice.choices import Mode
from voice.pipeline import LiveConfig, LivePipeline, Utterance
from voice.tts import Speaker, Speech

if TYPE_CHECKING:  # the intent parser and actions load only in the assistant mode
    from voice.intent.assistant import Assistant
    from voice.intent.home import Home

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


def live_pipeline(mode: Mode, config: LiveConfig | None = None, decoder: str | None = None,
                  speaker: Speaker | None = None, play: Callable[[Speech], None] | None = None,
                  assistant: Assistant | None = None,
                  on_partial: Callable[[str], None] | None = None,
                  on_result: Callable[[Utterance], None] | None = None,
                  grammar: bool = True) -> LivePipeline:
    """The pipeline for mode; decoder None: the recogniser's best (beam when it has its LM).
    The assistant mode makes the default assistant unless one is given, and decodes against
    its home's command grammar unless grammar is False."""
    config = config or LiveConfig()
    # the recogniser first: what its beam decoder frees after building is reused by the rest
    recognizer = Recognizer.load(None, decoder)
    respond = None
    if mode is Mode.translate:
        from voice.mt.translator import Translator

        respond = translating(Translator.load(), config.beam)
    elif mode is Mode.assistant:
        assistant = assistant or make_assistant()
        if grammar:
            listen_for_commands(recognizer, assistant.home)
        respond = assisting(assistant)
    return LivePipeline(recognizer, config, respond, speaker, play, on_partial, on_result)
