"""CTC beam search over a lexicon with our word trigram LM (torchaudio's flashlight decoder),
with optional biasing toward names from the home file."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torchaudio.models.decoder import CTCDecoderLM, CTCDecoderLMState, ctc_decoder

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


class _Adapter(CTCDecoderLM):
    """Feeds WordLM scores to the decoder; a state remembers its two previous words."""

    def __init__(self, lm: WordLM, words: list[str], biased: set[str], bonus: float) -> None:
        super().__init__()
        self.lm, self.words, self.biased, self.bonus = lm, words, biased, bonus
        self.memo: dict[CTCDecoderLMState, tuple[tuple[str, str], float]] = {}

    def start(self, start_with_nothing: bool) -> CTCDecoderLMState:
        self.memo.clear()
        state = CTCDecoderLMState()
        self.memo[state] = ((BOS, BOS), 0.0)
        return state

    def score(self, state: CTCDecoderLMState, index: int) -> tuple[CTCDecoderLMState, float]:
        child = state.child(index)
        if child not in self.memo:
            context = self.memo[state][0]
            word = self.words[index]
            score = self.lm.logprob(word, context) + (self.bonus if word in self.biased else 0.0)
            self.memo[child] = ((context[1], word), score)
        return child, self.memo[child][1]

    def finish(self, state: CTCDecoderLMState) -> tuple[CTCDecoderLMState, float]:
        return state, self.lm.logprob(EOS, self.memo[state][0])


class BeamDecoder:
    def __init__(self, vocab: CharVocab, lm: WordLM, config: BeamConfig | None = None,
                 bias_names: list[str] | None = None) -> None:
        self.config = config or BeamConfig()
        biased = {w for name in bias_names or [] for w in normalize_es(name).split()}
        spellable = set(vocab.symbols[2:])
        words = [w for w in sorted(set(lm.words()) | biased) if set(w) <= spellable]
        self.words = [*words, UNK]
        self._folder = tempfile.TemporaryDirectory(prefix="voice-lexicon-")
        folder = Path(self._folder.name)
        (folder / "lexicon.txt").write_text(
            "".join(f"{w}\t{' '.join(w)} |\n" for w in words), encoding="utf-8")
        (folder / "words.txt").write_text("".join(f"{w}\n" for w in self.words),
                                          encoding="utf-8")
        tokens = ["<blank>", "|", *vocab.symbols[2:]]  # the space token is the word boundary
        self.adapter = _Adapter(lm, self.words, biased, self.config.bias)
        self.decoder = ctc_decoder(
            lexicon=str(folder / "lexicon.txt"), tokens=tokens, lm=self.adapter,
            lm_dict=str(folder / "words.txt"), beam_size=self.config.beam_size,
            lm_weight=self.config.lm_weight, word_score=self.config.word_score,
            blank_token="<blank>", sil_token="|", unk_word=UNK)
        # building the trie scored every word from the start state: those states are dead
        self.adapter.memo.clear()

    def decode(self, log_probs: torch.Tensor) -> str:
        """(T, V) log-probabilities of one utterance -> best word sequence."""
        hypotheses = self.decoder(log_probs[None].float().contiguous())
        return " ".join(hypotheses[0][0].words) if hypotheses[0] else ""
