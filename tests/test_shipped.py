"""The models in models/ do their job on held-out data (they are committed, so these always run)."""

import json
import shutil
from pathlib import Path

import pytest

from voice.audio import load_audio
from voice.choices import RecognizerKind
from voice.metrics import error_rates

from .conftest import needs

SAMPLES = Path("assets/samples")
# The shipped recogniser reads these three real recordings at 11.0 % CER greedy, 8.1 % with
# beam search (its card says so); the target, 15 %, is the floor for both.
CER_FLOOR = 15.0


@pytest.fixture(scope="module")
def recognizer():
    from voice.asr.recognizer import Recognizer

    return Recognizer.load(kind=RecognizerKind.small)


def _samples() -> list[tuple[Path, str]]:
    rows = (SAMPLES / "transcripts.tsv").read_text().splitlines()[1:]
    return [(SAMPLES / r.split("\t")[0], r.split("\t")[1]) for r in rows]


def test_recogniser_on_bundled_real_recordings(recognizer):
    """Real human speech (Asterisk dev prompts, never trained on)."""
    paths, references = zip(*_samples(), strict=True)
    hypotheses = [recognizer.recognize(load_audio(p)).text for p in paths]
    assert error_rates(list(references), hypotheses)["cer"] <= CER_FLOOR


def test_beam_search_reads_bundled_real_recordings_within_the_target(tmp_path):
    """Beam search through the shipped word LM, with the beam settings saved beside it;
    a caller may override them."""
    from voice.asr.beam import DECODE_FILE
    from voice.asr.recognizer import Recognizer
    from voice.models import find_model

    beam = Recognizer.load(decoder="beam", kind=RecognizerKind.small)
    paths, references = zip(*_samples(), strict=True)
    hypotheses = [beam.recognize(load_audio(p)).text for p in paths]
    assert error_rates(list(references), hypotheses)["cer"] <= CER_FLOOR
    shipped = beam.beam.config
    override = Recognizer.load(decoder="beam", decode={"lm_weight": 0.0},
                               kind=RecognizerKind.small).beam.config
    assert override.lm_weight == 0 != shipped.lm_weight
    assert (override.word_score, override.beam_size) == (shipped.word_score, shipped.beam_size)
    retuned = tmp_path / "asr-es"
    shutil.copytree(find_model("asr-es"), retuned)
    (retuned / DECODE_FILE).write_text(json.dumps({"decode": {"lm_weight": 0.9}}))
    assert Recognizer.load(retuned, decoder="beam").beam.config.lm_weight == 0.9


def test_streaming_agrees_with_whole_utterance(recognizer):
    """The issue's criterion, streaming within one WER point of whole-utterance decoding,
    either way (on these 30 words: the same number of word errors); in characters streaming
    may not read more than a point worse; and the two texts differ in few characters."""
    from voice.asr.stream import StreamConfig, StreamingRecognizer
    from voice.evaluation.asr import stream_transcribe

    streamer = StreamingRecognizer(recognizer, StreamConfig())
    paths, references = zip(*_samples(), strict=True)
    audio = [load_audio(p) for p in paths]
    whole = [recognizer.recognize(a).text for a in audio]
    streamed = [stream_transcribe(streamer, a) for a in audio]
    whole_rates, streamed_rates = (error_rates(list(references), t) for t in (whole, streamed))
    assert abs(streamed_rates["wer"] - whole_rates["wer"]) <= 1.0
    assert streamed_rates["cer"] - whole_rates["cer"] <= 1.0
    assert error_rates(whole, streamed)["cer"] <= 10.0, (whole, streamed)


def test_intent_parser_on_commands_no_template_wrote():
    from voice.intent.parser import IntentParser

    parser = IntentParser.load()
    # (text, intent, words that must land in some slot): "luz de la cocina" may be read as a
    # device name or as an area; either way "cocina" must be captured.
    cases = [("Enciende la luz de la cocina", "HassTurnOn", ["cocina"]),
             ("apaga la tele del salon", "HassTurnOff", ["tele", "salon"]),
             ("pon un temporizador de diez minutos", "HassStartTimer", ["diez"]),
             ("baja la persiana del dormitorio", "HassTurnOff", ["persiana", "dormitorio"])]
    for text, intent, words in cases:
        result = parser.parse(text)
        assert result.intent == intent, (text, result)
        captured = " ".join(result.slots.values())
        assert all(word in captured for word in words), (text, result)
    assert parser.parse("¿?").intent is None


# Asterisk dev prompts and Home Assistant commands from held-out templates (data/mt/dev.jsonl):
# the translator never trained on any of them.
HELD_OUT_PAIRS = [
    ("La conferencia comenzara cuando llegue el lider.",
     "The conference will begin when the leader arrives."),
    ("Para salir de la conferencia...", "To leave the conference..."),
    ("Al tono, por favor indique su nombre", "At the tone, please say your name."),
    ("Clave incorrecta. Por favor, ingrese su numero de agente seguido por la tecla de numero",
     "Login incorrect. Please enter your agent number followed by the pound key."),
    ("Presione uno para mandar este mensaje, o dos para agregar otro recipiente.",
     "press 1 to send this message, or 2 to add another recipient."),
    ("Lo siento, pero el buzon de esta persona no puede aceptar mas mensajes.",
     "sorry but the user's mail box can't accept more messages"),
    ("resta en 45 minutos a mi el temporizador", "take 45-minute from the timer"),
    ("incrementar el volumen en la televisión 43", "turn up the television volume by 43"),
]
# The shipped translator scores chrF 55 on these, Apertium 46 (issue 17: a floor the rule-based
# baseline does not reach); an untrained or broken translator scores under 20.
CHRF_FLOOR = 50.0


def test_translator_on_held_out_sentences():
    from voice.mt.apertium import apertium
    from voice.mt.scoring import bleu_chrf
    from voice.mt.translator import Translator

    translator = Translator.load()
    sources, references = zip(*HELD_OUT_PAIRS, strict=True)
    english = translator.translate(list(sources))
    assert bleu_chrf(english, list(references))["chrf"] >= CHRF_FLOOR, english
    assert bleu_chrf(apertium(list(sources)), list(references))["chrf"] < CHRF_FLOOR
    # numbers come through the placeholders unchanged, written as digits or as words
    assert "1" in english[4] and "2" in english[4]
    assert "45" in english[6] and "43" in english[7]
    assert translator.translate(["pon un temporizador de treinta y siete minutos"],
                                beam=1)[0].count("37") == 1


# The shipped translator scores chrF 59.0 on the 96 everyday dev sentences, Apertium 56.8 and
# the translator before issue 38 55.0 (its card): a floor the rule-based baseline does not reach.
EVERYDAY_CHRF_FLOOR = 58.0


@needs("apertium", "apertium-eng-spa")
def test_translator_on_everyday_sentences():
    from voice.data.mt import everyday_pairs
    from voice.mt.apertium import apertium
    from voice.mt.scoring import bleu_chrf
    from voice.mt.translator import Translator

    sources, references = zip(*[(es, en) for _, es, en, _ in everyday_pairs()], strict=True)
    english = Translator.load().translate(list(sources))
    assert bleu_chrf(english, list(references))["chrf"] >= EVERYDAY_CHRF_FLOOR
    assert bleu_chrf(apertium(list(sources)), list(references))["chrf"] < EVERYDAY_CHRF_FLOOR


@needs("/usr/share/scummvm/drascula/es/I17.ALS", "drascula-spanish")
def test_recogniser_reads_a_voice_it_never_trained_on():
    """Igor, one of Drascula's dev characters: no training set holds his voice. An 8.5 s line;
    the shipped model reads it at 24.7 % CER with beam search, the commands' default (issue
    16's floor: 25 %)."""
    from voice.asr.recognizer import Recognizer
    from voice.data import drascula

    recognizer = Recognizer.load(decoder="beam", kind=RecognizerKind.small)
    audio = drascula.read_clip(drascula.clip("es", "I17"))
    reference = drascula.spanish_text(drascula.lines("es")["I17"])
    assert error_rates([reference], [recognizer.recognize(audio).text])["cer"] <= 25.0
