# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
VOICE := $(VENV)/bin/voice
# Runtime: speech out, microphone, audio decoding, Apertium's draft for the translator. Data: the
# corpora `voice data build` reads.
# asterisk-core-sounds-{fr,it,ru} hold the prompt texts; -fr conflicts with
# asterisk-prompt-fr-armelle, which ships none.
RUNTIME_PACKAGES := espeak-ng libportaudio2 libsndfile1 ffmpeg sox apertium-eng-spa
# The browser app's test drives a real headless browser.
TEST_PACKAGES := chromium chromium-driver
DATA_PACKAGES := asterisk-core-sounds-es-g722 asterisk-core-sounds-es asterisk-core-sounds-en \
	diatheke sword-text-sparv sword-text-web dict-freedict-spa-eng \
	drascula drascula-spanish asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav \
	asterisk-core-sounds-it-wav asterisk-core-sounds-ru-wav asterisk-core-sounds-fr \
	asterisk-core-sounds-it asterisk-core-sounds-ru \
	asterisk-prompt-it-menardi-wav fillets-ng-data libreoffice-l10n-es tuxpaint-stamps-default \
	libttspico-utils fortunes-es cataclysm-dda-data freedroidrpg-data
ALL_PACKAGES := $(RUNTIME_PACKAGES) $(DATA_PACKAGES) $(TEST_PACKAGES)
# SVOX Pico (libttspico-utils) is in Debian's non-free component: enabled for it alone if off,
# from this machine's own main entry (scripts/non-free-sources).
NON_FREE_SOURCES := /etc/apt/sources.list.d/voice-non-free.sources

.PHONY: demo test system-packages runtime-packages all-packages lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all]'
	touch $@

# Installs missing Debian packages as root; otherwise prints the one apt line to run. The demo
# needs the runtime set; the tests need every corpus package too.
runtime-packages:
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(RUNTIME_PACKAGES)"

all-packages:
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(ALL_PACKAGES)"

system-packages:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		if echo " $$missing " | grep -q ' libttspico-utils ' && \
			! apt-cache policy libttspico-utils 2>/dev/null | grep -q 'Candidate: [0-9]'; then \
			scripts/non-free-sources > $(NON_FREE_SOURCES); \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "missing Debian packages; run: sudo apt-get install -y $$missing" \
			"(libttspico-utils is in Debian's non-free component)"; \
	fi

# Translates the bundled real recordings: Spanish and English text, subtitles, English speech.
demo: runtime-packages $(VENV)/.installed
	$(VOICE) translate assets/samples/*.wav -o demo-out

test: all-packages $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
