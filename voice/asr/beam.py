"""CTC beam search over a lexicon with our word trigram LM (flashlight-text's lexicon decoder,
built as torchaudio's ctc_decoder builds it), with optional biasing toward names from the home
file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flashlight.lib.text.decoder import (
    LM,
    CriterionType,
    LexiconDecoder,
    LexiconDecoderOptions,
    LMState,
    SmearingMode,
    Trie,
)
from flashlight.lib.text.dictionary import Dictionary

from voice.asr.lm import BOS, EOS, WordLM
from voice.text import CharVocab, normalize_es

UNK = "<unk>"
DECODE_FILE = "decode.json"  # beside LM_FILE: the beam settings tuned with that LM


@dataclass
class BeamConfig:
    """Beam settings; `voice train lm` saves the recipe's in DECODE_FILE beside the LM."""

    beam_size: int = 32
    lm_weight: float = 0.4
    word_score: float = -0.5
    bias: float = 3.0  # bonus (natural log) for each word of a biased name


class _Adapter(LM):
    """Feeds WordLM scores to the decoder; a state remembers its two previous words."""

    def __init__(self, lm: WordLM, words: list[str], biased: set[str], bonus: float) -> None:
        super().__init__()
        self.lm, self.words, self.biased, self.bonus = lm, words, biased, bonus
        self.memo: dict[LMState, tuple[tuple[str, str], float]] = {}

    def start(self, start_with_nothing: bool) -> LMState:
        self.memo.clear()
        state = LMState()
        self.memo[state] = ((BOS, BOS), 0.0)
        return state

    def score(self, state: LMState, index: int) -> tuple[LMState, float]:
        child = state.child(index)
        if child not in self.memo:
            context = self.memo[state][0]
            word = self.words[index]
            score = self.lm.logprob(word, context) + (self.bonus if word in self.biased else 0.0)
            self.memo[child] = ((context[1], word), score)
        return child, self.memo[child][1]

    def finish(self, state: LMState) -> tuple[LMState, float]:
        return state, self.lm.logprob(EOS, self.memo[state][0])


class BeamDecoder:
    def __init__(self, vocab: CharVocab, lm: WordLM, config: BeamConfig | None = None,
                 bias_names: list[str] | None = None) -> None:
        self.config = config or BeamConfig()
        biased = {w for name in bias_names or [] for w in normalize_es(name).split()}
        spellable = set(vocab.symbols[2:])
        words = [w for w in sorted(set(lm.words()) | biased) if set(w) <= spellable]
        self.words = [*words, UNK]
        tokens = Dictionary(["<blank>", "|", *vocab.symbols[2:]])  # space: the word boundary
        self.adapter = _Adapter(lm, self.words, biased, self.config.bias)
        silence, blank = tokens.get_index("|"), tokens.get_index("<blank>")
        trie = Trie(tokens.index_size(), silence)
        start = self.adapter.start(False)
        for index, word in enumerate(words):  # each word's spelling, scored from the start
            _, score = self.adapter.score(start, index)
            trie.insert([tokens.get_index(c) for c in [*word, "|"]], index, score)
        trie.smear(SmearingMode.MAX)
        options = LexiconDecoderOptions(
            beam_size=self.config.beam_size, beam_size_token=tokens.index_size(),
            beam_threshold=50.0, lm_weight=self.config.lm_weight,
            word_score=self.config.word_score, unk_score=float("-inf"), sil_score=0.0,
            log_add=False, criterion_type=CriterionType.CTC)
        self.decoder = LexiconDecoder(options, trie, self.adapter, silence, blank,
                                      len(self.words) - 1, [], False)
        # building the trie scored every word from the start state: those states are dead
        self.adapter.memo.clear()

    def decode(self, log_probs: np.ndarray) -> str:
        """(T, V) log-probabilities of one utterance -> best word sequence."""
        emissions = np.ascontiguousarray(log_probs, dtype=np.float32)
        results = self.decoder.decode(emissions.ctypes.data, *emissions.shape)
        return " ".join(self.words[w] for w in results[0].words if w >= 0) if results else ""
