// voice's browser app: live streams over a WebSocket, the file drop, the assistant.
"use strict";

const RATE = 16000;
const MAX_UPLOAD = 50 * 1024 * 1024;
const $ = (selector) => document.querySelector(selector);

// What the page measured, for people and for the browser test: milliseconds from the moment
// the page sent the audio in question to the moment it showed the answer.
window.voiceStats = { partialLags: [], firstPartials: [], englishLags: [], endpointLags: [],
                      utterances: [], serverTimings: [], errors: [] };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(seconds) {
  const s = Math.max(0, seconds);
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, "0")}`;
}

function actionOf(result) {
  const slots = Object.entries(result.slots || {}).map(([k, v]) => `${k}=${v}`).join(", ");
  return result.intent ? `${result.intent}(${slots})` : "no command understood";
}

// One row of a transcript: a spoken utterance or a typed command.
function addRow(list, result, spoken) {
  const row = element("li");
  const when = new Date().toLocaleTimeString();
  row.append(element("div", "when", spoken ? `${when} · ${clock(result.start)}–${clock(result.end)}` : `${when} · typed`));
  if (result.intent !== undefined) { // the assistant's line
    row.append(element("div", "es", result.text));
    row.append(element("div", `action${result.ok ? "" : " failed"}`, `${result.ok ? "✓" : "✗"} ${actionOf(result)}`));
    row.append(element("div", "reply", result.reply));
  } else {
    row.append(element("div", "es", result.es));
    if (result.en !== undefined) row.append(element("div", "en", result.en));
  }
  list.prepend(row);
  return row;
}

// A microphone stream to the server in one mode, shown in one panel.
class LiveStream {
  constructor(button) {
    this.button = button;
    this.mode = button.dataset.mode;
    const panel = button.closest(".panel").id;
    this.status = $(`#${panel}-status`);
    this.partial = $(`#${panel}-partial`);
    this.list = $(`#${panel}-transcript`);
    this.running = false;
    button.addEventListener("click", () => (this.running ? this.stop() : this.start()));
  }

  say(text, isError) {
    this.status.textContent = text;
    this.status.classList.toggle("error", Boolean(isError));
    if (isError) window.voiceStats.errors.push(text);
  }

  async start() {
    this.running = true;
    this.button.classList.add("on");
    this.button.textContent = "■ Stop";
    this.sentAt = []; // [samples sent so far, performance.now()] per frame
    this.sent = 0;
    this.heard = -1; // the utterance that has had its first partial
    try {
      this.audio = new AudioContext();
      this.media = await navigator.mediaDevices.getUserMedia({ audio: {
        channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false } });
      await this.audio.audioWorklet.addModule("/static/capture.js");
    } catch (error) {
      this.say(`no microphone: ${error.message || error}` +
               (window.isSecureContext ? "" : " (the page must be opened over https or on localhost)"), true);
      this.release();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}/ws?mode=${this.mode}`);
    this.socket.binaryType = "arraybuffer";
    this.socket.onmessage = (event) => this.receive(event.data);
    this.socket.onclose = () => { if (this.running) this.say("connection closed", true); this.release(); };
    this.socket.onopen = () => {
      const source = this.audio.createMediaStreamSource(this.media);
      this.node = new AudioWorkletNode(this.audio, "pcm16k", { processorOptions: { frame: 512 } });
      this.node.port.onmessage = (event) => this.send(event.data);
      source.connect(this.node);
      this.node.connect(this.audio.destination); // silent: it keeps the worklet running
    };
    this.say("connecting…");
  }

  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(frame);
    this.sent += frame.byteLength / 2;
    this.sentAt.push([this.sent, performance.now()]);
  }

  // When the page sent the audio up to `seconds` of the stream.
  sentTime(seconds) {
    const sample = seconds * RATE;
    for (const [samples, time] of this.sentAt) if (samples >= sample) return time;
    return performance.now();
  }

  receive(data) {
    if (data instanceof ArrayBuffer) { this.play(data); return; }
    const message = JSON.parse(data);
    const now = performance.now();
    const stats = window.voiceStats;
    if (message.type === "ready") this.say("listening");
    else if (message.type === "partial") {
      this.partial.textContent = message.text;
      stats.partialLags.push(now - this.sentTime(message.audio));
      if (!this.partialFor) this.partialFor = now; // the first partial of this utterance
    } else if (message.type === "utterance") {
      this.partial.textContent = "";
      const lag = now - this.sentTime(message.speech_end);
      stats.englishLags.push(lag);
      stats.endpointLags.push(now - this.sentTime(message.end));
      if (this.partialFor) stats.firstPartials.push(this.partialFor - this.sentTime(message.start));
      this.partialFor = null;
      stats.utterances.push(message);
      const row = addRow(this.list, message, true);
      row.append(element("div", "when", `shown ${Math.round(lag)} ms after the speech ended`));
    } else if (message.type === "announcement") {
      const row = element("li");
      row.append(element("div", "when", `${new Date().toLocaleTimeString()} · announcement`));
      row.append(element("div", "reply", message.announcement));
      this.list.prepend(row);
    } else if (message.type === "timings") stats.serverTimings.push(message.timings_ms);
    else if (message.type === "error") this.say(message.message, true);
    else if (message.type === "end") this.say(message.ok ? "stopped" : `stopped: ${message.error}`, !message.ok);
  }

  async play(wav) {
    try {
      const speech = await this.audio.decodeAudioData(wav);
      const source = this.audio.createBufferSource();
      source.buffer = speech;
      source.connect(this.audio.destination);
      source.start();
    } catch (error) {
      this.say(`cannot play the speech: ${error.message || error}`, true);
    }
  }

  stop() {
    this.running = false;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "stop" }));
      this.say("finishing…");
    }
    this.release(true);
  }

  // Let go of the microphone; keep the socket open for the last results unless it closed.
  release(keepSocket) {
    this.running = false;
    this.button.classList.remove("on");
    this.button.textContent = "● Start";
    if (this.node) this.node.disconnect();
    if (this.media) this.media.getTracks().forEach((track) => track.stop());
    this.node = this.media = null;
    if (!keepSocket && this.socket) this.socket.close();
  }
}

// Tabs.
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll(".tab")) {
      other.setAttribute("aria-selected", String(other === tab));
      $(`#${other.dataset.tab}`).hidden = other !== tab;
    }
  });
}

for (const button of document.querySelectorAll(".mic")) new LiveStream(button);

// The file drop.
async function translateFile(file) {
  const status = $("#file-status");
  const downloads = $("#downloads");
  const table = $("#segments");
  downloads.textContent = "";
  table.hidden = true;
  status.classList.remove("error");
  if (file.size > MAX_UPLOAD) {
    status.textContent = `${file.name}: ${(file.size / 2 ** 20).toFixed(0)} MB; the limit is 50 MB`;
    status.classList.add("error");
    return;
  }
  status.textContent = `translating ${file.name}…`;
  const form = new FormData();
  form.append("file", file, file.name);
  let answer;
  try {
    const response = await fetch("/api/translate", { method: "POST", body: form });
    answer = await response.json();
  } catch (error) {
    answer = { error: `upload failed (${error.message || error})` };
  }
  if (answer.error) {
    status.textContent = answer.error;
    status.classList.add("error");
    return;
  }
  status.textContent = `${answer.file}: ${answer.seconds} s, ${answer.segments.length} segment(s)`;
  const stem = answer.file.replace(/\.[^.]*$/, "");
  for (const [format, text] of Object.entries(answer.downloads)) {
    const link = element("a", "", `${stem}.${format}`);
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    link.download = `${stem}.${format}`;
    downloads.append(link);
  }
  const body = table.querySelector("tbody");
  body.textContent = "";
  for (const segment of answer.segments) {
    const row = element("tr");
    for (const value of [clock(segment.start), clock(segment.end), segment.es, segment.en]) row.append(element("td", "", value));
    body.append(row);
  }
  table.hidden = false;
}

const drop = $("#drop");
$("#file").addEventListener("change", (event) => event.target.files[0] && translateFile(event.target.files[0]));
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (event.dataTransfer.files[0]) translateFile(event.dataTransfer.files[0]);
});

// Typed commands: the same line as spoken ones.
$("#command-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#command");
  const text = input.value.trim();
  if (!text) return;
  const response = await fetch("/api/command", { method: "POST", headers: { "Content-Type": "application/json" },
                                                 body: JSON.stringify({ text }) });
  const answer = await response.json();
  if (answer.error) { $("#assistant-status").textContent = answer.error; return; }
  addRow($("#assistant-transcript"), answer, false);
  input.value = "";
});
