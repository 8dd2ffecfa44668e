"""Intent name -> the handler that acts on the home and says, in Spanish, what it did.

Handlers register with `@action("HassTurnOn")`; a later registration for the same intent
replaces the earlier one, so user code can override a built-in. User actions come from modules
named in the home file (`[assistant] modules = [...]`) and from the `voice.actions` entry point
group (a module registers on import; a callable is called once loaded).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

from voice.intent import hass
from voice.intent.hass import Sorry, response, spoken_list
from voice.intent.home import GENERIC, Ambiguous, Device, Home, key
from voice.intent.state import EntityState, Item, State, Timer
from voice.intent.timers import Timers, spoken_duration

Handler = Callable[["Context"], str]
ACTIONS: dict[str, Handler] = {}
SHOPPING_LIST = "todo.shopping_list"
SWITCHABLE = ("light", "switch", "fan", "media_player", "climate", "cover", "valve", "lock",
              "vacuum", "input_boolean", "humidifier", "water_heater", "siren", "remote")
_ON = {"cover": "open", "valve": "open", "lock": "locked", "vacuum": "cleaning"}
_OFF = {"cover": "closed", "valve": "closed", "lock": "unlocked", "vacuum": "docked"}
_SPOKEN_STATE = {"on": "encendido", "off": "apagado", "open": "abierto", "closed": "cerrado",
                 "locked": "cerrado con llave", "unlocked": "abierto", "cleaning": "limpiando",
                 "docked": "en la base"}
_STATE_LISTS = {"lock": ("lock_states",), "cover": ("cover_states",),
                "valve": ("cover_states",), "binary_sensor": ("bs_open_states",)}
_LOWER = ("baj", "reduc", "dismin", "decrement", "acort", "menos")  # "baja el volumen"
VOLUME_STEP = 10


def action(*intents: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for intent in intents:
            ACTIONS[intent] = handler
        return handler

    return register


def handler(intent: str) -> Handler | None:
    return ACTIONS.get(intent)


def load_extensions(modules: Iterable[str] = ()) -> None:
    """Register user actions: modules named in the home file, then `voice.actions` plugins."""
    for name in modules:
        importlib.import_module(name)
    for entry in entry_points(group="voice.actions"):
        loaded = entry.load()
        if callable(loaded):
            loaded()


@dataclass
class Context:
    """What a handler gets: the parsed command (number slots already numbers) and the home."""

    intent: str
    slots: dict[str, str | float]
    text: str
    home: Home
    state: State
    timers: Timers
    clock: Callable[[], float] = time.time

    def word(self, slot: str) -> str | None:
        value = self.slots.get(slot)
        return None if value is None else str(value)

    def number(self, slot: str) -> float | None:
        value = self.slots.get(slot)
        return value if isinstance(value, float) else None

    def targets(self, *domains: str) -> list[Device]:
        """Devices named by the name/area/floor slots, limited to domains."""
        return self.home.resolve(self.word("name"), self.word("area"), self.word("floor"),
                                 domains)

    def update(self, devices: Iterable[Device], **changes: Any) -> None:
        for device in devices:
            entity = self.state.get(device.id)
            for field, value in changes.items():
                setattr(entity, field, value)
            self.state.put(entity)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock())


def _plural(text: str) -> bool:
    """ "apaga (todas) las luces" means every light; "apaga la luz" does not say which."""
    words = key(text).split()
    return any(w in ("todas", "todos") or (w in GENERIC and w.endswith("s")) for w in words)


def _clamp(value: float) -> int:
    return round(min(100.0, max(0.0, value)))


def _percent(value: float | None, what: str) -> int:
    if value is None:
        raise Sorry(f"¿A qué {what}?")
    return _clamp(value)


# on / off ------------------------------------------------------------------------------------
@action("HassTurnOn", "HassTurnOff")
def turn_on_off(ctx: Context) -> str:
    """By name, by generic word and area ("las luces de la cocina"), or the area's lights."""
    on = ctx.intent == "HassTurnOn"
    devices = ctx.targets(*SWITCHABLE) if ctx.word("name") else ctx.targets("light")
    everywhere = not (ctx.word("name") or ctx.word("area") or ctx.word("floor"))
    if everywhere and len(devices) > 1 and not _plural(ctx.text):
        raise Ambiguous(devices)
    for device in devices:
        ctx.update([device], state=(_ON if on else _OFF).get(device.domain, "on" if on else "off"))
    verb = "encendido" if on else "apagado"
    fallback = f"He {verb} {spoken_list([d.name for d in devices])}"
    if len(devices) > 1:
        domains = {d.domain for d in devices}
        group = {"light": "lights_area", "fan": "fans_area"}.get(domains.pop(), "")
        return response(ctx.intent, group if not domains else "", fallback)
    device = devices[0]
    template = device.domain if device.domain in ("cover", "lock", "valve") else "default"
    return response(ctx.intent, template, fallback, slots={"name": device.name},
                    state={"domain": device.domain})


@action("HassLightSet")
def light_set(ctx: Context) -> str:
    devices = ctx.targets("light")
    if "brightness" in ctx.slots:
        level = ctx.number("brightness")
        if level is None:
            level = hass.value("brightness_level", ctx.word("brightness") or "")
        brightness = _percent(level, "brillo")
        ctx.update(devices, brightness=brightness, state="on" if brightness else "off")
        return response(ctx.intent, "brightness", "Brillo establecido")
    if "color" in ctx.slots:
        color = hass.value("color", ctx.word("color") or "")
        if color is None:
            raise Sorry(f"No conozco el color «{ctx.word('color')}».")
        ctx.update(devices, color=color, state="on")
        return response(ctx.intent, "color", "Color establecido")
    if "temperature" in ctx.slots:
        kelvin = ctx.number("temperature")
        if kelvin is None:
            kelvin = hass.value("color_temperature_names", ctx.word("temperature") or "")
        if kelvin is None:
            raise Sorry(f"No conozco la temperatura de color «{ctx.word('temperature')}».")
        ctx.update(devices, color_temp=round(kelvin), state="on")
        return response(ctx.intent, "temperature", "Temperatura de color establecida")
    raise Sorry("¿Qué quieres cambiar de la luz?")


@action("HassSetPosition")
def set_position(ctx: Context) -> str:
    devices = ctx.targets("cover", "valve")
    position = _percent(ctx.number("position"), "posición")
    ctx.update(devices, position=position, state="open" if position else "closed")
    return response(ctx.intent, "default", "Posición establecida")


@action("HassFanSetSpeed")
def fan_speed(ctx: Context) -> str:
    devices = ctx.targets("fan")
    speed = _percent(ctx.number("percentage"), "velocidad")
    ctx.update(devices, percentage=speed, state="on" if speed else "off")
    return response(ctx.intent, "default", "Velocidad establecida")


@action("HassVacuumStart", "HassVacuumReturnToBase")
def vacuum(ctx: Context) -> str:
    start = ctx.intent == "HassVacuumStart"
    ctx.update(ctx.targets("vacuum"), state="cleaning" if start else "docked")
    return response(ctx.intent, "default", "Limpieza iniciada" if start else "Regresando")


# climate -------------------------------------------------------------------------------------
@action("HassClimateSetTemperature")
def climate_set(ctx: Context) -> str:
    temperature = ctx.number("temperature")
    if temperature is None:
        raise Sorry("¿A qué temperatura?")
    ctx.update(ctx.targets("climate"), temperature=temperature, state="on")
    return response(ctx.intent, "default", "Temperatura ajustada")


@action("HassClimateGetTemperature")
def climate_get(ctx: Context) -> str:
    """The temperature the thermostat is set to: there are no sensors to read."""
    device = ctx.targets("climate")[0]
    temperature = ctx.state.get(device.id).temperature
    if temperature is None:
        raise Sorry(f"No sé a qué temperatura está {device.name}.")
    return response(ctx.intent, "default", f"{temperature:g} grados",
                    state={"entity_id": device.id, "state": temperature},
                    state_attr=lambda entity_id, attribute: None)


# timers --------------------------------------------------------------------------------------
def _seconds(ctx: Context, prefix: str = "") -> float:
    hours, minutes, seconds = (ctx.number(f"{prefix}{unit}") or 0.0
                               for unit in ("hours", "minutes", "seconds"))
    return hours * 3600 + minutes * 60 + seconds


def _timer(ctx: Context) -> Timer:
    return ctx.timers.find(ctx.word("name"), _seconds(ctx, "start_") or None)


@action("HassStartTimer")
def start_timer(ctx: Context) -> str:
    seconds = _seconds(ctx)
    if seconds <= 0:
        raise Sorry("¿De cuánto tiempo pongo el temporizador?")
    ctx.timers.start(seconds, ctx.word("name"))
    return response(ctx.intent, "default", f"Temporizador de {spoken_duration(seconds)}")


@action("HassCancelTimer", "HassPauseTimer", "HassUnpauseTimer")
def timer_control(ctx: Context) -> str:
    timer = _timer(ctx)
    do, fallback = {
        "HassCancelTimer": (ctx.timers.cancel, "Temporizador cancelado"),
        "HassPauseTimer": (ctx.timers.pause, "Temporizador en pausa"),
        "HassUnpauseTimer": (ctx.timers.resume, "Continuando temporizador"),
    }[ctx.intent]
    do(timer)
    return response(ctx.intent, "default", fallback)


@action("HassIncreaseTimer", "HassDecreaseTimer")
def timer_adjust(ctx: Context) -> str:
    seconds = _seconds(ctx)
    if seconds <= 0:
        raise Sorry("¿Cuánto tiempo?")
    timer = _timer(ctx)
    ctx.timers.adjust(timer, seconds if ctx.intent == "HassIncreaseTimer" else -seconds)
    return response(ctx.intent, "default", "Temporizador actualizado")


@action("HassCancelAllTimers")
def cancel_all(ctx: Context) -> str:
    live = ctx.timers.live()
    for timer in live:
        ctx.timers.cancel(timer)
    return response(ctx.intent, "default", f"Temporizadores cancelados: {len(live)}",
                    slots={"canceled": len(live)})


@action("HassTimerStatus")
def timer_status(ctx: Context) -> str:
    asked = ctx.word("name") or _seconds(ctx, "start_")
    timers = [_timer(ctx)] if asked else ctx.timers.live()
    described = []
    for timer in timers:
        start_h, start_m, start_s = _hms(timer.duration)
        left_h, left_m, left_s = _hms(ctx.timers.left(timer))
        described.append({
            "is_active": timer.state == "running", "name": timer.name, "area": None,
            "start_hours": start_h, "start_minutes": start_m, "start_seconds": start_s,
            "rounded_hours_left": left_h, "rounded_minutes_left": left_m,
            "rounded_seconds_left": left_s, "total_seconds_left": ctx.timers.left(timer),
        })
    return response(ctx.intent, "default", "No hay temporizadores", slots={"timers": described})


def _hms(seconds: float) -> tuple[int, int, int]:
    minutes, secs = divmod(round(seconds), 60)
    return minutes // 60, minutes % 60, secs


# lists ---------------------------------------------------------------------------------------
def _list(ctx: Context) -> str:
    """The shopping list for HassShoppingList*, else the to-do list the name slot says."""
    if ctx.intent.startswith("HassShoppingList"):
        return SHOPPING_LIST
    return ctx.home.resolve(ctx.word("name"), domains=("todo",))[0].id


def _item(ctx: Context) -> str:
    item = ctx.word("item")
    if not item:
        raise Sorry("¿Qué elemento?")
    return item


def _find_item(ctx: Context, list_id: str, item: str) -> Item:
    """The list entry for item (accents and case ignored), one not yet done first."""
    found = sorted((i for i in ctx.state.items(list_id) if key(i.item) == key(item)),
                   key=lambda i: i.done)
    if not found:
        raise Sorry(f"No encuentro «{item}» en la lista.")
    return found[0]


@action("HassShoppingListAddItem", "HassListAddItem")
def add_item(ctx: Context) -> str:
    item = _item(ctx)
    ctx.state.add_item(_list(ctx), item)
    return response(ctx.intent, "item_added", f"He añadido {item}", slots={"item": item})


@action("HassShoppingListCompleteItem", "HassListCompleteItem")
def complete_item(ctx: Context) -> str:
    item = _item(ctx)
    ctx.state.set_done(_find_item(ctx, _list(ctx), item).id)
    return response(ctx.intent, "item_completed", f"He completado {item}", slots={"item": item})


@action("HassListRemoveItem")
def remove_item(ctx: Context) -> str:
    item = _item(ctx)
    ctx.state.remove_item(_find_item(ctx, _list(ctx), item).id)
    return response(ctx.intent, "item_deleted", f"He quitado {item}", slots={"item": item})


# time and date -------------------------------------------------------------------------------
@action("HassGetCurrentTime")
def current_time(ctx: Context) -> str:
    now = ctx.now()
    return response(ctx.intent, "default", f"Son las {now:%H:%M}", slots={"time": now.time()})


@action("HassGetCurrentDate")
def current_date(ctx: Context) -> str:
    today = ctx.now().date()
    return response(ctx.intent, "default", f"Hoy es {today:%d/%m/%Y}", slots={"date": today})


# media ---------------------------------------------------------------------------------------
def _players(ctx: Context) -> list[Device]:
    """Named players; unnamed, the ones in use (playing or paused), else the first one."""
    players = ctx.targets("media_player")
    if ctx.word("name"):
        return players
    active = [p for p in players if ctx.state.get(p.id).media != "idle"]
    return active or players[:1]


def _entities(ctx: Context, devices: list[Device]) -> list[EntityState]:
    return [ctx.state.get(d.id) for d in devices]


@action("HassMediaPause", "HassMediaUnpause")
def media_pause(ctx: Context) -> str:
    pause = ctx.intent == "HassMediaPause"
    ctx.update(_players(ctx), media="paused" if pause else "playing", state="on")
    return response(ctx.intent, "default",
                    "Reproducción en pausa" if pause else "Continuando reproducción")


@action("HassMediaNext", "HassMediaPrevious")
def media_skip(ctx: Context) -> str:
    step = 1 if ctx.intent == "HassMediaNext" else -1
    for entity in _entities(ctx, _players(ctx)):
        entity.track, entity.media, entity.state = max(0, entity.track + step), "playing", "on"
        ctx.state.put(entity)
    return response(ctx.intent, "default", "Siguiente" if step > 0 else "Anterior")


@action("HassSetVolume")
def set_volume(ctx: Context) -> str:
    ctx.update(_players(ctx), volume=_percent(ctx.number("volume_level"), "volumen"))
    return response(ctx.intent, "default", "Volumen establecido")


@action("HassSetVolumeRelative")
def volume_relative(ctx: Context) -> str:
    """Up or down by volume_step percent (10 unsaid); the direction is in the verb."""
    step = abs(ctx.number("volume_step") or VOLUME_STEP)
    if any(w.startswith(_LOWER) for w in key(ctx.text).split()):
        step = -step
    for entity in _entities(ctx, _players(ctx)):
        entity.volume = _clamp((50 if entity.volume is None else entity.volume) + step)
        ctx.state.put(entity)
    return response(ctx.intent, "default", "Volumen ajustado")


@action("HassMediaPlayerMute", "HassMediaPlayerUnmute")
def mute(ctx: Context) -> str:
    muted = ctx.intent == "HassMediaPlayerMute"
    ctx.update(_players(ctx), muted=muted)
    return response(ctx.intent, "default", "Silenciado" if muted else "Audio restaurado")


# the rest ------------------------------------------------------------------------------------
@action("HassNevermind")
def nevermind(ctx: Context) -> str:
    return response(ctx.intent, "default", "Vale")


@action("HassGetState")
def get_state(ctx: Context) -> str:
    """What state devices are in, or, with a state slot ("¿está encendida?"), yes or no."""
    devices = ctx.targets()
    asked = ctx.word("state")
    if asked:
        matched = [d for d in devices if ctx.state.get(d.id).state == _asked(asked, d.domain)]
        first = ctx.state.get(devices[0].id)
        template = "one_yesno" if len(devices) == 1 else "any"
        return response(
            ctx.intent, template, "Sí" if matched else "No",
            query={"matched": [{"name": d.name} for d in matched]},
            state={"domain": devices[0].domain,
                   "state_with_unit": _SPOKEN_STATE.get(first.state, first.state)})
    parts = []
    for device in devices:
        state = ctx.state.get(device.id).state
        parts.append(response(ctx.intent, "one", f"{device.name} está {state}",
                              slots={"name": device.name},
                              state={"domain": device.domain,
                                     "state_with_unit": _SPOKEN_STATE.get(state, state)}))
    return " ".join(parts)


def _asked(word: str, domain: str) -> Any:
    """The state a spoken word means for a domain: "abierta" is "unlocked" for a lock."""
    lists = _STATE_LISTS.get(domain, ("on_off_states",))
    return next((v for name in lists if (v := hass.value(name, word)) is not None), None)
