"""Intent handling over Wyoming: a Spanish `transcript` -> the assistant -> `handled` with
its spoken reply, or `not-handled` (with the reply to say) when nothing was done.

Timers set this way run in voice's home. Wyoming gives a conversation agent no way to speak
to a satellite unasked, so a finished timer is a line on the server's stderr."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from contextlib import AbstractContextManager

from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import HandleModel, HandleProgram, Info

from voice import __version__
from voice.intent.assistant import Assistant
from voice.serve.wyoming import ATTRIBUTION, Receive, Send, Service, language_of, text_of

log = logging.getLogger(__name__)
LANGUAGE = "es"
NOT_SPANISH = "Solo entiendo órdenes en español."


class Handle(Service):
    requests = frozenset({"transcript"})

    def __init__(self, assistant: Assistant, executor: Executor) -> None:
        self.assistant = assistant
        self.executor = executor  # the models' one thread (the parser, the state database)

    def describe(self, info: Info) -> None:
        info.handle.append(HandleProgram(
            name="voice", attribution=ATTRIBUTION, installed=True, version=__version__,
            description="voice: Spanish commands acted on in voice's own home (home file)",
            models=[HandleModel(name="intent-es", attribution=ATTRIBUTION, installed=True,
                                description="Spanish BiGRU intent and slot parser",
                                version=__version__, languages=[LANGUAGE])]))

    def running(self) -> AbstractContextManager[None]:
        """Finished timers announced on stderr, as `voice assistant` says them."""
        return self.assistant.announcing(lambda text: log.warning("voice: %s", text))

    def open(self, send: Send) -> Receive:
        async def receive(event: Event) -> None:
            await send(await self.handle(event))

        return receive

    async def handle(self, event: Event) -> Event:
        text = text_of(event, "transcript")
        language = event.data.get("language")
        if language and language_of(language) != LANGUAGE:
            return NotHandled(text=NOT_SPANISH).event()
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(self.executor, self.assistant.handle, text)
        return (Handled if reply.ok else NotHandled)(text=reply.reply).event()
