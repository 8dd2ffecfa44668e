"""Decoding against a command language, as Home Assistant's speech-to-phrase and Vosk grammars
do, with open decoding as the fallback for anything outside it.

The grammar is a word trigram LM counted from the language's sentences (`WordLM.counted`):
the beam search can only write its words, in orders its sentences use. Each utterance is
decoded twice, with the grammar and with the open LM; the grammar's text is kept unless the
acoustics say it is much less likely than the open text (by more than `margin` nats per
frame, CTC log-likelihood), which is how "¿qué hora es?" stays a command and a request
the grammar cannot spell still gets the open decoder's reading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from voice.asr.beam import BeamDecoder
from voice.asr.decode import ctc_score
from voice.asr.lm import WordLM
from voice.files import atomic_path
from voice.text import CharVocab

log = logging.getLogger(__name__)
# nats per frame; chosen over 0.02-0.3 on commands of the training templates in babble-noised
# espeak voices (commands) and the Asterisk dev prompts (not commands): README, "Command grammar"
MARGIN = 0.1


@dataclass
class Hypotheses:
    grammar: str
    open: str
    chosen: str  # what decode() returns
    in_grammar: bool  # chosen is the grammar's text


def acoustic_score(vocab: CharVocab, log_probs: np.ndarray, text: str) -> float:
    """ln P(text | frames) under CTC, all alignments summed; -inf if it cannot fit."""
    return ctc_score(log_probs, vocab.encode(text))


class GrammarDecoder:
    """decode(log_probs) -> text, the way `BeamDecoder.decode` does (a drop-in for a
    recogniser's beam), preferring the command grammar's reading."""

    def __init__(self, vocab: CharVocab, open_decoder: BeamDecoder, grammar: WordLM,
                 margin: float = MARGIN) -> None:
        self.vocab = vocab
        self.open = open_decoder
        self.grammar = BeamDecoder(vocab, grammar, replace(open_decoder.config, bias=0.0))
        self.margin = margin

    def hypotheses(self, log_probs: np.ndarray) -> Hypotheses:
        command, free = self.grammar.decode(log_probs), self.open.decode(log_probs)
        loss = (acoustic_score(self.vocab, log_probs, free)
                - acoustic_score(self.vocab, log_probs, command)) / max(len(log_probs), 1)
        keep = bool(command) and loss <= self.margin
        return Hypotheses(command, free, command if keep else free, keep)

    def decode(self, log_probs: np.ndarray) -> str:
        return self.hypotheses(log_probs).chosen


def cached_grammar(folder: Path, key: str, sentences: Callable[[], list[str]]) -> WordLM:
    """The grammar LM saved under folder as KEY.json.gz, counted from sentences() when absent
    (key names everything the sentences depend on, so a stale file is never read)."""
    path = folder / f"{key}.json.gz"
    if path.is_file():
        try:
            return WordLM.load(path)
        except (OSError, ValueError, KeyError):
            log.warning("voice: note: %s is unreadable; building the command grammar again",
                        path)
    log.warning("voice: building the command grammar (once for this home)")
    lm = WordLM.counted(sentences())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as partial:
            lm.save(partial)
    except OSError as error:
        log.warning("voice: note: cannot keep the command grammar in %s (%s); it is built "
                    "again next time", folder, error.strerror or error)
    return lm

