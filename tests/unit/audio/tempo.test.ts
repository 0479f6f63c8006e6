/**
 * Tempo and beats on synthesized click and drum patterns whose tempo and
 * beat times we know. An octave error (exactly ×2 or ×½) is counted apart
 * from a plain miss; the extractor is expected to make neither here.
 */
import { describe, expect, it } from 'vitest';
import { extractFeatures } from '@/lib/audio/extract';
import { estimateTempo, pulseContrast } from '@/lib/audio/tempo';
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

  it('returns zeros for an envelope too short or flat to judge', () => {
    expect(estimateTempo(new Float32Array(10), 43).bpm).toBe(0);
    expect(estimateTempo(new Float32Array(1000), 43).bpm).toBe(0);
  });
});
