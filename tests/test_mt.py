import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.conftest import needs
from voice.mt.apertium import apertium
from voice.mt.consensus import char_ngrams, chrf_both, consensus, weights
from voice.mt.decoding import beam_search, greedy, n_best
from voice.mt.model import MtModelConfig, Seq2Seq, TorchNetwork, reverse_padded
from voice.mt.network import Shortlist
from voice.mt.placeholders import english_values, mask, mask_target, recogniser_style, unmask
from voice.mt.scoring import names_kept, numbers_kept
from voice.mt.tokenizer import BOS, EOS, PAD, UNK
from voice.training.mt.task import _pad


def test_placeholders_round_trip_digits_and_spoken_numbers():
    masked, values = mask("Pon la alarma a las 7:30 y baja a 2,5 grados")
    assert masked == "Pon la alarma a las <n0> y baja a <n1> grados"
    assert values == ["7:30", "2.5"]
    assert mask_target("Set the alarm for 7:30 and lower by 2.5 degrees, not 3", values) == \
        "Set the alarm for <n0> and lower by <n1> degrees, not 3"
    assert unmask("Alarm at <n0>, <n1> degrees <n7>", values) == "Alarm at 7:30, 2.5 degrees"
    assert mask_target("Twenty-one or 21, not one", mask("veintiuno")[1]) == "<n0> or <n0>, not one"
    # the recogniser writes numbers as words: they become the same placeholders
    spoken, values = mask("reste treinta y dos minutos y veintidós segundos a un temporizador")
    assert spoken == "reste <n0> minutos y <n1> segundos a un temporizador"
    assert values == ["32", "22"]
    assert recogniser_style("¿Qué hora es en <n0>?") == "que hora es en <n0>"


@pytest.mark.parametrize("spanish, english", [
    ("tengo una cita con el médico a las nueve", ["nine"]),  # a spoken count: words
    ("vive en Buenos Aires desde hace tres años", ["three"]),
    ("a las 9 tengo tres reuniones", ["9", "three"]),  # digits stay digits
    ("tengo tres hermanos y 3 gatos", ["3"]),  # written once in digits: digits
    ("presione uno para mandar este mensaje, o dos para agregar otro", ["1", "2"]),  # a menu
    ("velocidad del viento día tres", ["3"]),  # a label
    ("pon un temporizador de cinco minutos", ["5"]),  # a measure
    ("sube el brillo al cincuenta por ciento", ["50"]),
    ("cuarenta días y cuarenta noches", ["40"]),  # above ten
    ("el código es uno dos cuatro", ["1", "2", "4"]),  # a sequence of digits
])
def test_numbers_come_back_as_english_writes_them(spanish, english):
    assert english_values(spanish, mask(spanish)[1]) == english


def test_reverse_padded_flips_each_row_within_its_length():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])[:, :, None]
    out = reverse_padded(x, torch.tensor([3, 2]))[:, :, 0]
    assert out.tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


def _tiny(cell: str = "gru", copy: bool = False) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(MtModelConfig(vocab=40, cell=cell, dim=16, hidden=16, dropout=0.0,
                                 copy=copy)).eval()


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_padding_does_not_change_a_sentence_encoding(cell):
    model = _tiny(cell)
    alone = torch.tensor([[5, 6, 7, EOS]])
    batch = _pad([[5, 6, 7, EOS], [8, 9, 10, 11, 12, 13, EOS]])
    lengths = torch.tensor([4, 7])
    with torch.no_grad():
        memory, _, _, state = model.encode(alone, torch.tensor([4]))
        padded, _, _, padded_state = model.encode(batch, lengths)
    assert torch.allclose(memory[0], padded[0, :4], atol=1e-5)
    first = state[0] if cell == "lstm" else state
    second = padded_state[0] if cell == "lstm" else padded_state
    assert torch.allclose(first[:, 0], second[:, 0], atol=1e-5)


def _overfit(model: Seq2Seq, sources, targets, steps: int = 200):
    src, lengths = _pad(sources), torch.tensor([len(s) for s in sources])
    tgt_in, tgt_out = _pad([[BOS, *t] for t in targets]), _pad([[*t, EOS] for t in targets])
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    model.train()
    for _ in range(steps):
        logits = model(src, lengths, tgt_in)
        loss = F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), src, lengths, loss.item()


@pytest.mark.parametrize(("cell", "copy"), [("gru", False), ("lstm", False), ("gru", True)])
def test_seq2seq_overfits_a_batch_and_beam_search_finds_it(cell, copy):
    sources = [[5, 6, 7, EOS], [8, 9, EOS], [10, 11, 12, 13, 14, EOS]]
    targets = [[20, 21], [22, 23, 24], [25, 26, 27, 28]]
    model, src, lengths, loss = _overfit(_tiny(cell, copy), sources, targets)
    assert loss < 0.05
    net, src, lengths = TorchNetwork(model), src.numpy(), lengths.numpy()
    assert greedy(net, src, lengths) == targets
    assert beam_search(net, src, lengths, beam=4) == targets


def _copier(copy: bool) -> tuple[int, Seq2Seq]:
    """A model taught to repeat sequences of tokens 10-39, then asked to repeat sequences of
    tokens 40-59, which it never saw: exact repeats out of 100."""
    torch.manual_seed(0)
    model = Seq2Seq(MtModelConfig(vocab=60, dim=32, hidden=32, dropout=0.0, copy=copy))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(1)
    for _ in range(150):
        rows = torch.randint(10, 40, (32, 5), generator=generator).tolist()
        logits = model(_pad([[*r, EOS] for r in rows]), torch.full((32,), 6),
                       _pad([[BOS, *r] for r in rows]))
        loss = F.cross_entropy(logits.flatten(0, 1), _pad([[*r, EOS] for r in rows]).flatten())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    rows = torch.randint(40, 60, (100, 5), generator=generator).tolist()
    out = greedy(TorchNetwork(model), _pad([[*r, EOS] for r in rows]).numpy(),
                 np.full(100, 6))
    return sum(o == r for o, r in zip(out, rows, strict=True)), model


def test_a_pointer_generator_copies_tokens_it_never_produced_in_training():
    copied, model = _copier(copy=True)
    assert copied >= 70  # names and draft words it never wrote come through
    assert _copier(copy=False)[0] <= 5  # without copying they do not
    plain = Seq2Seq(MtModelConfig(vocab=60, dim=32, hidden=32))
    model.load_state_dict(plain.state_dict())  # fine-tuning a plain model: a fresh gate
    assert torch.equal(model.embed.weight, plain.embed.weight)


def test_beam_search_of_one_is_greedy_search():
    model = TorchNetwork(_tiny())  # untrained: long, arbitrary outputs, the hardest to agree on
    src = _pad([[5, 6, 7, EOS], [8, 9, 10, 11, 12, EOS], [13, EOS]]).numpy()
    lengths = np.array([4, 6, 2])
    assert beam_search(model, src, lengths, beam=1) == greedy(model, src, lengths)


def test_n_best_ranks_the_beam_and_its_first_is_beam_searchs_answer():
    model = TorchNetwork(_tiny())
    src = _pad([[5, 6, 7, EOS], [8, 9, 10, 11, 12, EOS], [13, EOS]]).numpy()
    lengths = np.array([4, 6, 2])
    ranked = n_best(model, src, lengths, beam=4)
    assert [hyps[0][0] for hyps in ranked] == beam_search(model, src, lengths, beam=4)
    for hyps in ranked:
        scores = [score for _, score in hyps]
        assert 1 <= len(hyps) <= 4 and scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("search", ["greedy", "beam", "n_best"])
def test_a_sentence_decodes_in_a_batch_as_it_does_alone(search):
    model = TorchNetwork(_tiny())  # untrained: long outputs, up to each sentence's own limit
    rows = [[5, 6, 7, EOS], [8, 9, 10, 11, 12, 14, 15, 16, 17, EOS], [13, EOS]]
    decode = {"greedy": greedy, "beam": lambda *a: beam_search(*a, beam=4),
              "n_best": lambda *a: n_best(*a, beam=4)}[search]
    together = decode(model, _pad(rows).numpy(), np.array([len(r) for r in rows]))
    alone = [decode(model, _pad([r]).numpy(), np.array([len(r)]))[0] for r in rows]
    if search == "n_best":  # the same hypotheses; their scores to float precision
        together, alone = ([[ids for ids, _ in hyps] for hyps in out] for out in (together, alone))
    assert together == alone


@pytest.mark.parametrize("search", ["greedy", "beam", "n_best"])
def test_a_placeholder_is_written_at_most_as_often_as_the_source_holds_it(search):
    model = TorchNetwork(_tiny())  # untrained: long outputs that repeat tokens
    # source EOS draft EOS: a draft's tokens do not count
    rows = [[5, 6, 5, EOS, 7, 7, 7, EOS], [8, 9, 10, 11, 12, 14, EOS], [13, EOS]]
    src, lengths = _pad(rows).numpy(), np.array([len(r) for r in rows])
    decode = {"greedy": lambda *a, **k: [[out] for out in greedy(*a, **k)],
              "beam": lambda *a, **k: [[out] for out in beam_search(*a, beam=4, **k)],
              "n_best": lambda *a, **k: [[ids for ids, _ in hyps]
                                         for hyps in n_best(*a, beam=4, **k)]}[search]
    placeholders = np.arange(UNK + 1, 40)  # every ordinary token: the hardest case

    def overdrawn(outputs) -> bool:
        return any(out.count(t) > row[: row.index(EOS)].count(t)
                   for row, outs in zip(rows, outputs, strict=True) for out in outs
                   for t in placeholders.tolist())

    assert overdrawn(decode(model, src, lengths))  # left free, it repeats and invents
    for shortlist in (None, Shortlist.of(np.arange(40), src, model.vocab)):
        assert not overdrawn(decode(model, src, lengths, shortlist=shortlist,
                                    placeholders=placeholders))


def test_sentence_chrf_is_sacrebleus():
    from sacrebleu.metrics import CHRF

    pairs = [("Turn on the kitchen light.", "Switch on the light in the kitchen"),
             ("Press 1 to send it.", "Press one to send the message"), ("a", "b"), ("", "x")]
    for hyp, ref in pairs:
        forward, backward = chrf_both(char_ngrams(hyp), char_ngrams(ref))
        assert forward == pytest.approx(CHRF().sentence_score(hyp, [ref]).score)
        assert backward == pytest.approx(CHRF().sentence_score(ref, [hyp]).score)


def test_consensus_picks_what_the_weighted_candidates_agree_on():
    candidates = ["Turn on the light.", "Turn on the lights.", "Turn on the lights.",
                  "Switch the lamp off."]
    # the most probable alone loses to the reading that two others share
    assert consensus(candidates, [0.35, 0.25, 0.25, 0.15]) == 1
    assert consensus(candidates, [0.7, 0.1, 0.1, 0.1]) == 0
    assert consensus(candidates, [0.1, 0.05, 0.05, 0.8]) == 3  # the outlier when it weighs most
    shares = weights([-0.1, -0.1, -2.0], draft_weight=0.3)
    assert shares[-1] == 0.3 and sum(shares) == pytest.approx(1.0)
    assert shares[0] == shares[1] > shares[2]


def test_consensus_is_the_weighted_chrf_argmax_with_repeated_candidates():
    import random

    from sacrebleu.metrics import CHRF

    pool = ["Turn on the light.", "Turn on the lights.", "Switch the lamp off.", "Lights on"]
    rng = random.Random(0)
    for _ in range(30):
        candidates = [rng.choice(pool) for _ in range(6)]  # repeats, as a beam often has
        shares = [rng.random() for _ in candidates]
        expected = [sum(w * CHRF().sentence_score(c, [other]).score
                        for other, w in zip(candidates, shares, strict=True)) for c in candidates]
        best = consensus(candidates, shares)
        assert expected[best] == pytest.approx(max(expected))
        assert best == candidates.index(candidates[best])  # a repeat's first place


def test_the_draft_weighs_more_where_the_network_is_unsure():
    from voice.mt.translator import UNSURE_EXTRA, UNSURE_SCORE, draft_share

    assert draft_share(UNSURE_SCORE + 1, 0.3) == 0.3
    assert draft_share(UNSURE_SCORE - 1, 0.3) == pytest.approx(0.3 + UNSURE_EXTRA)
    assert draft_share(UNSURE_SCORE - 1, 1.0) == 1.0


@pytest.mark.parametrize("copy", [False, True])
def test_a_shortlist_limits_what_decoding_writes_and_the_whole_one_changes_nothing(copy):
    sources = [[5, 6, 7, EOS], [8, 9, EOS], [10, 11, 12, 13, 14, EOS]]
    targets = [[20, 21], [22, 23, 24], [25, 26, 27, 28]]
    model, src, lengths, _ = _overfit(_tiny("gru", copy), sources, targets)
    model, src, lengths = TorchNetwork(model), src.numpy(), lengths.numpy()
    untrained = TorchNetwork(_tiny("gru", copy))  # arbitrary outputs over the whole vocabulary
    for search in (greedy, lambda *a, **k: beam_search(*a, beam=3, **k)):
        for m in (model, untrained):
            everything = Shortlist.of(np.arange(m.vocab), src, m.vocab)
            assert search(m, src, lengths, shortlist=everything) == search(m, src, lengths)
        shortlist = Shortlist.of(np.arange(20, 29), src, model.vocab)
        assert search(model, src, lengths, shortlist=shortlist) == targets
        # without the tokens it learned to write, it writes only what the shortlist holds
        out = search(model, src, lengths, shortlist=Shortlist.of(np.array([30, 31]), src,
                                                                  model.vocab))
        allowed = {30, 31, EOS, *src.flatten().tolist()}
        assert any(out) and {t for row in out for t in row} <= allowed


def test_number_and_name_scores():
    assert numbers_kept(["Wait 5 minutes", "At 7:30"], ["Wait 5 minutes", "At 7:45"]) == 50.0
    assert numbers_kept(["three years ago, not twenty-one"], ["3 years ago, not 21 or 2"]) == \
        round(200 / 3, 2)  # words keep a value; "two" inside "twenty-one" does not
    names = ["light", "ceiling light", "kitchen"]
    assert names_kept(["turn on the light in the kitchen"],
                      ["turn on the ceiling light in the kitchen"], names) == 50.0


@needs("apertium", "apertium-eng-spa")
def test_apertium_baseline_translates_line_by_line():
    out = apertium(["el perro come", "Hola\nmundo [1]"])
    assert [line.lower() for line in out] == ["the dog eats", "hello world [1]"]


@needs("apertium", "apertium-eng-spa")
def test_apertium_translates_each_sentence_as_it_would_alone():
    # within one text, a line without a full stop ran into the next: "unas" read as "join"
    sentences = ["graba", "unas", "la conferencia ha terminado", "o te"]
    assert apertium(sentences) == [apertium([s])[0] for s in sentences]
    assert apertium([]) == []
    # a NUL inside a sentence (it ends a chunk) is a space; the next sentence stays in step
    assert apertium(["hola\0mundo", "la casa"]) == [apertium(["hola mundo"])[0], "The house"]


@needs("apertium", "apertium-eng-spa")
def test_the_in_process_formatter_writes_and_reads_what_apertiums_programs_do():
    from voice.mt.apertium import _plain, _run, deformat, pipeline, reformat

    lines = ["¿Qué tal [x] a^b$ <c> {d} @e /f \\ g?", "http://x.es/a. Fin.", "uno.", "¡Ya!",
             "50 % de \"algo\" 'otro' #3 *x* +y"]
    assert _plain(lines)
    assert deformat(lines) == _run(["apertium-destxt"],
                                   "".join(line + "\n" for line in lines).encode()).decode()
    stream = pipeline("spa-eng").translate([deformat(lines).encode()])[0].decode()
    assert reformat(stream) == _run(["apertium-retxt"], stream.encode()).decode()
    # what the programs alone format: an empty sentence, "~"; still one line out per line in
    assert not _plain(["a ~ b"]) and not _plain(["bien", ""])
    assert [line.lower() for line in apertium(["la casa", "", "a ~ b"])][::2] == \
        ["the house", "to ~ b"]


@needs("apertium", "apertium-eng-spa")
def test_a_stopped_apertium_pipeline_starts_again_and_a_missing_pair_is_one_error():
    from voice.errors import VoiceError
    from voice.mt.apertium import pipeline

    assert apertium(["la casa"]) == ["The house"]
    pipeline("spa-eng")._process.kill()
    pipeline("spa-eng")._process.wait()
    assert apertium(["la casa"]) == ["The house"]  # a fresh pipeline
    with pytest.raises(VoiceError, match="apertium-eng-spa"):
        apertium(["hola"], "spa-xyz")


def _corpus(path, pairs):
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs))


def test_train_translate_and_eval_from_the_command_line(tmp_path, monkeypatch):
    """voice train mt -> the exported model translates held-in sentences; eval prints a row."""
    from typer.testing import CliRunner

    from voice.cli import app

    words = [("rojo", "red"), ("verde", "green"), ("azul", "blue"), ("negro", "black"),
             ("blanco", "white"), ("gris", "grey")]
    things = [("coche", "car"), ("casa", "house"), ("puerta", "door"), ("mesa", "table")]
    pairs = [{"es": f"el {t} {c} tiene {n} años", "en": f"The {ct} {te} is {n} years old",
              "source": "toy"} for t, te in things for c, ct in words for n in (2, 15)]
    _corpus(tmp_path / "train.jsonl", pairs)
    _corpus(tmp_path / "dev.jsonl", pairs[:6])
    recipe = tmp_path / "toy.toml"
    recipe.write_text(f"""
[data]
train = "{tmp_path}/train.jsonl"
dev = "{tmp_path}/dev.jsonl"
vocab_size = 60
max_tokens = 400
noisy = 0.0
[model]
dim = 32
hidden = 32
dropout = 0.0
[train]
lr = 0.01
warmup_steps = 5
epochs = 40
eval_every = 1000
threads = 1
run_dir = "{tmp_path}/run"
export_dir = "{tmp_path}/model"
""")
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "mt", "--recipe", str(recipe)])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "model" / "accents.json.gz").is_file()  # the translator reads it
    model = str(tmp_path / "model")
    out = runner.invoke(app, ["translate-text", "el coche rojo tiene 15 años",
                              "--model-dir", model])
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == "The red car is 15 years old"
    # numbers the training data never had come through the placeholder unchanged
    out = runner.invoke(app, ["translate-text", "--model-dir", model, "--beam", "1"],
                        input="la mesa gris tiene 987 años\n")
    assert out.stdout.strip() == "The grey table is 987 years old"
    scored = runner.invoke(app, ["eval", "mt", "--manifest", str(tmp_path / "dev.jsonl"),
                                 "--model-dir", model, "--json", "--baseline", "apertium"])
    rows = [json.loads(line) for line in scored.stdout.splitlines()]
    assert [(r["input"], r["system"]) for r in rows] == [
        ("clean", "voice"), ("clean", "apertium"), ("recogniser", "voice"),
        ("recogniser", "apertium")]
    assert rows[0]["bleu"] > 90 and rows[0]["numbers_kept"] == 100.0
    assert rows[1]["bleu"] > 20  # Apertium ran on the same sentences and translated them


def test_thousands_separators_are_one_value_on_both_sides():
    masked, values = mask("Cuesta 1.000 euros, o 1.500,5 con 2,5 de IVA")
    assert masked == "Cuesta <n0> euros, o <n1> con <n2> de IVA"
    assert values == ["1000", "1500.5", "2.5"]
    assert mask_target("It costs 1,000 euros, or 1,500.5 with 2.5 of VAT", values) == \
        "It costs <n0> euros, or <n1> with <n2> of VAT"


def test_more_numbers_than_placeholders_stay_as_written():
    text = " ".join(str(n) for n in range(100, 112))
    masked, values = mask(text)
    assert values == [str(n) for n in range(100, 110)]
    assert masked.endswith("<n9> 110 111")


@needs("apertium", "apertium-eng-spa")
def test_the_translator_chooses_between_its_beam_and_apertiums_draft():
    from voice.mt.translator import Translator

    sources = ["en este momento nadie está libre para responder a su llamada",
               "la luz de la cocina está apagada", "pulse 2 para escuchar el mensaje"]
    drafts = [unmask(d, mask(s)[1]) for s, d in zip(
        sources, apertium([mask(s)[0] for s in sources]), strict=True)]
    only_draft = Translator.load(draft_weight=1.0).translate(sources)
    assert [t.lower() for t in only_draft] == [d.lower() for d in drafts]
    # a sentence written without accents gets them back before Apertium drafts it
    unaccented = Translator.load(draft_weight=1.0).translate(["deje su mensaje despues del tono"])
    assert "after" in unaccented[0].lower() and "despues" not in unaccented[0].lower()
    # greedy search has no alternatives to weigh: the draft's weight changes nothing
    assert Translator.load(draft_weight=1.0).translate(sources, beam=1) == \
        Translator.load(draft_weight=0.0).translate(sources, beam=1)


def test_the_shipped_graphs_translate_as_the_trained_weights_do():
    """The runtime's ONNX graphs (voice export) against the PyTorch model of the same folder,
    on real sentences: the same translations, scores within 1e-4 at every step."""
    from voice.checkpoint import load_model
    from voice.models import find_model
    from voice.mt.translator import Translator, source_batch

    state, config = load_model(find_model("mt-es-en"))
    model = Seq2Seq(MtModelConfig(**config["model"]))
    model.load_state_dict(state)
    shipped = Translator.load()
    trained = Translator(TorchNetwork(model.eval()), shipped.tokenizer, shipped.frequent,
                         accents=shipped.accents)
    sources = ["mi hermana vive en Buenos Aires desde hace tres años",
               "apaga todas las luces del salón y baja la persiana",
               "Presione uno para mandar este mensaje, o dos para agregar otro recipiente."]
    for beam in (1, 5):
        assert shipped.translate(sources, beam) == trained.translate(sources, beam)
    src, lengths = source_batch(shipped.tokenizer, sources, sources)
    ours, theirs = shipped.network, trained.network
    (encoded, state), (expected, expected_state) = (
        n.encode(src, lengths, Shortlist.of(np.arange(50), src, n.vocab)) for n in (ours, theirs))
    tokens = src[:, 0]
    for _ in range(8):
        (scores, state), (reference, expected_state) = (
            ours.decode(tokens, encoded, state), theirs.decode(tokens, expected, expected_state))
        assert np.abs(scores - reference).max() < 1e-4
        tokens = Shortlist.of(np.arange(50), src, ours.vocab).ids[reference.argmax(-1)]


@needs("espeak-ng", "espeak-ng")
def test_eval_e2e_reads_the_english_reference_of_each_recording(tmp_path):
    """`voice data build everyday` rows carry their own English: speech in, English out is
    scored on them without any Asterisk prompt."""
    from tests.test_cli import run
    from voice.audio import save_wav
    from voice.data.espeak import EspeakVoice, synthesize

    pairs = [("la luz de la cocina está apagada", "The kitchen light is off."),
             ("buenos días", "Good morning.")]
    rows = []
    for i, (es, en) in enumerate(pairs):
        save_wav(tmp_path / f"{i}.wav", synthesize(es, EspeakVoice("es", "m3", 150, 50)))
        rows.append({"audio": f"{i}.wav", "text": es, "en": en})
    (tmp_path / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("eval", "e2e", "--manifest", str(tmp_path / "set.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    scored = {r["system"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert {r["recordings"] for r in scored.values()} == {2}
    assert set(scored) == {"recogniser + voice", "recogniser + apertium", "true text + voice"}
    assert scored["recogniser + voice"]["chrf"] > 40  # a model that ignored them scores ~0
