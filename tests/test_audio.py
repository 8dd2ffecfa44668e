import subprocess

import numpy as np
import pytest
import soundfile as sf
import torch

from voice.asr.mel import LogMel
from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.errors import VoiceInputError

from .conftest import needs


def _dominant_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.argmax(spectrum) * SAMPLE_RATE / len(audio))


def test_stereo_44k_becomes_16k_mono(tmp_path, tone):
    t = np.arange(44_100 * 2) / 44_100
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([left, left], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo, 44_100)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 2 * SAMPLE_RATE) <= 2
    assert abs(_dominant_hz(audio) - 440) < 2


@pytest.mark.parametrize("fmt", ["FLAC", "OGG"])
def test_reads_other_containers(tmp_path, tone, fmt):
    path = tmp_path / f"tone.{fmt.lower()}"
    sf.write(path, tone, 22_050, format=fmt)
    audio = load_audio(path)
    assert abs(len(audio) - len(tone) * SAMPLE_RATE // 22_050) <= 2


@needs("ffmpeg", "ffmpeg")
def test_reads_mp3(tmp_path, tone):
    wav, mp3 = tmp_path / "t.wav", tmp_path / "t.mp3"
    save_wav(wav, tone)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(wav), str(mp3)], check=True)
    audio = load_audio(mp3)
    assert 0.9 * SAMPLE_RATE < len(audio) < 1.2 * SAMPLE_RATE
    assert abs(_dominant_hz(audio) - 440) < 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.wav", b"", "empty file"),
        ("notes.wav", b"hola, esto es texto y no audio\n" * 20, "not a readable audio file"),
        (
            "corrupt.wav",
            b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8,
            "not a readable audio file",
        ),
    ],
)
def test_bad_files_name_the_file_and_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(VoiceInputError) as error:
        load_audio(path)
    assert str(path) in str(error.value) and reason in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(VoiceInputError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(VoiceInputError, match="directory"):
        load_audio(tmp_path)


def test_header_only_wav_has_no_samples(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(VoiceInputError, match="no audio samples"):
        load_audio(path)


def test_absurdly_long_input_is_refused_before_decoding(tmp_path, tone):
    path = tmp_path / "long.wav"
    save_wav(path, np.tile(tone, 5))
    with pytest.raises(VoiceInputError, match="limit is 3 s"):
        load_audio(path, max_seconds=3)


def test_save_wav_round_trip_is_atomic(tmp_path, tone):
    path = tmp_path / "out.wav"
    save_wav(path, tone)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]
    assert np.allclose(load_audio(path), tone, atol=1e-3)


def test_logmel_shape_and_tone_energy(tone):
    features = LogMel()(tone)
    assert features.shape == (LogMel.num_frames(len(tone)), 80)
    band = features.mean(0)
    # 440 Hz sits in the low mel bins: they carry more energy than the top ones
    assert band[:20].max() > band[-20:].max() + 5


@pytest.mark.parametrize("center", [True, False])
def test_logmel_is_torchaudios_mel_spectrogram(center):
    """The numpy log-mel against torchaudio's MelSpectrogram with the same settings, on a real
    recording and on clips at the window's edge."""
    import torchaudio

    from voice.asr.mel import HOP_LENGTH, WIN_LENGTH

    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=SAMPLE_RATE, n_fft=WIN_LENGTH, win_length=WIN_LENGTH, hop_length=HOP_LENGTH,
        n_mels=80, power=2.0, center=center)
    clips = [load_audio("assets/samples/conf-waitforleader.wav")] + [
        np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
        for n in (401, 1000)]
    for audio in clips:
        expected = torch.log(mel(torch.from_numpy(audio)) + 1e-6).T.numpy()
        assert np.abs(LogMel(center=center)(audio) - expected).max() < 2e-3
