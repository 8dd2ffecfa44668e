"""Text to speech over Wyoming: `synthesize` -> audio-start, audio-chunk..., audio-stop.

The voice is the one named, else the one of the language asked for, else Spanish (the
assistant's language); espeak-ng renders in its own process, so requests run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from wyoming.audio import AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Attribution, Info, TtsProgram, TtsVoice
from wyoming.tts import Synthesize, SynthesizeVoice

from voice import __version__
from voice.errors import VoiceError
from voice.serve.audio import speech_chunks
from voice.serve.wyoming import ATTRIBUTION, Receive, Send, Service, language_of, text_of
from voice.tts import Speaker

DEFAULT_LANGUAGE = "es"
ESPEAK = Attribution(name="eSpeak NG", url="https://github.com/espeak-ng/espeak-ng")


class Tts(Service):
    requests = frozenset({"synthesize"})

    def __init__(self, speakers: Mapping[str, Speaker]) -> None:
        self.speakers = dict(speakers)  # language -> Speaker

    def describe(self, info: Info) -> None:
        info.tts.append(TtsProgram(
            name="voice", attribution=ATTRIBUTION, installed=True, version=__version__,
            description="voice: Spanish and English speech (espeak-ng)",
            voices=[TtsVoice(name=speaker.voice, attribution=ESPEAK, installed=True,
                             description=f"espeak-ng {speaker.voice}", version=None,
                             languages=[language])
                    for language, speaker in self.speakers.items()]))

    def open(self, send: Send) -> Receive:
        async def receive(event: Event) -> None:
            await self.synthesize(event, send)

        return receive

    def speaker(self, voice: SynthesizeVoice | None) -> Speaker:
        if voice is not None and voice.name is not None:
            for speaker in self.speakers.values():
                if speaker.voice == voice.name:
                    return speaker
            raise VoiceError(f"no voice named {voice.name!r} (voices: "
                             f"{', '.join(s.voice for s in self.speakers.values())})")
        language = language_of(voice.language) if voice and voice.language else DEFAULT_LANGUAGE
        if language not in self.speakers:
            raise VoiceError(f"no voice for language {language!r} (languages: "
                             f"{', '.join(self.speakers)})")
        return self.speakers[language]

    async def synthesize(self, event: Event, send: Send) -> None:
        text = text_of(event, "synthesize")
        speaker = self.speaker(Synthesize.from_event(event).voice)
        speech = await asyncio.get_running_loop().run_in_executor(None, speaker.render, text)
        await send(AudioStart(rate=speech.rate, width=2, channels=1).event())
        for chunk in speech_chunks(speech):
            await send(chunk.event())
        await send(AudioStop().event())
