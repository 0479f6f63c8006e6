import type { ClipVote, MultiLabelVote } from './binary-relevance';
import type { Vote } from './types';

/** A nominal value as coders write it; null / undefined mark missing data. */
export type NominalValue = string | number | boolean;

export interface AlphaResult {
  /** 1 − D_o / D_e; NaN when D_e = 0 (every pairable value identical: alpha is undefined). */
  readonly alpha: number;
  readonly observedDisagreement: number;
  readonly expectedDisagreement: number;
  /** n: values in units with at least two values. */
  readonly pairableValues: number;
  /** Units with at least two values. */
  readonly units: number;
}

export interface KappaResult {
  /** (P̄ − P_e) / (1 − P_e); NaN when P_e = 1. */
  readonly kappa: number;
  /** P̄: mean share of agreeing rater pairs per subject. */
  readonly observedAgreement: number;
  /** P_e = Σ_j p_j². */
  readonly expectedAgreement: number;
  /** Subjects with at least two ratings. */
  readonly subjects: number;
}

/** Nominal alpha from per-unit category counts; rows with fewer than two values are not pairable. */
function alphaFromCounts(rows: readonly ArrayLike<number>[]): AlphaResult {
  const totals: number[] = [];
  let n = 0;
  let units = 0;
  let withinPairs = 0;
  for (const row of rows) {
    let m = 0;
    let sumSquares = 0;
    for (let c = 0; c < row.length; c++) {
      m += row[c];
      sumSquares += row[c] * row[c];
    }
    if (m < 2) continue;
    units++;
    n += m;
    withinPairs += (m * m - sumSquares) / (m - 1);
    for (let c = 0; c < row.length; c++) totals[c] = (totals[c] ?? 0) + row[c];
  }
  let sumTotalSquares = 0;
  for (const x of totals) sumTotalSquares += (x ?? 0) ** 2;
  const observedDisagreement = n > 0 ? withinPairs / n : Number.NaN;
  const expectedDisagreement = n > 1 ? (n * n - sumTotalSquares) / (n * (n - 1)) : Number.NaN;
  return {
    alpha: expectedDisagreement > 0 ? 1 - observedDisagreement / expectedDisagreement : Number.NaN,
    observedDisagreement,
    expectedDisagreement,
    pairableValues: n,
    units,
  };
}

/**
 * Krippendorff's alpha for nominal data, any number of coders per unit,
 * missing values allowed (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability", Annenberg School for Communication, §C).
 *
 * With n_uc = number of values c in unit u, m_u = Σ_c n_uc (units with m_u ≥ 2
 * only), n_c = Σ_u n_uc and n = Σ_c n_c:
 *   D_o = (1/n) Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1)     (observed disagreement, coincidence-matrix form)
 *   D_e = (n² − Σ_c n_c²) / (n (n − 1))                 (expected disagreement)
 *   α   = 1 − D_o / D_e
 *
 * Complexity O(total values); one pass, no coincidence matrix.
 *
 * @param units one array per unit holding every coder's value (null / undefined = missing).
 * @example
 * krippendorffAlphaNominal([['a', 'a'], ['b', 'b'], ['a', 'b']]).alpha // 0.444…
 */
export function krippendorffAlphaNominal(units: readonly (readonly (NominalValue | null | undefined)[])[]): AlphaResult {
  const category = new Map<NominalValue, number>();
  const rows = units.map((values) => {
    const counts: number[] = [];
    for (const value of values) {
      if (value === null || value === undefined) continue;
      let c = category.get(value);
      if (c === undefined) {
        c = category.size;
        category.set(value, c);
      }
      counts[c] = (counts[c] ?? 0) + 1;
    }
    return Array.from(counts, (x) => x ?? 0);
  });
  return alphaFromCounts(rows);
}

/**
 * Transpose reliability data from the usual coders × units table (one row
 * per coder, null for missing) into the per-unit lists alpha takes. O(coders·units).
 */
export function unitsFromCoderRows<V>(coderRows: readonly (readonly V[])[]): V[][] {
  const unitCount = Math.max(0, ...coderRows.map((r) => r.length));
  return Array.from({ length: unitCount }, (_, u) => coderRows.map((r) => r[u]));
}

/**
 * Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many
 * raters", Psychological Bulletin 76(5)).
 *
 * counts[i][j] = raters who put subject i in category j; n_i = Σ_j n_ij.
 *   P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1)),  P̄ = mean_i P_i,
 *   p_j = Σ_i n_ij / Σ_i n_i,  P_e = Σ_j p_j²,  κ = (P̄ − P_e) / (1 − P_e).
 * Fleiss assumes the same n for every subject; with unequal n_i this is the
 * usual per-subject generalisation (subjects with n_i < 2 are skipped).
 *
 * Complexity O(subjects·categories).
 *
 * @example
 * fleissKappa([[2, 0], [0, 2], [1, 1]]).kappa // (2/3 − 1/2) / (1 − 1/2) = 0.333…
 */
export function fleissKappa(counts: readonly ArrayLike<number>[]): KappaResult {
  const categoryTotals: number[] = [];
  let ratings = 0;
  let agreementSum = 0;
  let subjects = 0;
  for (const row of counts) {
    let n = 0;
    let sumSquares = 0;
    for (let j = 0; j < row.length; j++) {
      n += row[j];
      sumSquares += row[j] * row[j];
    }
    if (n < 2) continue;
    subjects++;
    ratings += n;
    agreementSum += (sumSquares - n) / (n * (n - 1));
    for (let j = 0; j < row.length; j++) categoryTotals[j] = (categoryTotals[j] ?? 0) + row[j];
  }
  const observedAgreement = agreementSum / subjects;
  let expectedAgreement = 0;
  for (const total of categoryTotals) expectedAgreement += ((total ?? 0) / ratings) ** 2;
  return {
    kappa: expectedAgreement < 1 ? (observedAgreement - expectedAgreement) / (1 - expectedAgreement) : Number.NaN,
    observedAgreement,
    expectedAgreement,
    subjects,
  };
}

export interface NominalAgreement {
  readonly alpha: number;
  readonly kappa: number;
  /** Items with at least two votes. */
  readonly items: number;
  readonly pairableVotes: number;
}

/** Per-item label counts of categorical votes. O(V). */
function countsByItem(votes: readonly Vote[]): number[][] {
  const labelIndex = new Map<string, number>();
  const rows = new Map<string, number[]>();
  for (const vote of votes) {
    let k = labelIndex.get(vote.label);
    if (k === undefined) {
      k = labelIndex.size;
      labelIndex.set(vote.label, k);
    }
    let row = rows.get(vote.item);
    if (!row) rows.set(vote.item, (row = []));
    row[k] = (row[k] ?? 0) + 1;
  }
  return [...rows.values()].map((row) => Array.from({ length: labelIndex.size }, (_, k) => row[k] ?? 0));
}

/**
 * Alpha and kappa of categorical votes, each item a unit, each vote a value —
 * call it on one batch's votes for per-batch agreement. O(V + items·labels).
 *
 * @example
 * nominalAgreement([{ item: 'c1', worker: 'a', label: 'sad' }, { item: 'c1', worker: 'b', label: 'sad' }])
 */
export function nominalAgreement(votes: readonly Vote[]): NominalAgreement {
  const rows = countsByItem(votes);
  const alpha = alphaFromCounts(rows);
  return { alpha: alpha.alpha, kappa: fleissKappa(rows).kappa, items: alpha.units, pairableVotes: alpha.pairableValues };
}

export interface TagAgreement {
  /** Each tag as its own yes/no question. */
  readonly perTag: Readonly<Record<string, NominalAgreement>>;
  /** All tags at once: 1 − Σ_t D_o,t / Σ_t D_e,t (tags with no variation add nothing). */
  readonly pooledAlpha: number;
}

/**
 * Per-tag agreement of multi-label votes: every tag is a binary variable
 * (ticked or not) per clip, scored with nominal alpha and Fleiss' kappa.
 * O(V·T).
 *
 * @example
 * tagAgreement(votes, ['calm', 'happy']).perTag.calm.alpha
 */
export function tagAgreement(votes: readonly MultiLabelVote[], tags: readonly string[]): TagAgreement {
  const T = tags.length;
  const yesByItem = new Map<string, { votes: number; yes: Int32Array }>();
  for (const vote of votes) {
    let entry = yesByItem.get(vote.item);
    if (!entry) yesByItem.set(vote.item, (entry = { votes: 0, yes: new Int32Array(T) }));
    entry.votes++;
    for (let t = 0; t < T; t++) if (vote.tags.includes(tags[t])) entry.yes[t]++;
  }
  const entries = [...yesByItem.values()];
  const perTag: Record<string, NominalAgreement> = Object.create(null);
  let observed = 0;
  let expected = 0;
  tags.forEach((tag, t) => {
    const rows = entries.map((e) => [e.votes - e.yes[t], e.yes[t]]);
    const alpha = alphaFromCounts(rows);
    perTag[tag] = { alpha: alpha.alpha, kappa: fleissKappa(rows).kappa, items: alpha.units, pairableVotes: alpha.pairableValues };
    if (alpha.expectedDisagreement > 0) {
      observed += alpha.observedDisagreement;
      expected += alpha.expectedDisagreement;
    }
  });
  return { perTag, pooledAlpha: expected > 0 ? 1 - observed / expected : Number.NaN };
}

/**
 * {@link tagAgreement} for each batch, `batchOf(item)` naming an item's batch. O(V·T).
 */
export function tagAgreementByBatch(
  votes: readonly MultiLabelVote[],
  tags: readonly string[],
  batchOf: (item: string) => string,
): Map<string, TagAgreement> {
  const groups = new Map<string, MultiLabelVote[]>();
  for (const vote of votes) {
    const batch = batchOf(vote.item);
    let group = groups.get(batch);
    if (!group) groups.set(batch, (group = []));
    group.push(vote);
  }
  return new Map([...groups].map(([batch, group]) => [batch, tagAgreement(group, tags)]));
}

export interface AnnotatorAgreement {
  /** Alpha between this annotator and the consensus, as two coders over the shared units. */
  readonly alpha: number;
  /** Share of units where both say the same. */
  readonly rawAgreement: number;
  readonly units: number;
}

function annotatorAgreementFromPairs(pairs: Map<string, [NominalValue, NominalValue][]>): Map<string, AnnotatorAgreement> {
  const out = new Map<string, AnnotatorAgreement>();
  for (const [worker, units] of pairs) {
    const same = units.reduce((acc, [a, b]) => acc + (a === b ? 1 : 0), 0);
    out.set(worker, { alpha: krippendorffAlphaNominal(units).alpha, rawAgreement: same / units.length, units: units.length });
  }
  return out;
}

/**
 * Each annotator against the consensus (item → aggregated label), as two-coder
 * nominal alpha over the items both labelled. The consensus includes the
 * annotator's own vote, which flatters annotators on items with few votes.
 * O(V).
 *
 * @example
 * annotatorAgreement(votes, new Map(itemRows(dawidSkene(encoded)).map((r) => [r.item, r.label])))
 */
export function annotatorAgreement(votes: readonly Vote[], consensus: ReadonlyMap<string, string>): Map<string, AnnotatorAgreement> {
  const pairs = new Map<string, [NominalValue, NominalValue][]>();
  for (const vote of votes) {
    const agreed = consensus.get(vote.item);
    if (agreed === undefined) continue;
    let list = pairs.get(vote.worker);
    if (!list) pairs.set(vote.worker, (list = []));
    list.push([vote.label, agreed]);
  }
  return annotatorAgreementFromPairs(pairs);
}

/**
 * Each annotator against the multi-label consensus (item → tags judged to
 * apply): every (item, tag) is a yes/no unit. O(V·T).
 */
export function annotatorTagAgreement(
  votes: readonly MultiLabelVote[],
  consensus: ReadonlyMap<string, readonly string[]>,
  tags: readonly string[],
): Map<string, AnnotatorAgreement> {
  const pairs = new Map<string, [NominalValue, NominalValue][]>();
  for (const vote of votes) {
    const agreed = consensus.get(vote.item);
    if (agreed === undefined) continue;
    let list = pairs.get(vote.worker);
    if (!list) pairs.set(vote.worker, (list = []));
    for (const tag of tags) list.push([vote.tags.includes(tag), agreed.includes(tag)]);
  }
  return annotatorAgreementFromPairs(pairs);
}

/**
 * One clip's agreement, alpha-style against the population: per tag t the
 * clip's observed pairwise disagreement D_o,t = 2·y_t·(m − y_t) / (m (m − 1))
 * (y_t of m votes ticked t) is compared with the disagreement expected by
 * chance, D_e,t = 2·π_t (1 − π_t) (π_t = the tag's prevalence):
 *   α_clip = 1 − Σ_t D_o,t / Σ_t D_e,t.
 * 1 = unanimous, ≈ 0 = as split as random votes, < 0 = more split than that.
 * NaN with fewer than two votes. Feeds `agreement` of {@link decideClipState}.
 *
 * Complexity O(votes·T).
 *
 * @example
 * clipAgreement([{ worker: 'a', tags: ['calm'] }, { worker: 'b', tags: [] }], ['calm'], [0.5]) // 1 − 1/0.5 = −1
 */
export function clipAgreement(votes: readonly ClipVote[], tags: readonly string[], prevalence: readonly number[]): number {
  const m = votes.length;
  if (m < 2) return Number.NaN;
  let observed = 0;
  let expected = 0;
  tags.forEach((tag, t) => {
    const y = votes.reduce((acc, vote) => acc + (vote.tags.includes(tag) ? 1 : 0), 0);
    observed += (2 * y * (m - y)) / (m * (m - 1));
    expected += 2 * prevalence[t] * (1 - prevalence[t]);
  });
  return expected > 0 ? 1 - observed / expected : Number.NaN;
}

export interface CrowdAgreement {
  /**
   * P̄_w: over the units this annotator rated together with at least one other rater, the mean
   * share of the other raters who gave the same answer.
   */
  readonly observedAgreement: number;
  /** P_e over the same units: Fleiss' chance agreement Σ_j p_j² of each unit's question. */
  readonly expectedAgreement: number;
  /** (P̄_w − P_e) / (1 − P_e): 1 = always with the crowd, 0 = as often as chance, < 0 = against it. NaN when P_e = 1. */
  readonly kappa: number;
  /** Items (clips) this annotator shared with at least one other rater. */
  readonly items: number;
  /** Units scored (items × questions; a multi-label clip is one unit per tag). */
  readonly units: number;
}

type Rating = { readonly item: string; readonly worker: string; readonly value: NominalValue };

/**
 * Each annotator's agreement with the rest of the crowd: Fleiss' kappa taken apart by rater.
 *
 * Per question q (a tag as a yes/no question, or one categorical question), over items with
 * m_i ≥ 2 ratings: p_qj = share of ratings in category j, P_e,q = Σ_j p_qj² (as in
 * {@link fleissKappa}). A rating r of annotator w on item i agrees with
 *   a_r = (n_ij − 1) / (m_i − 1)   of the other raters (j = r's category),
 * and per annotator, over all their rated units,
 *   P̄_w = mean_r a_r,  P_e,w = mean_r P_e,q(r),  κ_w = (P̄_w − P_e,w) / (1 − P_e,w).
 * Fleiss' P_i = (Σ_j n_ij² − m_i) / (m_i (m_i − 1)) is the mean of a_r over the item's raters, so
 * when every annotator rates every item the mean of P̄_w over annotators is Fleiss' P̄, and
 * (mean_w P̄_w − P_e) / (1 − P_e) is Fleiss' κ: each κ_w says who pulls the crowd's κ up or down.
 * Unlike {@link annotatorAgreement} the annotator is compared with the others only (their own
 * answer is not part of what they are compared with). O(ratings).
 */
function crowdAgreementOf(questions: readonly (readonly Rating[])[]): Map<string, CrowdAgreement> {
  const sums = new Map<string, { observed: number; expected: number; units: number; items: Set<string> }>();
  for (const ratings of questions) {
    const byItem = new Map<string, Rating[]>();
    for (const r of ratings) {
      let list = byItem.get(r.item);
      if (!list) byItem.set(r.item, (list = []));
      list.push(r);
    }
    const totals = new Map<NominalValue, number>();
    let n = 0;
    for (const list of byItem.values()) {
      if (list.length < 2) continue;
      for (const r of list) totals.set(r.value, (totals.get(r.value) ?? 0) + 1);
      n += list.length;
    }
    if (n === 0) continue;
    let chance = 0;
    for (const count of totals.values()) chance += (count / n) ** 2;
    for (const [item, list] of byItem) {
      const m = list.length;
      if (m < 2) continue;
      const counts = new Map<NominalValue, number>();
      for (const r of list) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
      for (const r of list) {
        let s = sums.get(r.worker);
        if (!s) sums.set(r.worker, (s = { observed: 0, expected: 0, units: 0, items: new Set() }));
        s.observed += (counts.get(r.value)! - 1) / (m - 1);
        s.expected += chance;
        s.units++;
        s.items.add(item);
      }
    }
  }
  const out = new Map<string, CrowdAgreement>();
  for (const [worker, s] of sums) {
    const observedAgreement = s.observed / s.units;
    const expectedAgreement = s.expected / s.units;
    out.set(worker, {
      observedAgreement,
      expectedAgreement,
      kappa: expectedAgreement < 1 ? (observedAgreement - expectedAgreement) / (1 - expectedAgreement) : Number.NaN,
      items: s.items.size,
      units: s.units,
    });
  }
  return out;
}

/**
 * {@link crowdAgreementOf} for categorical votes (one question, the label is the category). O(V).
 *
 * @example
 * // Fleiss' worked example rated by 14 annotators: their P̄_w average to Fleiss' P̄ = 0.378.
 * annotatorCrowdAgreement(votes).get('rater-1')!.kappa
 */
export function annotatorCrowdAgreement(votes: readonly Vote[]): Map<string, CrowdAgreement> {
  return crowdAgreementOf([votes.map((v) => ({ item: v.item, worker: v.worker, value: v.label }))]);
}

/**
 * {@link crowdAgreementOf} for multi-label votes: each tag a yes/no question with its own chance
 * agreement p_t² + (1 − p_t)², as in the per-tag Fleiss' kappa of {@link tagAgreement};
 * an empty tag set ("none of these") is a "no" on every tag. O(V·T).
 *
 * @example
 * // calm: clip 1 a✓ b✓ c✗, clip 2 a✗ b✗ c✗, clip 3 a✓ b✓ → p = 4/8, P_e = 0.5;
 * // a agrees with 1/2, 2/2, 1/1 of the others → P̄_a = 5/6, κ_a = 2/3; c: 0/2, 2/2 → κ_c = 0
 * annotatorTagCrowdAgreement(votes, ['calm']).get('a')!.kappa // 0.667
 */
export function annotatorTagCrowdAgreement(votes: readonly MultiLabelVote[], tags: readonly string[]): Map<string, CrowdAgreement> {
  return crowdAgreementOf(tags.map((tag) => votes.map((v) => ({ item: v.item, worker: v.worker, value: v.tags.includes(tag) }))));
}
