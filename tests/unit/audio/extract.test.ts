/**
 * The clip-level extractor: named/versioned vector, block-wise accumulation
 * identical to in-memory extraction, source-rate independence, HPSS balance,
 * representative excerpt.
 */
import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_SETTINGS,
  createFeatureAccumulator,
  EXTRACTOR_VERSION,
  extractFeatures,
  extractFeaturesFromChannels,
  FEATURE_NAMES,
} from '@/lib/audio/extract';
import { resample } from '@/lib/audio/resample';
import { createRng } from '@/lib/util/random';
import { cadence, concat, drumPattern, sine } from './helpers';

const SR = 22050;
const music = (sr: number) => {
  const d = drumPattern(110, 8, sr);
  const c = cadence(9, 'minor', sr, 1, 2);
  return d.map((v, i) => 0.6 * v + 0.8 * c[i]);
};

describe('feature vector contract', () => {
  const f = extractFeatures(music(SR), SR);

  it('is named, versioned and finite', () => {
    expect(EXTRACTOR_VERSION).toMatch(/^chorus-audio-\d+\.\d+\.\d+$/);
    expect(f.extractorVersion).toBe(EXTRACTOR_VERSION);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    expect(f.vector).toHaveLength(FEATURE_NAMES.length);
    expect(Object.keys(f.features).sort()).toEqual([...FEATURE_NAMES].sort());
    FEATURE_NAMES.forEach((n, i) => expect(f.vector[i]).toBe(f.features[n]));
    expect(f.vector.every(Number.isFinite)).toBe(true);
    expect(ANALYSIS_SETTINGS).toMatchObject({ sampleRate: 22050, frameSize: 2048, hopSize: 512 });
  });

  it('covers the documented families', () => {
    for (const prefix of ['mfcc_12_', 'chroma_a_', 'spectral_centroid_p90', 'spectral_spread_', 'spectral_flatness_', 'spectral_rolloff_', 'spectral_flux_', 'rms_', 'loudness_p50', 'zcr_', 'tempo_bpm', 'key_', 'loudness_lufs', 'loudness_range_lu', 'harmonic_ratio']) {
      expect(FEATURE_NAMES.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
    expect(f.key.key).toBe('A');
    expect(f.key.mode).toBe('minor');
    expect(Math.abs(f.tempo.bpm - 110)).toBeLessThan(2.2);
    expect(f.durationS).toBeCloseTo(8, 6);
  });
});

describe('createFeatureAccumulator', () => {
  it('gives exactly the same result whatever the block sizes', () => {
    const x = music(44100);
    const whole = extractFeatures(x, 44100);
    const rng = createRng(12);
    const acc = createFeatureAccumulator({ sampleRate: 44100 });
    for (let off = 0; off < x.length; ) {
      const n = 1 + Math.floor(rng() * 20000);
      acc.push(x.subarray(off, off + n));
      off += n;
    }
    const blockwise = acc.finish();
    expect(blockwise.vector).toEqual(whole.vector);
    expect(blockwise.tempo.beatsS).toEqual(whole.tempo.beatsS);
    expect(blockwise.excerpt).toEqual(whole.excerpt);
  });

  it('takes channels: features of the mix, BS.1770 loudness of the channels', () => {
    const x = music(SR);
    const mono = extractFeatures(x, SR);
    const st = extractFeaturesFromChannels([x, x], SR);
    expect(st.channels).toBe(2);
    expect(st.features.mfcc_3_mean).toBeCloseTo(mono.features.mfcc_3_mean, 9);
    expect(st.features.loudness_lufs - mono.features.loudness_lufs).toBeCloseTo(3.01, 1);
  });

  it('refuses pushes after finish', () => {
    const acc = createFeatureAccumulator({ sampleRate: SR });
    acc.push(sine(440, SR, 1, 0.5));
    acc.finish();
    expect(() => acc.push(new Float32Array(10))).toThrow(/finished/);
  });
});

describe('source-rate independence', () => {
  it('the same music at 22.05, 44.1 and 48 kHz gives nearly the same vector', () => {
    const base = music(48000);
    const ref = extractFeatures(resample(base, 48000, 22050), 22050);
    for (const sr of [44100, 48000]) {
      const f = extractFeatures(sr === 48000 ? base : resample(base, 48000, sr), sr);
      expect(f.key.key).toBe(ref.key.key);
      expect(Math.abs(f.tempo.bpm - ref.tempo.bpm)).toBeLessThan(0.5);
      for (const n of ['mfcc_1_mean', 'chroma_a_mean', 'spectral_centroid_mean', 'rms_mean', 'loudness_lufs']) {
        expect(Math.abs(f.features[n] - ref.features[n]) / (Math.abs(ref.features[n]) + 1e-9), n).toBeLessThan(0.03);
      }
    }
  });
});

describe('summaries on known signals', () => {
  it('a steady sine: RMS percentiles are A/√2, centroid at its frequency', () => {
    const f = extractFeatures(sine(1000, SR, 3, 0.5), SR);
    expect(f.features.rms_p10).toBeCloseTo(0.5 * Math.SQRT1_2, 3);
    expect(f.features.rms_p90).toBeCloseTo(0.5 * Math.SQRT1_2, 3);
    expect(f.features.rms_std).toBeLessThan(1e-3);
    expect(Math.abs(f.features.spectral_centroid_p50 - 1000)).toBeLessThan(30);
    expect(f.features.chroma_b_mean).toBeGreaterThan(0.9); // 1000 Hz ≈ B5 (987.8 Hz)
  });
});

describe('harmonic/percussive balance (median-filter HPSS)', () => {
  it('orders sustained chords > mix > drums', () => {
    const chords = extractFeatures(cadence(0, 'major', SR, 1, 2), SR).features.harmonic_ratio;
    const drums = extractFeatures(drumPattern(120, 8, SR), SR).features.harmonic_ratio;
    const mix = extractFeatures(music(SR), SR).features.harmonic_ratio;
    expect(chords).toBeGreaterThan(0.85);
    expect(drums).toBeLessThan(0.4);
    expect(mix).toBeGreaterThan(drums);
    expect(mix).toBeLessThan(chords);
  });
});

describe('representative excerpt', () => {
  it('lands inside the section that makes up most of the clip', () => {
    const rng = createRng(4);
    const intro = new Float32Array(SR * 12).map(() => 0.2 * (rng() - 0.5)); // noise
    const main = concat(music(SR), music(SR), music(SR), music(SR)); // 32 s
    const outro = sine(180, SR, 10, 0.4);
    const f = extractFeatures(concat(intro, main, outro), SR, { excerptSeconds: 10 });
    expect(f.excerpt.durationS).toBeCloseTo(10, 0);
    expect(f.excerpt.startS).toBeGreaterThanOrEqual(12 - 0.5);
    expect(f.excerpt.startS + f.excerpt.durationS).toBeLessThanOrEqual(44 + 0.5);
  });

  it('never picks a silent stretch when there is music elsewhere', () => {
    const f = extractFeatures(concat(music(SR), new Float32Array(SR * 30), music(SR)), SR, { excerptSeconds: 6 });
    const s = f.excerpt.startS;
    expect(s + 6 <= 8.5 || s >= 37.5).toBe(true);
  });

  it('is the whole clip when the clip is shorter than the excerpt', () => {
    const f = extractFeatures(music(SR), SR, { excerptSeconds: 30 });
    expect(f.excerpt.startS).toBe(0);
    expect(f.excerpt.durationS).toBeCloseTo(8, 0);
  });
});
