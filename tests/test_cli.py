import json
import os
import subprocess
import sys
from pathlib import Path

from voice.asr.lm import WordLM

VOICE = [sys.executable, "-m", "voice"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*VOICE, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("transcribe", "intent", "train", "eval", "bench", "data"):
        assert command in result.stdout


def test_missing_model_is_one_line_not_a_traceback(tmp_path):
    result = run("transcribe", "assets/samples/invalid.wav", env={"VOICE_MODELS": str(tmp_path)})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no model yet" in lines[0] and "voice train asr" in lines[0]


def test_a_draft_weight_outside_0_to_1_is_refused_before_anything_loads():
    result = run("eval", "mt", "--draft-weight", "1.5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--draft-weight" in result.stderr


def test_data_build_intent_writes_manifests(tmp_path):
    result = run("data", "build", "intent", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["corpus"] == "intent" and counts["intent-train"] > 15_000
    first = json.loads((tmp_path / "intent" / "train.jsonl").open().readline())
    assert {"text", "intent", "slots"} <= first.keys()
    for slot in first["slots"]:
        assert first["text"][slot["start"]:slot["end"]]


def test_bundled_samples_are_real_16k_recordings():
    from voice.audio import SAMPLE_RATE, load_audio

    samples = Path("assets/samples")
    rows = (samples / "transcripts.tsv").read_text().splitlines()[1:]
    assert len(rows) >= 3
    for row in rows:
        audio = load_audio(samples / row.split("\t")[0])
        assert len(audio) > SAMPLE_RATE


def test_train_lm_writes_the_lm_and_its_beam_settings_beside_the_model(tmp_path):
    corpus, model = tmp_path / "corpus.jsonl", tmp_path / "model"
    corpus.write_text('{"es": "enciende la luz"}\n{"es": "enciende la radio"}\n' * 3)
    recipe = tmp_path / "r.toml"
    dev = tmp_path / "dev.jsonl"
    dev.write_text('{"audio": "x.wav", "text": "Enciende la radio"}\n')
    recipe.write_text(f'[lm]\ncorpora = ["{corpus}"]\nmin_count = 1\n'
                      f'[data]\ndev = ["{dev}"]\n'
                      f'[decode]\nlm_weight = 0.2\nword_score = -0.5\n'
                      f'[train]\nexport_dir = "{model}"\n')
    result = run("train", "lm", "--recipe", str(recipe))
    assert result.returncode == 0, result.stderr
    settings = json.loads((model / "decode.json").read_text())
    assert settings["decode"]["lm_weight"] == 0.2 and settings["decode"]["word_score"] == -0.5
    assert settings["lm"]["min_count"] == 1  # the record of the LM run
    lm = WordLM.load(model / "lm.json.gz")
    assert "radio" not in lm.uni and "luz" in lm.uni  # the dev sentence is left out
    report = json.loads(result.stdout)
    assert report["dev_oov_percent"][str(dev)] == 33.3  # "radio" is not in the LM


def test_transcribe_without_the_lm_falls_back_to_greedy_with_a_note(tmp_path):
    """Beam + LM is the default; a model folder without its LM still transcribes (greedy),
    saying so on one line, while an explicit --decoder beam is a one-line error."""
    model = tmp_path / "asr-es"
    model.mkdir()
    for name in ("model.safetensors", "config.json"):
        (model / name).symlink_to(Path("voice/models/asr-es", name).resolve())
    sample = "assets/samples/conf-waitforleader.wav"
    default = run("transcribe", sample, "--model-dir", str(model))
    assert default.returncode == 0, default.stderr
    greedy = run("transcribe", sample, "--recognizer", "small", "--decoder", "greedy")
    assert default.stdout.strip() == greedy.stdout.strip()
    [note] = default.stderr.strip().splitlines()
    assert "lm.json.gz" in note and "greedy" in note
    asked = run("transcribe", sample, "--model-dir", str(model), "--decoder", "beam")
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
    assert len(asked.stderr.strip().splitlines()) == 1 and "voice train lm" in asked.stderr


def test_models_ship_inside_the_package_and_voice_models_overrides(tmp_path, monkeypatch):
    """No variable: the package's own models; VOICE_MODELS: that folder, and a one-line error
    naming the training command when it lacks a model."""
    import voice.models
    from voice.errors import VoiceError

    monkeypatch.delenv("VOICE_MODELS", raising=False)
    assert voice.models.find_model("mt-es-en") == voice.models.SHIPPED / "mt-es-en"
    monkeypatch.setenv("VOICE_MODELS", str(tmp_path))
    try:
        voice.models.find_model("asr-es")
    except VoiceError as error:
        assert str(tmp_path) in str(error) and "voice train asr" in str(error)
    else:
        raise AssertionError("no error without a model in VOICE_MODELS")


def test_intent_accepts_json_as_the_contract_says():
    result = run("intent", "--json", "apaga la luz de la cocina")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "HassTurnOff"


def test_translate_without_out_takes_two_inputs_sharing_a_name(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.wav").symlink_to(
            Path("assets/samples/conf-waitforleader.wav").resolve())
    result = run("translate", str(tmp_path / "a/x.wav"), str(tmp_path / "b/x.wav"), "--beam", "1")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["file"] for line in result.stdout.splitlines()] == [
        str(tmp_path / "a/x.wav"), str(tmp_path / "b/x.wav")]


def test_intent_with_a_home_gives_slots_as_the_home_names_them():
    plain = json.loads(run("intent", "enciende la lampara de pie de la sala").stdout)
    homed = json.loads(run("intent", "--home", "voice/intent/home.toml", "--json",
                           "enciende la lampara de pie de la sala").stdout)
    assert plain["slots"] == {"name": "lampara de pie", "area": "sala"}
    assert homed["slots"] == {"name": "lámpara de pie", "area": "salón"}  # alias -> its name
    assert {k: v for k, v in homed.items() if k != "slots"} == \
        {k: v for k, v in plain.items() if k != "slots"}


def test_home_spoken_name_keeps_what_the_home_lacks():
    from voice.intent.home import Home

    home = Home.load()
    assert home.spoken_name("floor", "arriba") == "primer piso"
    assert home.spoken_name("name", "plafon") == "luz del techo"
    assert home.spoken_name("area", "garaje") is None
    assert home.spoken_name("minutes", "cinco") is None
