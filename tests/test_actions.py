"""The assistant's actions: text in -> stored state changed and the right Spanish reply out.

Most tests use a fake parser with fixed parses, so they test the actions and not the model;
a few at the end run the shipped intent model on clear commands.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from voice.intent import actions
from voice.intent.actions import action
from voice.intent.assistant import REPEAT, UNKNOWN, Assistant
from voice.intent.home import Home
from voice.intent.parser import IntentParser, Parse
from voice.intent.state import State, default_path
from voice.numbers import spoken_number

START = datetime(2025, 3, 4, 10, 35).timestamp()  # a Tuesday, local time


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def P(text: str, intent: str | None, confidence: float = 0.99, **slots: str) -> Parse:
    return Parse(text, intent, slots, confidence)


PARSES = {p.text: p for p in [
    P("enciende la cafetera", "HassTurnOn", name="cafetera"),
    P("enciende la luz de la cocina", "HassTurnOn", name="luz de la cocina"),
    P("enciende las luces de la cocina", "HassTurnOn", name="luces", area="cocina"),
    P("apaga las luces de la cocina", "HassTurnOff", name="luces", area="cocina"),
    P("enciende la luz", "HassTurnOn"),
    P("apaga todas las luces", "HassTurnOff"),
    P("abre la persiana del salon", "HassTurnOn", name="persiana del salon"),
    P("enciende la lampara azul", "HassTurnOn", name="lámpara azul"),
    P("pon la lampara de pie al cincuenta por ciento", "HassLightSet", name="lampara de pie",
      brightness="cincuenta"),
    P("pon la lampara de pie al maximo", "HassLightSet", name="lampara de pie",
      brightness="máximo"),
    P("pon la lampara de pie en rojo", "HassLightSet", name="lámpara de pie", color="rojo"),
    P("pon la lampara de pie en fucsia", "HassLightSet", name="lámpara de pie", color="fucsia"),
    P("pon la lampara de pie en blanco calido", "HassLightSet", name="lámpara de pie",
      temperature="blanco cálido"),
    P("pon la persiana del salon al veinticinco por ciento", "HassSetPosition",
      name="persiana del salón", position="veinticinco"),
    P("cierra el riego", "HassSetPosition", name="riego", position="0"),
    P("pon la calefaccion a veintidos grados", "HassClimateSetTemperature",
      name="calefacción", temperature="veintidós"),
    P("que temperatura hace en el salon", "HassClimateGetTemperature", area="salón"),
    P("pon el ventilador del dormitorio al treinta por ciento", "HassFanSetSpeed",
      name="ventilador del dormitorio", percentage="treinta"),
    P("pon la aspiradora", "HassVacuumStart", name="aspiradora"),
    P("manda la aspiradora a la base", "HassVacuumReturnToBase", name="aspiradora"),
    P("pon un temporizador de cinco minutos", "HassStartTimer", minutes="cinco"),
    P("pon un temporizador de pizza de 10 minutos", "HassStartTimer", name="pizza",
      minutes="10"),
    P("pon un temporizador de una hora y 30 segundos", "HassStartTimer", hours="una",
      seconds="30"),
    P("pon un temporizador", "HassStartTimer"),
    P("pausa el temporizador", "HassPauseTimer"),
    P("continua el temporizador", "HassUnpauseTimer"),
    P("añade dos minutos al temporizador", "HassIncreaseTimer", minutes="dos"),
    P("quita un minuto al temporizador de pizza", "HassDecreaseTimer", name="pizza",
      minutes="un"),
    P("cancela el temporizador de pizza", "HassCancelTimer", name="pizza"),
    P("cancela el temporizador de cinco minutos", "HassCancelTimer", start_minutes="cinco"),
    P("cancela el temporizador", "HassCancelTimer"),
    P("cancela todos los temporizadores", "HassCancelAllTimers"),
    P("cuanto queda del temporizador", "HassTimerStatus"),
    P("añade leche a la lista de la compra", "HassShoppingListAddItem", item="leche"),
    P("marca la leche como comprada", "HassShoppingListCompleteItem", item="Leche"),
    P("marca pan como comprado", "HassShoppingListCompleteItem", item="pan"),
    P("añade barrer a las tareas de casa", "HassListAddItem", item="barrer",
      name="tareas de casa"),
    P("completa barrer en las tareas de casa", "HassListCompleteItem", item="barrer",
      name="tareas de casa"),
    P("quita barrer de las tareas de casa", "HassListRemoveItem", item="barrer",
      name="tareas de casa"),
    P("que hora es", "HassGetCurrentTime"),
    P("que dia es hoy", "HassGetCurrentDate"),
    P("reanuda la tele", "HassMediaUnpause", name="tele"),
    P("pausa", "HassMediaPause"),
    P("continua", "HassMediaUnpause"),
    P("siguiente cancion", "HassMediaNext"),
    P("cancion anterior", "HassMediaPrevious"),
    P("pon el volumen al treinta por ciento", "HassSetVolume", volume_level="treinta"),
    P("sube el volumen", "HassSetVolumeRelative"),
    P("baja el volumen un veinte por ciento", "HassSetVolumeRelative", volume_step="veinte"),
    P("silencia la tele", "HassMediaPlayerMute", name="tele"),
    P("quita el silencio de la tele", "HassMediaPlayerUnmute", name="tele"),
    P("olvidalo", "HassNevermind"),
    P("esta encendida la cafetera", "HassGetState", name="cafetera", state="encendida"),
    P("esta apagada la cafetera", "HassGetState", name="cafetera", state="apagada"),
    P("como esta la cafetera", "HassGetState", name="cafetera"),
    P("abre la puerta", "HassTurnOn", confidence=0.2, name="puerta principal"),
    P("que tiempo hace", "HassGetWeather"),
    P("explota", "TestBoom"),
]}


class FakeParser:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def parse(self, text: str) -> Parse:
        self.calls.append(text)
        return PARSES[text]


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Actions registered by a test are forgotten after it."""
    monkeypatch.setattr(actions, "ACTIONS", dict(actions.ACTIONS))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def state(db: Path) -> State:
    return State(db)


@pytest.fixture
def bot(state: State, clock: Clock) -> Assistant:
    return Assistant(FakeParser(), Home.load(), state, clock=clock)


def say(bot: Assistant, text: str, ok: bool = True) -> str:
    reply = bot.handle(text)
    assert reply.ok is ok, reply
    return reply.reply


# devices -------------------------------------------------------------------------------------
def test_turn_on_by_name(bot, state):
    assert say(bot, "enciende la cafetera") == "Se ha activado el interruptor."
    assert state.get("switch.coffee_maker").state == "on"


def test_turn_on_and_off_by_area_and_generic_word(bot, state):
    assert say(bot, "enciende la luz de la cocina") == "Se ha activado la luz."
    assert state.get("light.kitchen_ceiling").state == "on"
    assert say(bot, "apaga las luces de la cocina") == "Se ha apagado la luz."
    assert state.get("light.kitchen_ceiling").state == "off"
    assert state.get("light.living_lamp").state == "off"


def test_all_lights_or_ask_which(bot, state):
    assert say(bot, "enciende la luz", ok=False).startswith("¿Cuál? Hay varios: luz del techo")
    assert state.get("light.bedside").state == "off"
    say(bot, "enciende las luces de la cocina")
    assert say(bot, "apaga todas las luces") == "Luces apagadas."


def test_cover_opens(bot, state):
    assert say(bot, "abre la persiana del salon") == "Persiana del salón se ha abierto."
    assert state.get("cover.living_blinds").state == "open"


def test_unknown_device(bot, state):
    assert say(bot, "enciende la lampara azul", ok=False) == "No encuentro «lámpara azul»."


def test_nothing_to_act_on_in_an_area(bot, monkeypatch):
    monkeypatch.setitem(PARSES, "enciende el baño", P("enciende el baño", "HassTurnOn",
                                                     area="baño"))
    assert say(bot, "enciende el baño", ok=False) == "No encuentro nada así en baño."


def test_light_brightness_colour_and_temperature(bot, state):
    assert say(bot, "pon la lampara de pie al cincuenta por ciento") == "Brillo establecido."
    lamp = state.get("light.living_lamp")
    assert (lamp.state, lamp.brightness) == ("on", 50)
    say(bot, "pon la lampara de pie al maximo")
    assert state.get("light.living_lamp").brightness == 100
    assert say(bot, "pon la lampara de pie en rojo") == "Color establecido."
    assert state.get("light.living_lamp").color == "red"
    assert say(bot, "pon la lampara de pie en fucsia", ok=False) == \
        "No conozco el color «fucsia»."
    say(bot, "pon la lampara de pie en blanco calido")
    assert state.get("light.living_lamp").color_temp == 2700


def test_position(bot, state):
    assert say(bot, "pon la persiana del salon al veinticinco por ciento") == \
        "Posición establecida."
    blinds = state.get("cover.living_blinds")
    assert (blinds.position, blinds.state) == (25, "open")
    say(bot, "cierra el riego")
    assert state.get("valve.garden_water").state == "closed"


def test_climate(bot, state):
    assert say(bot, "que temperatura hace en el salon", ok=False).startswith("No sé")
    assert say(bot, "pon la calefaccion a veintidos grados") == "Temperatura ajustada."
    assert state.get("climate.thermostat").temperature == 22.0
    assert say(bot, "que temperatura hace en el salon") == "22 grados."


def test_fan_and_vacuum(bot, state):
    assert say(bot, "pon el ventilador del dormitorio al treinta por ciento") == \
        "Velocidad establecida."
    assert state.get("fan.bedroom").percentage == 30
    assert say(bot, "pon la aspiradora") == "Limpieza iniciada."
    assert state.get("vacuum.robot").state == "cleaning"
    say(bot, "manda la aspiradora a la base")
    assert state.get("vacuum.robot").state == "docked"


def test_get_state(bot):
    say(bot, "enciende la cafetera")
    assert say(bot, "esta encendida la cafetera") == "Sí."
    assert say(bot, "esta apagada la cafetera") == "No, su estado es encendido."
    assert say(bot, "como esta la cafetera") == "El dispositivo Cafetera está encendido."


# timers --------------------------------------------------------------------------------------
def test_timer_fires(bot, state, clock):
    assert say(bot, "pon un temporizador de cinco minutos") == "Temporizador iniciado."
    [timer] = state.timers("running")
    assert timer.duration == 300
    clock.now += 299
    assert bot.announcements() == []
    clock.now += 1
    assert bot.announcements() == ["El temporizador de 5 minutos ha terminado."]
    assert bot.announcements() == []
    assert state.timers("running", "paused") == []


def test_timer_pause_resume_and_adjust(bot, clock):
    say(bot, "pon un temporizador de pizza de 10 minutos")
    clock.now += 60
    assert say(bot, "pausa el temporizador") == "Temporizador en pausa."
    clock.now += 3600
    assert bot.announcements() == []
    assert say(bot, "cuanto queda del temporizador") == "El temporizador está en pausa. " \
        "Le quedan 9 minutos."
    assert say(bot, "continua el temporizador") == "Continuando temporizador."
    assert say(bot, "añade dos minutos al temporizador") == "Temporizador actualizado."
    say(bot, "quita un minuto al temporizador de pizza")
    assert say(bot, "cuanto queda del temporizador") == "Le quedan 10 minutos."
    clock.now += 600
    assert bot.announcements() == ["El temporizador de pizza ha terminado."]


def test_timer_hours_seconds_and_status(bot, state):
    say(bot, "pon un temporizador de una hora y 30 segundos")
    assert state.timers("running")[0].duration == 3630
    say(bot, "pon un temporizador de cinco minutos")
    assert say(bot, "cuanto queda del temporizador") == "2 temporizadores activos. " \
        "Al temporizador de 5 minutos le quedan 5 minutos."
    assert say(bot, "pon un temporizador", ok=False) == "¿De cuánto tiempo pongo el temporizador?"


def test_timer_cancel(bot, state):
    assert say(bot, "cancela el temporizador", ok=False) == \
        "Lo siento, no se pudo encontrar ese temporizador."
    say(bot, "pon un temporizador de pizza de 10 minutos")
    say(bot, "pon un temporizador de cinco minutos")
    assert say(bot, "cancela el temporizador", ok=False) == \
        "Lo siento, no se puede realizar la acción en varios temporizadores."
    assert say(bot, "cancela el temporizador de pizza") == "Temporizador cancelado."
    assert say(bot, "cancela el temporizador de cinco minutos") == "Temporizador cancelado."
    assert state.timers("running") == []
    say(bot, "pon un temporizador de pizza de 10 minutos")
    say(bot, "pon un temporizador de cinco minutos")
    assert say(bot, "cancela todos los temporizadores") == "Se han cancelado 2 temporizadores."
    assert [t.state for t in state.timers("cancelled")] == ["cancelled"] * 4


# lists, time, media --------------------------------------------------------------------------
def test_shopping_list(bot, state):
    assert say(bot, "añade leche a la lista de la compra") == "He añadido leche."
    assert say(bot, "marca la leche como comprada") == "He completado Leche."
    [item] = state.items("todo.shopping_list")
    assert (item.item, item.done) == ("leche", True)
    assert say(bot, "marca pan como comprado", ok=False) == "No encuentro «pan» en la lista."


def test_todo_list(bot, state):
    assert say(bot, "añade barrer a las tareas de casa") == "Se añadió barrer."
    assert say(bot, "completa barrer en las tareas de casa") == "Se completó barrer."
    assert state.items("todo.chores")[0].done
    assert say(bot, "quita barrer de las tareas de casa") == "Se eliminó barrer."
    assert state.items("todo.chores") == []


def test_time_and_date(bot):
    assert say(bot, "que hora es") == "Son las 11 menos 25 de la mañana."
    assert say(bot, "que dia es hoy") == "Es martes, 4 de marzo de 2025."


def test_media(bot, state):
    assert say(bot, "reanuda la tele") == "Continuando reproducción."
    assert state.get("media_player.tv").media == "playing"
    assert say(bot, "pausa") == "Reproducción en pausa."  # the player in use, not the speaker
    assert state.get("media_player.tv").media == "paused"
    assert state.get("media_player.kitchen_speaker").media == "idle"
    say(bot, "continua")
    assert say(bot, "siguiente cancion") == "Reproduciendo siguiente."
    say(bot, "siguiente cancion")
    say(bot, "cancion anterior")
    assert state.get("media_player.tv").track == 1
    assert say(bot, "pon el volumen al treinta por ciento") == "Volumen establecido."
    assert state.get("media_player.tv").volume == 30
    assert say(bot, "sube el volumen") == "Volumen ajustado."
    assert state.get("media_player.tv").volume == 40
    say(bot, "baja el volumen un veinte por ciento")
    assert state.get("media_player.tv").volume == 20
    assert say(bot, "silencia la tele") == "Silenciado."
    assert state.get("media_player.tv").muted
    assert say(bot, "quita el silencio de la tele") == "Audio restaurado."
    assert not state.get("media_player.tv").muted


def test_nevermind(bot):
    assert say(bot, "olvidalo") == "Petición cancelada."


# what the assistant does when it cannot act --------------------------------------------------
def test_empty_command_asks_to_repeat(state, clock):
    parser = FakeParser()
    bot = Assistant(parser, Home.load(), state, clock=clock)
    for text in ("", "   "):
        reply = bot.handle(text)
        assert (reply.reply, reply.ok, reply.intent) == (REPEAT, False, None)
    assert parser.calls == []


def test_low_confidence_asks_and_does_not_act(bot, state):
    reply = bot.handle("abre la puerta")
    assert (reply.reply, reply.ok, reply.intent) == (REPEAT, False, "HassTurnOn")
    assert state.get("lock.front_door").state == "off"


def test_unknown_intent(bot):
    assert say(bot, "que tiempo hace", ok=False) == UNKNOWN


def test_failing_action_does_not_stop_the_assistant(bot, state, caplog):
    @action("TestBoom")
    def boom(ctx):
        raise RuntimeError("broken action")

    assert say(bot, "explota", ok=False) == \
        "Se ha producido un error inesperado al procesar la instrucción."
    assert "broken action" in caplog.text
    assert say(bot, "enciende la cafetera") == "Se ha activado el interruptor."


def test_number_words_become_numbers(bot):
    assert bot.handle("pon un temporizador de cinco minutos").slots == {"minutes": 5.0}
    assert bot.handle("pon la lampara de pie al maximo").slots["brightness"] == "máximo"


@pytest.mark.parametrize("text, number", [
    ("cinco", 5), ("25", 25), ("2,5", 2.5), ("veinticinco por ciento", 25), ("veintiún", 21),
    ("dos y medio", 2.5), ("dos coma cinco", 2.5), ("una", 1), ("Treinta y dos", 32),
    ("media", 0.5), ("nada", None), ("1.500 vatios", 1500), ("1.000,5", 1000.5), ("-2,5", -2.5),
])
def test_spoken_number(text, number):
    assert spoken_number(text) == number


# persistence and extensions ------------------------------------------------------------------
def test_state_survives_a_restart(bot, db, clock):
    say(bot, "enciende la cafetera")
    say(bot, "añade leche a la lista de la compra")
    say(bot, "pon un temporizador de pizza de 10 minutos")
    bot.state.close()

    again = Assistant(FakeParser(), Home.load(), State(db), clock=clock)
    assert again.state.get("switch.coffee_maker").state == "on"
    assert [i.item for i in again.state.items("todo.shopping_list")] == ["leche"]
    clock.now += 600
    assert again.announcements() == ["El temporizador de pizza ha terminado."]


def test_state_file_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICE_STATE", str(tmp_path / "env" / "state.db"))
    assert default_path() == tmp_path / "env" / "state.db"
    State().close()
    assert (tmp_path / "env" / "state.db").exists()


def test_home_file_modules_add_actions(tmp_path, monkeypatch, state, clock):
    (tmp_path / "my_voice_actions.py").write_text(
        "from voice.intent.actions import action\n\n\n"
        "@action('TestHello')\ndef hello(ctx):\n    return 'Hola, ' + ctx.word('name') + '.'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    home = tmp_path / "home.toml"
    home.write_text('[assistant]\nmodules = ["my_voice_actions"]\n', encoding="utf-8")
    parser = FakeParser()
    monkeypatch.setitem(PARSES, "hola", P("hola", "TestHello", name="Ana"))
    bot = Assistant(parser, Home.load(home), state, clock=clock)
    assert say(bot, "hola") == "Hola, Ana."


# the shipped intent model ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def parser() -> IntentParser:
    return IntentParser.load()


@pytest.fixture
def real(parser, state, clock) -> Assistant:
    return Assistant(parser, Home.load(), state, clock=clock)


def test_real_parser_turns_on_the_kitchen_light(real, state):
    reply = real.handle("enciende la luz de la cocina")
    assert (reply.intent, reply.ok) == ("HassTurnOn", True)
    assert state.get("light.kitchen_ceiling").state == "on"
    real.handle("apaga las luces de la cocina")
    assert state.get("light.kitchen_ceiling").state == "off"


def test_real_parser_timer(real, state, clock):
    reply = real.handle("pon un temporizador de cinco minutos")
    assert (reply.intent, reply.slots, reply.ok) == ("HassStartTimer", {"minutes": 5.0}, True)
    clock.now += 300
    assert real.announcements() == ["El temporizador de 5 minutos ha terminado."]


def test_real_parser_shopping_list(real, state):
    assert real.handle("añade leche a la lista de la compra").reply == "He añadido leche."
    assert [i.item for i in state.items("todo.shopping_list")] == ["leche"]


def test_real_parser_thermostat(real, state):
    assert real.handle("pon la calefacción a veintidós grados").ok
    assert state.get("climate.thermostat").temperature == 22.0
    assert real.handle("qué temperatura hace en el salón").reply == "22 grados."

