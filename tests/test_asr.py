import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from voice.asr.decode import collapse, ctc_score, greedy
from voice.asr.mel import LogMel
from voice.asr.model import AsrModelConfig, CtcRecognizer, TorchAcoustic
from voice.asr.recognizer import FRAME_SECONDS, Recognizer
from voice.audio import SAMPLE_RATE
from voice.choices import RecognizerKind
from voice.data import espeak
from voice.errors import VoiceError
from voice.metrics import error_rates
from voice.text import CharVocab
from voice.training.asr.augment import AugmentConfig, augment
from voice.training.asr.batches import collate

from .conftest import needs

VOCAB = CharVocab()


def _one_hot_path(ids: list[int]) -> np.ndarray:
    probs = np.full((len(ids), len(VOCAB)), 1e-4, dtype=np.float32)
    probs[np.arange(len(ids)), ids] = 1.0
    return np.log(probs / probs.sum(-1, keepdims=True))


def test_ctc_best_path_of_a_known_alignment():
    b, h, o, la, sp = 0, *(VOCAB.index[c] for c in "ho"), VOCAB.index["l"], VOCAB.index[" "]
    a = VOCAB.index["a"]
    # "hola  la" spoken as: _ h h o _ l l _ l a _ space _ l a a
    path = [b, h, h, o, b, la, la, b, la, a, b, sp, b, la, a, a]
    assert collapse(path) == [h, o, la, la, a, sp, la, a]
    text = greedy(_one_hot_path(path)[None], torch.tensor([len(path)]), VOCAB)[0]
    assert text == "holla la"


def test_word_times_from_forced_alignment():
    path = [0] * 5 + [VOCAB.index[c] for c in "si"] + [0] * 10 + [VOCAB.index[" "]] + \
        [VOCAB.index[c] for c in "no"] + [0] * 5
    recognizer = Recognizer(TorchAcoustic(CtcRecognizer(AsrModelConfig(hidden=8, layers=1))),
                            VOCAB)
    words = recognizer.align(_one_hot_path(path), "si no")
    assert [w.word for w in words] == ["si", "no"]
    assert words[0].start == pytest.approx(5 * FRAME_SECONDS)
    assert words[1].start == pytest.approx(18 * FRAME_SECONDS)
    assert words[0].end <= words[1].start


def test_augment_keeps_shape_and_values_finite():
    x = torch.randn(300, 80) * 3 - 5
    y = augment(x, AugmentConfig(noise=1.0, babble=1.0), other=torch.randn(120, 80) - 5)
    assert y.shape[1] == 80 and 240 <= y.shape[0] <= 360
    assert torch.isfinite(y).all() and not torch.equal(y[: len(x)], x[: len(y)])


def test_reverberation_adds_a_decaying_tail_after_the_sound():
    from voice.training.asr.augment import _reverberate

    x = torch.full((200, 80), -10.0)
    x[50:60] = 0.0  # a 100 ms burst in a silent room
    wet = _reverberate(x, rt60=0.5, drr_db=0.0).exp() - x.exp()  # added power
    assert wet[:50].max() < 1e-3  # nothing before the sound
    assert wet[60].min() > 0.05 and (wet[60:100, 0].diff() < 0).all()  # audible, then decaying
    assert float(wet.sum()) == pytest.approx(float(x.exp().sum()), rel=0.1)  # 0 dB: equal energy
    assert torch.isfinite(augment(x, AugmentConfig(reverb=1.0))).all()


def test_gru_and_lstm_cells_give_frame_log_probs():
    for cell in ("lstm", "gru"):
        model = CtcRecognizer(AsrModelConfig(cell=cell, hidden=16, layers=2))
        log_probs, lengths = model(torch.randn(2, 101, 80), torch.tensor([101, 60]))
        assert log_probs.shape == (2, 26, 36) and lengths.tolist() == [26, 15]
        assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 26), atol=1e-4)


@needs("espeak-ng", "espeak-ng")
def test_model_overfits_one_batch():
    torch.manual_seed(0)
    texts = ["enciende la luz", "apaga la radio"]
    voice = espeak.EspeakVoice("es", "m3", 150, 50)
    logmel = LogMel()
    feats = [torch.from_numpy(logmel(espeak.synthesize(t, voice))) for t in texts]
    batch = collate(feats, [VOCAB.encode(t) for t in texts])
    model = CtcRecognizer(AsrModelConfig(hidden=96, layers=2, dropout=0.0))
    model.mean.copy_(torch.cat(feats).mean(0))
    model.std.copy_(torch.cat(feats).std(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    ctc = torch.nn.CTCLoss(zero_infinity=True)
    for _ in range(250):
        log_probs, lengths = model(batch.features, batch.lengths)
        loss = ctc(log_probs.transpose(0, 1), batch.targets, lengths, batch.target_lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        log_probs, lengths = model(batch.features, batch.lengths)
    assert greedy(log_probs, lengths, VOCAB) == texts
    assert not math.isnan(loss.item())


def test_causal_normalisation_follows_the_utterance_and_ignores_what_comes_later():
    from voice.asr.model import causal_normalise

    torch.manual_seed(0)
    z = torch.randn(1, 400, 4) * 0.7 + torch.tensor([1.0, -1.0, 0.5, 0.0])  # a channel's tilt
    out = causal_normalise(z, prior=50.0)
    assert out[0, 300:].mean(0).abs().max() < 0.4  # offsets of 1.4 standard deviations: gone
    assert out[0, 300:].std(0).sub(1).abs().max() < 0.4
    later = torch.cat([z, torch.randn(1, 100, 4) * 9], 1)
    assert torch.allclose(causal_normalise(later, 50.0)[:, :400], out)


def test_error_rates_fold_accents_and_case():
    rates = error_rates(["Marque 1, por favor.", "Contraseña incorrecta"],
                        ["marque uno por favor", "contrasena correcta"])
    assert rates["wer"] == pytest.approx(100 * 1 / 6)
    assert 0 < rates["cer"] < 10


@pytest.mark.parametrize("kind", ["encoder", "small"])
@pytest.mark.parametrize("decoder", ["greedy", "beam"])
def test_shipped_recognizer_writes_nothing_for_silence_or_faint_noise(decoder, kind):
    recognizer = Recognizer.load(decoder=decoder, kind=RecognizerKind(kind))
    noise = 0.01 * np.random.default_rng(0).standard_normal(SAMPLE_RATE).astype(np.float32)
    for audio in (np.zeros(SAMPLE_RATE, dtype=np.float32), noise):
        result = recognizer.recognize(audio)
        assert result.text == "" and result.words == []
        assert result.seconds == 1.0 and result.rtf > 0


def _streamed_log_probs(recognizer, audio, config):
    from voice.asr.stream import StreamingRecognizer

    streamer = StreamingRecognizer(recognizer, config)
    partials = 0
    for start in range(0, len(audio), 1600):
        partials += streamer.feed(audio[start:start + 1600]) is not None
    rest = streamer._frontend(streamer.done)
    if len(rest):
        streamer.committed.append(streamer._run(rest, len(rest)))
    return np.concatenate(streamer.committed), partials


def test_streaming_carries_forward_state_exactly():
    """With the backward direction silenced, chunked decoding must equal offline decoding:
    this isolates the forward state carried across chunks and the front-end's delay."""
    from voice.asr.stream import StreamConfig, StreamingRecognizer

    torch.manual_seed(0)
    model = CtcRecognizer(AsrModelConfig(hidden=24, layers=2)).eval()
    for name, param in model.rnn.named_parameters():
        if name.endswith("_reverse"):
            param.data.zero_()
    recognizer = Recognizer(TorchAcoustic(model), VOCAB)
    audio = np.random.default_rng(0).standard_normal(3 * SAMPLE_RATE).astype(np.float32) * 0.1
    audio *= np.linspace(0.2, 3.0, len(audio), dtype=np.float32)  # level rises: stats move
    offline = recognizer.log_probs(audio)
    streamed, partials = _streamed_log_probs(recognizer, audio, StreamConfig(0.32, 0.32))
    assert streamed.shape == offline.shape
    assert np.allclose(streamed, offline, atol=1e-5)
    assert partials >= 6  # 3 s of audio, a partial at least every 0.32 s once look-ahead is full
    causal = CtcRecognizer(AsrModelConfig(hidden=24, layers=2, norm="causal")).eval()
    with pytest.raises(VoiceError, match="does not stream"):  # its statistics span the slices
        StreamingRecognizer(Recognizer(TorchAcoustic(causal), VOCAB))


def test_streaming_with_unbounded_lookahead_is_offline_decoding():
    from voice.asr.stream import StreamConfig, StreamingRecognizer

    torch.manual_seed(1)
    recognizer = Recognizer(TorchAcoustic(CtcRecognizer(AsrModelConfig(hidden=24, layers=2))),
                            VOCAB)
    audio = np.random.default_rng(1).standard_normal(2 * SAMPLE_RATE).astype(np.float32) * 0.1
    streamer = StreamingRecognizer(recognizer, StreamConfig(0.32, 60.0))
    for start in range(0, len(audio), 1600):
        streamer.feed(audio[start:start + 1600])
    assert streamer.finish().text == recognizer.recognize(audio).text
    assert streamer.samples == 0  # ready for the next utterance


def _emissions(text: str) -> np.ndarray:
    ids = [i for c in text for i in (VOCAB.index[c], VOCAB.index[c], 0)]
    return _one_hot_path(ids)


def test_beam_search_with_word_lm_fixes_spelling_and_biases_names():
    from voice.asr.beam import BeamConfig, BeamDecoder
    from voice.training.asr.lm import count_lm

    lm = count_lm(["enciende la luz de la cocina", "apaga la luz", "enciende la radio"] * 3,
                  min_count=1)
    emissions = _emissions("enziende la lus")
    assert greedy(emissions[None], torch.tensor([len(emissions)]), VOCAB) == ["enziende la lus"]
    assert BeamDecoder(VOCAB, lm, BeamConfig(lm_weight=1.0)).decode(emissions) == \
        "enciende la luz"
    biased = BeamDecoder(VOCAB, lm, BeamConfig(lm_weight=1.0), bias_names=["Lámpara Roja"])
    assert biased.decode(_emissions("enciende la lampara roja")) == "enciende la lámpara roja"


def test_word_lm_prefers_seen_word_order_and_excludes_evaluated_sentences(tmp_path):
    from voice.asr.lm import LmConfig
    from voice.manifest import write_jsonl
    from voice.training.asr.lm import count_lm, dev_transcripts, train_lm

    lm = count_lm(["pon la música", "pon la radio", "apaga la música"] * 4)
    assert lm.logprob("música", ("pon", "la")) > lm.logprob("pon", ("la", "música"))
    assert lm.perplexity(["pon la música"]) < lm.perplexity(["música la pon"])
    assert lm.out_of_vocabulary(["pon la musica", "apaga la tele"]) == 1 / 6  # accents folded
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus, [{"es": "enciende la luz"}, {"es": "frase de evaluación"}] * 3)
    dev = tmp_path / "dev.jsonl"
    write_jsonl(dev, [{"audio": "x.wav", "text": "Frase de evaluación."}])
    trained = train_lm(LmConfig(corpora=[str(corpus)], min_count=1), dev_transcripts([str(dev)]))
    assert "evaluación" not in trained.uni and "luz" in trained.uni


def test_general_vocabulary_lets_the_beam_write_everyday_words_the_corpora_lack(tmp_path):
    from voice.asr.beam import BeamDecoder
    from voice.asr.lm import LmConfig
    from voice.manifest import write_jsonl
    from voice.training.asr.lm import general_vocabulary, train_lm

    words = general_vocabulary(20000)
    assert len(words) == 20000 and abs(sum(words.values()) - 1) < 1e-6
    assert words["de"] > words["lunes"] > 0 and all(w.isalpha() for w in words)
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus, [{"es": "pon una alarma el martes"}] * 3)
    config = LmConfig(corpora=[str(corpus)], min_count=1)
    narrow = train_lm(config, {})
    broad = train_lm(dataclasses.replace(config, general_words=20000), {})
    assert "lunes" not in narrow.uni and "lunes" in broad.uni
    assert broad.logprob("martes", ("alarma", "el")) > broad.logprob("lunes", ("alarma", "el"))
    emissions = _emissions("pon una alarma el lunes")
    assert BeamDecoder(VOCAB, broad).decode(emissions) == "pon una alarma el lunes"


def test_export_records_its_recipe_and_leaves_beam_settings_to_the_lm(tmp_path, tone):
    """`voice train lm` is the one writer of beam settings; a re-export must not bring back
    settings that its LM was not tuned with."""
    from voice.audio import save_wav
    from voice.checkpoint import load_model
    from voice.manifest import write_jsonl
    from voice.training.asr.task import AsrRecipe, AsrTask

    save_wav(tmp_path / "a.wav", tone)
    manifest = tmp_path / "set.jsonl"
    write_jsonl(manifest, [{"audio": "a.wav", "text": "hola", "duration": 1.0}])
    recipe = AsrRecipe()
    recipe.data.train, recipe.data.dev, recipe.data.repeat = [str(manifest)], [str(manifest)], [1]
    task = AsrTask(recipe)
    metrics = task.evaluate(task.model)
    task.export(task.model, tmp_path / "model", metrics)
    _, config = load_model(tmp_path / "model")
    assert "decode" not in config and not {"lm", "decode"} & set(config["recipe"])
    assert config["recipe"]["data"]["train"] == [str(manifest)]
    assert config["dev"] == metrics and config["model"] == config["recipe"]["model"]


def test_forced_alignment_gives_torchaudios_token_frames():
    """Word times come from our own Viterbi: the same token frames as torchaudio's
    forced_align on a trained model's output for real recordings."""
    import torchaudio.functional as AF

    from voice.asr.decode import forced_align
    from voice.asr.recognizer import Recognizer
    from voice.audio import load_audio

    recognizer = Recognizer.load(None, "greedy", profile=None)
    for path in sorted(Path("assets/samples").glob("*.wav")):
        log_probs = recognizer.log_probs(load_audio(path))
        ids = recognizer.vocab.encode(recognizer.decode(log_probs))
        frames, scores = AF.forced_align(torch.as_tensor(log_probs)[None], torch.tensor([ids]),
                                         blank=CharVocab.BLANK)
        expected = AF.merge_tokens(frames[0], scores[0].exp(), blank=CharVocab.BLANK)
        assert [(s.token, s.start, s.end) for s in forced_align(np.asarray(log_probs), ids)] \
            == [(s.token, s.start, s.end) for s in expected]
    assert forced_align(np.zeros((2, 5)), [3, 3]) == []  # a repeat needs a blank between


def test_beam_search_writes_what_torchaudios_decoder_writes(tmp_path):
    """The lexicon beam search runs on flashlight-text directly, built as torchaudio's
    ctc_decoder builds it: the same words on real recordings."""
    from torchaudio.models.decoder import ctc_decoder

    from voice.asr.beam import UNK
    from voice.asr.recognizer import Recognizer
    from voice.audio import load_audio

    recognizer = Recognizer.load(None, "beam", profile=None, kind=RecognizerKind.small)
    beam = recognizer.beam
    words = beam.words[:-1]
    (tmp_path / "lexicon.txt").write_text("".join(f"{w}\t{' '.join(w)} |\n" for w in words))
    (tmp_path / "words.txt").write_text("".join(f"{w}\n" for w in beam.words))
    reference = ctc_decoder(
        lexicon=str(tmp_path / "lexicon.txt"), lm=beam.adapter, lm_dict=str(tmp_path / "words.txt"),
        tokens=["<blank>", "|", *recognizer.vocab.symbols[2:]], beam_size=beam.config.beam_size,
        lm_weight=beam.config.lm_weight, word_score=beam.config.word_score,
        blank_token="<blank>", sil_token="|", unk_word=UNK)
    beam.adapter.memo.clear()
    for path in sorted(Path("assets/samples").glob("*.wav")):
        log_probs = torch.as_tensor(recognizer.log_probs(load_audio(path)))
        expected = " ".join(reference(log_probs[None].float().contiguous())[0][0].words)
        assert beam.decode(log_probs.numpy()) == expected != ""


@pytest.mark.parametrize("kind", ["encoder", "small"])
def test_the_shipped_graphs_recognise_as_the_trained_weights_do(kind):
    """The runtime's ONNX graphs (voice export) against the PyTorch model of the same folder
    on real recordings: the same text, log-probs within 1e-4, whole and streamed."""
    from voice.asr.stream import StreamConfig
    from voice.audio import load_audio
    from voice.models import find_model
    from voice.training.asr.enroll import trainable

    shipped = Recognizer.load(None, "beam", profile=None, kind=RecognizerKind(kind))
    trained = trainable(find_model(RecognizerKind(kind).folder))
    trained.beam = shipped.beam
    assert isinstance(trained.network, TorchAcoustic) and \
        not isinstance(shipped.network, TorchAcoustic)
    for path in sorted(Path("assets/samples").glob("*.wav")):
        audio = load_audio(path)
        ours, theirs = shipped.log_probs(audio), trained.log_probs(audio)
        assert np.abs(ours - theirs).max() < 1e-4
        assert shipped.recognize(audio).text == trained.recognize(audio).text
    if kind == "small":  # the streaming pass: windows with carried state
        config = StreamConfig(0.32, 0.64)
        streamed = [_streamed_log_probs(r, audio, config)[0] for r in (shipped, trained)]
        assert np.abs(streamed[0] - streamed[1]).max() < 1e-4


def test_ctc_score_is_torchs_ctc_loss_negated():
    """The command grammar's acoustic score sums every alignment as torch's CTC loss does,
    repeats (which need a blank between) and an empty text included."""
    rng = np.random.default_rng(0)
    for frames, ids in ((30, [3, 4, 4, 5]), (10, []), (3, [3, 3, 3]), (50, [5, 6, 7, 8, 9])):
        log_probs = torch.log_softmax(torch.from_numpy(
            rng.standard_normal((frames, 12)).astype(np.float32)), -1)
        loss = torch.nn.functional.ctc_loss(
            log_probs[:, None], torch.tensor(ids, dtype=torch.long).reshape(1, -1),
            torch.tensor([frames]), torch.tensor([len(ids)]), blank=0, reduction="sum")
        assert ctc_score(log_probs.numpy(), ids, blank=0) == pytest.approx(-float(loss),
                                                                           rel=1e-5)
