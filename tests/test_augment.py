import torch

from voice.training.asr.augment import SILENCE, AugmentConfig, _mel_centres, augment


def test_narrow_channel_silences_the_bands_it_does_not_pass():
    torch.manual_seed(0)
    x = torch.randn(200, 80)
    plain = dict(warp=0, stretch=0, tilt=0, eq=0, gain=0, noise=0, babble=0, freq_masks=0,
                 time_masks=0)
    narrow = augment(x, AugmentConfig(**plain, bandlimit=1.0, cutoff_hz=(4000, 4000),
                                      highpass_hz=(300, 300)))
    centres = _mel_centres(80)
    passed = (centres > 400) & (centres < 3900)
    assert torch.allclose(narrow[:, passed], x[:, passed], atol=1e-3)
    for stop in (centres > 4600, centres < 190):  # 60 dB down, towards digital silence
        assert (narrow[:, stop] < x[:, stop] - 9).all() and (narrow[:, stop] < SILENCE + 5).all()
    assert torch.equal(augment(x, AugmentConfig(**plain)), x)  # off by default: unchanged
