/**
 * Tempo and beats on synthesized click and drum patterns whose tempo and
 * beat times we know. An octave error (exactly ×2 or ×½) is counted apart
 * from a plain miss; the extractor is expected to make neither here.
 */
import { describe, expect, it } from 'vitest';
import { extractFeatures } from '@/lib/audio/extract';
import { bandPeriodicity, estimateTempo, pulseContrast } from '@/lib/audio/tempo';
import { createRng } from '@/lib/util/random';
import { clickTrack, drumPattern, sine } from './helpers';

const TEMPI = [60, 75, 90, 100, 120, 140, 160, 180, 200];
const SECONDS = 16;

type Verdict = 'ok' | 'octave' | 'miss';
function judge(found: number, truth: number): Verdict {
  if (Math.abs(found / truth - 1) <= 0.02) return 'ok';
  for (const r of [2, 0.5]) if (Math.abs(found / (truth * r) - 1) <= 0.02) return 'octave';
  return 'miss';
}

/** Fraction of true beats with a detected beat within ±tol seconds. */
function beatRecall(found: number[], bpm: number, seconds: number, offset: number, tol = 0.05): number {
  const truth: number[] = [];
  for (let t = offset; t < seconds - 0.1; t += 60 / bpm) truth.push(t);
  // The first beat (the envelope has no "previous frame") and the last may be absent.
  const inner = truth.slice(1, -1);
  const hit = inner.filter((t) => found.some((b) => Math.abs(b - t) <= tol)).length;
  return hit / inner.length;
}

describe('tempo on synthesized patterns, 60–200 BPM', () => {
  for (const kind of ['clicks', 'drums'] as const) {
    for (const bpm of TEMPI) {
      it(`${kind} at ${bpm} BPM`, () => {
        const x = kind === 'clicks' ? clickTrack(bpm, SECONDS, 22050) : drumPattern(bpm, SECONDS, 22050);
        const f = extractFeatures(x, 22050);
        const v = judge(f.tempo.bpm, bpm);
        expect(v, `found ${f.tempo.bpm.toFixed(2)} BPM`).not.toBe('miss');
        expect(v, `octave error: found ${f.tempo.bpm.toFixed(2)} BPM`).toBe('ok');
        expect(f.tempo.confidence).toBeGreaterThan(0.5);
        expect(f.features.tempo_bpm).toBe(f.tempo.bpm);
        // Beats: the patterns start 50 ms in.
        expect(beatRecall(f.tempo.beatsS, bpm, SECONDS, 0.05)).toBeGreaterThanOrEqual(0.9);
        const ibi = f.tempo.beatsS.slice(1).map((b, i) => b - f.tempo.beatsS[i]);
        const median = [...ibi].sort((a, b) => a - b)[ibi.length >> 1];
        expect(Math.abs(median / (60 / bpm) - 1)).toBeLessThan(0.05);
      });
    }
  }
});

describe('tempo through the resampler and at non-round tempi', () => {
  for (const [kind, bpm, rate] of [
    ['drums', 97.3, 44100],
    ['clicks', 133.3, 48000],
    ['drums', 171, 16000],
  ] as const) {
    it(`${kind} at ${bpm} BPM, ${rate} Hz source`, () => {
      const x = kind === 'clicks' ? clickTrack(bpm, 12, rate, 4) : drumPattern(bpm, 12, rate, 5);
      const f = extractFeatures(x, rate);
      expect(judge(f.tempo.bpm, bpm)).toBe('ok');
      expect(Math.abs(f.tempo.bpm - bpm)).toBeLessThan(0.5);
    });
  }
});

describe('estimateTempo on envelopes', () => {
  it('resolves a non-integer beat period to well under 1 %', () => {
    const frameRate = 22050 / 512;
    const period = (60 * frameRate) / 137; // 18.86 frames
    const env = new Float32Array(2000);
    for (let t = 3; t < env.length; t += period) env[Math.round(t)] = 10;
    const r = estimateTempo(env, frameRate);
    expect(Math.abs(r.bpm / 137 - 1)).toBeLessThan(0.003);
  });

  it('gives low confidence without onsets (steady tone, noise)', () => {
    expect(extractFeatures(sine(440, 22050, 6, 0.5), 22050).tempo.confidence).toBeLessThan(0.05);
    const rng = createRng(3);
    const noise = new Float32Array(22050 * 6).map(() => 0.3 * (rng() - 0.5));
    expect(extractFeatures(noise, 22050).tempo.confidence).toBeLessThan(0.3);
  });

  it('pulseContrast separates a faster beat from faint subdivisions', () => {
    const env = new Float32Array(1000);
    for (let t = 0; t < 1000; t += 20) env[t] = 1; // beats every 20 frames
    for (let t = 10; t < 1000; t += 20) env[t] = 0.1; // faint off-beats
    expect(pulseContrast(env, 20, 2)).toBeCloseTo(0.1, 2);
    expect(pulseContrast(env, 40, 2)).toBeGreaterThan(0.9);
  });

  it('takes the faster level when the flux envelope says the in-between beats are real (chords over a bass on 1 and 3)', () => {
    // Beats every 20 frames. Onset envelope: 1 on beats 1 and 3 (bass + chord),
    // 0.6 on 2 and 4 (chord), so the 40-frame level has the larger salience.
    // Energy accent: 1 vs 0.1 (the bass dominates the RMS), below accentRatio
    // 0.22, so on its own it keeps the half-tempo reading. Flux: 1 vs 0.5
    // (the chord's bands rise as much as with the bass) ≥ fluxRatio 0.25.
    const frameRate = 40;
    const n = 1600;
    const onset = new Float32Array(n);
    const energy = new Float32Array(n);
    const fluxOf = (off: number) => {
      const f = new Float32Array(n);
      for (let t = 0; t < n; t += 20) f[t] = t % 40 === 0 ? 1 : off;
      return f;
    };
    for (let t = 0; t < n; t += 20) {
      onset[t] = t % 40 === 0 ? 1 : 0.6;
      energy[t] = t % 40 === 0 ? 1 : 0.1;
    }
    const slow = (60 * frameRate) / 40; // 60 BPM
    const fast = (60 * frameRate) / 20; // 120 BPM
    const near = (bpm: number, want: number) => Math.abs(bpm / want - 1) < 0.02;
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy).bpm, slow)).toBe(true);
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy, fluxOf(0.5)).bpm, fast)).toBe(true);
    // Faint in-between events in the flux too (hi-hat-like, 0.1): stays at the slow level.
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy, fluxOf(0.1)).bpm, slow)).toBe(true);
    // The threshold is the option's: at 0.6 the 0.5 contrast no longer qualifies.
    expect(near(estimateTempo(onset, frameRate, { fluxRatio: 0.6 }, undefined, energy, fluxOf(0.5)).bpm, slow)).toBe(true);
  });

  it("pulseContrast 'median' ignores a few loud events off the pulse (chord changes at their own pace)", () => {
    // Beats (1) every 20 frames, faint off-beats (0.1); four of the 50
    // off-beats also carry a loud unrelated event (5). Mean of the off-beats:
    // (46·0.1 + 4·5)/50 = 0.492; median: 0.1.
    const env = new Float32Array(1000);
    for (let t = 0; t < 1000; t += 20) env[t] = 1;
    for (let t = 10; t < 1000; t += 20) env[t] = 0.1;
    for (const t of [110, 330, 550, 770]) env[t] = 5;
    expect(pulseContrast(env, 20, 2, 'median')).toBeCloseTo(0.1, 6);
    expect(pulseContrast(env, 20, 2)).toBeCloseTo(0.492, 3);
  });

  it('bandPeriodicity: the same band again counts, a different band does not (hand-worked)', () => {
    // Two bands, 8 frames, frame-major. Band 0 rises at frames 0, 2, 4, 6 (a
    // chord re-struck every 2 frames); band 1 stays 0. Mean of band 0 = 0.5,
    // deviations ±0.5: c0(0) = 0.25; c0(2) = Σ over 6 pairs of (+0.5)(+0.5) or
    // (−0.5)(−0.5) / 6 = 0.25; c0(1) = −0.25. With the ±1-frame search at
    // lag 2 the best of lags 1..3 is lag 2: P = 0.25 / 0.25 = 1.
    const same = new Float32Array(16);
    for (const t of [0, 2, 4, 6]) same[t * 2] = 1;
    expect(bandPeriodicity({ data: same, count: 2 }, 2)).toBeCloseTo(1, 10);
    // Alternating bands (a broken chord: band 0 at frames 0, 4; band 1 at 2, 6).
    // Each band: mean 0.25, deviations 0.75 at an event and −0.25 elsewhere,
    // c_b(0) = (2·0.75² + 6·0.25²)/8 = 0.1875, summed 0.375. Summed over both
    // bands, a pair with an event adds 0.75·(−0.25) = −0.1875, a pair without
    // +0.0625, and each lag's sum is divided by its pair count per band.
    // Lag 1: 7 pairs per band, 8 of the 14 with an event: (8·(−0.1875) +
    // 6·0.0625)/7 = −0.125. Lag 2: 6 pairs per band, 6 of 12 with an event:
    // (6·(−0.1875) + 6·0.0625)/6 = −0.125. Lag 3: 5 pairs per band, band 0
    // has 3 with an event ((0,3), (1,4), (4,7)), band 1 has 2 ((2,5), (3,6)):
    // (5·(−0.1875) + 5·0.0625)/5 = −0.125. Best of lags 1..3: −0.125, so
    // P = −0.125 / 0.375 = −1/3.
    const alt = new Float32Array(16);
    for (const t of [0, 4]) alt[t * 2] = 1;
    for (const t of [2, 6]) alt[t * 2 + 1] = 1;
    expect(bandPeriodicity({ data: alt, count: 2 }, 2)).toBeCloseTo(-1 / 3, 10);
    // The summed envelope of the broken chord repeats every 2 frames all the same.
    expect(bandPeriodicity({ data: Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0]), count: 1 }, 2)).toBeCloseTo(1, 10);
  });

  it('takes the faster level when the same bands are struck again there (a chord on every beat)', () => {
    // Beats every 20 frames at 40 frames/s (120 BPM). Onset: 1 on odd-numbered
    // beats (chord + bass), 0.4 on the others (chord), so the 40-frame level
    // wins the comb salience and, with RMS and flux accents of 0.1 on the
    // in-between beats, neither accent rule moves to 20 frames.
    const frameRate = 40;
    const n = 1600;
    const onset = new Float32Array(n);
    const energy = new Float32Array(n);
    for (let t = 0; t < n; t += 20) {
      onset[t] = t % 40 === 0 ? 1 : 0.4;
      energy[t] = t % 40 === 0 ? 1 : 0.1;
    }
    const near = (bpm: number, want: number) => Math.abs(bpm / want - 1) < 0.02;
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy, energy).bpm, 60)).toBe(true);
    // Bands: the chord's three bands rise on every beat → the faster level.
    const chord = new Float32Array(n * 3);
    for (let t = 0; t < n; t += 20) chord.fill(1, t * 3, t * 3 + 3);
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy, energy, { data: chord, count: 3 }).bpm, 120)).toBe(true);
    // A broken chord: one band per beat in turn (0, 1, 2, 0, …): no band repeats after 20 frames.
    const broken = new Float32Array(n * 3);
    for (let t = 0, k = 0; t < n; t += 20, k++) broken[t * 3 + (k % 3)] = 1;
    expect(near(estimateTempo(onset, frameRate, {}, undefined, energy, energy, { data: broken, count: 3 }).bpm, 60)).toBe(true);
  });

  it('returns zeros for an envelope too short or flat to judge', () => {
    expect(estimateTempo(new Float32Array(10), 43).bpm).toBe(0);
    expect(estimateTempo(new Float32Array(1000), 43).bpm).toBe(0);
  });
});
