/**
 * What the aggregation learned about a contributor, in words for the results page: a
 * valence–arousal rater's bias, scale and noise per axis, a comparer's Crowd-BT reliability η.
 * Pure, so the thresholds are unit-tested.
 */

/** Smaller biases than this read as "as the crowd does" (a tenth of a tick on the ±1 plane). */
export const BIAS_NOTICED = 0.05;
/** Scales within this factor of 1 read as "uses the range as the crowd does". */
export const SCALE_NOTICED = 1.15;
/** Reliability below which a comparer answers against the consensus more often than with it. */
export const ADVERSARY_BELOW = 0.5;

const fixed = (x: number) => Math.abs(x).toFixed(2);

/** "rates 0.30 more pleasant than the crowd" · "rates valence as the crowd does". */
export function biasWords(bias: number, more: string, less: string, axis: string): string {
  if (!Number.isFinite(bias) || Math.abs(bias) < BIAS_NOTICED) return `rates ${axis} as the crowd does`;
  return `rates ${fixed(bias)} ${bias > 0 ? more : less} than the crowd`;
}

/** "spreads ratings 1.4× wider" · "squeezes ratings to 0.7× the range" · "" (as the crowd). */
export function scaleWords(scale: number): string {
  if (!Number.isFinite(scale) || (scale < SCALE_NOTICED && scale > 1 / SCALE_NOTICED)) return '';
  return scale > 1 ? `spreads ratings ${scale.toFixed(1)}× wider` : `squeezes ratings to ${scale.toFixed(1)}× the range`;
}

/** The rater's noise σ as consistency: "consistent (± 0.05)", "noisy (± 0.30)". */
export function noiseWords(noise: number): string {
  if (!Number.isFinite(noise)) return '';
  const kind = noise < 0.1 ? 'consistent' : noise > 0.25 ? 'noisy' : 'fairly consistent';
  return `${kind} (± ${noise.toFixed(2)})`;
}

/** One valence–arousal rater in a sentence per axis. */
export function raterWords(params: Record<string, number>): { valence: string; arousal: string } {
  const axis = (bias: string, scale: string, noise: string, more: string, less: string, name: string) =>
    [biasWords(params[bias], more, less, name), scaleWords(params[scale]), noiseWords(params[noise])].filter(Boolean).join(', ');
  return {
    valence: axis('valenceBias', 'valenceScale', 'valenceNoise', 'more pleasant', 'less pleasant', 'valence'),
    arousal: axis('arousalBias', 'arousalScale', 'arousalNoise', 'more energetic', 'calmer', 'arousal'),
  };
}

/** A comparer's η: "agrees with the consensus 92 % of the time", and whether to flag them. */
export function comparerWords(eta: number): { text: string; adversary: boolean } {
  const pct = Math.round(eta * 100);
  const adversary = eta < ADVERSARY_BELOW;
  return {
    text: adversary
      ? `agrees with the consensus only ${pct} % of the time: likely answering against it`
      : `agrees with the consensus ${pct} % of the time`,
    adversary,
  };
}

/** "0.42 ± 0.10" (a missing value is a dash). */
export function plusMinus(value: number | null, sd: number | null): string {
  if (value === null) return '–';
  return sd === null ? value.toFixed(2) : `${value.toFixed(2)} ± ${sd.toFixed(2)}`;
}
