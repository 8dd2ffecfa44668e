"""Endpointer, speech out, subtitles, batch translation and the live pipeline on real audio."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import needs
from tests.test_cli import VOICE, run
from voice.audio import SAMPLE_RATE, load_audio
from voice.endpoint import EndpointConfig, segments
from voice.subtitles import Cue, srt, vtt

SAMPLES = sorted(Path("assets/samples").glob("*.wav"))


def _stream_of_samples(gap: float = 1.5) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The bundled recordings with silence between them, and where each one lies."""
    silence = np.zeros(int(gap * SAMPLE_RATE), np.float32)
    parts, spans, at = [silence], [], gap
    for path in SAMPLES:
        audio = load_audio(path)
        parts += [audio, silence]
        spans.append((at, at + len(audio) / SAMPLE_RATE))
        at += len(audio) / SAMPLE_RATE + gap
    return np.concatenate(parts), spans


def test_the_shipped_silero_graph_reads_speech_as_the_silero_package_does():
    """Silero VAD runs from its ONNX graph (voice/models/vad) without the silero-vad package
    and torch: the package's own wrapper gives the same probabilities frame by frame."""
    import torch
    from silero_vad import load_silero_vad

    from voice.endpoint import SileroVad

    reference, ours = load_silero_vad(onnx=True), SileroVad()
    audio = load_audio("assets/samples/conf-waitforleader.wav")
    frames = [audio[i:i + 512] for i in range(0, len(audio) - 511, 512)]
    expected = [float(reference(torch.from_numpy(f), SAMPLE_RATE)) for f in frames]
    assert np.allclose([ours.probability(f) for f in frames], expected, atol=1e-6)
    assert max(expected) > 0.9 > 0.1 > min(expected)  # speech and silence both there


@pytest.mark.parametrize("vad", ["silero", "webrtc"])
def test_endpointer_finds_each_recording(vad):
    audio, spans = _stream_of_samples()
    found = list(segments(audio, EndpointConfig(vad=vad)))
    assert len(found) == len(spans)
    for segment, (start, end) in zip(found, spans, strict=True):
        # the recordings have a little silence at each end: allow for it
        assert start - 0.4 <= segment.start <= start + 0.8  # 0.3 s pre-roll
        assert end - 0.8 <= segment.end <= end + 0.7
        assert len(segment.samples) == pytest.approx((segment.end - segment.start) * SAMPLE_RATE,
                                                     abs=SAMPLE_RATE * 0.05)


def test_endpointer_cuts_long_speech():
    audio = np.concatenate([load_audio(p) for p in SAMPLES])  # ~15 s without a pause
    found = list(segments(audio, EndpointConfig(max_utterance=4.0)))
    assert len(found) >= 3 and all(s.end - s.start <= 4.4 for s in found)


def _times(text: str, separator: str) -> list[tuple[float, float]]:
    stamp = rf"(\d\d):(\d\d):(\d\d){separator}(\d\d\d)"
    out = []
    for match in re.finditer(rf"{stamp} --> {stamp}", text):
        g = [int(x) for x in match.groups()]
        out.append((g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000,
                    g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000))
    return out


def _check_subtitles(srt_text: str, vtt_text: str, cues: int) -> None:
    assert vtt_text.startswith("WEBVTT\n\n")
    for times in (_times(srt_text, ","), _times(vtt_text, r"\.")):
        assert len(times) == cues
        for (start, end), (next_start, _) in zip(times, times[1:] + [(1e9, 0)], strict=True):
            assert start < end <= next_start
    numbers = [int(line) for line in srt_text.split("\n\n")[0:1][0].splitlines()[:1]]
    assert numbers == [1]


def test_subtitles_are_ordered_and_never_overlap():
    cues = [Cue(3.5, 5.0, "Second."), Cue(0.25, 3.9, "First."), Cue(7.0, 7.0, "Third."),
            Cue(8.0, 9.0, "  ")]
    text = srt(cues)
    _check_subtitles(text, vtt(cues), 3)
    assert text.startswith("1\n00:00:00,250 --> 00:00:03,900\nFirst.\n\n2\n00:00:03,900 -->")


@needs("espeak-ng", "espeak-ng")
def test_speaker_renders_english_and_rejects_unknown_voices():
    from voice.errors import VoiceError
    from voice.tts import Speaker

    speech = Speaker("en").render("The conference will begin when the leader arrives.")
    assert 1.5 < speech.seconds < 6 and np.abs(speech.samples).max() > 0.1
    assert Speaker("es", rate=120).render("hola").seconds > Speaker("es").render("hola").seconds
    with pytest.raises(VoiceError, match="no espeak-ng voice"):
        Speaker(voice="klingon")


def test_speak_writes_a_wav(tmp_path):
    result = run("speak", "Hello there", "--out", str(tmp_path / "hi.wav"))
    assert result.returncode == 0, result.stderr
    audio, rate = sf.read(tmp_path / "hi.wav")
    assert rate == 22_050 and len(audio) > rate * 0.4


def test_listen_replay_gives_the_text_of_transcribe():
    sample = str(SAMPLES[0])
    listened = run("listen", "--input", sample, "--mode", "transcribe")
    assert listened.returncode == 0, listened.stderr
    [utterance] = [json.loads(line) for line in listened.stdout.splitlines()]
    assert utterance["es"] == run("transcribe", sample).stdout.strip()
    summary = json.loads(listened.stderr.strip().splitlines()[-1].removeprefix("voice: "))
    assert summary["utterances"] == 1 and summary["dropped_blocks"] == 0
    assert summary["partial_gap_max_ms"] <= 300


def test_listen_translates_a_replay_without_speaking():
    result = run("listen", "--input", str(SAMPLES[1]), "--no-speak")
    assert result.returncode == 0, result.stderr
    [utterance] = [json.loads(line) for line in result.stdout.splitlines()]
    assert utterance["en"] and utterance["en"][0].isupper()
    assert set(utterance["timings_ms"]) == {"text", "response"}


def test_a_missing_audio_device_is_one_line():
    for args in (["listen", "--mode", "transcribe", "--device", "977"],
                 ["speak", "hola", "--lang", "es"]):
        result = run(*args)
        if result.returncode == 0:
            pytest.skip("this machine has a working default output device")
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("voice: error: audio "), result.stderr


def test_batch_translates_reports_bad_files_and_writes_every_format(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00")
    out = tmp_path / "out"
    result = run("translate", str(SAMPLES[0]), str(bad), str(SAMPLES[2]), "-o", str(out))
    assert result.returncode == 1
    assert f"voice: error: {bad}" in result.stderr and "Traceback" not in result.stderr
    names = sorted(p.name for p in out.iterdir())
    stems = sorted(p.stem for p in (SAMPLES[0], SAMPLES[2]))
    assert names == sorted(f"{s}.{f}" for s in stems for f in ("jsonl", "srt", "txt", "vtt",
                                                               "wav"))
    for stem in stems:
        row = json.loads((out / f"{stem}.jsonl").read_text())
        assert row["es"] and row["en"] and row["segments"]
        _check_subtitles((out / f"{stem}.srt").read_text(), (out / f"{stem}.vtt").read_text(),
                         len(row["segments"]))
        speech, rate = sf.read(out / f"{stem}.wav")
        assert len(speech) / rate >= row["seconds"] - 0.01 and np.abs(speech).max() > 0.1


def test_batch_workers_failing_to_start_give_one_line(tmp_path):
    models = tmp_path / "models"  # a recogniser folder without its config: the workers fail
    (models / "asr-es").mkdir(parents=True)
    (models / "asr-es" / "model.safetensors").write_bytes(b"")
    (models / "asr-es" / "lm.json.gz").symlink_to(Path("voice/models/asr-es/lm.json.gz").resolve())
    (models / "mt-es-en").symlink_to(Path("voice/models/mt-es-en").resolve())
    result = run("translate", *map(str, SAMPLES[:2]), "-o", str(tmp_path / "out"), "--jobs", "2",
                 "--recognizer", "small", env={"VOICE_MODELS": str(models)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("voice: error:")
    assert "config.json" in result.stderr and "Traceback" not in result.stderr


def test_batch_to_stdout_is_one_json_line_per_file():
    result = run("translate", *map(str, SAMPLES[:2]), "--beam", "1")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(p) for p in SAMPLES[:2]]
    assert all({"file", "es", "en", "segments"} <= r.keys() for r in rows)


def test_killed_batch_resumes_to_exactly_the_full_set(tmp_path):
    inputs = []
    for i in range(8):
        inputs.append(tmp_path / f"in{i}.wav")
        shutil.copy(SAMPLES[i % len(SAMPLES)], inputs[-1])
    out = tmp_path / "out"
    args = [*VOICE, "translate", *map(str, inputs), "-o", str(out), "--format", "jsonl",
            "--format", "srt"]
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done = {p.name: p.stat().st_mtime_ns for p in out.glob("*.jsonl")}
    assert 1 <= len(done) < len(inputs)
    resumed = run("translate", *map(str, inputs), "-o", str(out), "--format", "jsonl",
                  "--format", "srt", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "already done" in resumed.stderr
    expected = sorted(f"in{i}.{f}" for i in range(8) for f in ("jsonl", "srt"))
    assert sorted(p.name for p in out.iterdir()) == expected
    assert all(out.joinpath(n).stat().st_mtime_ns == t for n, t in done.items())


def _assistant_env(tmp_path) -> dict:
    return {"VOICE_STATE": str(tmp_path / "state.sqlite3")}


def test_assistant_acts_on_text_and_remembers_across_runs(tmp_path):
    env = _assistant_env(tmp_path)
    first = subprocess.run([*VOICE, "assistant", "--no-speak"], capture_output=True, text=True,
                           input="añade leche a la lista de la compra\n\n", timeout=120,
                           env={**os.environ, **env})
    assert first.returncode == 0, first.stderr
    added, empty = [json.loads(line) for line in first.stdout.splitlines()]
    assert added["intent"] == "HassShoppingListAddItem" and added["ok"]
    assert "leche" in added["reply"]
    assert not empty["ok"] and "repetir" in empty["reply"]
    from voice.intent.actions import SHOPPING_LIST
    from voice.intent.state import State

    items = State(tmp_path / "state.sqlite3").items(SHOPPING_LIST)
    assert [i.item for i in items] == ["leche"]


def test_assistant_announces_a_finished_timer(tmp_path):
    process = subprocess.Popen([*VOICE, "assistant", "--no-speak"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True,
                               env={**os.environ, **_assistant_env(tmp_path)})
    process.stdin.write("pon un temporizador de dos segundos\n")
    process.stdin.flush()
    started = json.loads(process.stdout.readline())
    assert started["intent"] == "HassStartTimer" and started["ok"]
    announced = json.loads(process.stdout.readline())  # arrives about two seconds later
    process.stdin.close()
    assert process.wait(30) == 0
    assert "temporizador" in announced["announcement"] and "terminado" in announced["announcement"]


@needs("espeak-ng", "espeak-ng")
def test_assistant_hears_a_spoken_command(tmp_path):
    command = tmp_path / "command.wav"
    assert run("speak", "enciende la luz de la cocina", "--lang", "es", "--rate", "150",
               "--out", str(command)).returncode == 0
    result = run("assistant", "--input", str(command), "--no-speak", env=_assistant_env(tmp_path))
    assert result.returncode == 0, result.stderr
    [utterance] = [json.loads(line) for line in result.stdout.splitlines()]
    assert utterance["intent"] == "HassTurnOn" and utterance["ok"]
    assert utterance["reply"] and "first_audio" not in utterance["timings_ms"]
    typed = subprocess.run([*VOICE, "assistant", "--no-speak"], capture_output=True, text=True,
                           input=utterance["text"] + "\n", timeout=120,
                           env={**os.environ, **_assistant_env(tmp_path)})
    [line] = [json.loads(line) for line in typed.stdout.splitlines()]
    # one schema: a spoken command is the typed command's line plus where it was said
    assert utterance.keys() - line.keys() == {"index", "start", "end", "timings_ms"}
    assert line.keys() <= utterance.keys()
    assert {k: utterance[k] for k in ("text", "intent", "slots")} == \
        {k: line[k] for k in ("text", "intent", "slots")}


def test_batch_refuses_to_overwrite_its_input(tmp_path):
    recording = tmp_path / "talk.wav"
    shutil.copy(SAMPLES[0], recording)
    before = recording.read_bytes()
    result = run("translate", str(recording), "-o", str(tmp_path))
    assert result.returncode == 2 and "would overwrite an input" in result.stderr
    assert recording.read_bytes() == before


def test_a_failing_stage_stops_the_live_pipeline_with_its_error():
    from voice.asr.recognizer import Recognizer
    from voice.pipeline import LivePipeline, Replay

    def respond(utterance):
        raise RuntimeError(f"translator broke on {utterance.es!r}")

    pipeline = LivePipeline(Recognizer.load(), respond=respond)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="translator broke"):
        pipeline.run(Replay(SAMPLES[0], speed=4.0))
    assert time.monotonic() - started < 30  # no worker left waiting on a queue


def test_speech_gates_input_as_silence_so_utterance_times_stay_true():
    from voice.asr.recognizer import Recognizer
    from voice.pipeline import LivePipeline, Replay

    class Silent:  # renders nothing: only the time spent "speaking" matters here
        def render(self, text):
            return text

    # 3 s between recordings: a reply gates 0.6 s of stream after the endpoint, so a busy
    # machine (slower recognition) still ends the gate before the next recording starts
    audio, spans = _stream_of_samples(gap=3.0)
    results = []
    pipeline = LivePipeline(Recognizer.load(), respond=lambda u: "ok", speaker=Silent(),
                            play=lambda speech: time.sleep(0.3), on_result=results.append)
    stats = pipeline.run(Replay(audio, speed=2.0))
    assert stats.gated_blocks > 0  # each reply gated about 0.6 s of the stream
    assert len(results) == len(spans)
    for utterance, (start, end) in zip(results, spans, strict=True):
        assert abs(utterance.start - start) < 0.4 and abs(utterance.end - end) < 0.8


def test_stopping_leaves_queued_utterances_unanswered():
    from voice.asr.recognizer import Recognizer
    from voice.pipeline import LivePipeline, Replay

    answered = []

    def respond(utterance):
        answered.append(utterance.es)
        pipeline.stop()  # as Ctrl-C does after the first answer

    audio, spans = _stream_of_samples(gap=0.6)
    pipeline = LivePipeline(Recognizer.load(), respond=respond)
    pipeline.run(Replay(audio, speed=20.0))  # every utterance is queued before the first answer
    assert len(spans) > 1 and len(answered) == 1
