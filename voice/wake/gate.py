"""The assistant's wake gate: the live pipeline hears only what follows the wake phrase."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from voice.wake.check import RecentAudio

if TYPE_CHECKING:
    import threading

    import numpy as np

    from voice.pipeline import Microphone, Replay, Utterance
    from voice.wake.detector import WakeDetector


class WakeGate:
    """The assistant hears only what follows its wake phrase, as Alexa or Home Assistant do:
    until the detector fires, the pipeline gets silence (the recogniser does no work and the
    phrase itself is never transcribed); from the detecting step on it hears the audio, for
    `listen` seconds or until the utterance it heard has been answered. The detector runs on
    the source's thread: about 3 ms per 100 ms block. With a check (voice.wake.check), a
    detection counts only when the check finds the phrase in the last seconds heard."""

    def __init__(self, detector: WakeDetector, on_wake: Callable[[float], None] | None = None,
                 listen: float = 8.0,
                 check: Callable[[np.ndarray], bool] | None = None) -> None:
        self.detector, self.listen, self.check = detector, listen, check
        self.recent = RecentAudio()  # what the check reads
        self.on_wake = on_wake or (lambda time: None)
        self.time = 0.0  # stream seconds seen
        self.open_until = -1.0
        self.woke_at = -1.0  # stream time of the last wake phrase

    def filter(self, block: np.ndarray) -> np.ndarray:
        """The block as the pipeline should hear it."""
        import numpy as np

        from voice.audio import SAMPLE_RATE

        start = self.time
        self.time += len(block) / SAMPLE_RATE
        was_open = start < self.open_until
        if self.check is not None:
            self.recent.add(block)
        if self.detector.feed(block) and (self.check is None
                                          or self.check(self.recent.audio())):
            heard = self.detector.heard_at
            self.woke_at, self.open_until = heard, heard + self.listen
            self.on_wake(heard)
            if not was_open:
                block = block.copy()
                block[: max(0, round((heard - start) * SAMPLE_RATE))] = 0.0
            return block
        return block if was_open else np.zeros_like(block)

    def close(self, answered_end: float) -> None:
        """Back to waiting for the phrase once the utterance that ended at answered_end (stream
        seconds) is answered, unless the phrase came again after it (a new command)."""
        if self.woke_at <= answered_end:
            self.open_until = -1.0

    def source(self, inner: Microphone | Replay) -> GatedSource:
        """inner, heard through the gate."""
        return GatedSource(inner, self)

    def answering(self, respond: Callable[[Utterance], str | None]
                  ) -> Callable[[Utterance], str | None]:
        """respond, after which the gate closes."""
        def answer(utterance: Utterance) -> str | None:
            try:
                return respond(utterance)
            finally:
                self.close(utterance.end)

        return answer


class GatedSource:
    """A source whose blocks pass through a wake gate on their way to the pipeline."""

    def __init__(self, inner: Microphone | Replay, gate: WakeGate) -> None:
        self.inner, self.gate = inner, gate

    def run(self, offer: Callable[[np.ndarray], None], stop: threading.Event,
            block: int) -> None:
        self.inner.run(lambda samples: offer(self.gate.filter(samples)), stop, block)
