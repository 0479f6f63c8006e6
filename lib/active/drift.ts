/**
 * Drift and listener feedback as labeling signals (issue 20, item 4). Pure: arrays in, plain
 * objects out.
 *
 * - {@link populationStabilityIndex}: PSI = Σ_b (a_b − e_b)·ln(a_b / e_b) over B bins cut at the
 *   reference's quantiles, e_b the reference share and a_b the current share of bin b (empty bins
 *   floored at 1e-4). Rule of thumb (Siddiqi, "Credit Risk Scorecards", 2006): < 0.1 stable,
 *   0.1–0.25 a moderate shift, > 0.25 a major one.
 * - {@link driftSignals}: per queued clip, how far it sits from the labelled (training) clips —
 *   the distance to its nearest labelled clip against r, the 95th percentile of the labelled
 *   clips' own nearest-labelled distances: 0 within r, rising to 1 at 2r — and whether it lies in
 *   a bin of a majorly shifted feature (PSI > 0.25) that new clips fill at least twice as often as
 *   labelled ones (signal at least 0.5 there).
 * - {@link feedbackSignal}: the share of a clip's listener reactions that were skips or dislikes,
 *   shrunk towards 0 by a prior of {@link FEEDBACK_PRIOR} reactions (three skips out of three is
 *   weaker evidence than thirty of thirty).
 * Both enter the hybrid queue priority as the `drift` and `feedback` terms (./priority), weighed
 * by the project's priority weights like every other term.
 */

export const PSI_BINS = 10;
/** A feature whose PSI is above this has shifted majorly. */
export const PSI_MAJOR = 0.25;
/** A bin of such a feature is a drifted region when new clips fill it at least this many times as often as the labelled ones. */
export const DRIFTED_BIN_RATIO = 2;
const PSI_FLOOR = 1e-4;

export interface PsiResult {
  psi: number;
  /** Inner cut points (B − 1 at most; duplicates removed). */
  edges: number[];
  /** Reference and current share per bin. */
  expected: number[];
  actual: number[];
}

function binOf(edges: readonly number[], x: number): number {
  // Bin b holds edges[b−1] ≤ x < edges[b].
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= edges[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cut points at the reference's k/B quantiles (the value of rank ⌊k·n/B⌋ in sorted order), distinct. */
export function quantileEdges(reference: ArrayLike<number>, bins = PSI_BINS): number[] {
  const sorted = Array.from(reference)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = sorted[Math.floor((k * sorted.length) / bins)];
    if (v > sorted[0] && (edges.length === 0 || v > edges[edges.length - 1])) edges.push(v);
  }
  return edges;
}

/** The population stability index of `current` against `reference` (non-finite values ignored). */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>, bins = PSI_BINS): PsiResult {
  const edges = quantileEdges(reference, bins);
  const share = (values: ArrayLike<number>) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) continue;
      counts[binOf(edges, values[i])]++;
      total++;
    }
    return counts.map((c) => (total > 0 ? c / total : 0));
  };
  const expected = share(reference);
  const actual = share(current);
  let psi = 0;
  for (let b = 0; b < expected.length; b++) {
    const e = Math.max(PSI_FLOOR, expected[b]);
    const a = Math.max(PSI_FLOOR, actual[b]);
    psi += (a - e) * Math.log(a / e);
  }
  return { psi, edges, expected, actual };
}

export interface FeatureDrift {
  feature: number;
  name: string;
  psi: number;
}

export interface DriftSignals {
  /** PSI per feature, largest first. */
  features: FeatureDrift[];
  /** r: the 95th percentile of labelled clips' nearest-other-labelled distances. */
  radius: number;
  /** Per candidate (same order): the drift signal in [0, 1], the distance, and the reasons. */
  signal: Float64Array;
  distance: Float64Array;
  reasons: string[][];
}

function sqDist(x: ArrayLike<number>, d: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const diff = x[i * d + k] - x[j * d + k];
    s += diff * diff;
  }
  return s;
}

function nearest(x: ArrayLike<number>, d: number, i: number, reference: readonly number[]): number {
  let best = Infinity;
  for (const j of reference) {
    if (j === i) continue;
    const s = sqDist(x, d, i, j);
    if (s < best) best = s;
  }
  return Math.sqrt(best);
}

/**
 * Drift of the candidate rows against the labelled rows, over standardised features `z` (n×d,
 * row-major). `reference` may be a cover of the labelled set (at most a few hundred rows) to keep
 * this O(|C|·R·d). Null when fewer than two labelled rows exist (no notion of "far" yet).
 */
export function driftSignals(
  z: ArrayLike<number>,
  d: number,
  candidates: readonly number[],
  labelled: readonly number[],
  names: readonly string[],
  reference: readonly number[] = labelled,
): DriftSignals | null {
  if (labelled.length < 2 || reference.length < 2) return null;
  const column = (rows: readonly number[], k: number) => rows.map((i) => z[i * d + k]);
  const perFeature = Array.from({ length: d }, (_, k) => ({
    k,
    result: populationStabilityIndex(column(labelled, k), column(candidates, k)),
  }));
  const features = perFeature
    .map(({ k, result }) => ({ feature: k, name: names[k] ?? `f${k}`, psi: result.psi }))
    .sort((a, b) => b.psi - a.psi);
  const major = perFeature.filter((f) => f.result.psi > PSI_MAJOR);
  const own = reference.map((i) => nearest(z, d, i, reference)).sort((a, b) => a - b);
  const radius = own[Math.min(own.length - 1, Math.floor(0.95 * own.length))];
  const signal = new Float64Array(candidates.length);
  const distance = new Float64Array(candidates.length);
  const reasons: string[][] = [];
  candidates.forEach((i, c) => {
    const dist = nearest(z, d, i, reference);
    distance[c] = dist;
    const far = radius > 0 ? Math.min(1, Math.max(0, (dist - radius) / radius)) : dist > 0 ? 1 : 0;
    const why: string[] = [];
    if (far > 0)
      why.push(
        `far from any labeled clip (distance ${dist.toFixed(2)}; labeled clips lie within ${radius.toFixed(2)} of each other)`,
      );
    let region = 0;
    for (const f of major) {
      const b = binOf(f.result.edges, z[i * d + f.k]);
      if (f.result.actual[b] >= DRIFTED_BIN_RATIO * f.result.expected[b]) {
        region = 0.5;
        why.push(driftedRegionReason(names[f.k] ?? `f${f.k}`, f.result.psi, f.result.actual[b] / f.result.expected[b]));
        break;
      }
    }
    signal[c] = Math.max(far, region);
    reasons.push(why);
  });
  return { features, radius, signal, distance, reasons };
}

/**
 * What an expert reads for a clip in a drifted region: the PSI in words with its yardstick, and how
 * much more often new clips fall where this one does (`overRepresentation` = new share / labelled
 * share of its bin; Infinity when no labelled clip falls there).
 */
export function driftedRegionReason(feature: string, psi: number, overRepresentation: number): string {
  const range = Number.isFinite(overRepresentation)
    ? `a range new clips fill ${overRepresentation.toFixed(1)}× as often as labeled ones`
    : 'a range no labeled clip reaches';
  return (
    `new clips' ${feature} distribution has shifted (PSI ${psi.toFixed(2)}; above ${PSI_MAJOR} is a major shift), ` +
    `and this clip's ${feature} is in ${range}`
  );
}

/** Reactions a clip's negative share is shrunk with (a prior of that many non-negative reactions). */
export const FEEDBACK_PRIOR = 5;
/** Fewer reactions than this say nothing. */
export const FEEDBACK_MIN_REACTIONS = 3;

export interface ClipFeedback {
  reactions: number;
  skips: number;
  dislikes: number;
}

/** negatives / (reactions + prior), 0 below {@link FEEDBACK_MIN_REACTIONS} reactions. */
export function feedbackSignal(f: ClipFeedback): number {
  if (f.reactions < FEEDBACK_MIN_REACTIONS) return 0;
  return Math.min(1, (f.skips + f.dislikes) / (f.reactions + FEEDBACK_PRIOR));
}

/** "listeners skip this as 'calm'": what an expert reads; `moods` are what the model calls the clip. */
export function feedbackReason(f: ClipFeedback, moods: readonly string[]): string {
  const verb = f.dislikes > f.skips ? 'dislike' : 'skip';
  const as = moods.length > 0 ? ` as ${moods.map((m) => `'${m}'`).join(' + ')}` : '';
  return `listeners ${verb} this${as} (${f.skips + f.dislikes} of ${f.reactions} reactions were skips or dislikes)`;
}
