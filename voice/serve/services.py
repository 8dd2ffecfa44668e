"""The services `voice serve wyoming` offers, their models loaded once at start."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from voice.asr import profiles
from voice.errors import VoiceError
from voice.serve.wyoming import Service
from voice.tts import VOICES, Speaker

log = logging.getLogger(__name__)


def load(home: Path | None = None, state: Path | None = None, decoder: str | None = None,
         profile: str | None = profiles.DEFAULT) -> list[Service]:
    """asr (Spanish), tts (a voice per language), handle (Spanish commands on the home), wake
    ("oye Zafira", when its model is installed);
    decoder None: the recogniser's best (beam with the word LM when the model has it); profile:
    the speaker's enrolment, the default one when it exists. Without a speech engine the
    others are served alone, with a note."""
    from voice.asr.recognizer import Recognizer
    from voice.live import make_assistant
    from voice.serve.asr import Asr
    from voice.serve.handle import Handle
    from voice.serve.tts import Tts
    from voice.wake.detector import WakeDetector

    # one thread runs the models, a request at a time: torch already spreads one over the
    # cores, and the beam decoder is not known to be safe to share between threads
    models = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice-models")
    offered: list[Service] = [Asr(Recognizer.load(None, decoder, profile=profile), models)]
    try:
        offered.append(Tts({language: Speaker(language) for language in VOICES}))
    except VoiceError as error:
        log.warning("voice: note: no text-to-speech (%s)", error)
    offered.append(Handle(make_assistant(home, state), models))
    if WakeDetector.available():
        from voice.serve.wake import Wake

        offered.append(Wake(WakeDetector.load()))
    else:
        log.warning("voice: note: no wake model (`voice train wake`); wake is not offered")
    return offered
