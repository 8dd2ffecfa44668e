"""Phone targets from espeak-ng and the auxiliary phone head on the recogniser's encoder."""

import json
from pathlib import Path

import pytest
import torch

from voice.asr.model import AsrModelConfig, CtcRecognizer
from voice.audio import save_wav
from voice.training.asr import phones
from voice.training.asr.batches import AsrDataConfig
from voice.training.asr.task import AsrRecipe, AsrTask, PhoneConfig

from .conftest import needs

SHIPPED = Path(__file__).resolve().parents[1] / "voice" / "models" / "asr-es"


@needs("espeak-ng", "espeak-ng")
def test_spanish_and_english_words_get_their_own_phones():
    assert phones.phones("casa", "es") == ["k", "a", "s", "a"]
    assert phones.phones("cielo y llave", "es") == ["s", "j", "e", "l", "o", "i", "ʝ", "a", "β",
                                                    "e"]  # seseo, yeísmo
    assert phones.phones("church", "en") == ["tʃ", "ɜ", "tʃ"]  # one unit, length dropped
    assert phones.phones("cancelletto", "it")[3] == "tʃ"


@needs("espeak-ng", "espeak-ng")
def test_batched_phones_align_with_one_call_per_text():
    texts = ["Hola, ¿qué tal? Bien.", "", "uno dos tres " * 30, "marque el 5 por favor"]
    batched = phones.phones_batch(texts, "es")
    assert batched == [phones.phones(t, "es") for t in texts]
    assert batched[1] == [] and len(batched[2]) > 200


def test_inventory_is_fixed_and_encodes_from_one():
    inventory = phones.inventory()
    assert len(set(inventory)) == len(inventory) == phones.vocab_size() - 1
    assert phones.encode([inventory[0], "not-a-phone", inventory[-1]]) == [1, len(inventory)]


def test_phone_head_is_off_by_default_and_the_state_dict_unchanged():
    plain = CtcRecognizer(AsrModelConfig(hidden=8, layers=2))
    assert plain.phone_head is None and not any("phone" in k for k in plain.state_dict())
    with pytest.raises(Exception, match="phone_layer"):
        CtcRecognizer(AsrModelConfig(hidden=8, layers=2, phone_layer=3))


@pytest.mark.parametrize("phone_layer", [0, 1, 2])
def test_tapping_a_layer_leaves_the_character_output_unchanged(phone_layer):
    torch.manual_seed(0)
    plain = CtcRecognizer(AsrModelConfig(hidden=16, layers=3)).eval()
    tapped = CtcRecognizer(AsrModelConfig(hidden=16, layers=3, phone_vocab=7,
                                          phone_layer=phone_layer)).eval()
    tapped.load_state_dict(plain.state_dict())  # fine-tuning: the new head starts fresh
    x, lengths = torch.randn(2, 90, 80), torch.tensor([90, 50])
    with torch.no_grad():
        reference, ref_lengths = plain(x, lengths)
        out = tapped(x, lengths, aux=True)
        assert torch.equal(tapped(x, lengths)[0], reference)
    assert torch.allclose(out.log_probs, reference, atol=1e-5)
    assert torch.equal(out.lengths, ref_lengths)
    assert out.phones.shape == (2, 23, 7) and out.teacher is None
    assert list(tapped.state_dict()) == [*plain.state_dict(), "phone_head.weight",
                                         "phone_head.bias"]


@pytest.mark.skipif(not (SHIPPED / "config.json").exists(), reason="no shipped model")
def test_shipped_model_loads_and_reads_the_same_with_a_phone_head():
    from voice.checkpoint import load_model

    state, config = load_model(SHIPPED)
    plain = CtcRecognizer(AsrModelConfig(**config["model"])).eval()
    plain.load_state_dict(state)
    assert config["model"].get("phone_vocab", 0) == 0  # shipped without a phone head
    with_head = CtcRecognizer(AsrModelConfig(**{**config["model"], "phone_layer": 2,
                                                "phone_vocab": phones.vocab_size()})).eval()
    with_head.load_state_dict(state)
    features = torch.randn(1, 300, 80) - 4
    with torch.no_grad():
        reference, _ = plain(features, torch.tensor([300]))
        out = with_head(features, torch.tensor([300]), aux=True)
    assert torch.allclose(out.log_probs, reference, atol=1e-5)


def _manifest(folder: Path, name: str, rows: list[dict]) -> str:
    for row in rows:
        save_wav(folder / row["audio"], row.pop("wave"))
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return str(path)


@needs("espeak-ng", "espeak-ng")
def test_toy_model_with_a_phone_head_overfits_spanish_and_english(tmp_path):
    from voice.data import espeak

    torch.manual_seed(0)
    voice_es = espeak.EspeakVoice("es", "m3", 150, 50)
    voice_en = espeak.EspeakVoice("en-us", "m3", 150, 50)
    spanish = _manifest(tmp_path, "es", [{"audio": "es.wav", "text": "enciende la luz",
                                          "wave": voice_es.synthesize("enciende la luz")}])
    english = _manifest(tmp_path, "en", [{"audio": "en.wav", "text": "turn on the light",
                                          "lang": "en",
                                          "wave": voice_en.synthesize("turn on the light")}])
    recipe = AsrRecipe(data=AsrDataConfig(train=[spanish, english]),
                       model=AsrModelConfig(hidden=64, layers=2, dropout=0.0, phone_layer=1),
                       phones=PhoneConfig(weight=1.0))
    task = AsrTask(recipe)
    task.data.augment = None
    (batch,) = list(task.batches(0, 0, 1))
    assert batch.target_lengths.tolist().count(0) == 1  # English: no character target
    assert batch.phone_lengths.min() > 0

    def losses() -> tuple[float, float]:
        out = task.model(batch.features, batch.lengths, aux=True)
        return (task._mean_ctc(out.log_probs, batch.targets, out.lengths,
                               batch.target_lengths).item(),
                task._mean_ctc(out.phones, batch.phones, out.lengths, batch.phone_lengths).item())

    before = losses()
    optimizer = torch.optim.Adam(task.model.parameters(), lr=3e-3)
    for _ in range(150):
        loss, _ = task.loss(task.model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = losses()
    assert after[0] < 0.3 * before[0] and after[1] < 0.3 * before[1]


def test_phone_experiment_recipe_loads():
    from voice.config import load_recipe

    recipe = load_recipe("recipes/experiments/asr-es-phones-ft.toml", AsrRecipe)
    assert recipe.phones.weight > 0 and recipe.train.init == "runs/asr-es-voices-ft/model"
    assert len(recipe.data.repeat) == len(recipe.data.train)
    assert not str(recipe.train.export_dir).startswith("voice/models/")
