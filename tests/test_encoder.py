"""The encoder recogniser: Whisper base's frozen encoder under the BiLSTM-CTC, its frame
cache, its two-pass streaming, and a missing encoder package."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import run
from voice.asr.encoder import DIM, HOP, WINDOW, WhisperEncoder, frames
from voice.asr.mel import whisper_log_mel
from voice.audio import SAMPLE_RATE, load_audio
from voice.choices import RecognizerKind
from voice.metrics import error_rates

from .conftest import needs

SAMPLES = Path("assets/samples")
DRASCULA = "/usr/share/scummvm/drascula/es"
# CER of the shipped encoder recogniser (beam + LM) on Drascula's dev characters, voices it
# never trained on: 16.9 % on the 71 lines this test reads (16.4 % on the 69 of `voice eval
# asr`, its card); a point above, for other CPUs' int8 arithmetic. The issue's target, 15 %,
# is not met.
UNSEEN_CER_FLOOR = 17.9


@pytest.fixture(scope="module")
def encoder() -> WhisperEncoder:
    return WhisperEncoder(threads=1)


@pytest.fixture(scope="module")
def recognizer():
    from voice.asr.recognizer import Recognizer

    return Recognizer.load(None, None, profile=None, kind=RecognizerKind.encoder)


def test_the_encoder_runs_on_the_utterance_own_length(encoder):
    """One 512-wide frame per 20 ms, in 30 s pieces past 30 s, at least one for a click."""
    rng = np.random.default_rng(0)
    for samples in (0, 100, 2 * HOP + 1, SAMPLE_RATE, WINDOW, WINDOW + 5 * HOP):
        out = encoder(rng.standard_normal(samples).astype(np.float32) * 0.01)
        assert out.shape == (frames(samples), DIM) and np.isfinite(out).all()
    assert frames(SAMPLE_RATE) == 50


def test_the_pytorch_port_matches_ctranslate2(encoder):
    """The port (every block's output, trainable top blocks) computes what CTranslate2 does:
    the same last layer as its float run, and within int8's rounding of the shipped run."""
    import torch

    from voice.asr.encoder import model_folder
    from voice.asr.whisper_encoder import AudioEncoder, read_ctranslate2

    port = AudioEncoder.from_weights(read_ctranslate2(model_folder() / "model.bin"))
    audio = load_audio(SAMPLES / "vm-nobodyavail.wav")
    mel = whisper_log_mel(audio)
    mel = mel[:, :mel.shape[1] // 2 * 2]
    with torch.no_grad():
        ours = port(torch.from_numpy(mel[None]).float())[0].numpy()
    float32 = WhisperEncoder(threads=1, compute_type="float32")(audio)

    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.mean(np.sum(a * b, 1) / np.linalg.norm(a, axis=1)
                             / np.linalg.norm(b, axis=1)))

    assert ours.shape == float32.shape == encoder(audio).shape
    assert cosine(ours, float32) > 0.9999
    assert cosine(ours, encoder(audio)) > 0.99


def test_tuned_top_blocks_start_as_whisper_and_ignore_padding():
    """A recogniser that trains the top blocks reads the cached output of the blocks below:
    with Whisper's weights its top gives the encoder's last layer, padded in a batch or not."""
    import torch

    from voice.asr.encoder import BLOCKS, model_folder
    from voice.asr.whisper_encoder import AudioEncoder, Top, read_ctranslate2

    weights = read_ctranslate2(model_folder() / "model.bin")
    port, below_top = AudioEncoder.from_weights(weights), AudioEncoder.from_weights(weights, 4)
    top = Top(BLOCKS - 4).load(weights).eval()
    rng = np.random.default_rng(0)
    mels = [torch.from_numpy(rng.standard_normal((1, 80, 2 * n)).astype(np.float32))
            for n in (40, 25)]
    with torch.no_grad():
        below = [below_top(m)[0] for m in mels]
        whole = [port(m)[0] for m in mels]
        batch = torch.nn.utils.rnn.pad_sequence(below, batch_first=True)
        out = top(batch, torch.tensor([40, 25]))
    for n, (length, expected) in enumerate(zip((40, 25), whole, strict=True)):
        assert torch.allclose(out[n, :length], expected, atol=1e-4)


def test_frame_cache_is_rebuilt_when_the_front_end_changes(tmp_path, monkeypatch):
    """A cache made with other front-end settings is never reused."""
    import soundfile as sf

    from voice.training.asr import features

    sf.write(tmp_path / "a.wav", load_audio(SAMPLES / "vm-nobodyavail.wav"), SAMPLE_RATE)
    manifest = tmp_path / "set.jsonl"
    manifest.write_text(json.dumps({"audio": "a.wav", "text": "hola"}) + "\n")
    first = features.FeatureSet.load(manifest, jobs=1, kind="whisper")
    assert first.features.shape[1] == DIM
    built = (tmp_path / "set.whisper.json").stat().st_mtime_ns
    features.FeatureSet.load(manifest, jobs=1, kind="whisper")
    assert (tmp_path / "set.whisper.json").stat().st_mtime_ns == built  # fresh: kept
    changed = {**features.settings("whisper"), "layer": "another"}
    monkeypatch.setattr(features, "settings", lambda kind, blocks=6, pad=0.0: changed)
    features.FeatureSet.load(manifest, jobs=1, kind="whisper")
    meta = json.loads((tmp_path / "set.whisper.json").read_text())
    assert meta["frontend"] == changed  # rebuilt with the new settings


def test_padded_training_frames_hold_the_clip_between_fixed_silences(tmp_path):
    """[data] pad_silence: each clip gets its own silent margins, the same at every rebuild,
    in a cache of its own beside the unpadded one."""
    import soundfile as sf

    from voice.training.asr import features

    audio = load_audio(SAMPLES / "vm-nobodyavail.wav")
    sf.write(tmp_path / "a.wav", audio, SAMPLE_RATE)
    manifest = tmp_path / "set.jsonl"
    manifest.write_text(json.dumps({"audio": "a.wav", "text": "hola"}) + "\n")
    lead, trail = features.padding(str(tmp_path / "a.wav"), 0.8)
    assert (lead, trail) == features.padding(str(tmp_path / "a.wav"), 0.8)
    assert 0 <= lead <= 0.8 * SAMPLE_RATE and 0 <= trail <= 0.8 * SAMPLE_RATE
    assert features.padding("other.wav", 0.8) != (lead, trail)
    padded = features.FeatureSet.load(manifest, jobs=1, kind="whisper", pad=0.8)
    plain = features.FeatureSet.load(manifest, jobs=1, kind="whisper")
    assert len(padded.features) == frames(len(audio) + lead + trail)
    assert len(plain.features) == frames(len(audio))
    assert (tmp_path / "set.whisper-pad0.8.npy").is_file()


def test_two_pass_streaming_final_equals_whole_utterance_decoding(recognizer):
    """The small model streams the partials; the final text is the encoder recogniser's on
    the whole utterance."""
    from voice.asr.stream import StreamingRecognizer
    from voice.evaluation.asr import stream_transcribe

    streamer = StreamingRecognizer(recognizer)
    assert streamer.recognizer.kind is RecognizerKind.small
    for path in sorted(SAMPLES.glob("[cv]*.wav")):
        audio = load_audio(path)
        partials = []
        step = SAMPLE_RATE // 10
        for start in range(0, len(audio), step):
            if (text := streamer.feed(audio[start:start + step])) is not None:
                partials.append(text)
        final = streamer.finish()
        assert partials, "no partial text while speaking"
        assert final.text == recognizer.recognize(audio).text
        assert stream_transcribe(streamer, audio) == final.text


def test_the_encoder_recogniser_reads_the_bundled_recordings(recognizer):
    rows = (SAMPLES / "transcripts.tsv").read_text().splitlines()[1:]
    pairs = [(SAMPLES / r.split("\t")[0], r.split("\t")[1]) for r in rows]
    hypotheses = [recognizer.recognize(load_audio(p)).text for p, _ in pairs]
    assert error_rates([t for _, t in pairs], hypotheses)["cer"] <= 10.0


@needs(DRASCULA, "drascula-spanish")
@pytest.mark.slow
def test_the_encoder_recogniser_reads_voices_it_never_trained_on(recognizer):
    """Drascula's dev characters (Igor, E, the pianist): no line of theirs is in training."""
    from voice.data import drascula

    lines = [line for line in drascula.spoken_lines("es")
             if line.speaker in drascula.DEV_SPEAKERS]
    audio = [drascula.read_clip(drascula.clip("es", line.clip_id)) for line in lines]
    kept = [(a, line.text) for a, line in zip(audio, lines, strict=True)
            if 4.0 <= len(line.text.replace(" ", "")) / (len(a) / SAMPLE_RATE) <= 25.0]
    assert len(kept) >= 60
    hypotheses = [recognizer.recognize(a).text for a, _ in kept]
    assert error_rates([t for _, t in kept], hypotheses)["cer"] <= UNSEEN_CER_FLOOR


def test_a_missing_encoder_package_is_one_line_naming_it(tmp_path):
    blocked = tmp_path / "blocked" / "ctranslate2"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not installed')\n")
    result = run("transcribe", str(SAMPLES / "vm-nobodyavail.wav"),
                 env={"PYTHONPATH": str(blocked.parent)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "ctranslate2" in line and "--recognizer small" in line
    small = run("transcribe", str(SAMPLES / "vm-nobodyavail.wav"), "--recognizer", "small",
                env={"PYTHONPATH": str(blocked.parent)})
    assert small.returncode == 0 and small.stdout.strip()


def test_whisper_log_mel_is_faster_whispers():
    """The encoder's features are computed without faster-whisper (and the 170 MB it brings):
    the same values as its FeatureExtractor on a real recording and on a short clip."""
    from faster_whisper.feature_extractor import FeatureExtractor

    extract = FeatureExtractor()
    for audio in (load_audio("assets/samples/conf-waitforleader.wav"),
                  np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.1):
        assert np.allclose(whisper_log_mel(audio), extract(audio, padding=0), atol=1e-6)
