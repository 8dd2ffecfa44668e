"""Text -> intent, slots and confidence with the shipped intent model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice.engine import session
from voice.intent.data import Vocab, Vocabs, spans, tokenize
from voice.models import find_model, model_config


@dataclass
class Parse:
    text: str
    intent: str | None  # None: nothing to parse
    slots: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0

    def to_dict(self) -> dict:
        return {"text": self.text, "intent": self.intent, "slots": self.slots,
                "confidence": self.confidence}


GRAPH = "model.onnx"  # words (1, T), chars (1, T, C) -> intents (1, I), tags (1, T, K)


class IntentParser:
    def __init__(self, logits: Callable[[np.ndarray, np.ndarray], list[np.ndarray]],
                 vocabs: Vocabs, temperature: float = 1.0) -> None:
        """logits: the network, (words, chars) of one command -> [intents, tags] (the ONNX
        graph at run time; training passes its PyTorch model's)."""
        self.network = logits
        self.vocabs = vocabs
        self.temperature = temperature  # fitted on dev (voice/training/intent/calibrate.py)

    @classmethod
    def load(cls, path: str | Path | None = None) -> IntentParser:
        path = Path(path or find_model("intent-es"))
        config = model_config(path, GRAPH)
        network = session(path / GRAPH)  # one thread: a dozen words
        vocabs = Vocabs(Vocab(config["words"]), Vocab(config["chars"]),
                        Vocab(config["tags"], specials=()), Vocab(config["intents"], specials=()))
        return cls(lambda words, chars: network.run(None, {"words": words, "chars": chars}),
                   vocabs, config.get("temperature", 1.0))

    def logits(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw intent logits (intents,) and tag logits (words, tags)."""
        batch = self.vocabs.encode([(words, [], "")])
        intents, tags = self.network(batch.words, batch.chars)
        return intents[0], tags[0]

    def label(self, words: list[str]) -> tuple[str, float, list[str]]:
        """(intent, calibrated confidence, one BIO tag per word) for tokenised words."""
        intents, tags = self.logits(words)
        scaled = intents / self.temperature
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum()
        best = int(probs.argmax())
        labels = [self.vocabs.tags.items[int(k)] for k in tags.argmax(-1)]
        return self.vocabs.intents.items[best], round(float(probs[best]), 4), labels

    def parse(self, text: str) -> Parse:
        """Slot values are the words of the input that the tagger marked, as typed."""
        tokens = tokenize(text)
        if not tokens:
            return Parse(text, None)
        intent, confidence, labels = self.label([w for w, _, _ in tokens])
        slots: dict[str, str] = {}
        for first, end, name in sorted(spans(labels)):
            slots.setdefault(name, text[tokens[first][1]:tokens[end - 1][2]])
        return Parse(text, intent, slots, confidence)
