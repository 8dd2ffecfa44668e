"""Log-mel spectrograms in numpy, 25 ms Hann windows every 10 ms: LogMel, which the small
recogniser and the wake detector read (80 HTK mel bands from 0 to 8 kHz, power, log(x + 1e-6):
torchaudio's MelSpectrogram with these settings, tested), and whisper_log_mel, Whisper base's
input features (faster-whisper's, to the bit, tested)."""

from __future__ import annotations

from functools import cache

import numpy as np

from voice.audio import SAMPLE_RATE

N_MELS = 80
HOP_LENGTH = 160  # 10 ms
WIN_LENGTH = 400  # 25 ms
FLOOR = 1e-6  # log(FLOOR) is the log-mel of digital silence
SUBSAMPLING = 4  # log-mel frames per output frame of the recogniser (two stride-2 convolutions)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


@cache
def filterbank(n_mels: int) -> np.ndarray:
    """(WIN_LENGTH // 2 + 1, n_mels) triangular HTK mel filters, unnormalised."""
    freqs = np.linspace(0, SAMPLE_RATE // 2, WIN_LENGTH // 2 + 1)
    mels = np.linspace(0.0, _hz_to_mel(np.float64(SAMPLE_RATE / 2)), n_mels + 2)
    edges = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    widths = np.diff(edges)
    slopes = edges[None, :] - freqs[:, None]
    down, up = -slopes[:, :-2] / widths[:-1], slopes[:, 2:] / widths[1:]
    return np.maximum(0.0, np.minimum(down, up)).astype(np.float32)


@cache
def _window() -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN_LENGTH) / WIN_LENGTH)).astype(np.float32)


class LogMel:
    """Waveform (samples,) -> log-mel (frames, n_mels). Centred (the recogniser's: reflect
    padding at both ends) or not (the wake detector's: frame k covers samples [160 k,
    160 k + 400), so blocks and whole recordings agree)."""

    def __init__(self, n_mels: int = N_MELS, center: bool = True) -> None:
        self.n_mels, self.center = n_mels, center

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        audio = np.asarray(audio, dtype=np.float32)
        if self.center:
            if len(audio) <= WIN_LENGTH:  # reflect-padding needs more
                audio = np.pad(audio, (0, WIN_LENGTH + 1 - len(audio)))
            audio = np.pad(audio, WIN_LENGTH // 2, mode="reflect")
        elif len(audio) < WIN_LENGTH:
            return np.zeros((0, self.n_mels), np.float32)
        count = (len(audio) - WIN_LENGTH) // HOP_LENGTH + 1
        frames = np.lib.stride_tricks.sliding_window_view(audio, WIN_LENGTH)[::HOP_LENGTH][:count]
        power = np.abs(np.fft.rfft(frames * _window(), axis=-1)) ** 2
        return np.log(power.astype(np.float32) @ filterbank(self.n_mels) + FLOOR)

    @staticmethod
    def num_frames(num_samples: int) -> int:
        """Frames the centred STFT produces for a given number of samples."""
        return max(num_samples, WIN_LENGTH + 1) // HOP_LENGTH + 1


@cache
def _slaney_filterbank(n_mels: int = 80) -> np.ndarray:
    """(n_mels, WIN_LENGTH // 2 + 1) Slaney-scale mel filters with equal-area norm: Whisper's
    (librosa's defaults, as faster-whisper computes them)."""
    freqs = np.fft.rfftfreq(WIN_LENGTH, 1.0 / SAMPLE_RATE)
    mels = np.linspace(0.0, 45.245640471924965, n_mels + 2)  # 0 Hz .. 8 kHz in Slaney mels
    edges = 200.0 / 3 * mels  # linear below 1 kHz (15 mels), logarithmic above
    above = mels >= 15.0
    edges[above] = 1000.0 * np.exp(np.log(6.4) / 27.0 * (mels[above] - 15.0))
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    down, up = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(down, up))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def whisper_log_mel(audio: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """Whisper's input features (n_mels, samples // HOP_LENGTH): the centred STFT without its
    last frame, Slaney mels, log10, the top 8 decades kept, scaled to about [-1, 1]."""
    audio = np.pad(np.asarray(audio, dtype=np.float32), WIN_LENGTH // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(audio, WIN_LENGTH)[::HOP_LENGTH][:-1]
    spectrum = np.fft.rfft(frames * _window(), axis=-1).astype(np.complex64)
    mel = _slaney_filterbank(n_mels) @ (np.abs(spectrum) ** 2).T
    log_spec = np.log10(np.clip(mel, 1e-10, None))
    return (np.maximum(log_spec, log_spec.max() - 8.0) + 4.0) / 4.0
