import random

import pytest
import torch

from voice.intent.data import Vocab, Vocabs, bio_tags, recogniser_style, spans, tokenize
from voice.intent.model import IntentModelConfig, IntentNet
from voice.training.intent.task import scores
from voice.training.trainer import to_device


def _row(text: str, intent: str, *slots: tuple[str, str]) -> dict:
    out = []
    for name, value in slots:
        start = text.index(value)
        out.append({"slot": name, "start": start, "end": start + len(value), "value": value})
    return {"text": text, "intent": intent, "slots": out}


def test_bio_tags_from_character_spans():
    row = _row("Enciende la luz del techo en la sala de estar", "HassTurnOn",
               ("name", "luz del techo"), ("area", "sala de estar"))
    words, tags = bio_tags(row)
    assert words[:3] == ["enciende", "la", "luz"]
    assert tags == ["O", "O", "B-name", "I-name", "I-name", "O", "O", "B-area", "I-area",
                    "I-area"]
    assert spans(tags) == {(2, 5, "name"), (7, 10, "area")}


def test_recogniser_style_spells_numbers_and_keeps_tags_aligned():
    words, tags = bio_tags(_row("Pon el temporizador de 25 minutos", "HassStartTimer",
                                ("minutes", "25")))
    noisy_words, noisy_tags = recogniser_style(words, tags)
    assert noisy_words == ["pon", "el", "temporizador", "de", "veinticinco", "minutos"]
    assert noisy_tags[4] == "B-minutes"
    words, tags = recogniser_style(*bio_tags(_row("Baja a 35 grados", "X", ("t", "35"))))
    assert words[2:5] == ["treinta", "y", "cinco"] and tags[2:5] == ["B-t", "I-t", "I-t"]
    rng = random.Random(0)
    for _ in range(50):
        w, t = recogniser_style(["enciende", "la", "lámpara"], ["O", "O", "B-name"], rng)
        assert len(w) == len(t) and t.count("B-name") == 1


def test_scores_count_exact_spans():
    gold = [(["a", "b", "c"], ["B-x", "I-x", "O"], "I1"), (["d"], ["B-y"], "I2")]
    assert scores(gold, [("I1", ["B-x", "I-x", "O"]), ("I2", ["B-y"])]) == \
        {"intent_acc": 100.0, "slot_f1": 100.0}
    partial = scores(gold, [("I1", ["B-x", "O", "O"]), ("I3", ["B-y"])])
    assert partial["intent_acc"] == 50.0 and partial["slot_f1"] == pytest.approx(50.0)


def test_tokenize_keeps_spans_and_numbers():
    assert tokenize("¡Sube el volumen al 40%, por favor!") == [
        ("sube", 1, 5), ("el", 6, 8), ("volumen", 9, 16), ("al", 17, 19), ("40%", 20, 23),
        ("por", 25, 28), ("favor", 29, 34)]


def test_intent_net_overfits_a_few_commands():
    torch.manual_seed(0)
    rows = [_row("enciende la luz de la cocina", "On", ("area", "cocina")),
            _row("apaga la luz del baño", "Off", ("area", "baño")),
            _row("pon un temporizador de diez minutos", "Timer", ("minutes", "diez")),
            _row("apaga la radio del salón", "Off", ("area", "salón"))]
    examples = [(*bio_tags(r), r["intent"]) for r in rows]
    words = [w for ws, _, _ in examples for w in ws]
    vocabs = Vocabs(Vocab(sorted(set(words))), Vocab(sorted({c for w in words for c in w})),
                    Vocab(sorted({t for _, ts, _ in examples for t in ts}), specials=("O",)),
                    Vocab(["Off", "On", "Timer"], specials=()))
    model = IntentNet(IntentModelConfig(len(vocabs.words), len(vocabs.chars), 3,
                                        len(vocabs.tags), dropout=0.0))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    batch = to_device(vocabs.encode(examples), torch.device("cpu"))  # numpy -> tensors
    for _ in range(60):
        intents, tags = model(batch.words, batch.chars, batch.lengths)
        loss = torch.nn.functional.cross_entropy(intents, batch.intents) + \
            torch.nn.functional.cross_entropy(tags.flatten(0, 1), batch.tags.flatten(),
                                              ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    intents, tags = model(batch.words, batch.chars, batch.lengths)
    assert intents.argmax(-1).tolist() == batch.intents.tolist()
    mask = batch.tags != -100
    assert torch.equal(tags.argmax(-1)[mask], batch.tags[mask])


def test_the_shipped_graph_parses_as_the_trained_weights_do():
    """The runtime's ONNX graph (voice export) against the PyTorch model of the same folder on
    real commands: the same intents and tags, logits within 1e-4."""
    from voice.checkpoint import load_model
    from voice.intent.model import torch_logits
    from voice.intent.parser import IntentParser
    from voice.models import find_model

    shipped = IntentParser.load()
    state, config = load_model(find_model("intent-es"))
    model = IntentNet(IntentModelConfig(**config["model"]))
    model.load_state_dict(state)
    trained = IntentParser(torch_logits(model), shipped.vocabs, shipped.temperature)
    for command in ["enciende la luz de la cocina", "pon un temporizador de cinco minutos",
                    "qué tiempo hace en Madrid", "añade leche a la lista de la compra"]:
        words = [w for w, _, _ in tokenize(command)]
        assert shipped.parse(command) == trained.parse(command)
        for ours, theirs in zip(shipped.logits(words), trained.logits(words), strict=True):
            assert abs(ours - theirs).max() < 1e-4
