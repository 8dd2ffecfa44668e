"""The translator's corpus readers on tiny fixtures, and the split guarantees of `build`."""

import json
import struct
import subprocess
import zipfile

import pytest

from tests.conftest import needs
from voice.data import (
    drascula,
    drascula_pairs,
    fillets,
    game_dialogue,
    ha_strings,
    libreoffice,
    mt,
)
from voice.data.backtranslate import back_translate
from voice.data.ui_strings import clean_pair
from voice.errors import MissingPackageError, VoiceError


def test_ui_strings_keep_matching_placeholders_and_drop_markup():
    assert clean_pair("_Guardar ~todo", "~Save _all") == ("Guardar todo", "Save all")
    filled = clean_pair("Encender {entity_name}", "Turn on {entity_name}")
    assert filled and filled[0].split()[-1] == filled[1].split()[-1] != "{entity_name}"
    assert clean_pair("Apagar {name}", "Turn off {entity_name}") is None
    assert clean_pair("Ver <b>esto</b>", "See <b>this</b>") is None
    assert clean_pair("{a} {b}", "{a} {b}") is None  # nothing but placeholders
    assert clean_pair("Hola " * 60, "Hello " * 60) is None
    assert clean_pair("OK", "OK") is None  # untranslated


def _wheel(path, tables):
    with zipfile.ZipFile(path, "w") as wheel:
        for (component, lang), tree in tables.items():
            name = f"homeassistant/components/{component}/translations/{lang}.json"
            wheel.writestr(name, json.dumps(tree))


def test_home_assistant_strings_align_by_key_path(tmp_path):
    path = tmp_path / "homeassistant-2024.1.0-py3-none-any.whl"
    _wheel(path, {
        ("light", "en"): {"state": {"on": "On", "off": "Off"}, "title": "Light",
                          "extra": "Only English here"},
        ("light", "es"): {"state": {"on": "Encendido", "off": "Apagado"}, "title": "Luz"},
        ("fan", "en"): {"error": {"x": "Failed to connect to {host}"}},
        ("fan", "es"): {"error": {"x": "No se pudo conectar a {servidor}"}},
        ("fan", "de"): {"error": {"x": "Verbindung fehlgeschlagen"}},
    })
    assert ha_strings.wheel(tmp_path) == path  # a cached wheel is used, pip is not run
    assert sorted(ha_strings.pairs(path)) == [
        ("light", "Apagado", "Off"), ("light", "Encendido", "On"), ("light", "Luz", "Light")]
    assert list(ha_strings.english_only(path)) == ["Only English here"]


def test_home_assistant_frontend_strings_align_by_key_path(tmp_path):
    path = tmp_path / "home_assistant_frontend-20250109.2-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for lang, text in (("en", "Add dashboard"), ("es", "Añadir panel")):
            tree = json.dumps({"ui": {"panel": {"add": text}}})
            wheel.writestr(f"hass_frontend/static/translations/config/{lang}-0a1b.json", tree)
            wheel.writestr(f"hass_frontend/static/translations/config/{lang}-0a1b.json.gz", "")
    assert ha_strings.wheel(tmp_path, "home-assistant-frontend") == path
    assert list(ha_strings.pairs(path)) == [("config", "Añadir panel", "Add dashboard")]


def test_home_assistant_wheel_download_failure_is_one_line(tmp_path, monkeypatch):
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: No matching distribution found\n")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(VoiceError, match="pip could not download the homeassistant wheel"):
        ha_strings.wheel(tmp_path / "cache")


def _mo(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (little-endian, no hash table) for the given msgid -> msgstr."""
    keys = sorted(messages)
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    n = len(keys)
    data_start = 28 + 16 * n
    blob, id_table, str_table = b"", [], []
    for table, items in ((id_table, ids), (str_table, strs)):
        for item in items:
            table.append((len(item), data_start + len(blob)))
            blob += item + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    tables = b"".join(struct.pack("<2I", *e) for e in id_table + str_table)
    return header + tables + blob


def test_libreoffice_catalogue_strips_context_accelerators_and_product(tmp_path):
    (tmp_path / "sw.mo").write_bytes(_mo({
        "": "Content-Type: text/plain; charset=UTF-8\n",
        "stock\x04_Save": "_Guardar",
        "STR_X\x04Restart %PRODUCTNAME now": "Reinicie %PRODUCTNAME ahora",
        "file\0files": "archivo\0archivos",
        "ISLEAPYEAR": "ESAÑOBISIESTO",
        "Replace $(ARG1)": "Reemplazar",
    }))
    assert libreoffice.read_mo((tmp_path / "sw.mo").read_bytes())["file"] == "archivo"
    assert sorted(libreoffice.pairs(tmp_path)) == [
        ("sw", "Guardar", "Save"), ("sw", "Reinicie LibreOffice ahora", "Restart LibreOffice now"),
        ("sw", "archivo", "file")]
    with pytest.raises(VoiceError, match="not a GNU .mo"):
        libreoffice.read_mo(b"not a catalogue at all")


def test_fillets_dialogues_align_by_id(tmp_path):
    level = tmp_path / "barrel"
    level.mkdir()
    (level / "dialogs_en.lua").write_text(
        'dialogId("bar-v-co", "font_big", "What are we supposed to do?")\n'
        'dialogId("bar-m-no", "font_small", "Well, \\"you\\" may be right.")\n'
        'dialogId("bar-x", nil, "Only in English.")\n')
    (level / "dialogs_es.lua").write_text(
        'dialogId("bar-v-co", "font_big", "What are we supposed to do?")\n'
        'dialogStr("¿Qué se supone que hagamos?")\n\n'
        'dialogId("bar-m-no", "font_small", "Well, \\"you\\" may be right.")\n'
        'dialogStr("Bueno, podrías   tener razón.")\n')
    assert sorted(fillets.pairs(tmp_path)) == [
        ("barrel", "Bueno, podrías tener razón.", 'Well, "you" may be right.'),
        ("barrel", "¿Qué se supone que hagamos?", "What are we supposed to do?")]


def test_drascula_pairs_are_sentence_case_without_the_reserved_clips(monkeypatch):
    tables = {"en": {"1": "HELLO, I'M JOHN. WHO ARE YOU?", "2": "NOT REALLY", "I3": "MASTER!",
                     "4": "RESERVED LINE"},
              "es": {"1": "HOLA, SOY JOHN. ¿QUIEN ERES?", "2": "Bueno, no, John Hacker",
                     "I3": "¡AMO!", "4": "LINEA RESERVADA"}}
    monkeypatch.setattr(drascula, "lines", tables.get)
    monkeypatch.setattr(drascula, "heldout_ids", lambda: {"4"})
    monkeypatch.setattr(drascula, "spanish_text", lambda raw: raw.lower().replace("quien", "quién"))
    assert sorted(drascula_pairs.pairs()) == [
        ("hacker", "Bueno, no, John Hacker", "Not really"),
        ("hacker", "Hola, soy John. ¿Quién eres?", "Hello, I'm John. Who are you?"),
        ("igor", "¡Amo!", "Master!")]
    assert drascula_pairs.reserved_lines() == ["linea reservada", "RESERVED LINE"]


def _fake_sources(monkeypatch):
    """Every reader of build() replaced by a few pairs; Apertium by a marked copy."""
    monkeypatch.setattr(mt, "reserved_texts", lambda: {"adios", "goodbye"})
    monkeypatch.setattr(mt, "asterisk_pairs", lambda: iter([
        ("train", "Gracias por llamar.", "Thank you for calling.", "asterisk"),
        ("dev", "Por favor espere.", "Please wait.", "asterisk"),
        ("train", "adiós", "Goodbye", "asterisk")]))  # the text of a reserved prompt
    monkeypatch.setattr(mt, "command_pairs", lambda *_: iter([
        ("train", "Por favor espere.", "Hold on, please.", "homeassistant"),  # a dev Spanish
        ("dev", "enciende la luz", "turn on the light", "homeassistant")]))
    monkeypatch.setattr(mt, "bible_pairs", lambda: iter([]))
    monkeypatch.setattr(mt, "glossary_pairs", lambda: iter([
        ("train", "lámpara", "lamp", "freedict"),
        ("train", "¿Qué hora es?", "What's the time?", "freedict")]))  # an everyday dev Spanish
    monkeypatch.setattr(ha_strings, "wheel", lambda cache, package: cache / f"{package}.whl")
    monkeypatch.setattr(ha_strings, "pairs", lambda wheel: iter(
        [("light", "Luz", "Light")] if wheel.stem == "homeassistant" else []))
    monkeypatch.setattr(ha_strings, "english_only", lambda wheel: iter(
        ["Only English"] if wheel.stem == "homeassistant" else []))
    monkeypatch.setattr(libreoffice, "pairs", lambda: iter([("sw", "Guardar", "Save")]))
    monkeypatch.setattr(fillets, "pairs", lambda: iter([
        ("barrel", "¿Qué hacemos?", "What now?"), ("wreck", "Mira eso.", "Look at that.")]))
    monkeypatch.setattr(drascula_pairs, "pairs", lambda: iter([
        ("hacker", "Hola", "Hi"), ("igor", "¡Amo!", "Master!"),
        ("hacker", "Por favor espere.", "Please wait.")]))  # the Asterisk dev pair again
    monkeypatch.setattr(game_dialogue, "pairs", lambda source: iter(
        [("¿Puedo comprar algo?", "Can I buy something?")] if source == "freedroid" else []))
    monkeypatch.setattr(mt, "english_commands", lambda *_: iter([("commands", "Goodbye")]))
    monkeypatch.setattr(mt, "back_translate", lambda english: [
        {"es": f"sintético {en}", "en": en, "source": f"bt-{name}", "bt": True}
        for name, en in english])


def _read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_build_keeps_dev_out_of_train_and_tags_back_translation(tmp_path, monkeypatch):
    _fake_sources(monkeypatch)
    counts = mt.build(tmp_path)
    train, dev = _read(tmp_path / "mt" / "train.jsonl"), _read(tmp_path / "mt" / "dev.jsonl")
    assert counts["mt-train"] == len(train) and counts["mt-dev"] == len(dev)
    assert {(r["source"], r["corpus"]) for r in dev} == {
        ("asterisk", "asterisk"), ("commands", "homeassistant"), ("conversation", "fillets"),
        ("conversation", "drascula"), ("everyday", "everyday")}
    dev_spanish = {mt.normalised(r["es"]) for r in dev}
    assert not [r for r in train if mt.normalised(r["es"]) in dev_spanish]
    real = [r for r in train if not r.get("bt")]
    assert {r["source"] for r in real} == {"asterisk", "freedict", "ha-strings", "libreoffice",
                                           "fillets", "drascula", "freedroid"}
    synthetic = [r for r in train if r.get("bt")]
    assert synthetic and all(r["source"].startswith("bt-") and r["es"].startswith("sintético")
                             for r in synthetic)
    assert {r["en"] for r in synthetic} == {"Thank you for calling.", "Light", "Save",
                                           "Look at that.", "Hi", "Only English"}
    # the reserved prompt's text is in no split, as Spanish or English, real or synthetic
    for row in train + dev:
        assert "adios" not in {mt.normalised(row["es"]), mt.normalised(row["en"])}
        assert mt.normalised(row["en"]) != "goodbye"


def test_build_without_back_translation(tmp_path, monkeypatch):
    _fake_sources(monkeypatch)
    mt.build(tmp_path, back_translation=False)
    assert not [r for r in _read(tmp_path / "mt" / "train.jsonl") if r.get("bt")]


def test_reserved_texts_are_the_prompts_outside_the_splits(monkeypatch):
    texts = {"es": {"a": "Hola", "b": "Espere", "c": "¡Adiós!"},
             "en": {"a": "Hello", "b": "Wait", "c": "Goodbye.", "d": "Only English"}}
    monkeypatch.setattr(mt.asterisk, "transcripts", texts.get)
    monkeypatch.setattr(mt.asterisk, "split_ids", {"train": ["a"], "dev": ["b"]}.get)
    monkeypatch.setattr(drascula_pairs, "reserved_lines", lambda: ["¡Socorro!", "Help!"])
    assert mt.reserved_texts() == {"adios", "goodbye", "only english", "socorro", "help"}


def test_back_translated_sources_lead_with_the_bt_tag(tmp_path):
    from voice.mt.tokenizer import BT
    from voice.training.mt.task import MtDataConfig, MtModelConfig, MtRecipe, MtTask
    from voice.training.trainer import TrainConfig

    rows = [{"es": f"la casa {c} es grande", "en": f"the {e} house is big", "source": "toy"}
            for c, e in (("roja", "red"), ("verde", "green"), ("azul", "blue"))]
    rows += [{**r, "source": "bt-toy", "bt": True} for r in rows]
    for name in ("train", "dev"):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = MtRecipe(MtDataConfig(str(tmp_path / "train.jsonl"), str(tmp_path / "dev.jsonl"),
                                   vocab_size=40),
                      MtModelConfig(dim=8, hidden=8), TrainConfig(run_dir=str(tmp_path / "run")))
    task = MtTask(recipe)
    tag = task.tokenizer.piece_id(BT)
    assert tag > 3  # a symbol of its own, not UNK
    assert [variants[0][0] == tag for variants, _ in task.train] == [False] * 3 + [True] * 3
    for (plain, _), (tagged, _) in zip(task.train[:3], task.train[3:], strict=True):
        assert tagged[0] == [tag, *plain[0]]


def test_a_source_left_out_by_the_recipe_is_not_in_its_tokenizer(tmp_path):
    """A source of weight 0 (the game dialogue in the shipped recipe) shapes nothing: not its
    pairs, not its subword pieces."""
    from voice.training.mt.task import MtDataConfig, MtModelConfig, MtRecipe, MtTask
    from voice.training.trainer import TrainConfig

    rows = [{"es": f"la casa {c} es grande", "en": f"the {e} house is big", "source": "toy"}
            for c, e in (("roja", "red"), ("verde", "green"), ("azul", "blue"))]
    rows += [{"es": "zombizombizombi zombizombizombi", "en": "zombiezombie zombiezombie",
              "source": "game"}] * 3
    for name in ("train", "dev"):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    def pieces(weight: float) -> set[str]:
        data = MtDataConfig(str(tmp_path / "train.jsonl"), str(tmp_path / "dev.jsonl"),
                            vocab_size=40, repeat={"game": weight})
        task = MtTask(MtRecipe(data, MtModelConfig(dim=8, hidden=8),
                               TrainConfig(run_dir=str(tmp_path / f"run{weight}"))))
        return {task.tokenizer.sp.id_to_piece(i) for i in range(task.tokenizer.sp.get_piece_size())}

    assert any("zombi" in piece for piece in pieces(1.0))
    assert not any("zombi" in piece for piece in pieces(0.0))


@needs("apertium", "apertium-eng-spa")
def test_back_translation_through_apertium():
    rows = back_translate([("fillets", "The house is big."), ("fillets", "Where is the door?")])
    assert [r["source"] for r in rows] == ["bt-fillets"] * 2 and all(r["bt"] for r in rows)
    assert "casa" in rows[0]["es"] and rows[1]["en"] == "Where is the door?"


@needs("apertium", "apertium-eng-spa")
def test_a_post_editing_task_reads_apertiums_draft_after_the_source(tmp_path):
    from voice.mt.tokenizer import EOS
    from voice.training.mt.task import MtDataConfig, MtModelConfig, MtRecipe, MtTask
    from voice.training.trainer import TrainConfig

    rows = [{"es": f"la casa {c} es grande", "en": f"The {e} house is not that big",
             "source": "toy"} for c, e in (("roja", "red"), ("verde", "green"), ("azul", "blue"))]
    for name in ("train", "dev"):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = MtRecipe(MtDataConfig(str(tmp_path / "train.jsonl"), str(tmp_path / "dev.jsonl"),
                                   vocab_size=60),
                      MtModelConfig(dim=8, hidden=8, draft=True),
                      TrainConfig(run_dir=str(tmp_path / "run")))
    task = MtTask(recipe)
    cache = json.loads((tmp_path / "train.drafts.json").read_text())
    assert cache["la casa roja es grande"].lower() == "the red house is big"  # Apertium's
    for (variants, _), row in zip(task.train, rows, strict=True):
        source, draft = task.tokenizer.decode([variants[0][: variants[0].index(EOS)],
                                               variants[0][variants[0].index(EOS) + 1: -1]])
        assert source == row["es"] and draft == cache[row["es"]]
        assert variants[0][-1] == EOS
    assert MtTask(recipe).train == task.train  # the second build reads the cache


@needs("apertium", "apertium-eng-spa")
def test_a_teacher_s_english_replaces_the_human_targets_but_not_the_back_translated(tmp_path):
    from voice.models import find_model
    from voice.mt.translator import Translator
    from voice.training.mt.task import MtDataConfig, MtModelConfig, MtRecipe, MtTask
    from voice.training.mt.teacher import cache_path
    from voice.training.trainer import TrainConfig

    spanish = ["la casa roja es grande", "apaga la luz de la cocina", "¿dónde está la puerta?"]
    rows = [{"es": es, "en": "Nothing like it.", "source": "toy"} for es in spanish]
    rows += [{"es": es, "en": "Human English.", "source": "bt-toy", "bt": True} for es in spanish]
    rows += [{"es": "una frase que nadie lee", "en": "Unread.", "source": "unused"}]
    for name in ("train", "dev"):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    teacher = find_model("mt-es-en")
    recipe = MtRecipe(MtDataConfig(str(tmp_path / "train.jsonl"), str(tmp_path / "dev.jsonl"),
                                   vocab_size=80, repeat={"unused": 0}, teacher=str(teacher)),
                      MtModelConfig(dim=8, hidden=8), TrainConfig(run_dir=str(tmp_path / "run")))
    task = MtTask(recipe)
    taught = json.loads(cache_path(tmp_path / "train.jsonl", teacher).read_text())
    assert taught == dict(zip(spanish, Translator.load(teacher).translate(spanish), strict=True))
    targets = task.tokenizer.decode([target for _, target in task.train])
    assert targets == [taught[es] for es in spanish] + ["Human English."] * 3
    assert MtTask(recipe).train == task.train  # the second build reads the cache


def test_everyday_sentences_are_a_dev_set_of_every_topic():
    """The translator's everyday dev set: written for the project, dev only, each topic the
    issue names, one Spanish sentence and its English per row."""
    pairs = list(mt.everyday_pairs())
    assert len(pairs) >= 90 and {split for split, *_ in pairs} == {"dev"}
    assert len({es for _, es, _, _ in pairs}) == len(pairs)
    assert all(es.strip() and en.strip() and es != en for _, es, en, _ in pairs)
    from importlib.resources import files

    rows = (files("voice.data") / "everyday.tsv").read_text(encoding="utf-8").splitlines()
    topics = {row.split("\t")[0] for row in rows[1:]}
    assert {"conversation", "directions", "health", "time", "family", "shopping"} <= topics


def test_game_dialogue_keeps_sentences_people_say(tmp_path):
    """From a game's catalogue only what reads as something said: 4-25 words ending in . ! ?,
    without markup; menus and item names are left out; a missing package is named."""
    (tmp_path / "game.mo").write_bytes(_mo({
        "": "Content-Type: text/plain; charset=UTF-8\n",
        "Can you give me something to eat then?": "¿Puedes darme algo de comer entonces?",
        "female^I'll carry the sword for you.": "female^Yo llevaré la espada por ti.",
        "Save game": "Guardar partida",
        "rock": "roca",
        "You have [b]10[/b] bullets left, friend.": "Te quedan [b]10[/b] balas, amigo.",
        "Not translated yet, sorry about that.": "",
    }))
    assert sorted(game_dialogue.pairs("freedroid", tmp_path / "game.mo")) == [
        ("Yo llevaré la espada por ti.", "I'll carry the sword for you."),
        ("¿Puedes darme algo de comer entonces?", "Can you give me something to eat then?")]
    with pytest.raises(MissingPackageError, match="cataclysm-dda-data"):
        list(game_dialogue.pairs("cataclysm", tmp_path / "absent.mo"))
