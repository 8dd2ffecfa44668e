"""Spanish speech -> text with word times, using the shipped (or any exported) recogniser."""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from voice.asr import profiles
from voice.asr.beam import DECODE_FILE, BeamConfig, BeamDecoder
from voice.asr.decode import forced_align, greedy
from voice.asr.encoder import BLOCKS
from voice.asr.lm import LM_FILE, WordLM
from voice.asr.mel import HOP_LENGTH, N_MELS, SUBSAMPLING, LogMel
from voice.asr.network import FRAMES, WINDOW, Acoustic, OnnxAcoustic
from voice.asr.network import log_probs as network_log_probs
from voice.audio import SAMPLE_RATE
from voice.choices import RecognizerKind
from voice.errors import VoiceError
from voice.models import find_model, model_config
from voice.text import CharVocab

log = logging.getLogger(__name__)
FRAME_SECONDS = SUBSAMPLING * HOP_LENGTH / SAMPLE_RATE  # 40 ms per output frame, both front ends


@dataclass
class Word:
    word: str
    start: float
    end: float


@dataclass
class Transcript:
    text: str
    words: list[Word] = field(default_factory=list)
    seconds: float = 0.0  # audio duration
    rtf: float = 0.0  # processing time / audio duration

    def to_dict(self) -> dict:
        return asdict(self)


class EncoderFeatures:
    """Waveform (samples,) -> Whisper base's encoder frames (frames, 512), as LogMel is called:
    the encoder recogniser's front end."""

    def __init__(self, threads: int = 0, blocks: int = BLOCKS) -> None:
        from voice.asr.encoder import WhisperEncoder

        self.encoder = WhisperEncoder(threads, blocks=blocks)

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        return self.encoder(np.asarray(audio, dtype=np.float32))


def features_for(config: dict) -> LogMel | EncoderFeatures:
    """The front end a model (its [model] settings) was trained on."""
    if config.get("features") == "whisper":  # the blocks below those the model tuned
        return EncoderFeatures(blocks=BLOCKS - config.get("tune_blocks", 0))
    return LogMel(config.get("n_mels", N_MELS))


def acoustic(path: Path, config: dict, profile: Path | None) -> Acoustic:
    """The network of the model folder path, with a profile's adaptation: the ONNX graphs of
    the profile (or of the model) on onnxruntime; a folder or profile without them (an
    experiment that does not export, a profile from before enrolment exported) runs the
    PyTorch weights."""
    where = profile if profile is not None else path
    if profile is not None:
        profiles.check_profile(profile, path)
    if (where / FRAMES).is_file() and (where / WINDOW).is_file():
        return OnnxAcoustic(where, config)
    if importlib.util.find_spec("torch") is None:
        raise VoiceError(f"{where} has no ONNX graphs ({FRAMES}, {WINDOW}): run `voice "
                         f"export {path}` (or `voice enroll` again) where the train extra is "
                         "installed")
    from voice.asr.model import TorchAcoustic, load_recognizer

    model = load_recognizer(path)
    if profile is not None:
        profiles.apply_profile(model, profile, path)
    return TorchAcoustic(model)


class Recognizer:
    """recognize(audio) -> Transcript; one instance is reused for every file."""

    def __init__(self, network: Acoustic, vocab: CharVocab,
                 beam: BeamDecoder | None = None,
                 features: LogMel | EncoderFeatures | None = None) -> None:
        self.network = network
        self.vocab = vocab
        self.beam = beam
        self.features = features or features_for(network.config)
        self.first_pass: Recognizer | None = None  # the encoder recogniser's streaming pass
        self.profile: str | None = None  # the enrolment the first pass looks for too

    def streaming_pass(self) -> Recognizer:
        """The recogniser that streams partial text: this one, or for the encoder recogniser
        (which reads whole utterances) the small log-mel one, loaded at first use."""
        if self.kind is RecognizerKind.small:
            return self
        if self.first_pass is None:
            self.first_pass = Recognizer.load(None, "greedy", profile=self.profile,
                                              kind=RecognizerKind.small)
        return self.first_pass

    @property
    def kind(self) -> RecognizerKind:
        return (RecognizerKind.encoder if self.network.config.get("features") == "whisper"
                else RecognizerKind.small)

    @classmethod
    def load(cls, path: str | Path | None = None, decoder: str | None = "greedy",
             bias_names: list[str] | None = None,
             decode: dict[str, float] | None = None,
             profile: str | None = profiles.DEFAULT,
             kind: RecognizerKind = RecognizerKind.encoder) -> Recognizer:
        """decoder: greedy (fastest), beam (lexicon + word LM + name biasing) or None: beam
        when the model folder has its LM (the better setting: 17 WER points on the real
        speaker), else greedy with a note; decode overrides the model's beam settings
        (BeamConfig fields); profile: a speaker's enrolment (voice.asr.profiles) applied over
        the weights, the default one when it exists, None for the model as shipped; kind:
        which shipped recogniser when no path is given."""
        path = Path(path or find_model(kind.folder))
        if decoder is None:
            decoder = "beam" if (path / LM_FILE).exists() else "greedy"
            if decoder == "greedy":
                log.warning("voice: note: %s has no %s; recognising with greedy decoding",
                            path, LM_FILE)
        config = model_config(path)
        features = features_for(config["model"])  # first: a missing encoder is one line, early
        network = acoustic(path, config["model"], profiles.resolve(profile, path))
        vocab = CharVocab(config["vocab"])
        beam = None
        if decoder == "beam":
            if not (path / LM_FILE).exists():
                raise VoiceError(f"no language model at {path / LM_FILE}: run "
                                 "`voice train lm --recipe recipes/asr-es.toml`")
            settings = path / DECODE_FILE  # absent in folders exported before it: config.json
            saved = json.loads(settings.read_text()) if settings.is_file() else config
            beam = BeamDecoder(vocab, WordLM.load(path / LM_FILE),
                               BeamConfig(**{**saved.get("decode", {}), **(decode or {})}),
                               bias_names)
        recognizer = cls(network, vocab, beam, features)
        recognizer.profile = profile
        return recognizer

    def greedy(self, log_probs: np.ndarray) -> str:
        """(T, V) log-probabilities -> best-path text (fast: streaming partials use it)."""
        return greedy(log_probs[None], np.array([len(log_probs)]), self.vocab)[0]

    def decode(self, log_probs: np.ndarray) -> str:
        """(T, V) log-probabilities -> text, with the beam decoder when one is loaded."""
        return self.beam.decode(log_probs) if self.beam is not None else self.greedy(log_probs)

    def log_probs(self, audio: np.ndarray) -> np.ndarray:
        """(T', V) frame log-probabilities of one utterance."""
        return network_log_probs(self.network, self.features(audio))

    def recognize(self, audio: np.ndarray) -> Transcript:
        start = time.perf_counter()
        log_probs = self.log_probs(audio)
        text = self.decode(log_probs)
        seconds = len(audio) / SAMPLE_RATE
        words = self.align(log_probs, text)
        rtf = (time.perf_counter() - start) / max(seconds, 1e-9)
        return Transcript(text, words, round(seconds, 3), round(rtf, 4))

    def align(self, log_probs: np.ndarray, text: str) -> list[Word]:
        """Word start/end times by CTC forced alignment of the text to the frames."""
        ids = self.vocab.encode(text)
        if not ids or len(ids) > len(log_probs):
            return []
        spans = forced_align(log_probs, ids)
        space = self.vocab.index[" "]
        words, current = [], []
        for span in [*spans, None]:
            if span is None or span.token == space:
                if current:
                    words.append(Word(self.vocab.decode([s.token for s in current]),
                                      round(current[0].start * FRAME_SECONDS, 2),
                                      round(current[-1].end * FRAME_SECONDS, 2)))
                current = []
            else:
                current.append(span)
        return words
