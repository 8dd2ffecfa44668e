"""`voice serve web`: the app through aiohttp's test client (page, live WebSocket stream, file
upload, typed commands, bad clients), then the page in a real headless Chromium whose fake
microphone plays a bundled recording."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import soundfile as sf
import soxr
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import needs
from voice.app import load
from voice.audio import SAMPLE_RATE, load_audio
from voice.evaluation.bench_serve import bench_web
from voice.serve import stages as web_stages
from voice.serve import web
from voice.serve.session import MAX_FRAME_BYTES

speech = needs("espeak-ng", "espeak-ng")
SAMPLE = Path("assets/samples/conf-waitforleader.wav")
FRAME = 512  # samples per frame, as the page sends them
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The stages of `voice serve web`, loaded once."""
    return web_stages.load(load(state=tmp_path_factory.mktemp("web") / "state.sqlite3"))


def talk(stages, scenario):
    """Run scenario(client) against the app, as aiohttp's test client sees it."""
    async def main():
        async with TestClient(TestServer(web.make_app(stages))) as client:
            return await scenario(client)

    return asyncio.run(main())


def pcm_frames(audio: np.ndarray) -> list[bytes]:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    return [pcm[i:i + FRAME].tobytes() for i in range(0, len(pcm), FRAME)]


async def stream(client, audio: np.ndarray, mode: str = "translate", pace: float = 0.0,
                 before: list | None = None) -> tuple[list[dict], list[bytes]]:
    """Send audio as the page does (then stop); (JSON messages, binary messages) up to the
    end message. pace: seconds between frames (0: as fast as the socket takes them)."""
    messages, binary = [], []
    async with client.ws_connect(f"/ws?mode={mode}") as ws:
        for item in before or []:
            await (ws.send_str(item) if isinstance(item, str) else ws.send_bytes(item))
        for frame in pcm_frames(audio):
            await ws.send_bytes(frame)
            if pace:
                await asyncio.sleep(pace)
        await ws.send_str(json.dumps({"type": "stop"}))
        while True:
            message = await ws.receive(TIMEOUT)
            if message.type is WSMsgType.BINARY:
                binary.append(message.data)
                continue
            assert message.type is WSMsgType.TEXT, message
            messages.append(json.loads(message.data))
            if messages[-1]["type"] == "end":
                return messages, binary


def test_the_page_and_its_scripts_are_served(stages):
    async def scenario(client):
        pages = {}
        for path in ("/", "/static/app.js", "/static/capture.js", "/static/style.css"):
            response = await client.get(path)
            pages[path] = (response.status, await response.text())
        return pages

    pages = talk(stages, scenario)
    assert all(status == 200 for status, _ in pages.values())
    assert 'id="live-mic"' in pages["/"][1]
    assert "registerProcessor" in pages["/static/capture.js"][1]


@speech
def test_a_live_stream_gives_partials_then_the_spanish_english_and_speech(stages):
    audio = load_audio(SAMPLE)  # its end closes the utterance, as in `voice listen --input`
    messages, speech_out = talk(stages, lambda c: stream(c, audio))
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "ready" and kinds[-1] == "end" and messages[-1]["ok"]
    assert "partial" in kinds and kinds.index("partial") < kinds.index("utterance")
    [said] = [m for m in messages if m["type"] == "utterance"]
    expected = stages.recognizer.recognize(audio).text  # what `voice transcribe` gives
    assert said["es"] == expected and expected
    assert said["en"] == stages.translator.translate([expected])[0]
    assert 0 <= said["start"] < said["speech_end"] < said["end"] <= len(audio) / SAMPLE_RATE + 1
    [speech_wav] = speech_out
    assert speech_wav[:4] == b"RIFF" and len(speech_wav) > 10_000
    [timings] = [m for m in messages if m["type"] == "timings"]
    assert {"text", "response", "first_audio"} <= timings["timings_ms"].keys()
    assert messages[-1]["dropped_blocks"] == 0


@speech
def test_a_spoken_command_is_acted_on_with_the_typed_commands_line(stages):
    spoken = stages.speakers["es"].render("enciende la luz de la cocina")
    audio = soxr.resample(spoken.samples, spoken.rate, SAMPLE_RATE).astype(np.float32)
    pause = np.zeros(SAMPLE_RATE, np.float32)

    async def scenario(client):
        messages, speech_out = await stream(client, np.concatenate([pause, audio, pause]),
                                            "assistant")
        [said] = [m for m in messages if m["type"] == "utterance"]
        typed = await client.post("/api/command", json={"text": said["text"]})
        return said, speech_out, await typed.json()

    said, speech_out, typed = talk(stages, scenario)
    assert said["intent"] == "HassTurnOn" and said["ok"] and said["reply"]
    assert len(speech_out) == 1  # the reply, spoken
    assert {k: said[k] for k in typed} == typed  # one schema: typed and spoken alike


def test_an_uploaded_recording_comes_back_translated_with_subtitles(stages):
    async def scenario(client):
        with SAMPLE.open("rb") as recording:
            response = await client.post("/api/translate", data={"file": recording})
            return response.status, await response.json()

    before = set(Path(tempfile.gettempdir()).glob("voice-web-*"))
    status, answer = talk(stages, scenario)
    assert status == 200, answer
    assert answer["file"] == SAMPLE.name and answer["segments"] and answer["en"]
    assert set(answer["downloads"]) == {"srt", "vtt", "txt"}
    assert answer["downloads"]["srt"].startswith("1\n00:00:0") and " --> " in \
        answer["downloads"]["srt"]
    assert answer["downloads"]["vtt"].startswith("WEBVTT")
    assert answer["segments"][0]["en"] in answer["downloads"]["txt"]
    assert set(Path(tempfile.gettempdir()).glob("voice-web-*")) == before  # nothing left


def test_uploads_are_read_with_the_servers_decoder_and_profile(monkeypatch, tmp_path):
    seen = []

    class Files:
        def __init__(self, voice, config):
            seen.append(voice)

        def translate(self, path):
            return {}, {}

    monkeypatch.setattr(web_stages, "FileTranslator", Files)
    served = load(decoder="greedy", profile=None)
    loaded = web_stages.Stages(None, None, None, None, {}, voice=served)
    loaded.translate_file(tmp_path / "x.wav")
    assert seen[0] is not served  # its own recogniser: uploads never hold up live streams
    assert seen[0].options == served.options


def test_bad_uploads_are_refused_and_the_server_goes_on(stages, monkeypatch, caplog):
    monkeypatch.setattr(web, "MAX_UPLOAD", 4096)

    async def declared_too_big(client) -> bytes:
        """A request that announces 60 MB: refused before its body is read."""
        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(b"POST /api/translate HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/"
                     b"form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x" % (60 << 20))
        await writer.drain()
        status = await reader.readline()
        writer.close()
        return status

    async def scenario(client):
        answers = []
        for field, content, name in (("file", b"x" * 10_000, "big.wav"),  # streamed, too big
                                     ("other", b"RIFF", "a.wav"),  # no "file" field
                                     ("file", b"not audio at all", "/tmp/../etc/passwd")):
            form = aiohttp.FormData()
            form.add_field(field, io.BytesIO(content), filename=name)
            response = await client.post("/api/translate", data=form)
            answers.append((response.status, (await response.json())["error"]))
        answers.append(((await client.post("/api/translate", data=b"plain")).status, ""))
        status = await declared_too_big(client)
        answers.append(((await client.get("/")).status, ""))
        return answers, status

    answers, declared = talk(stages, scenario)
    assert [status for status, _ in answers] == [413, 400, 400, 400, 200]
    assert declared.startswith(b"HTTP/1.1 413")
    assert answers[2][1].startswith("passwd: ") and "/tmp" not in answers[2][1]
    lines = [r.getMessage() for r in caplog.records if r.name == "voice.serve.web"
             and r.levelname == "WARNING"]
    assert lines and all(line.startswith("voice: 127.0.0.1: ") and "\n" not in line
                         for line in lines)


def test_bad_messages_get_an_error_and_the_stream_goes_on(stages):
    audio = load_audio(SAMPLE)

    async def scenario(client):
        messages, _ = await stream(client, np.zeros(SAMPLE_RATE, np.float32), before=[
            "not json", json.dumps({"type": "dance"}), json.dumps([1, 2]), b"\x01\x02\x03"])
        async with client.ws_connect("/ws") as ws:  # a frame over the limit: closed
            await ws.receive(TIMEOUT)  # ready
            await ws.send_bytes(b"\x00" * (MAX_FRAME_BYTES + 2))
            while (closing := await ws.receive(TIMEOUT)).type is WSMsgType.TEXT:
                pass
            code = ws.close_code
        refused = await client.get("/ws?mode=dance")
        after, _ = await stream(client, np.concatenate([audio, np.zeros(SAMPLE_RATE)]))
        return messages, closing.type, code, refused.status, after

    messages, closing, code, refused, after = talk(stages, scenario)
    errors = [m["message"] for m in messages if m["type"] == "error"]
    assert len(errors) == 4 and "even length" in errors[-1]
    assert messages[-1] == {**messages[-1], "type": "end", "ok": True}
    assert closing in (WSMsgType.CLOSE, WSMsgType.CLOSED) and code == 1009
    assert refused == 400
    assert [m["type"] for m in after].count("utterance") == 1  # the next client is answered


def test_two_streams_at_once_each_get_their_own_text(stages):
    audio = load_audio(SAMPLE)
    other = load_audio("assets/samples/vm-nobodyavail.wav")

    def texts(streamed) -> list[list[str]]:
        return [[m["es"] for m in messages if m["type"] == "utterance"]
                for messages, _ in streamed]

    async def scenario(client):
        recordings = [audio, other]
        alone = [await stream(client, recording) for recording in recordings]
        together = await asyncio.gather(*(stream(client, recording, pace=0.01)
                                          for recording in recordings))
        return texts(alone), texts(together)

    alone, together = talk(stages, scenario)
    assert together == alone and all(alone)
    assert alone[0] == [stages.recognizer.recognize(audio).text]


def test_bench_streams_websocket_clients_in_real_time(stages):
    result = bench_web(stages, SAMPLE, clients=2, rounds=1)
    assert result["protocol"] == "web" and result["final"] == "es+en"
    assert result["utterances"] == 2 and result["wrong_answers"] == 0
    assert result["dropped_seconds"] == 0 and 0 < result["latency_ms_p50"] < 5_000
    assert result["first_words_ms_p50"] < 1000 * result["seconds"]  # partials while speaking


def test_a_failing_stage_ends_the_stream_with_its_error(stages, monkeypatch):
    def broken(utterance):
        raise RuntimeError("translator on fire")

    monkeypatch.setattr(web_stages.Stages, "respond_for", lambda self, mode: broken)
    audio = load_audio(SAMPLE)

    async def scenario(client):
        async with client.ws_connect("/ws") as ws:
            await ws.receive(TIMEOUT)  # ready
            for frame in pcm_frames(np.concatenate([audio, np.zeros(SAMPLE_RATE)])):
                await ws.send_bytes(frame)
            for _ in range(200):  # the pipeline fails at the first utterance; audio goes on
                await asyncio.sleep(0.05)
                await ws.send_bytes(pcm_frames(np.zeros(FRAME, np.float32))[0])
                if ws.closed:
                    break
            messages = []
            while (message := await ws.receive(TIMEOUT)).type is WSMsgType.TEXT:
                messages.append(json.loads(message.data))
            return messages

    messages = talk(stages, scenario)
    assert messages[-1]["type"] == "end" and not messages[-1]["ok"]
    assert "translator on fire" in messages[-1]["error"]


def test_a_client_that_vanishes_mid_stream_leaves_the_server_serving(stages, caplog):
    caplog.set_level(logging.INFO, "voice.serve.web")
    audio = load_audio(SAMPLE)

    async def scenario(client):
        ws = await client.ws_connect("/ws")
        for frame in pcm_frames(audio)[:60]:
            await ws.send_bytes(frame)
        await ws.close()  # gone, without a stop
        after, _ = await stream(client, np.concatenate([audio, np.zeros(SAMPLE_RATE)]))
        return after, client.app[web.SESSIONS]

    after, sessions = talk(stages, scenario)
    assert [m["type"] for m in after].count("utterance") == 1
    assert not sessions
    assert any("stream ended" in r.getMessage() for r in caplog.records)


def test_streams_opened_at_once_stay_within_the_limit(stages, monkeypatch):
    monkeypatch.setattr(web, "MAX_STREAMS", 1)

    async def scenario(client):
        async def one():
            try:
                ws = await client.ws_connect("/ws")
            except aiohttp.WSServerHandshakeError as error:
                return error.status
            await ws.receive(TIMEOUT)  # ready
            await ws.send_str(json.dumps({"type": "stop"}))
            while json.loads((await ws.receive(TIMEOUT)).data)["type"] != "end":
                pass
            await ws.close()
            return 101

        return sorted(await asyncio.gather(one(), one(), one()))

    assert talk(stages, scenario) == [101, 503, 503]


def test_a_stream_that_cannot_start_says_why_and_closes(stages, monkeypatch):
    def broken(*args):
        raise RuntimeError("no pipeline")

    monkeypatch.setattr(web, "Session", broken)

    async def scenario(client):
        async with client.ws_connect("/ws") as ws:
            first = await ws.receive(TIMEOUT)
            last = await ws.receive(TIMEOUT)
            return json.loads(first.data), last.type, client.app[web.SLOTS]

    first, last, slots = talk(stages, scenario)
    assert first["type"] == "error" and "no pipeline" in first["message"]
    assert last in (WSMsgType.CLOSE, WSMsgType.CLOSED) and not slots


def test_typed_commands_answer_with_the_assistants_line(stages):
    async def scenario(client):
        good = await client.post("/api/command", json={"text": "pon un temporizador de cinco "
                                                               "minutos"})
        bad = await client.post("/api/command", data=b"{not json")
        return await good.json(), bad.status

    line, bad = talk(stages, scenario)
    assert line["intent"] == "HassStartTimer" and line["ok"] and line["slots"] == {"minutes": 5.0}
    assert set(line) == {"text", "intent", "slots", "confidence", "reply", "ok"}
    assert bad == 400


def test_a_finished_timer_is_announced_on_the_assistant_stream(stages):
    async def scenario(client):
        async with client.ws_connect("/ws?mode=assistant") as ws:
            await ws.receive(TIMEOUT)  # ready
            started = await client.post("/api/command",
                                        json={"text": "pon un temporizador de dos segundos"})
            heard = []
            while not any(m.get("type") == "announcement" for m in heard):
                message = await ws.receive(TIMEOUT)
                heard.append(json.loads(message.data) if message.type is WSMsgType.TEXT
                             else {"type": "speech", "bytes": len(message.data)})
            if stages.speakers:
                heard.append({"type": "speech", "bytes": len((await ws.receive(TIMEOUT)).data)})
            return await started.json(), heard

    started, heard = talk(stages, scenario)
    assert started["intent"] == "HassStartTimer" and started["ok"]
    [said] = [m["announcement"] for m in heard if m["type"] == "announcement"]
    assert "temporizador" in said and "terminado" in said
    assert not stages.speakers or heard[-1]["bytes"] > 1000


@needs("openssl", "openssl")
def test_https_with_a_certificate_and_one_line_for_a_bad_one(stages, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)

    async def fetch(url: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(url, ssl=False) as page:
            return page.status, await page.text()

    with web.background(stages, context=web.tls(cert, key)) as url:
        assert url.startswith("https://")
        status, text = asyncio.run(fetch(url + "/"))
    assert status == 200 and 'id="live-mic"' in text
    result = subprocess.run([sys.executable, "-m", "voice", "serve", "web", "--certfile",
                             str(key)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"voice: error: --certfile {key}: ")
    with pytest.raises(web.VoiceError, match=f"^--keyfile {cert}: not the PEM private key"):
        web.tls(cert, cert)
    with pytest.raises(web.VoiceError, match=f"^--keyfile {tmp_path / 'none.pem'}: No such"):
        web.tls(cert, tmp_path / "none.pem")
    with pytest.raises(web.VoiceError, match=f"^--certfile {key}: not a PEM certificate"):
        web.tls(key, key)


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 "--window-size=1000,900"]


class WebDriver:
    """The few W3C WebDriver commands the test needs, spoken to chromedriver over HTTP."""

    def __init__(self, port: int, args: list[str]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # chromedriver takes a moment to listen
            try:
                urllib.request.urlopen(self.base + "/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": args}
        self.session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})["sessionId"]
        self.base += f"/session/{self.session}"

    def call(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body or {}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read())["value"]

    def script(self, code: str):
        return self.call("POST", "/execute/sync", {"script": code, "args": []})

    def element(self, selector: str) -> str:
        found = self.call("POST", "/element", {"using": "css selector", "value": selector})
        return next(iter(found.values()))

    def click(self, selector: str) -> None:
        self.call("POST", f"/element/{self.element(selector)}/click")

    def type(self, selector: str, text: str) -> None:
        self.call("POST", f"/element/{self.element(selector)}/value", {"text": text})

    def wait(self, script: str, seconds: float = TIMEOUT):
        """The script's value, once it is truthy."""
        deadline = time.monotonic() + seconds
        while not (value := self.script(script)) and time.monotonic() < deadline:
            time.sleep(0.3)
        return value

    def other_tabs(self, recording: Path) -> tuple[list[str], str]:
        """The file drop given a recording (the downloads it offers), then a typed command
        in the assistant tab (the action the page shows)."""
        self.click('[data-tab="files"]')
        self.type("#file", str(recording))
        downloads = self.wait("return [...document.querySelectorAll('#downloads a')]"
                              ".map(a => a.download)")
        self.click('[data-tab="assistant"]')
        self.type("#command", "enciende la luz de la cocina\n")
        action = self.wait("const a = document.querySelector('#assistant-transcript .action');"
                           "return a && a.textContent")
        return downloads, action


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="needs Debian packages chromium and chromium-driver (make test "
                           "installs them)")
def test_a_real_browser_shows_the_english_of_its_microphone(stages, tmp_path):
    """Headless Chromium, its fake microphone looping a bundled recording (with the pauses
    a speaker makes around it): the page shows partials, then the English, and says how
    long after the audio each came."""
    audio = load_audio(SAMPLE)
    spoken = tmp_path / "spoken.wav"
    pause = np.zeros(SAMPLE_RATE, np.float32)
    sf.write(spoken, np.concatenate([pause, audio, pause, pause]), SAMPLE_RATE,
             subtype="PCM_16")
    port = free_port()
    # the browser runs on the cores the test may use (`taskset -c 1 pytest ...`: that one)
    driver_process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with web.background(stages) as url:
            driver = WebDriver(port, [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture="
                                      f"{spoken}", f"--user-data-dir={tmp_path / 'profile'}"])
            try:
                driver.call("POST", "/url", {"url": url + "/"})
                driver.click("#live-mic")
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    stats = driver.script("return window.voiceStats")
                    if len(stats["utterances"]) >= 3 or stats["errors"]:
                        break
                    time.sleep(0.5)
                english = driver.script("return [...document.querySelectorAll("
                                        "'#live-transcript .en')].map(e => e.textContent)")
                shot = driver.call("GET", "/screenshot")
                (tmp_path / "browser.png").write_bytes(base64.b64decode(shot))
                driver.click("#live-mic")  # stop
                files = driver.other_tabs(spoken)
            finally:
                driver.call("DELETE", "")
    finally:
        driver_process.terminate()
        driver_process.wait(10)
    assert not stats["errors"], stats["errors"]
    expected = stages.translator.translate([stages.recognizer.recognize(audio).text])[0]
    assert len(english) >= 2 and all(english), english
    ms = {key: round(statistics.median(stats[key])) for key in
          ("partialLags", "firstPartials", "englishLags", "endpointLags")}
    print(f"\nbrowser: {len(english)} utterances; median ms: partial after its audio "
          f"{ms['partialLags']} (max {round(max(stats['partialLags']))}), first partial after "
          f"speech start {ms['firstPartials']}, English after end of speech "
          f"{ms['englishLags']}, after the endpoint {ms['endpointLags']}; "
          f"{sum(e == expected for e in english)} of {len(english)} equal to the file's "
          f"English {expected!r}")
    assert ms["partialLags"] < 1500 and ms["englishLags"] < 3000  # far off only
    assert (tmp_path / "browser.png").stat().st_size > 10_000
    downloads, action = files
    assert downloads == ["spoken.txt", "spoken.srt", "spoken.vtt"]
    assert action.startswith("✓ HassTurnOn(")
