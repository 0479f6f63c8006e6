/**
 * The resampler is a real anti-aliasing low-pass, not sample dropping:
 * flat pass band, > 60 dB stop band, no images when upsampling, exact
 * output length, bit-identical output however the input is chunked.
 */
import { describe, expect, it } from 'vitest';
import { createResampler, mixToMono, resample } from '@/lib/audio/resample';
import { createRng } from '@/lib/util/random';
import { firstDifference, goertzelPower, sine } from './helpers';

const OUT = 22050;
const db = (x: number) => 10 * Math.log10(x);
/** Power of a unit sine measured by Goertzel on the steady middle part. */
const tonePowerDb = (x: Float32Array, sr: number, f: number) => db(goertzelPower(x.subarray(2000, x.length - 2000), sr, f) / 0.25);

describe('createResampler', () => {
  for (const rate of [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000]) {
    it(`${rate} Hz → 22 050 Hz: pass band flat within 0.1 dB up to 8 kHz`, () => {
      for (const f of [100, 1000, 3000, Math.min(8000, 0.78 * (rate / 2))]) {
        const y = resample(sine(f, rate, 0.5), rate, OUT);
        expect(y.length).toBe(Math.ceil((Math.round(rate * 0.5) * OUT) / rate));
        expect(Math.abs(tonePowerDb(y, OUT, f))).toBeLessThan(0.1);
      }
    });
  }

  it('rejects everything above the output Nyquist by > 60 dB (sample dropping would not)', () => {
    for (const [rate, f] of [
      [44100, 11300],
      [44100, 13000],
      [44100, 15000],
      [44100, 20000],
      [48000, 12000],
      [96000, 30000],
      [96000, 45000],
    ]) {
      const x = sine(f, rate, 0.5);
      const y = resample(x, rate, OUT);
      // Where the tone would land if it aliased.
      let alias = f % OUT;
      if (alias > OUT / 2) alias = OUT - alias;
      let e = 0;
      for (let i = 2000; i < y.length - 2000; i++) e += y[i] * y[i];
      expect(db(e / (y.length - 4000) / 0.5)).toBeLessThan(-60);
      expect(tonePowerDb(y, OUT, alias)).toBeLessThan(-60);
      if (rate === 44100) {
        // Naive 2:1 decimation folds the tone back at full level.
        const dropped = x.filter((_, i) => i % 2 === 0);
        expect(tonePowerDb(dropped, OUT, alias)).toBeGreaterThan(-1);
      }
    }
  });

  it('upsampling leaves no images above the source band', () => {
    const y = resample(sine(3000, 8000, 0.5), 8000, OUT);
    expect(Math.abs(tonePowerDb(y, OUT, 3000))).toBeLessThan(0.1);
    expect(tonePowerDb(y, OUT, 5000)).toBeLessThan(-60); // 8000 − 3000
    expect(tonePowerDb(y, OUT, 11000)).toBeLessThan(-60); // 8000 + 3000
  });

  it('is chunk-invariant, bit for bit', () => {
    const rng = createRng(7);
    const x = new Float32Array(48000).map(() => rng() * 2 - 1);
    for (const rate of [48000, 44100, 8000, 44056]) {
      const whole = resample(x, rate, OUT);
      const r = createResampler(rate, OUT);
      const parts: Float32Array[] = [];
      for (let off = 0, step = 1; off < x.length; off += step, step = 1 + Math.floor(rng() * 3000)) parts.push(r.process(x.subarray(off, off + step)));
      parts.push(r.flush());
      const joined = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
      expect(firstDifference(joined, whole)).toBe(-1);
    }
  });

  it('is zero-phase: an impulse stays at its time position', () => {
    const x = new Float32Array(4410);
    x[2205] = 1;
    const y = resample(x, 44100, OUT);
    let peak = 0;
    for (let i = 1; i < y.length; i++) if (Math.abs(y[i]) > Math.abs(y[peak])) peak = i;
    expect(peak).toBe(1102); // 2205 / 2, rounded down by the half-sample grid
  });

  it('mixToMono averages channels', () => {
    const a = new Float32Array([1, 0.5, -1]);
    const b = new Float32Array([0, 0.5, 1]);
    expect(Array.from(mixToMono([a, b]))).toEqual([0.5, 0.5, 0]);
    expect(mixToMono([a])).toBe(a);
  });
});
