import json
import subprocess
import sys
from pathlib import Path

import pytest

from voice.audio import save_wav
from voice.config import load_recipe
from voice.data.importers import import_common_voice, import_list
from voice.errors import VoiceInputError
from voice.manifest import read_jsonl
from voice.training.asr.features import FeatureSet

from .conftest import needs


@pytest.fixture
def cv_folder(tmp_path, tone):
    """A Common Voice-shaped folder: clips/*.mp3 and train/dev TSVs with the real columns."""
    folder = tmp_path / "cv-corpus-1.0" / "es"
    (folder / "clips").mkdir(parents=True)
    header = "client_id\tpath\tsentence_id\tsentence\tsentence_domain\tup_votes\tdown_votes\tage"
    for split, names in {"train": ["a", "b"], "dev": ["c"]}.items():
        lines = [header]
        for name in names:
            wav = tmp_path / f"{name}.wav"
            save_wav(wav, tone)
            subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(wav),
                            str(folder / "clips" / f"common_voice_es_{name}.mp3")], check=True)
            lines.append(f"spk{name}\tcommon_voice_es_{name}.mp3\tid{name}\tHola número {name}."
                         "\t\t2\t0\tadult")
        (folder / f"{split}.tsv").write_text("\n".join(lines) + "\n")
    return folder


@needs("ffmpeg", "ffmpeg")
def test_common_voice_import_makes_trainable_manifests(cv_folder, tmp_path):
    out = tmp_path / "data" / "asr"
    out.mkdir(parents=True)
    counts = import_common_voice(cv_folder, out, "cv-es")
    assert counts == {"cv-es-train": 2, "cv-es-dev": 1}
    rows = list(read_jsonl(out / "cv-es-train.jsonl"))
    assert rows[0]["text"] == "Hola número a." and rows[0]["speaker"] == "spka"
    assert 0.9 < rows[0]["duration"] < 1.2
    features = FeatureSet.load(out / "cv-es-train.jsonl", jobs=1)
    assert len(features) == 2 and features[0].shape[1] == 80


def test_list_import_and_its_errors(tmp_path, tone):
    save_wav(tmp_path / "one.wav", tone)
    listing = tmp_path / "list.tsv"
    listing.write_text("file\tes\ten\none.wav\tenciende la luz\tturn on the light\n"
                       "missing.wav\tno existe\n")
    assert import_list(listing, tmp_path, "mine") == {"mine": 1}
    row = next(read_jsonl(tmp_path / "mine.jsonl"))
    assert row["audio"] == "one.wav" and row["text"] == "enciende la luz"
    listing.write_text("one.wav\tenciende\n", encoding="utf-8-sig")  # no header; a BOM
    assert import_list(listing, tmp_path, "plain") == {"plain": 1}
    listing.write_text("one.wav enciende\n")
    with pytest.raises(VoiceInputError, match="line 1 is not"):
        import_list(listing, tmp_path, "bad")
    listing.write_text("one.wav\tenciende\none.wav\t\tturn on\n")
    with pytest.raises(VoiceInputError, match="line 2 has no text"):
        import_list(listing, tmp_path, "bad")
    with pytest.raises(VoiceInputError, match="not a Common Voice"):
        import_common_voice(tmp_path, tmp_path, "cv")


def test_cli_import_prints_counts(tmp_path, tone):
    save_wav(tmp_path / "x.wav", tone)
    (tmp_path / "l.tsv").write_text("x.wav\thola\n")
    result = subprocess.run([sys.executable, "-m", "voice", "data", "import", "list",
                             str(tmp_path / "l.tsv"), "--name", "l", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"import": "list", "l": 1}


def test_shipped_recipes_load_and_chain():
    from voice.training.asr.task import AsrRecipe

    paths = sorted([*Path("recipes").glob("asr-*.toml"),
                    *Path("recipes/experiments").glob("asr-*.toml")])
    assert len(paths) >= 12
    exports = {}
    for path in paths:
        recipe = load_recipe(path, AsrRecipe)
        assert recipe.model.cell == ("gru" if path.stem.endswith("gru") else "lstm")
        assert len(recipe.data.repeat) == len(recipe.data.train)
        # only the shipped last stage writes voice/models/asr-es; comparisons export elsewhere
        shipped = path.stem == "asr-es-real-ft" and path.parent.name == "recipes"
        assert (str(recipe.train.export_dir) == "voice/models/asr-es") == shipped, path
        exports[path.stem] = (recipe.train.init, recipe.train.export_dir)
    # each stage starts from the previous stage's export, never from its own output
    assert exports["asr-es"] == ("", "runs/asr-es/model")
    assert exports["asr-es-voices-ft"] == ("runs/asr-es/model", "runs/asr-es-voices-ft/model")
    assert exports["asr-es-real-ft"] == ("runs/asr-es-voices-ft/model", "voice/models/asr-es")
