// AudioWorklet: the microphone at the context's rate -> 16 kHz mono 16-bit PCM frames,
// posted to the page. Band-limited resampling (Hann-windowed sinc, 16 taps a side, taps
// precomputed per fractional position), so the recogniser hears about what it hears from a
// file resampled on the server.
const OUT_RATE = 16000;
const TAPS = 16;
const PHASES = 512; // fractional positions with their own precomputed taps

class Pcm16k extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.step = sampleRate / OUT_RATE; // input samples per output sample
    this.cutoff = 0.5 * Math.min(1, OUT_RATE / sampleRate) * 0.92; // cycles per input sample
    this.frame = (options.processorOptions && options.processorOptions.frame) || 512;
    this.buffer = new Float32Array(0);
    this.position = 0; // the next output sample, in input samples from buffer[0]
    this.out = new Int16Array(this.frame);
    this.filled = 0;
    // taps[p * 2 * TAPS + j]: the weight of input sample centre - TAPS + 1 + j for an output
    // sample at centre + p / PHASES, normalised to unit gain
    this.taps = new Float32Array((PHASES + 1) * 2 * TAPS);
    for (let p = 0; p <= PHASES; p++) {
      let gain = 0;
      for (let j = 0; j < 2 * TAPS; j++) gain += this.tap(p / PHASES + TAPS - 1 - j);
      for (let j = 0; j < 2 * TAPS; j++) {
        this.taps[p * 2 * TAPS + j] = this.tap(p / PHASES + TAPS - 1 - j) / gain;
      }
    }
  }

  tap(distance) {
    if (distance === 0) return 2 * this.cutoff;
    const x = 2 * Math.PI * this.cutoff * distance;
    return (Math.sin(x) / (Math.PI * distance)) * (0.5 + 0.5 * Math.cos((Math.PI * distance) / TAPS));
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const n = channels[0].length;
    const joined = new Float32Array(this.buffer.length + n);
    joined.set(this.buffer);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      joined[this.buffer.length + i] = sum / channels.length;
    }
    this.buffer = joined;
    while (this.position + TAPS < this.buffer.length) {
      const centre = Math.floor(this.position);
      const row = Math.round((this.position - centre) * PHASES) * 2 * TAPS;
      let sum = 0;
      for (let j = 0; j < 2 * TAPS; j++) {
        const k = centre - TAPS + 1 + j;
        if (k >= 0) sum += this.buffer[k] * this.taps[row + j]; // before the stream: silence
      }
      const sample = Math.max(-1, Math.min(1, sum));
      this.out[this.filled++] = Math.round(sample * 32767);
      if (this.filled === this.frame) {
        this.port.postMessage(this.out.buffer, [this.out.buffer]);
        this.out = new Int16Array(this.frame);
        this.filled = 0;
      }
      this.position += this.step;
    }
    const keep = Math.max(0, Math.floor(this.position) - TAPS);
    this.buffer = this.buffer.slice(keep);
    this.position -= keep;
    return true;
  }
}

registerProcessor("pcm16k", Pcm16k);
