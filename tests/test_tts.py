"""Speech out through pyttsx3 (tested through its espeak driver) and the engine choice."""

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import needs
from tests.test_cli import run
from voice.choices import SpeechEngine
from voice.errors import VoiceError


@needs("espeak-ng", "espeak-ng")  # pyttsx3's Linux driver is libespeak-ng, from the same package
def test_pyttsx3_renders_english_and_spanish_at_the_asked_rate():
    from voice.tts import Speaker

    english = Speaker("en", engine=SpeechEngine.pyttsx3).render("The conference will begin.")
    assert 1.0 < english.seconds < 5 and np.abs(english.samples).max() > 0.1
    slow = Speaker("es", rate=100, engine=SpeechEngine.pyttsx3).render("hola a todos")
    fast = Speaker("es", rate=300, engine=SpeechEngine.pyttsx3).render("hola a todos")
    assert slow.seconds > 1.5 * fast.seconds
    with pytest.raises(VoiceError, match="pyttsx3 has no voice"):
        Speaker(voice="klingon", engine=SpeechEngine.pyttsx3)


def test_pyttsx3_is_the_default_where_espeak_ng_is_missing(monkeypatch):
    import voice.tts

    monkeypatch.setattr(voice.tts.shutil, "which", lambda program: None)
    assert voice.tts.default_engine() is SpeechEngine.pyttsx3
    monkeypatch.setattr(voice.tts.shutil, "which", lambda program: f"/usr/bin/{program}")
    assert voice.tts.default_engine() is SpeechEngine.espeak_ng


@needs("espeak-ng", "espeak-ng")
def test_speak_with_pyttsx3_writes_a_wav_and_keeps_stdout_clean(tmp_path):
    result = run("speak", "Hello there", "--engine", "pyttsx3", "--out", str(tmp_path / "hi.wav"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # its driver's "Audio saved" line must not reach the JSON stream
    audio, rate = sf.read(tmp_path / "hi.wav")
    assert len(audio) > rate * 0.4
