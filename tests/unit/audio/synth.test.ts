import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TAGS, demoCatalog, renderClip, type DemoClipSpec, type Recipe } from '../../../lib/audio/synth';
import { encodeWav } from '../../../lib/audio/wav';

// The measurements below are written from scratch here (FFT, centroid, chroma,
// onset autocorrelation) rather than borrowed from lib/audio, so a bug in the
// synthesizer cannot be hidden by the same bug in the analysis.

const SR = 22050;
const KEYS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];

// ───────────────────────────── analysis helpers ─────────────────────────────

/** In-place radix-2 FFT (n a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = (-2 * Math.PI) / len;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(step * k);
      const wi = Math.sin(step * k);
      for (let i = k; i < n; i += len) {
        const b = i + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[i] - xr;
        im[b] = im[i] - xi;
        re[i] += xr;
        im[i] += xi;
      }
    }
  }
}

/** Magnitude spectra of Hann-windowed frames. */
function spectra(x: Float32Array, size: number, hop: number): Float64Array[] {
  const window = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
  const out: Float64Array[] = [];
  for (let start = 0; start + size <= x.length; start += hop) {
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    for (let i = 0; i < size; i++) re[i] = x[start + i] * window[i];
    fft(re, im);
    const mag = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) mag[k] = Math.hypot(re[k], im[k]);
    out.push(mag);
  }
  return out;
}

function rmsDb(x: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return 10 * Math.log10(sum / x.length);
}

function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i]));
  return p;
}

/** Magnitude-weighted mean frequency over the whole clip, Hz. */
function spectralCentroid(x: Float32Array, sr: number): number {
  const size = 2048;
  let num = 0;
  let den = 0;
  for (const mag of spectra(x, size, size)) {
    for (let k = 1; k < mag.length; k++) {
      num += mag[k] * ((k * sr) / size);
      den += mag[k];
    }
  }
  return num / den;
}

/**
 * Power per pitch class, rotated so index 0 is the tonic. The band starts at
 * 150 Hz to leave out the kick's pitch sweep, which would otherwise smear
 * energy over pitch classes unrelated to the harmony.
 */
function chromaFromTonic(x: Float32Array, sr: number, tonicPc: number): number[] {
  // 2.7 Hz bins: fine enough that a note at 150 Hz does not leak into its neighbours' pitch classes.
  const size = 8192;
  const chroma = new Array<number>(12).fill(0);
  for (const mag of spectra(x, size, size)) {
    for (let k = 1; k < mag.length; k++) {
      const f = (k * sr) / size;
      if (f < 150 || f > 2000) continue;
      const pc = (((Math.round(69 + 12 * Math.log2(f / 440)) - tonicPc) % 12) + 12) % 12;
      chroma[pc] += mag[k] * mag[k];
    }
  }
  return chroma;
}

/**
 * Tempo of the kick pattern, BPM: low-band (4-pole 150 Hz) envelope →
 * half-wave-rectified difference → light smoothing (so a beat period that is
 * not a whole number of frames still lines up) → autocorrelation over
 * 40–220 BPM → period picked as below, refined by a parabola. No tempo
 * prior, so a clip rendered at half or double speed is reported as such.
 */
function estimateTempo(x: Float32Array, sr: number): number {
  const hop = 64;
  const a = 1 - Math.exp((-2 * Math.PI * 150) / sr);
  const release = Math.exp(-1 / (0.01 * sr));
  const poles = new Float64Array(4);
  const frames = Math.floor(x.length / hop);
  const env = new Float64Array(frames);
  let follower = 0;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < hop; i++) {
      let v = x[f * hop + i];
      for (let p = 0; p < 4; p++) {
        poles[p] += a * (v - poles[p]);
        v = poles[p];
      }
      follower = Math.abs(v) > follower ? Math.abs(v) : follower * release;
    }
    env[f] = follower;
  }
  const onset = new Float64Array(frames);
  const w = 4;
  for (let f = 1; f < frames; f++) {
    const d = Math.max(0, env[f] - env[f - 1]);
    for (let k = -w; k <= w; k++) {
      if (f + k >= 0 && f + k < frames) onset[f + k] += d * (1 + Math.cos((Math.PI * k) / (w + 1)));
    }
  }
  const fps = sr / hop;
  const minLag = Math.floor((fps * 60) / 220);
  const maxLag = Math.ceil((fps * 60) / 40);
  const ac = new Float64Array(maxLag + 2);
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    let s = 0;
    for (let f = 0; f + lag < frames; f++) s += onset[f] * onset[f + lag];
    ac[lag] = s;
  }
  let top = minLag;
  for (let lag = minLag; lag <= maxLag; lag++) if (ac[lag] > ac[top]) top = lag;
  // A steady beat correlates almost equally at every multiple of its period,
  // so the global maximum may sit at two beats. As YIN does for pitch, take
  // the shortest lag whose peak comes within 10 % of the best.
  let best = top;
  for (let lag = minLag; lag < top; lag++) {
    if (ac[lag] >= ac[lag - 1] && ac[lag] >= ac[lag + 1] && ac[lag] >= 0.9 * ac[top]) {
      best = lag;
      break;
    }
  }
  const curvature = ac[best - 1] - 2 * ac[best] + ac[best + 1];
  const offset = curvature !== 0 ? (0.5 * (ac[best - 1] - ac[best + 1])) / curvature : 0;
  return (60 * fps) / (best + offset);
}

/** Coefficient of variation of 10 ms frame RMS: how much the level jumps around (drum hits). */
function envelopeFluctuation(x: Float32Array, sr: number): number {
  const hop = Math.round(0.01 * sr);
  const levels: number[] = [];
  for (let start = 0; start + hop <= x.length; start += hop) {
    let s = 0;
    for (let i = start; i < start + hop; i++) s += x[i] * x[i];
    levels.push(Math.sqrt(s / hop));
  }
  const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
  const variance = levels.reduce((a, b) => a + (b - mean) ** 2, 0) / levels.length;
  return Math.sqrt(variance) / mean;
}

/**
 * Share of active spectrogram cells that jump 6 dB above everything in their
 * neighbourhood over the previous 3 frames (±1 bin) — a SuperFlux-style onset
 * measure (Böck & Widmer 2013). The max filter ignores the slow beating of
 * detuned pads, so what is left counts note starts.
 */
function noteOnsetActivity(x: Float32Array): number {
  const frames = spectra(x, 1024, 256);
  let loudest = 0;
  for (const mag of frames) for (const v of mag) loudest = Math.max(loudest, v);
  let active = 0;
  let onsets = 0;
  for (let t = 1; t < frames.length; t++) {
    for (let k = 0; k < frames[t].length; k++) {
      const v = frames[t][k];
      if (v < loudest * 1e-3) continue;
      active++;
      let before = 0;
      for (let dt = 1; dt <= 3 && t - dt >= 0; dt++) {
        for (let dk = -1; dk <= 1; dk++) before = Math.max(before, frames[t - dt][k + dk] ?? 0);
      }
      if (v > 2 * before) onsets++;
    }
  }
  return onsets / active;
}

/** The same clip with some controls changed: the causal check for one control at a time. */
function variant(spec: DemoClipSpec, changes: Partial<Recipe>): DemoClipSpec {
  return { ...spec, recipe: { ...spec.recipe, ...changes } };
}

// ─────────────────────────────────── tests ───────────────────────────────────

describe('demo taxonomy', () => {
  it('has exactly the eight mood keys, in display order, each described', () => {
    expect(DEMO_TAGS.map((t) => t.key)).toEqual(KEYS);
    for (const tag of DEMO_TAGS) {
      expect(tag.label.length).toBeGreaterThan(0);
      expect(tag.description.length).toBeGreaterThan(10);
    }
  });
});

describe('demoCatalog', () => {
  const catalog = demoCatalog(60);

  it('is deterministic under a seed, differs across seeds, and a longer list extends a shorter one', () => {
    expect(demoCatalog(60)).toEqual(catalog);
    expect(demoCatalog(60, 2)).not.toEqual(catalog);
    expect(demoCatalog(25)).toEqual(catalog.slice(0, 25));
    expect(demoCatalog(0)).toEqual([]);
    expect(() => demoCatalog(-1)).toThrow(RangeError);
    expect(() => demoCatalog(2.5)).toThrow(RangeError);
  });

  it('gives every clip a valid recipe with 1–3 ground-truth tags from the taxonomy', () => {
    catalog.forEach((spec, i) => {
      const r = spec.recipe;
      expect(spec.index).toBe(i);
      expect(Number.isInteger(spec.seed)).toBe(true);
      expect(r.tags.length).toBeGreaterThanOrEqual(1);
      expect(r.tags.length).toBeLessThanOrEqual(3);
      for (const tag of r.tags) expect(KEYS).toContain(tag);
      expect(r.durationS).toBeGreaterThanOrEqual(10);
      expect(r.durationS).toBeLessThanOrEqual(30);
      expect(Number.isInteger(r.tonicPc) && r.tonicPc >= 0 && r.tonicPc < 12).toBe(true);
      expect(['major', 'minor']).toContain(r.mode);
      for (const v of [r.brightness, r.percussiveness, r.density, r.dissonance]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(r.loudnessDb).toBeGreaterThanOrEqual(-30);
      expect(r.loudnessDb).toBeLessThanOrEqual(-8);
      expect(r.tempoBpm).toBeGreaterThanOrEqual(40);
      expect(r.tempoBpm).toBeLessThanOrEqual(200);
    });
  });

  it('covers every tag, balances 8–10 archetypes, and keeps each archetype consistent', () => {
    const byId = new Map<string, DemoClipSpec[]>();
    for (const spec of catalog) byId.set(spec.recipe.id, [...(byId.get(spec.recipe.id) ?? []), spec]);
    expect(byId.size).toBeGreaterThanOrEqual(8);
    expect(byId.size).toBeLessThanOrEqual(10);
    for (const [, specs] of byId) {
      // Cycling in blocks keeps counts within one of each other.
      expect(specs.length).toBeGreaterThanOrEqual(Math.floor(60 / byId.size));
      expect(new Set(specs.map((s) => s.recipe.tags.join()))).toHaveProperty('size', 1);
      expect(new Set(specs.map((s) => s.recipe.mode))).toHaveProperty('size', 1);
      // Jitter is real: not every clip of an archetype has the same tempo and key.
      expect(new Set(specs.map((s) => `${s.recipe.tempoBpm}/${s.recipe.tonicPc}`)).size).toBeGreaterThan(1);
    }
    const tagsSeen = new Set(catalog.flatMap((s) => s.recipe.tags));
    expect([...tagsSeen].sort()).toEqual([...KEYS].sort());
  });

  it('uses invented artists with several clips each, and unique titles', () => {
    const perArtist = new Map<string, number>();
    for (const spec of catalog) perArtist.set(spec.artist, (perArtist.get(spec.artist) ?? 0) + 1);
    for (const count of perArtist.values()) expect(count).toBeGreaterThanOrEqual(2);
    expect(perArtist.size).toBeGreaterThan(5);
    expect(new Set(catalog.map((s) => s.title)).size).toBe(catalog.length);
    expect(new Set(demoCatalog(400).map((s) => s.title)).size).toBe(400);
  });

  it('separates the archetypes on the controls that define them', () => {
    const of = (id: string) => catalog.filter((s) => s.recipe.id === id).map((s) => s.recipe);
    const max = (rs: Recipe[], k: keyof Recipe) => Math.max(...rs.map((r) => r[k] as number));
    const min = (rs: Recipe[], k: keyof Recipe) => Math.min(...rs.map((r) => r[k] as number));
    expect(min(of('energetic-dance'), 'tempoBpm')).toBeGreaterThan(max(of('sad-ballad'), 'tempoBpm'));
    expect(min(of('energetic-dance'), 'loudnessDb')).toBeGreaterThan(max(of('calm-ambient'), 'loudnessDb'));
    expect(min(of('happy-pop'), 'brightness')).toBeGreaterThan(max(of('dark-drone'), 'brightness'));
    expect(min(of('tense-thriller'), 'dissonance')).toBeGreaterThan(max(of('happy-pop'), 'dissonance'));
    expect(max(of('calm-ambient'), 'percussiveness')).toBe(0);
  });
});

describe('renderClip', () => {
  const catalog = demoCatalog(60);
  const rendered = new Map<number, Float32Array>();
  const audio = (spec: DemoClipSpec) => rendered.get(spec.index)!;

  beforeAll(() => {
    for (const spec of catalog) rendered.set(spec.index, renderClip(spec));
  });

  it('is deterministic under the spec seed and changes with it', () => {
    const spec = catalog[3];
    expect(renderClip(spec)).toEqual(audio(spec));
    const reseeded = renderClip({ ...spec, seed: spec.seed + 1 });
    expect(reseeded).not.toEqual(audio(spec));
  });

  it('returns exactly durationS × sampleRate finite samples within [-1, 1]', () => {
    for (const spec of catalog) {
      const x = audio(spec);
      expect(x).toBeInstanceOf(Float32Array);
      expect(x.length).toBe(Math.round(spec.recipe.durationS * SR));
      expect(x.every(Number.isFinite)).toBe(true);
      expect(peak(x)).toBeLessThanOrEqual(1);
      expect(peak(x)).toBeGreaterThan(0.05);
    }
    const spec = catalog[0];
    expect(renderClip(spec, 44100).length).toBe(Math.round(spec.recipe.durationS * 44100));
    expect(() => renderClip(spec, 1000)).toThrow(RangeError);
  });

  it('hits the target loudness, so energetic clips are louder than sad and calm ones', () => {
    for (const spec of catalog) expect(Math.abs(rmsDb(audio(spec)) - spec.recipe.loudnessDb)).toBeLessThan(0.5);
    const energetic = catalog.filter((s) => s.recipe.tags.includes('energetic')).map((s) => rmsDb(audio(s)));
    const quiet = catalog
      .filter((s) => (s.recipe.tags.includes('sad') || s.recipe.tags.includes('calm')) && !s.recipe.tags.includes('energetic'))
      .map((s) => rmsDb(audio(s)));
    expect(energetic.length).toBeGreaterThan(5);
    expect(quiet.length).toBeGreaterThan(5);
    expect(Math.min(...energetic)).toBeGreaterThan(Math.max(...quiet) + 3);
  });

  it('plays the kick at tempoBpm (onset autocorrelation within 3 %) in percussive clips', () => {
    const percussive = catalog.filter((s) => s.recipe.percussiveness >= 0.5);
    expect(percussive.length).toBeGreaterThan(15);
    for (const spec of percussive) {
      const bpm = estimateTempo(audio(spec), SR);
      expect(Math.abs(bpm / spec.recipe.tempoBpm - 1), `${spec.recipe.id} at ${spec.recipe.tempoBpm} BPM, measured ${bpm.toFixed(1)}`).toBeLessThan(0.03);
    }
    // Changing only the tempo moves the measurement with it.
    const spec = percussive[0];
    const faster = variant(spec, { tempoBpm: Math.round(spec.recipe.tempoBpm * 1.2) });
    expect(estimateTempo(renderClip(faster), SR) / faster.recipe.tempoBpm).toBeCloseTo(1, 1);
  });

  it('makes bright recipes spectrally brighter than dark ones', () => {
    const bright = catalog.filter((s) => s.recipe.brightness >= 0.7).map((s) => spectralCentroid(audio(s), SR));
    const dark = catalog.filter((s) => s.recipe.brightness <= 0.3).map((s) => spectralCentroid(audio(s), SR));
    expect(bright.length).toBeGreaterThan(5);
    expect(dark.length).toBeGreaterThan(5);
    expect(Math.min(...bright)).toBeGreaterThan(Math.max(...dark));
    // Brightness alone, everything else held fixed (no drums, whose noise is bright at any setting).
    const base = variant(catalog.find((s) => s.recipe.id === 'calm-ambient')!, { percussiveness: 0 });
    const dull = spectralCentroid(renderClip(variant(base, { brightness: 0.15 })), SR);
    const shiny = spectralCentroid(renderClip(variant(base, { brightness: 0.85 })), SR);
    expect(shiny).toBeGreaterThan(1.5 * dull);
  });

  it('puts the major third in major clips and the minor third in minor ones', () => {
    // Tense and drone clips are left out: their chords are diminished or bare fifths by design.
    const tonal = catalog.filter((s) => s.recipe.dissonance < 0.3 && s.recipe.density >= 0.2);
    expect(new Set(tonal.map((s) => s.recipe.mode))).toEqual(new Set(['major', 'minor']));
    for (const spec of tonal) {
      const chroma = chromaFromTonic(audio(spec), SR, spec.recipe.tonicPc);
      const [third, other] = spec.recipe.mode === 'major' ? [chroma[4], chroma[3]] : [chroma[3], chroma[4]];
      expect(third, `${spec.recipe.id} #${spec.index}`).toBeGreaterThan(1.2 * other);
    }
    // Flipping only the mode flips the thirds.
    const spec = variant(catalog.find((s) => s.recipe.id === 'happy-pop')!, { mode: 'minor' });
    const chroma = chromaFromTonic(renderClip(spec), SR, spec.recipe.tonicPc);
    expect(chroma[3]).toBeGreaterThan(1.2 * chroma[4]);
  });

  it('adds tritones as dissonance rises', () => {
    const base = catalog.find((s) => s.recipe.id === 'calm-ambient')!;
    const ratio = (dissonance: number) => {
      const c = chromaFromTonic(renderClip(variant(base, { dissonance })), SR, base.recipe.tonicPc);
      return c[6] / c[7]; // tritone vs perfect fifth above the tonic
    };
    const consonant = ratio(0);
    const dissonant = ratio(0.9);
    expect(consonant).toBeLessThan(0.1);
    expect(dissonant).toBeGreaterThan(5 * consonant);
  });

  it('makes percussive recipes pulse and dense recipes start notes more often', () => {
    const base = variant(catalog.find((s) => s.recipe.id === 'happy-pop')!, { dissonance: 0 });
    const noDrums = envelopeFluctuation(renderClip(variant(base, { percussiveness: 0 })), SR);
    const drums = envelopeFluctuation(renderClip(variant(base, { percussiveness: 0.9 })), SR);
    expect(drums).toBeGreaterThan(1.5 * noDrums);

    // Drums off, so only the notes can start things.
    const [sparse, medium, dense] = [0.2, 0.55, 0.9].map((density) =>
      noteOnsetActivity(renderClip(variant(base, { percussiveness: 0, density }))),
    );
    expect(medium).toBeGreaterThan(sparse);
    expect(dense).toBeGreaterThan(medium);
    expect(dense).toBeGreaterThan(3 * sparse);
  });
});

describe('encodeWav', () => {
  it('writes a RIFF/WAVE header that parses back field by field', () => {
    const mono = Float32Array.from([0, 0.5, -0.5, 1, -1, 2, -2, Number.NaN]);
    const bytes = encodeWav([mono], 22050);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    expect(bytes.length).toBe(44 + 2 * mono.length);
    expect(ascii(0)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(bytes.length - 8);
    expect(ascii(8)).toBe('WAVE');
    expect(ascii(12)).toBe('fmt ');
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // channels
    expect(view.getUint32(24, true)).toBe(22050);
    expect(view.getUint32(28, true)).toBe(22050 * 2); // byte rate
    expect(view.getUint16(32, true)).toBe(2); // block align
    expect(view.getUint16(34, true)).toBe(16);
    expect(ascii(36)).toBe('data');
    expect(view.getUint32(40, true)).toBe(2 * mono.length);
    const samples = Array.from({ length: mono.length }, (_, i) => view.getInt16(44 + 2 * i, true));
    expect(samples).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 0]);
    // Little-endian by hand: 16384 = 0x4000 → bytes 00 40.
    expect([bytes[46], bytes[47]]).toEqual([0x00, 0x40]);
  });

  it('interleaves channels frame by frame and rejects mismatched input', () => {
    const left = Float32Array.from([0.25, -0.25]);
    const right = Float32Array.from([1, -1]);
    const bytes = encodeWav([left, right], 44100);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint16(22, true)).toBe(2);
    expect(view.getUint32(28, true)).toBe(44100 * 4);
    expect(view.getUint16(32, true)).toBe(4);
    expect(view.getUint32(40, true)).toBe(8);
    expect([0, 1, 2, 3].map((i) => view.getInt16(44 + 2 * i, true))).toEqual([8192, 32767, -8192, -32768]);
    expect(() => encodeWav([left, Float32Array.from([1])], 44100)).toThrow(RangeError);
    expect(() => encodeWav([], 44100)).toThrow(RangeError);
    expect(() => encodeWav([left], 0)).toThrow(RangeError);
  });

  it('round-trips a rendered clip to within 16-bit quantization', () => {
    const spec = demoCatalog(1)[0];
    const x = renderClip(spec);
    const view = new DataView(encodeWav([x], SR).buffer);
    for (const i of [0, 1000, Math.floor(x.length / 2), x.length - 1]) {
      expect(Math.abs(view.getInt16(44 + 2 * i, true) / 32768 - x[i])).toBeLessThan(1 / 16384);
    }
  });
});
