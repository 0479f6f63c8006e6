/**
 * Key and mode from chroma with published key profiles.
 */
import { PITCH_CLASSES } from './frame-features';

/** Krumhansl & Kessler (1982) probe-tone ratings, tonic first. */
export const KRUMHANSL_KESSLER = {
  major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
  minor: [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
} as const;

/** Temperley (1999, "What's key for key?") revised profiles, tonic first. */
export const TEMPERLEY = {
  major: [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0],
  minor: [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0],
} as const;

/**
 * Albrecht & Shanahan (2013, "The use of large corpora to train a new type of
 * key-finding algorithm: an improved treatment of the minor mode", Music
 * Perception 31(1)) pitch-class distributions, tonic first.
 */
export const ALBRECHT_SHANAHAN = {
  major: [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.08, 0.008, 0.081],
  minor: [0.22, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052],
} as const;

/** Temperley (2007, "Music and Probability") Kostka–Payne corpus profiles, tonic first. */
export const TEMPERLEY_KOSTKA_PAYNE = {
  major: [0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4],
  minor: [0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133, 0.33],
} as const;

const PROFILES = { krumhansl: KRUMHANSL_KESSLER, temperley: TEMPERLEY, albrecht: ALBRECHT_SHANAHAN, kostka: TEMPERLEY_KOSTKA_PAYNE } as const;

export type KeyProfileName = keyof typeof PROFILES;
export type Mode = 'major' | 'minor';

export interface KeyOptions {
  /**
   * Default 'temperley' for {@link estimateKey} (with partial-aware templates
   * it named all 24 keys correctly on every synthetic chord/cadence variant
   * we tried, where Krumhansl–Kessler confused relative keys on bare
   * triads); {@link estimateKeyFromFrames} defaults to 'albrecht' (see there).
   */
  profiles?: KeyProfileName;
  /**
   * Number of partials assumed per note when building the expected chroma
   * of a key (1 = the bare profile). Default 6.
   */
  harmonics?: number;
  /** Amplitude decay per partial (Gómez 2006 uses 0.6). */
  harmonicDecay?: number;
  /** Apply the 'contrast' transform (mean removed, positive part, square root) to the templates too. */
  contrastTemplates?: boolean;
}

export interface FrameKeyOptions extends KeyOptions {
  /**
   * How frames are summed by {@link estimateKeyFromFrames}:
   * - 'contrast' (default): per frame, subtract the mean of the 12 bins,
   *   keep the positive part, take the square root, then sum. Broadband
   *   energy (drum hits, noise, the spectral floor under every note) adds
   *   about the same to every bin and is removed; the square root keeps a
   *   few loud chords from outweighing the rest of the piece. On the piano
   *   dev set (bench/extract-accuracy.ts) this took the MIREX weighted key
   *   score from 0.85 to 0.90 (relative-key confusions 14 → 10 of 184).
   * - 'energy': plain unnormalised sum (chorus-audio-1.0.0).
   */
  frameWeighting?: 'contrast' | 'energy';
}

export interface KeyResult {
  /** Tonic pitch-class name, e.g. "A", "F#". */
  key: string;
  /** Tonic pitch class, 0 = C. */
  tonic: number;
  mode: Mode;
  /** Correlation of the chroma with the winning template, in [−1, 1]. */
  correlation: number;
  /**
   * How clearly the winner beats the runner-up: correlation margin scaled so
   * that a 0.1 margin (and above) gives 1, times max(0, correlation).
   */
  confidence: number;
  /** Correlations for all 24 keys: index tonic (0..11) for major, 12 + tonic for minor. */
  scores: number[];
}

/**
 * The chroma a note with pitch class 0 leaves through its partials:
 * partial h (amplitude decay^(h−1)) lands on pitch class round(12·log2 h).
 * Why: real tones put energy on the fifth (h = 3, 6) and major third
 * (h = 5) of every note, so a minor triad's chroma carries a major third of
 * its root; correlating against bare profiles then pulls minor keys toward
 * their relative/parallel major. Templates that include the partials
 * (Gómez 2006, "Tonal description of music audio signals") remove that bias.
 */
function partialSpread(harmonics: number, decay: number): Float64Array {
  const spread = new Float64Array(12);
  for (let h = 1; h <= harmonics; h++) {
    const pc = ((Math.round(12 * Math.log2(h)) % 12) + 12) % 12;
    spread[pc] += decay ** (h - 1);
  }
  return spread;
}

const templateCache = new Map<string, Float64Array[]>();

/** The 24 expected-chroma templates (12 major, then 12 minor). */
export function keyTemplates(options: KeyOptions = {}): Float64Array[] {
  const name = options.profiles ?? 'temperley';
  const harmonics = options.harmonics ?? 6;
  const decay = options.harmonicDecay ?? 0.6;
  const contrast = options.contrastTemplates ?? false;
  const cacheKey = `${name}/${harmonics}/${decay}/${contrast}`;
  const hit = templateCache.get(cacheKey);
  if (hit) return hit;
  const prof = PROFILES[name];
  const spread = partialSpread(harmonics, decay);
  const out: Float64Array[] = [];
  for (const mode of ['major', 'minor'] as const) {
    const base = prof[mode];
    // Template for tonic C, then rotations.
    const t0 = new Float64Array(12);
    for (let p = 0; p < 12; p++) for (let q = 0; q < 12; q++) t0[(p + q) % 12] += base[p] * spread[q];
    for (let tonic = 0; tonic < 12; tonic++) {
      const t = new Float64Array(12);
      for (let p = 0; p < 12; p++) t[(p + tonic) % 12] = t0[p];
      if (contrast) {
        const mean = t.reduce((a, b) => a + b, 0) / 12;
        for (let p = 0; p < 12; p++) t[p] = Math.sqrt(Math.max(0, t[p] - mean));
      }
      out.push(t);
    }
  }
  templateCache.set(cacheKey, out);
  return out;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 12; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= 12;
  my /= 12;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < 12; i++) {
    const a = x[i] - mx;
    const b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * Key and mode of a 12-bin chroma vector (C first), by the
 * Krumhansl–Schmuckler method: Pearson correlation with the 24 rotated key
 * profiles (Temperley 1999 by default, or Krumhansl & Kessler 1982), here convolved
 * with the partial series of a harmonic tone (see {@link keyTemplates}).
 * Complexity O(24·12).
 *
 * @example estimateKey(chromaSum).key // "A"
 */
export function estimateKey(chroma: ArrayLike<number>, options: KeyOptions = {}): KeyResult {
  const templates = keyTemplates(options);
  const scores = templates.map((t) => pearson(chroma, t));
  let best = 0;
  for (let i = 1; i < 24; i++) if (scores[i] > scores[best]) best = i;
  let second = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 24; i++) if (i !== best && scores[i] > second) second = scores[i];
  const r = scores[best];
  const margin = r - second;
  const tonic = best % 12;
  return {
    key: PITCH_CLASSES[tonic],
    tonic,
    mode: best < 12 ? 'major' : 'minor',
    correlation: r,
    confidence: Math.max(0, r) * Math.min(1, Math.max(0, margin / 0.1)),
    scores,
  };
}

/**
 * Key from per-frame chroma (row-major, 12 per frame), summed as
 * `frameWeighting` says (default 'contrast': mean-removed, square-rooted
 * frames, so silent and noise-only frames add nothing). Complexity O(frames·12).
 *
 * With 'contrast' the default templates are the bare Albrecht & Shanahan
 * (2013) profiles (chorus-audio-1.3.0). Why: chosen among four published
 * profile sets (Temperley 1999, Krumhansl–Kessler, Albrecht–Shanahan,
 * Temperley–Kostka–Payne) × 1, 3, 4, 6 partials, with and without contrast
 * templates, as the best on one half of the dev set (bench/extract-accuracy.ts,
 * even seeds: MIREX weighted score 0.902) among those that keep every
 * published synthetic case right (the cadences and triads of
 * tests/unit/audio/key.test.ts, a lone sine read as its own pitch class —
 * Kostka–Payne scored 0.905 there but calls a lone A "D"). On the other half
 * it scores 0.907 (the partial-aware Temperley contrast templates of 1.1.0:
 * 0.879). Corpus profiles put most of the minor mode's weight on its minor
 * third and sixth (0.123 / 0.062 against 0.019 for the major third), which
 * keeps the relative-key trap of plain triads closed without modelling
 * partials; a second partial only lands on the octave and changes nothing.
 */
export function estimateKeyFromFrames(frames: ArrayLike<number>, frameCount: number, options: FrameKeyOptions = {}): KeyResult {
  const sum = new Float64Array(12);
  if ((options.frameWeighting ?? 'contrast') === 'energy') {
    for (let f = 0; f < frameCount; f++) for (let c = 0; c < 12; c++) sum[c] += frames[f * 12 + c];
  } else {
    for (let f = 0; f < frameCount; f++) {
      let mean = 0;
      for (let c = 0; c < 12; c++) mean += frames[f * 12 + c];
      mean /= 12;
      for (let c = 0; c < 12; c++) {
        const d = frames[f * 12 + c] - mean;
        if (d > 0) sum[c] += Math.sqrt(d);
      }
    }
  }
  const contrast = (options.frameWeighting ?? 'contrast') === 'contrast';
  return estimateKey(sum, contrast ? { profiles: 'albrecht', harmonics: 1, ...options } : options);
}
