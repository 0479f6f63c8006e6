/**
 * Per-frame features against independent computations in this file (naive
 * DFT, a mel bank and DCT written out here) and against Meyda.extract itself.
 */
import Meyda from 'meyda';
import { describe, expect, it } from 'vitest';
import { hannWindow, RealFft } from '@/lib/audio/fft';
import { ANALYSIS_SAMPLE_RATE as SR, FRAME_SIZE as N, FrameAnalyzer, N_MEL_BANDS, N_MFCC, PITCH_CLASSES } from '@/lib/audio/frame-features';
import { createRng } from '@/lib/util/random';
import { midiToHz } from './helpers';

type MeydaLike = {
  bufferSize: number;
  sampleRate: number;
  extract: (f: string | string[], s: Float32Array) => Record<string, unknown> & unknown;
};
const meyda = Meyda as unknown as MeydaLike;

function naiveDft(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let r = 0;
    let i = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      r += x[t] * Math.cos(a);
      i += x[t] * Math.sin(a);
    }
    re[k] = r;
    im[k] = i;
  }
  return { re, im };
}

function tones(freqs: number[], amps: number[]): Float32Array {
  const x = new Float32Array(N);
  for (let t = 0; t < N; t++) for (let j = 0; j < freqs.length; j++) x[t] += amps[j] * Math.sin((2 * Math.PI * freqs[j] * t) / SR + j);
  return x;
}

describe('RealFft', () => {
  it('matches a naive DFT', () => {
    const rng = createRng(11);
    for (const n of [8, 64, 2048]) {
      const x = Float64Array.from({ length: n }, () => rng() * 2 - 1);
      const { re, im } = naiveDft(x);
      const fr = new Float64Array(n / 2 + 1);
      const fi = new Float64Array(n / 2 + 1);
      new RealFft(n).forward(x, fr, fi);
      let err = 0;
      for (let k = 0; k <= n / 2; k++) err = Math.max(err, Math.abs(fr[k] - re[k]), Math.abs(fi[k] - im[k]));
      expect(err).toBeLessThan(1e-9 * n);
    }
  });
});

describe('MFCC', () => {
  it('equals a straightforward DCT of the log mel spectrum on one frame of a known spectrum', () => {
    // Three partials: 220 Hz, 1.5 kHz and 4.4 kHz.
    const x = tones([220, 1500, 4400], [0.5, 0.25, 0.1]);
    // Independent computation: Hann window, naive DFT, |X|² of bins 0..N/2−1,
    // 26 triangular mel filters (HTK mel, edges on FFT bins as Meyda places them),
    // ln(1 + energy), DCT-II with factor 2.
    const w = hannWindow(N);
    const { re, im } = naiveDft(Array.from(x, (v, i) => v * w[i]));
    const power = Array.from({ length: N / 2 }, (_, k) => re[k] ** 2 + im[k] ** 2);
    const mel = (f: number) => 1125 * Math.log(1 + f / 700);
    const imel = (m: number) => 700 * (Math.exp(m / 1125) - 1);
    const edges = Array.from({ length: N_MEL_BANDS + 2 }, (_, i) => Math.floor(((N + 1) * imel((i * mel(SR / 2)) / (N_MEL_BANDS + 1))) / SR));
    const logMel = Array.from({ length: N_MEL_BANDS }, (_, j) => {
      let e = 0;
      for (let k = edges[j]; k < edges[j + 1]; k++) e += power[k] * ((k - edges[j]) / (edges[j + 1] - edges[j]));
      for (let k = edges[j + 1]; k < edges[j + 2]; k++) e += power[k] * ((edges[j + 2] - k) / (edges[j + 2] - edges[j + 1]));
      return Math.log(e + 1);
    });
    const expected = Array.from({ length: N_MFCC }, (_, k) => 2 * logMel.reduce((s, v, n) => s + v * Math.cos((Math.PI / N_MEL_BANDS) * (n + 0.5) * k), 0));
    const got = new FrameAnalyzer().analyze(x).mfcc;
    for (let k = 0; k < N_MFCC; k++) expect(got[k]).toBeCloseTo(expected[k], 3);
  });
});

describe('chroma', () => {
  it('a pure A4 sine peaks at A', () => {
    const c = new FrameAnalyzer().analyze(tones([440], [0.5])).chroma;
    expect(c.indexOf(Math.max(...c))).toBe(9);
    expect(PITCH_CLASSES[9]).toBe('A');
    // Everything but A and its immediate neighbours is small.
    c.forEach((v, i) => {
      if (![8, 9, 10].includes(i)) expect(v).toBeLessThan(0.1);
    });
  });

  it('every pitch class of octaves 3–5 peaks at its own bin', () => {
    for (let midi = 48; midi < 84; midi++) {
      const c = new FrameAnalyzer().analyze(tones([midiToHz(midi)], [0.5])).chroma;
      expect(c.indexOf(Math.max(...c))).toBe(midi % 12);
    }
  });
});

describe('parity with Meyda.extract (the fast path computes Meyda’s features)', () => {
  meyda.bufferSize = N;
  meyda.sampleRate = SR;
  const rng = createRng(5);
  const frames: Record<string, Float32Array> = {
    noise: Float32Array.from({ length: N }, () => (rng() - 0.5) * 0.6),
    chord: tones([261.63, 329.63, 392, 523.25], [0.3, 0.2, 0.2, 0.1]),
    bright: tones([3000, 6000, 9000], [0.3, 0.2, 0.2]).map((v) => v + (rng() - 0.5) * 0.01),
  };
  for (const [name, x] of Object.entries(frames)) {
    it(name, () => {
      const f = new FrameAnalyzer().analyze(x);
      const m = meyda.extract(['mfcc', 'chroma', 'spectralCentroid', 'spectralSpread', 'spectralFlatness', 'spectralRolloff', 'loudness'], x) as {
        mfcc: number[];
        chroma: number[];
        spectralCentroid: number;
        spectralSpread: number;
        spectralFlatness: number;
        spectralRolloff: number;
        loudness: { total: number };
      };
      const binHz = SR / N;
      // Meyda's spectrum is float32 from a different FFT: agree to ~1e-4 relative.
      const close = (a: number, b: number, rel = 1e-4) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b) + 1e-6);
      m.mfcc.forEach((v, i) => close(f.mfcc[i], v));
      m.chroma.forEach((v, i) => close(f.chroma[i], v));
      close(f.centroidHz, m.spectralCentroid * binHz);
      close(f.spreadHz, m.spectralSpread * binHz);
      close(f.flatness, m.spectralFlatness);
      close(f.rolloffHz, m.spectralRolloff);
      // Bark bands of the leakage floor raised to ^0.23 magnify float32 noise.
      close(f.loudness, m.loudness.total, 1e-3);
    });
  }

  it('documents the Meyda traps we avoid', () => {
    const unit = tones([1000], [1]);
    // Meyda's rms is of the windowed frame; ours is of the signal.
    expect(meyda.extract('rms', unit) as unknown as number).toBeCloseTo(0.433, 2);
    expect(new FrameAnalyzer().analyze(unit).rms).toBeCloseTo(Math.SQRT1_2, 2);
    // spectralFlux throws in Meyda 5.6.3; ours is computed from the spectra.
    expect(() => meyda.extract('spectralFlux', unit)).toThrow();
  });
});

describe('other frame features on known spectra', () => {
  it('centroid of a pure tone is its frequency; flatness separates tone from noise', () => {
    const fa = new FrameAnalyzer();
    const tone = fa.analyze(tones([1000], [0.5]));
    expect(Math.abs(tone.centroidHz - 1000)).toBeLessThan(25);
    expect(tone.flatness).toBeLessThan(0.05);
    const rng = createRng(9);
    const noise = new FrameAnalyzer().analyze(Float32Array.from({ length: N }, () => rng() * 2 - 1));
    expect(noise.flatness).toBeGreaterThan(0.5);
    expect(Math.abs(noise.centroidHz - SR / 4)).toBeLessThan(500);
    expect(noise.zcr).toBeGreaterThan(0.4);
  });

  it('flux is 0 for a repeated frame and near 1 for disjoint spectra', () => {
    const fa = new FrameAnalyzer();
    const a = tones([500], [0.5]);
    fa.analyze(a);
    expect(fa.analyze(a).flux).toBeCloseTo(0, 9);
    expect(fa.analyze(tones([5000], [0.5])).flux).toBeGreaterThan(0.9);
  });

  it('magFlux is linear in the magnitude rise: 0, S, S, 0 for silence → x → 2x → x, and 2S for silence → 2x', () => {
    // Mel-band magnitude scales with the amplitude, so x → 2x rises by
    // exactly what silence → x did (√(4p) − √p = √p), and a fall adds nothing.
    const x = tones([440, 1500], [0.2, 0.1]);
    const x2 = x.map((v) => 2 * v);
    const fa = new FrameAnalyzer();
    const seq = [new Float32Array(N), x, x2, x].map((f) => fa.analyze(f).magFlux);
    const S = seq[1];
    expect(S).toBeGreaterThan(0);
    expect(seq[0]).toBe(0);
    expect(seq[2] / S).toBeCloseTo(1, 6);
    expect(seq[3]).toBe(0);
    const fb = new FrameAnalyzer();
    fb.analyze(new Float32Array(N));
    expect(fb.analyze(x2).magFlux / S).toBeCloseTo(2, 6);
  });

  it('a digitally silent frame gives zeros, not NaN', () => {
    const f = new FrameAnalyzer().analyze(new Float32Array(N));
    for (const v of [f.rms, f.zcr, f.centroidHz, f.spreadHz, f.flatness, f.rolloffHz, f.loudness, f.flux, f.magFlux, ...f.mfcc, ...f.chroma]) expect(v).toBe(0);
    expect(f.silent).toBe(true);
  });
});
