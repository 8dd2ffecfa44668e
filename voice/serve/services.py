"""The services `voice serve wyoming` offers, their models loaded once at start."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from voice.app import Voice
from voice.errors import VoiceError
from voice.serve.wyoming import Service
from voice.tts import VOICES

log = logging.getLogger(__name__)


def load(voice: Voice) -> list[Service]:
    """asr (Spanish), tts (a voice per language), handle (Spanish commands on the home), wake
    ("oye Zafira", when its model is installed), from the Voice (its options: recogniser,
    decoder, enrolment, home, state). Without a speech engine the others are served alone,
    with a note."""
    from voice.serve.asr import Asr
    from voice.serve.handle import Handle
    from voice.serve.tts import Tts
    from voice.wake.detector import WakeDetector

    # one thread runs the models, a request at a time: torch already spreads one over the
    # cores, and the beam decoder is not known to be safe to share between threads
    models = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-models")
    offered: list[Service] = [Asr(voice.recognizer, models)]
    try:
        offered.append(Tts({language: voice.speaker(language) for language in VOICES}))
    except VoiceError as error:
        log.warning("voice: note: no text-to-speech (%s)", error)
    offered.append(Handle(voice.assistant(), models))
    if WakeDetector.available():
        from voice.serve.wake import Wake

        offered.append(Wake(WakeDetector.load(), voice.wake_check()))
    else:
        log.warning("voice: note: no wake model (`voice train wake`); wake is not offered")
    return offered
