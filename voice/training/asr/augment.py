"""Feature-domain augmentation: new timbres, tempos, channels and noise at almost no cost.

The recogniser's main failure is voices it never heard. Besides more synthesizers in the data,
each training utterance gets a random vocal-tract length (frequency warp), tempo, spectral tilt
and equaliser curve, optional room reverberation, additive noise or a competing talker, and
SpecAugment masks. All of it works on log-mel frames, so two CPU cores spend their time on the
network, not on audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from voice.asr.frontend import Subsample
from voice.asr.mel import LogMel
from voice.audio import SAMPLE_RATE


@dataclass
class AugmentConfig:
    warp: float = 0.15  # frequency axis scaled by U(1 - warp, 1 + warp) (VTLP)
    stretch: float = 0.15  # time axis scaled by U(1 - stretch, 1 + stretch)
    tilt: float = 2.0  # spectral slope, natural-log units from lowest to highest bin
    eq: float = 1.0  # amplitude of a smooth random equaliser curve (log units)
    gain: float = 1.5  # level offset, log units
    noise: float = 0.4  # probability of white-ish noise
    babble: float = 0.25  # probability of a competing talker (another utterance)
    reverb: float = 0.0  # probability of a reverberant room (off unless a recipe asks)
    rt60: tuple[float, float] = (0.2, 0.8)  # seconds for the reverberant tail to fall 60 dB
    drr_db: tuple[float, float] = (0.0, 10.0)  # direct-to-reverberant energy ratio
    snr_db: tuple[float, float] = (5.0, 30.0)
    bandlimit: float = 0.0  # probability of a narrower channel (off unless a recipe asks)
    cutoff_hz: tuple[float, float] = (3400.0, 7000.0)  # its upper edge
    highpass_hz: tuple[float, float] = (50.0, 400.0)  # its lower edge (telephones cut ~300 Hz)
    freq_masks: int = 2
    freq_width: int = 12
    time_masks: int = 2
    time_width: int = 40


SILENCE = Subsample.PAD  # log-mel value of digital silence (see audio.LogMel)
_NOISE_SHAPE: torch.Tensor | None = None


def noise_shape() -> torch.Tensor:
    """Log-mel profile of white noise (wider filters collect more power), mean zero."""
    global _NOISE_SHAPE
    if _NOISE_SHAPE is None:
        generator = torch.Generator().manual_seed(0)
        noise = torch.randn(1, SAMPLE_RATE * 2, generator=generator) * 0.1
        profile = torch.from_numpy(LogMel()(noise[0].numpy())).mean(0)
        _NOISE_SHAPE = profile - profile.mean()
    return _NOISE_SHAPE


def _uniform(low: float, high: float) -> float:
    return low + (high - low) * torch.rand(()).item()


def _mix(x: torch.Tensor, other: torch.Tensor, snr_db: float) -> torch.Tensor:
    """Add `other` (log-mel) under x (log-mel) at a given power ratio."""
    gain = x.exp().mean().log() - other.exp().mean().log() - snr_db / 10 * 2.302585
    return torch.logaddexp(x, other + gain)


def _mel_centres(bins: int) -> torch.Tensor:
    """Centre frequency (Hz) of each mel bin of audio.LogMel (HTK scale, 0 to 8 kHz)."""
    top = 2595.0 * torch.log10(torch.tensor(1.0 + SAMPLE_RATE / 2 / 700.0))
    mels = torch.linspace(0.0, float(top), bins + 2)[1:-1]
    return 700.0 * (10 ** (mels / 2595.0) - 1.0)


def _bandlimit(x: torch.Tensor, low_hz: float, high_hz: float) -> torch.Tensor:
    """A channel that passes only low_hz..high_hz: bins outside fall steeply (60 dB within
    500 Hz above, 100 Hz below) towards digital silence, as after a codec or a low sample rate."""
    centres = _mel_centres(x.shape[1])
    above = ((centres - high_hz) / 500.0).clamp(0, 1)
    below = ((low_hz - centres) / 100.0).clamp(0, 1)
    attenuation = -13.816 * torch.maximum(above, below)  # natural log of -60 dB in power
    return torch.logaddexp(x + attenuation, torch.full_like(x, SILENCE))


def _reverberate(x: torch.Tensor, rt60: float, drr_db: float) -> torch.Tensor:
    """Add an exponentially decaying tail to each mel band's power: a room's late reverberation
    as it looks after the filterbank (10 ms frames), at the given direct-to-reverberant ratio."""
    lags = torch.arange(1, max(2, round(rt60 * 100)) + 1, dtype=torch.float32)
    tail = torch.exp(-6.908 * lags / (rt60 * 100))  # -60 dB at rt60
    tail = tail / tail.sum() * 10 ** (-drr_db / 10)
    power = x.exp().T[:, None]  # (bins, 1, frames)
    kernel = torch.cat([tail.flip(0), torch.zeros(1)])[None, None]  # causal: past frames only
    wet = F.conv1d(F.pad(power, (len(tail), 0)), kernel)[:, 0].T
    return torch.log(x.exp() + wet)


def augment(x: torch.Tensor, config: AugmentConfig, other: torch.Tensor | None = None
            ) -> torch.Tensor:
    """One utterance's log-mel frames (T, n_mels) -> a randomly altered copy."""
    frames, bins = x.shape
    if config.stretch:
        size = max(8, round(frames / _uniform(1 - config.stretch, 1 + config.stretch)))
        x = F.interpolate(x.T[None], size=size, mode="linear", align_corners=True)[0].T
    if config.warp:
        alpha = _uniform(1 - config.warp, 1 + config.warp)
        pos = (torch.arange(bins, dtype=torch.float32) * alpha).clamp(max=bins - 1)
        low = pos.floor().long()
        high = (low + 1).clamp(max=bins - 1)
        frac = pos - low
        x = x[:, low] * (1 - frac) + x[:, high] * frac
    axis = torch.linspace(-0.5, 0.5, bins)
    curve = _uniform(-config.tilt, config.tilt) * axis + _uniform(-config.gain, config.gain)
    for k in (1, 2, 3):
        curve = curve + config.eq / k * _uniform(-1, 1) * torch.cos(
            torch.pi * k * (axis + 0.5) + _uniform(0, torch.pi))
    x = x + curve
    if config.reverb and torch.rand(()) < config.reverb:  # off: no draw, same data as before
        x = _reverberate(x, _uniform(*config.rt60), _uniform(*config.drr_db))
    if config.bandlimit and torch.rand(()) < config.bandlimit:  # off: no draw, as before
        x = _bandlimit(x, _uniform(*config.highpass_hz), _uniform(*config.cutoff_hz))
    if other is not None and torch.rand(()) < config.babble:
        other = other.repeat((x.shape[0] // max(1, other.shape[0])) + 1, 1)[: x.shape[0]]
        x = _mix(x, other, _uniform(*config.snr_db))
    if torch.rand(()) < config.noise:
        noise = noise_shape() + torch.randn(x.shape[0], 1) * 0.3 + torch.randn(x.shape) * 0.5
        x = _mix(x, noise, _uniform(*config.snr_db))
    return mask(x, config)


def mask(x: torch.Tensor, config: AugmentConfig) -> torch.Tensor:
    """SpecAugment's masks: bands of bins and spans of frames set to the utterance's mean. All
    the encoder recogniser's frames get (their audio was augmented before the encoder)."""
    frames, bins = x.shape
    fill = x.mean()
    x = x.clone()
    for _ in range(config.freq_masks):
        width = int(torch.randint(0, config.freq_width + 1, ()))
        start = int(torch.randint(0, max(1, bins - width), ()))
        x[:, start:start + width] = fill
    for _ in range(config.time_masks):
        width = min(int(torch.randint(0, config.time_width + 1, ())), x.shape[0] // 5)
        start = int(torch.randint(0, max(1, x.shape[0] - width), ()))
        x[start:start + width] = fill
    return x
