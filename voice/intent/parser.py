"""Text -> intent, slots and confidence with the shipped intent model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from voice.checkpoint import load_model
from voice.intent.data import Vocab, Vocabs, spans, tokenize
from voice.intent.model import IntentModelConfig, IntentNet
from voice.models import find_model


@dataclass
class Parse:
    text: str
    intent: str | None  # None: nothing to parse
    slots: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.0

    def to_dict(self) -> dict:
        return {"text": self.text, "intent": self.intent, "slots": self.slots,
                "confidence": self.confidence}


class IntentParser:
    def __init__(self, model: IntentNet, vocabs: Vocabs, temperature: float = 1.0) -> None:
        self.model = model.eval()
        self.vocabs = vocabs
        self.temperature = temperature  # fitted on dev (voice/training/intent/calibrate.py)

    @classmethod
    def load(cls, path: str | Path | None = None) -> IntentParser:
        state, config = load_model(path or find_model("intent-es"))
        model = IntentNet(IntentModelConfig(**config["model"]))
        model.load_state_dict(state)
        vocabs = Vocabs(Vocab(config["words"]), Vocab(config["chars"]),
                        Vocab(config["tags"], specials=()), Vocab(config["intents"], specials=()))
        return cls(model, vocabs, config.get("temperature", 1.0))

    @torch.no_grad()
    def logits(self, words: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw intent logits (intents,) and tag logits (words, tags)."""
        batch = self.vocabs.encode([(words, [], "")])
        intents, tags = self.model(batch.words, batch.chars, batch.lengths)
        return intents[0], tags[0]

    def label(self, words: list[str]) -> tuple[str, float, list[str]]:
        """(intent, calibrated confidence, one BIO tag per word) for tokenised words."""
        intents, tags = self.logits(words)
        probs = (intents / self.temperature).softmax(-1)
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
