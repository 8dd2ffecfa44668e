"""`voice serve wyoming`: the recogniser, the voices and the assistant as one Wyoming server.

Each service (asr, tts, handle; a wake service would be one more) adds its program to `info`
and answers its own request events; this module frames the events, routes them, and turns
every problem a client causes into an `error` event and a line on stderr, so no client can
stop the server or make it buffer without bound.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import ClassVar

from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.info import Attribution, Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer, AsyncTcpServer

from voice.errors import VoiceError
from voice.serve import MAX_TEXT

log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 1 << 20  # an event's data or payload; audio chunks are a few kB
ATTRIBUTION = Attribution(name="voice", url="")  # no public home page yet
AUDIO_TYPES = frozenset({"audio-start", "audio-chunk", "audio-stop"})

Send = Callable[[Event], Awaitable[None]]
Receive = Callable[[Event], Awaitable[None]]


class Service(ABC):
    """One Wyoming domain, its models loaded once and shared by every connection."""

    requests: ClassVar[frozenset[str]]  # the event types it answers
    takes_audio: ClassVar[bool] = False  # its requests are followed by audio events

    @abstractmethod
    def describe(self, info: Info) -> None:
        """Add this service's program to the server's info."""

    @abstractmethod
    def open(self, send: Send) -> Receive:
        """One connection's receiver of this service's events (and audio, when it takes it)."""

    def running(self) -> AbstractContextManager[None]:
        """What the service does while the server runs, beside answering (none by default)."""
        return nullcontext()


def info(services: Sequence[Service]) -> Info:
    described = Info()
    for service in services:
        service.describe(described)
    return described


def language_of(tag: str) -> str:
    """"es-ES", "es_MX", "EN" -> "es", "es", "en"."""
    return tag.replace("_", "-").split("-")[0].lower()


def text_of(event: Event, what: str) -> str:
    """The event's text, checked: a string of at most MAX_TEXT characters."""
    text = event.data["text"]
    if not isinstance(text, str):
        raise VoiceError(f"{what}: text must be a string")
    if len(text) > MAX_TEXT:
        raise VoiceError(f"{what}: {len(text)} characters of text; the limit is {MAX_TEXT}")
    return text


class TooLarge(Exception):
    """A client announced more bytes than one event may carry."""


class _BoundedReader:
    """The connection as the event parser reads it, refusing data or payloads over the limit
    before reading them (the header line itself is bounded by the stream's 64 kB limit)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    async def readline(self) -> bytes:
        return await self.reader.readline()

    async def readexactly(self, size: int) -> bytes:
        if size > MAX_EVENT_BYTES:
            raise TooLarge(f"event of {size} bytes; the limit is {MAX_EVENT_BYTES}")
        return await self.reader.readexactly(size)


class Connection(AsyncEventHandler):
    """One client: events go to the service that answers them, and audio to the service of
    the last audio-taking request (the recogniser until another one asks)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 services: Sequence[Service], described: Info) -> None:
        super().__init__(reader, writer)
        self.peer = "{}:{}".format(*writer.get_extra_info("peername") or ("client", ""))
        self.described = described
        self.routes: dict[str, Receive] = {}
        self.listener: Receive | None = None
        for service in services:
            receive = service.open(self.write_event)
            if service.takes_audio:
                self.listener = self.listener or receive
                receive = self._listening(receive)
            self.routes.update(dict.fromkeys(service.requests, receive))

    def _listening(self, receive: Receive) -> Receive:
        async def request(event: Event) -> None:
            self.listener = receive
            await receive(event)

        return request

    async def run(self) -> None:
        """Like AsyncEventHandler.run, but a broken event or a vanished client ends this
        connection only, with one line on stderr (and an error event, when it can be sent)."""
        events = _BoundedReader(self.reader)
        try:
            while True:
                try:
                    event = await async_read_event(events)  # type: ignore[arg-type]
                except TooLarge as error:
                    await self.refuse(str(error), "too-large")
                    break
                except (KeyError, TypeError, AttributeError):  # JSON, but not an event
                    await self.refuse("malformed event: not a Wyoming event header", "malformed")
                    break
                if event is None:  # end of stream, or a line the parser could not read
                    if not self.reader.at_eof():
                        await self.refuse("malformed event: not a JSON header line",
                                          "malformed")
                    break
                if not await self.handle_event(event):
                    break
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            log.warning("voice: %s: connection lost (%s)", self.peer,
                        type(error).__name__)
        finally:
            self.writer.close()

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.described.event())
            return True
        if Ping.is_type(event.type):
            await self.write_event(Pong(text=event.data.get("text")).event())
            return True
        receive = self.listener if event.type in AUDIO_TYPES else self.routes.get(event.type)
        if receive is None:  # the protocol: events a server does not know are dropped
            return True
        try:
            await receive(event)
        except VoiceError as error:
            await self.refuse(str(error), "bad-request")
        except ConnectionError:  # the client left while we answered
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            await self.refuse(f"malformed {event.type} event ({type(error).__name__}: "
                              f"{error})", "malformed")
        except Exception as error:  # a bug: this request fails, the server goes on
            await self.refuse(f"{event.type} failed ({type(error).__name__}: {error})",
                              "internal")
        return True

    async def refuse(self, message: str, code: str) -> None:
        log.warning("voice: %s: %s", self.peer, message)
        await self.write_event(Error(text=message, code=code).event())


def server(uri: str) -> AsyncServer:
    """The server for a URI (tcp://HOST:PORT, unix://PATH, stdio://), before it listens."""
    try:
        return AsyncServer.from_uri(uri)
    except ValueError as error:
        raise VoiceError(f"--uri {uri}: {error}") from None


async def serve(listener: AsyncServer, services: Sequence[Service]) -> None:
    """Answer clients until stopped (SIGTERM, Ctrl-C, or stdin closing for stdio://)."""
    described = info(services)

    def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Connection:
        return Connection(reader, writer, services, described)

    try:
        with ExitStack() as stack:
            for service in services:
                stack.enter_context(service.running())
            await listener.run(connect)
    except OSError as error:
        raise VoiceError(f"cannot listen: {error.strerror or error}") from None


@contextmanager
def background(services: Sequence[Service], wait: float = 30.0) -> Iterator[str]:
    """A server on a free local port, on a thread and event loop of its own, as `voice serve
    wyoming` runs (for tests and benchmarks in one process); yields its URI."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="wyoming", daemon=True)
    thread.start()
    listener = AsyncTcpServer("127.0.0.1", port)
    running = asyncio.run_coroutine_threadsafe(serve(listener, services), loop)
    try:
        for _ in range(int(wait / 0.05)):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=wait).close()
                break
            except OSError:
                if running.done():
                    running.result()  # the server failed to start: say why
                threading.Event().wait(0.05)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(listener.stop(), loop).result(wait)
        running.cancel()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(wait)
