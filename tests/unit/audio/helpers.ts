/**
 * Test-only signal generators and a WAV writer for every sample format, so
 * each test builds its own ground truth (no downloads, no shared fixtures
 * beyond tests/fixtures/audio).
 */
import { execFileSync } from 'node:child_process';
import { createRng } from '@/lib/util/random';

export const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

export function sine(freq: number, sampleRate: number, seconds: number, amplitude = 1, phase = 0): Float32Array {
  const n = Math.round(sampleRate * seconds);
  const x = new Float32Array(n);
  const w = (2 * Math.PI * freq) / sampleRate;
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin(w * i + phase);
  return x;
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Add `src` into `dst` starting at sample `at` (clipped to dst). */
function mixInto(dst: Float32Array, src: Float32Array, at: number, gain = 1): void {
  for (let i = 0; i < src.length && at + i < dst.length; i++) if (at + i >= 0) dst[at + i] += gain * src[i];
}

/** A short click: 1.5 kHz + 3.1 kHz blip with a 15 ms exponential decay. */
function click(sampleRate: number, accent: boolean): Float32Array {
  const n = Math.round(0.03 * sampleRate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = Math.exp(-t / 0.006);
    x[i] = env * (Math.sin(2 * Math.PI * (accent ? 1500 : 1200) * t) + 0.5 * Math.sin(2 * Math.PI * 3100 * t));
  }
  return x;
}

/** Metronome clicks at `bpm` (accent on every 4th), with a little noise floor. */
export function clickTrack(bpm: number, seconds: number, sampleRate: number, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  const rng = createRng(seed);
  for (let i = 0; i < out.length; i++) out[i] = 0.001 * (rng() - 0.5);
  const period = (60 / bpm) * sampleRate;
  const a = click(sampleRate, true);
  const b = click(sampleRate, false);
  for (let k = 0; k * period < out.length; k++) mixInto(out, k % 4 === 0 ? a : b, Math.round(k * period + 0.05 * sampleRate), 0.5);
  return out;
}

/**
 * A rock beat at `bpm`: kick on beats 1 and 3, snare on 2 and 4, closed
 * hi-hat on every eighth note 12 dB down.
 */
export function drumPattern(bpm: number, seconds: number, sampleRate: number, seed = 2): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(Math.round(seconds * sampleRate));
  const kickN = Math.round(0.25 * sampleRate);
  const kick = new Float32Array(kickN);
  let ph = 0;
  for (let i = 0; i < kickN; i++) {
    const t = i / sampleRate;
    const f = 50 + 100 * Math.exp(-t / 0.03);
    ph += (2 * Math.PI * f) / sampleRate;
    kick[i] = Math.exp(-t / 0.08) * Math.sin(ph);
  }
  const snareN = Math.round(0.18 * sampleRate);
  const snare = new Float32Array(snareN);
  for (let i = 0; i < snareN; i++) {
    const t = i / sampleRate;
    snare[i] = Math.exp(-t / 0.05) * (0.7 * (rng() * 2 - 1) + 0.4 * Math.sin(2 * Math.PI * 190 * t));
  }
  const hatN = Math.round(0.05 * sampleRate);
  const hat = new Float32Array(hatN);
  let prev = 0;
  for (let i = 0; i < hatN; i++) {
    const t = i / sampleRate;
    const w = rng() * 2 - 1;
    hat[i] = Math.exp(-t / 0.012) * (w - prev); // first difference: crude high-pass
    prev = w;
  }
  const beat = (60 / bpm) * sampleRate;
  const start = Math.round(0.05 * sampleRate);
  for (let k = 0; k * beat < out.length; k++) {
    const at = Math.round(start + k * beat);
    if (k % 2 === 0) mixInto(out, kick, at, 0.8);
    else mixInto(out, snare, at, 0.6);
    mixInto(out, hat, at, 0.15);
    mixInto(out, hat, Math.round(start + (k + 0.5) * beat), 0.15);
  }
  return out;
}

/** A note with 8 partials at amplitudes 1/h (sawtooth-like), ADSR-ish envelope. */
export function harmonicTone(midi: number, seconds: number, sampleRate: number, amplitude: number): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  const f0 = midiToHz(midi);
  for (let h = 1; h <= 8; h++) {
    const f = f0 * h;
    if (f >= sampleRate / 2) break;
    const w = (2 * Math.PI * f) / sampleRate;
    const a = amplitude / h;
    for (let i = 0; i < n; i++) x[i] += a * Math.sin(w * i);
  }
  const attack = Math.round(0.01 * sampleRate);
  const release = Math.round(0.08 * sampleRate);
  for (let i = 0; i < n; i++) {
    let e = Math.exp(-i / (1.5 * sampleRate));
    if (i < attack) e *= i / attack;
    if (i > n - release) e *= (n - i) / release;
    x[i] *= e;
  }
  return x;
}

/**
 * A cadence in `tonic` (0 = C) and `mode`: I–IV–V–I (major) or i–iv–V–i
 * (minor, harmonic-minor dominant), block chords in close position around
 * middle C with the root doubled in the bass, each chord `chordSeconds`.
 */
export function cadence(tonic: number, mode: 'major' | 'minor', sampleRate: number, chordSeconds = 1, repeats = 2): Float32Array {
  const third = mode === 'major' ? 4 : 3;
  const chords: number[][] = [
    [0, third, 7], // I / i
    [5, 5 + (mode === 'major' ? 4 : 3), 12], // IV / iv
    [7, 11, 14], // V (major in both modes)
    [0, third, 7], // I / i
  ];
  const base = 60 + tonic - (tonic > 6 ? 12 : 0);
  const parts: Float32Array[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const chord of chords) {
      const seg = new Float32Array(Math.round(chordSeconds * sampleRate));
      for (const iv of chord) {
        const t = harmonicTone(base + iv, chordSeconds, sampleRate, 0.12);
        for (let i = 0; i < seg.length; i++) seg[i] += t[i];
      }
      const bass = harmonicTone(base + chord[0] - 12 - (chord[0] >= 12 ? 12 : 0), chordSeconds, sampleRate, 0.15);
      for (let i = 0; i < seg.length; i++) seg[i] += bass[i];
      parts.push(seg);
    }
  }
  return concat(...parts);
}

export type WavSampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

/** Write a WAV file in any supported sample format (test-only encoder). */
export function writeWav(
  channels: Float32Array[],
  sampleRate: number,
  format: WavSampleFormat,
  opts: { extensible?: boolean; declaredDataBytes?: number; declaredRiffBytes?: number } = {},
): Uint8Array {
  const bytes = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 }[format];
  const isFloat = format === 'f32' || format === 'f64';
  const nch = channels.length;
  const frames = channels[0]?.length ?? 0;
  const dataBytes = frames * nch * bytes;
  const fmtSize = opts.extensible ? 40 : 16;
  const buf = new Uint8Array(12 + 8 + fmtSize + 8 + dataBytes);
  const dv = new DataView(buf.buffer);
  const str = (at: number, s: string) => [...s].forEach((c, i) => (buf[at + i] = c.charCodeAt(0)));
  str(0, 'RIFF');
  dv.setUint32(4, opts.declaredRiffBytes ?? buf.length - 8, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, opts.extensible ? 0xfffe : isFloat ? 3 : 1, true);
  dv.setUint16(22, nch, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * nch * bytes, true);
  dv.setUint16(32, nch * bytes, true);
  dv.setUint16(34, bytes * 8, true);
  if (opts.extensible) {
    dv.setUint16(36, 22, true);
    dv.setUint16(38, bytes * 8, true);
    dv.setUint32(40, 0, true);
    dv.setUint16(44, isFloat ? 3 : 1, true);
    const guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    guidTail.forEach((b, i) => (buf[46 + i] = b));
  }
  const dataAt = 20 + fmtSize;
  str(dataAt, 'data');
  dv.setUint32(dataAt + 4, opts.declaredDataBytes ?? dataBytes, true);
  let p = dataAt + 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const v = Math.max(-1, Math.min(1, channels[c][i]));
      switch (format) {
        case 'u8':
          buf[p] = Math.max(0, Math.min(255, Math.round(v * 128 + 128)));
          break;
        case 's16':
          dv.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(v * 32768))), true);
          break;
        case 's24': {
          const q = Math.max(-8388608, Math.min(8388607, Math.round(v * 8388608)));
          buf[p] = q & 0xff;
          buf[p + 1] = (q >> 8) & 0xff;
          buf[p + 2] = (q >> 16) & 0xff;
          break;
        }
        case 's32':
          dv.setInt32(p, Math.max(-2147483648, Math.min(2147483647, Math.round(v * 2147483648))), true);
          break;
        case 'f32':
          dv.setFloat32(p, v, true);
          break;
        case 'f64':
          dv.setFloat64(p, v, true);
          break;
      }
      p += bytes;
    }
  }
  return buf;
}

/** Whether a command-line tool is on PATH. */
export function hasBinary(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Dominant frequency of `x` by a Goertzel scan over candidate frequencies. */
export function goertzelPower(x: Float32Array, sampleRate: number, freq: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length * x.length);
}

/** Index of the first differing sample, or -1 (vitest's deep equality is slow on long typed arrays). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}
