/**
 * MIREX-style accuracy measures for tempo and key estimates (pure functions).
 *
 * Tempo (MIREX "audio tempo extraction" / Gouyon et al. 2006, "An
 * experimental comparison of audio tempo induction algorithms"):
 * - acc1: the estimate is within ±4 % of the reference tempo;
 * - acc2: within ±4 % of the reference × 1, 2, ½, 3 or ⅓ (octave and
 *   triple/third errors forgiven).
 *
 * Key (MIREX "audio key detection", as mir_eval.key.weighted_score):
 * same key 1; estimate a perfect fifth above the reference, same mode 0.5;
 * relative major/minor 0.3; parallel major/minor 0.2; anything else 0.
 * mir_eval counts only the fifth *above* by default (allow_descending_fifths
 * = False); `allowDescendingFifths` gives the fifth below 0.5 as well.
 */

export type KeyMode = 'major' | 'minor';

export interface KeyLabel {
  /** Tonic pitch class, 0 = C. */
  tonic: number;
  mode: KeyMode;
}

/** Tolerance of acc1/acc2: ±4 % of the (scaled) reference. */
export const TEMPO_TOLERANCE = 0.04;
const ACC2_FACTORS = [1, 2, 1 / 2, 3, 1 / 3] as const;

/** |est − ref| ≤ tol·ref (ref > 0; a non-finite or non-positive estimate never matches). */
export function tempoAcc1(estimatedBpm: number, referenceBpm: number, tolerance = TEMPO_TOLERANCE): boolean {
  if (!(referenceBpm > 0) || !(estimatedBpm > 0) || !Number.isFinite(estimatedBpm)) return false;
  return Math.abs(estimatedBpm - referenceBpm) <= tolerance * referenceBpm + 1e-12;
}

/** acc1 against the reference × 1, 2, ½, 3 or ⅓. */
export function tempoAcc2(estimatedBpm: number, referenceBpm: number, tolerance = TEMPO_TOLERANCE): boolean {
  return ACC2_FACTORS.some((f) => tempoAcc1(estimatedBpm, referenceBpm * f, tolerance));
}

/**
 * How the estimate relates to the reference tempo: 'exact' (acc1),
 * 'double' (×2), 'half' (×½), 'triple', 'third', or 'wrong'.
 */
export function tempoRelation(estimatedBpm: number, referenceBpm: number, tolerance = TEMPO_TOLERANCE): 'exact' | 'double' | 'half' | 'triple' | 'third' | 'wrong' {
  if (tempoAcc1(estimatedBpm, referenceBpm, tolerance)) return 'exact';
  if (tempoAcc1(estimatedBpm, 2 * referenceBpm, tolerance)) return 'double';
  if (tempoAcc1(estimatedBpm, referenceBpm / 2, tolerance)) return 'half';
  if (tempoAcc1(estimatedBpm, 3 * referenceBpm, tolerance)) return 'triple';
  if (tempoAcc1(estimatedBpm, referenceBpm / 3, tolerance)) return 'third';
  return 'wrong';
}

export type KeyRelation = 'same' | 'fifth' | 'relative' | 'parallel' | 'other';

const pc = (x: number): number => ((Math.round(x) % 12) + 12) % 12;

/**
 * Relation of an estimated key to the reference, in MIREX's categories.
 * 'fifth' is the estimate a fifth above the reference in the same mode
 * (also a fifth below when `allowDescendingFifths`).
 */
export function keyRelation(estimated: KeyLabel, reference: KeyLabel, options: { allowDescendingFifths?: boolean } = {}): KeyRelation {
  const d = pc(estimated.tonic - reference.tonic);
  if (estimated.mode === reference.mode) {
    if (d === 0) return 'same';
    if (d === 7 || (options.allowDescendingFifths && d === 5)) return 'fifth';
    return 'other';
  }
  // Relative: C major ↔ A minor (minor tonic 9 semitones above the major one).
  if (reference.mode === 'major' && d === 9) return 'relative';
  if (reference.mode === 'minor' && d === 3) return 'relative';
  if (d === 0) return 'parallel';
  return 'other';
}

const KEY_WEIGHTS: Record<KeyRelation, number> = { same: 1, fifth: 0.5, relative: 0.3, parallel: 0.2, other: 0 };

/** MIREX weighted key score of one estimate: 1, 0.5, 0.3, 0.2 or 0. */
export function keyWeightedScore(estimated: KeyLabel, reference: KeyLabel, options: { allowDescendingFifths?: boolean } = {}): number {
  return KEY_WEIGHTS[keyRelation(estimated, reference, options)];
}

export interface TempoSummary {
  n: number;
  acc1: number;
  acc2: number;
  /** Counts per relation (exact, double, half, triple, third, wrong). */
  relations: Record<ReturnType<typeof tempoRelation>, number>;
}

/** acc1/acc2 (fractions in [0, 1]) over paired estimates and references. */
export function summarizeTempo(estimatedBpm: readonly number[], referenceBpm: readonly number[], tolerance = TEMPO_TOLERANCE): TempoSummary {
  if (estimatedBpm.length !== referenceBpm.length) throw new RangeError('summarizeTempo: length mismatch');
  const relations = { exact: 0, double: 0, half: 0, triple: 0, third: 0, wrong: 0 };
  let a1 = 0;
  let a2 = 0;
  estimatedBpm.forEach((e, i) => {
    if (tempoAcc1(e, referenceBpm[i], tolerance)) a1++;
    if (tempoAcc2(e, referenceBpm[i], tolerance)) a2++;
    relations[tempoRelation(e, referenceBpm[i], tolerance)]++;
  });
  const n = estimatedBpm.length;
  return { n, acc1: n ? a1 / n : 0, acc2: n ? a2 / n : 0, relations };
}

export interface KeySummary {
  n: number;
  /** Mean MIREX weighted score. */
  weighted: number;
  /** Fraction exactly right. */
  correct: number;
  /** Counts per relation. */
  relations: Record<KeyRelation, number>;
}

/** Mean weighted score and the confusion counts over paired keys. */
export function summarizeKeys(estimated: readonly KeyLabel[], reference: readonly KeyLabel[], options: { allowDescendingFifths?: boolean } = {}): KeySummary {
  if (estimated.length !== reference.length) throw new RangeError('summarizeKeys: length mismatch');
  const relations: Record<KeyRelation, number> = { same: 0, fifth: 0, relative: 0, parallel: 0, other: 0 };
  let sum = 0;
  estimated.forEach((e, i) => {
    const r = keyRelation(e, reference[i], options);
    relations[r]++;
    sum += KEY_WEIGHTS[r];
  });
  const n = estimated.length;
  return { n, weighted: n ? sum / n : 0, correct: n ? relations.same / n : 0, relations };
}
