"""`voice serve web`: the browser app. One page (voice/serve/static/) and three endpoints:

    GET  /ws?mode=translate|assistant|transcribe   WebSocket: 16 kHz mono 16-bit PCM frames in
                                                   (binary), {"type": "stop"} to finish; JSON
                                                   messages out (ready, partial, utterance,
                                                   timings, end, error) and WAV speech (binary)
    POST /api/translate                            multipart "file": a recording -> `voice
                                                   translate`'s result + SRT, VTT and TXT
    POST /api/command                              {"text": ...} -> the assistant's reply line

Every problem a client causes (a bad message, an oversized frame or upload, leaving
mid-stream) is an error message or a closed socket and one line on stderr; the server goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import ssl
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from voice.audio import SAMPLE_RATE
from voice.choices import Mode
from voice.errors import VoiceError, VoiceInputError
from voice.serve import MAX_TEXT
from voice.serve.session import MAX_FRAME_BYTES, Session
from voice.serve.stages import Stages

log = logging.getLogger(__name__)
STATIC = Path(str(files("voice.serve") / "static"))
MAX_UPLOAD = 50 * 1024 * 1024  # bytes of one recording
MAX_STREAMS = 8  # live streams at once: each runs the recogniser in real time
STAGES = web.AppKey("stages", Stages)
SESSIONS = web.AppKey("sessions", set)
SLOTS = web.AppKey("slots", set)  # one per live stream, taken before its handshake
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def answer(content: dict, status: int = 200) -> web.Response:
    """JSON as the command line writes it (UTF-8, not escaped)."""
    return web.json_response(content, status=status,
                             dumps=lambda data: json.dumps(data, ensure_ascii=False))


def refuse(request: web.Request, status: int, message: str) -> web.Response:
    log.warning("voice: %s: %s", request.remote, message)
    return answer({"error": message}, status)


@web.middleware
async def one_line_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug in a handler fails that request with one line, not a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:
        return refuse(request, 500, f"{request.path} failed ({type(error).__name__}: {error})")


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def live(request: web.Request) -> web.StreamResponse:
    """One live stream: the socket's audio through `voice listen`'s pipeline of the mode."""
    try:
        mode = Mode(request.query.get("mode", Mode.translate.value))
    except ValueError:
        return refuse(request, 400, f"mode {request.query.get('mode')!r}: one of "
                                    f"{', '.join(m.value for m in Mode)}")
    slots = request.app[SLOTS]
    if len(slots) >= MAX_STREAMS:
        return refuse(request, 503, f"{MAX_STREAMS} live streams already; try again later")
    slot = object()
    slots.add(slot)  # taken before the first await: handshakes at once stay within the limit
    try:
        return await _live(request, mode)
    finally:
        slots.discard(slot)


async def _live(request: web.Request, mode: Mode) -> web.WebSocketResponse:
    sessions = request.app[SESSIONS]
    stream = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=30)
    await stream.prepare(request)
    outbox: asyncio.Queue[str | bytes | None] = asyncio.Queue()
    sender = asyncio.create_task(_send(stream, outbox))
    session: Session | None = None
    try:
        try:
            session = Session(request.app[STAGES], mode, outbox.put_nowait,
                              asyncio.get_running_loop())
        except Exception as error:
            message = f"the {mode.value} stream could not start ({type(error).__name__}: {error})"
            log.warning("voice: %s: %s", request.remote, message)
            outbox.put_nowait(json.dumps({"type": "error", "message": message}))
            return stream
        sessions.add(session)
        outbox.put_nowait(json.dumps({"type": "ready", "mode": mode.value, "rate": SAMPLE_RATE,
                                      "frame": session.block}))
        await _receive(request, stream, session, outbox)
    finally:
        if session is not None:
            sessions.discard(session)
            if not session.done.done():  # the client left, or the server is stopping
                session.stop()
        outbox.put_nowait(None)
        await sender
        await stream.close()
    log.info("voice: %s: live %s stream ended after %.1f s", request.remote, mode.value,
             session.offered / SAMPLE_RATE)
    return stream


async def _receive(request: web.Request, stream: web.WebSocketResponse, session: Session,
                   outbox: asyncio.Queue) -> None:
    def error(message: str) -> None:
        log.warning("voice: %s: %s", request.remote, message)
        outbox.put_nowait(json.dumps({"type": "error", "message": message}))

    async for message in stream:
        if session.done.done():  # the pipeline failed: say why, and close
            outbox.put_nowait(json.dumps({"type": "end", **session.done.result()}))
            return
        if message.type is WSMsgType.BINARY:
            try:
                session.feed(message.data)
            except VoiceError as problem:
                error(str(problem))
        elif message.type is WSMsgType.TEXT:
            try:
                kind = json.loads(message.data).get("type")
            except (ValueError, AttributeError):
                kind = None
            if kind != "stop":
                error('not a message this socket takes: send audio as binary 16-bit PCM '
                      'frames, or {"type": "stop"}')
                continue
            session.end()
            summary = await session.done
            outbox.put_nowait(json.dumps({"type": "end", **summary}))
            return
        elif message.type is WSMsgType.ERROR:  # e.g. a frame over the limit: closed (1009)
            log.warning("voice: %s: %s; connection closed", request.remote,
                        stream.exception())
            return


async def _send(stream: web.WebSocketResponse, outbox: asyncio.Queue) -> None:
    """Messages in order until None; a client that left drops the rest."""
    while (item := await outbox.get()) is not None:
        if stream.closed:
            continue
        try:
            await (stream.send_str(item) if isinstance(item, str) else stream.send_bytes(item))
        except (ConnectionError, RuntimeError):
            continue


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.3g} MB"


def _suffix(name: str) -> str:
    """The upload's extension when it is a plain one (readers may go by it); never a path."""
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


async def translate(request: web.Request) -> web.Response:
    """A recording, written only inside a temporary folder, translated as `voice translate`
    would; the subtitles come back in the answer (the folder is gone after it)."""
    if (request.content_length or 0) > MAX_UPLOAD + 65_536:
        return refuse(request, 413, f"upload of {request.content_length} bytes; the limit is "
                                    f"{_megabytes(MAX_UPLOAD)}")
    try:
        reader = await request.multipart()
        field = await reader.next()
    except (ValueError, AssertionError, KeyError) as error:
        return refuse(request, 400, f"not a multipart upload ({error})")
    if field is None or getattr(field, "name", None) != "file" or not field.filename:
        return refuse(request, 400, 'send the recording as the multipart field "file"')
    name = Path(unquote(field.filename).replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="voice-web-") as folder:
        target = Path(folder) / f"upload{_suffix(name)}"
        size = 0
        with target.open("wb") as out:
            while chunk := await field.read_chunk(1 << 16):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return refuse(request, 413, f"upload over {_megabytes(MAX_UPLOAD)}")
                out.write(chunk)
        try:
            result, made = await asyncio.to_thread(request.app[STAGES].translate_file, target)
        except VoiceInputError as error:  # the reason may name the temporary file
            return refuse(request, 400, f"{name}: {error.reason.replace(str(target), name)}")
        except VoiceError as error:
            return refuse(request, 500, f"{name}: {error}")
    log.info("voice: %s: translated %s (%.1f s of audio)", request.remote, name,
             result["seconds"])
    return answer({**result, "file": name,
                   "downloads": {k: v.decode("utf-8") for k, v in made.items()}})


async def command(request: web.Request) -> web.Response:
    """A typed command: the same line a spoken one gives, without its times."""
    try:
        text = (await request.json())["text"]
    except (ValueError, KeyError, TypeError):
        return refuse(request, 400, 'send {"text": "a Spanish command"}')
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return refuse(request, 400, f"text must be a string of at most {MAX_TEXT} characters")
    return answer(await asyncio.to_thread(request.app[STAGES].handle, text))


async def _announcing(app: web.Application) -> AsyncIterator[None]:
    """While the app runs, finished timers are said on every assistant stream (as `voice
    assistant` says them); with none open, nobody hears them."""
    def say(text: str) -> None:
        for session in list(app[SESSIONS]):
            if session.mode is Mode.assistant:
                session.announce(text)

    with app[STAGES].assistant.announcing(say):
        yield


async def _stop_streams(app: web.Application) -> None:
    for session in list(app[SESSIONS]):
        session.stop()


def make_app(stages: Stages) -> web.Application:
    app = web.Application(middlewares=[one_line_errors])
    app[STAGES] = stages
    app[SESSIONS] = set()
    app[SLOTS] = set()
    app.router.add_get("/", page)
    app.router.add_get("/ws", live)
    app.router.add_post("/api/translate", translate)
    app.router.add_post("/api/command", command)
    app.router.add_static("/static", STATIC)
    app.on_shutdown.append(_stop_streams)
    app.cleanup_ctx.append(_announcing)
    return app


@contextmanager
def background(stages: Stages, host: str = "127.0.0.1",
               context: ssl.SSLContext | None = None) -> Iterator[str]:
    """The app on a free local port, on a thread and event loop of its own, as `voice serve
    web` runs it (for tests and benchmarks in one process); yields its URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="voice-web", daemon=True)
    thread.start()
    runner = web.AppRunner(make_app(stages), access_log=log)

    async def start() -> int:
        await runner.setup()
        await web.TCPSite(runner, host, 0, ssl_context=context).start()
        return runner.addresses[0][1]

    try:
        port = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
        yield f"http{'s' * bool(context)}://{host}:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


def check_address(host: str, port: int) -> None:
    """Fail in one line, before the models load, when host:port cannot be listened on."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise VoiceError(f"cannot listen on {host}:{port}: {reason}") from None


def tls(certificate: Path, key: Path | None = None) -> ssl.SSLContext:
    """https: browsers give the microphone to pages from other machines only over it."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certificate, key)
    except OSError as error:  # ssl.SSLError is one
        reason = f" ({error.reason})" if getattr(error, "reason", None) else ""
        if key is None or not _certificate(certificate):
            problem = (f"not a PEM certificate with its private key{reason}"
                       if isinstance(error, ssl.SSLError) else error.strerror or str(error))
            raise VoiceError(f"--certfile {certificate}: {problem}") from None
        problem = (f"not the PEM private key of --certfile {certificate}{reason}"
                   if isinstance(error, ssl.SSLError) else error.strerror or str(error))
        raise VoiceError(f"--keyfile {key}: {problem}") from None
    return context


def _certificate(path: Path) -> bool:
    """Whether the file holds a PEM certificate (so that, with a --keyfile, the key failed)."""
    try:
        ssl.create_default_context().load_verify_locations(path)
    except OSError:
        return False
    return True


def serve(stages: Stages, host: str, port: int, context: ssl.SSLContext | None = None) -> None:
    """Answer browsers until Ctrl-C or SIGTERM; one line per request on stderr."""
    try:
        web.run_app(make_app(stages), host=host, port=port, print=None, access_log=log,
                    access_log_format='voice: %a "%r" %s %b bytes %Tf s', ssl_context=context)
    except OSError as error:
        raise VoiceError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
