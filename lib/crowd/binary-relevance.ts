import { encodeWorkerWeights } from './encode';
import { runEm } from './em';
import { betaMeanStd, logit, safeLog, sigmoid, softplus } from './numeric';
import { isNonNegative, isPositiveInteger, resolveSettings } from './settings';
import type { IterationReport } from './types';

/** One multi-label vote: the tags the worker said fit the clip; every other tag of the taxonomy is a "no". */
export interface MultiLabelVote {
  readonly item: string;
  readonly worker: string;
  readonly tags: readonly string[];
}

/**
 * Multi-label votes as integer columns; yes[v·T + t] = 1 when vote v ticked
 * tag t (T = tags.length).
 */
export interface EncodedMultiLabelVotes {
  readonly items: readonly string[];
  readonly workers: readonly string[];
  readonly tags: readonly string[];
  readonly item: Int32Array;
  readonly worker: Int32Array;
  readonly yes: Uint8Array;
}

/**
 * Gold answer for one clip: tag → must apply (true) / must not apply (false).
 * Tags left out are tolerated either way — how a subjective mood is kept out
 * of the honeypot while the clear-cut ones are checked.
 */
export type TagGold = Readonly<Record<string, boolean>>;
export type MultiLabelGold = ReadonlyMap<string, TagGold>;

/** Pseudo-counts of a Beta prior on one rate: `correct` pseudo-votes right, `wrong` pseudo-votes wrong. */
export interface RatePrior {
  readonly correct: number;
  readonly wrong: number;
}

/** What the caller tunes; never changed by fitting. */
export interface BinaryRelevanceSettings {
  readonly maxIterations: number;
  /** Converged when no posterior moves by more than this in one iteration. */
  readonly tolerance: number;
  /** Prior on sensitivity P(yes | tag applies), also the value assumed for an unseen worker. */
  readonly sensitivityPrior: RatePrior;
  /** Prior on specificity P(no | tag does not apply). */
  readonly specificityPrior: RatePrior;
  /** Pseudo-count added to both "applies" and "does not apply" for each tag's prevalence. */
  readonly prevalencePseudoCount: number;
}

export const DEFAULT_BINARY_RELEVANCE_SETTINGS: BinaryRelevanceSettings = {
  maxIterations: 100,
  tolerance: 1e-6,
  sensitivityPrior: { correct: 2, wrong: 1 },
  specificityPrior: { correct: 2, wrong: 1 },
  prevalencePseudoCount: 1,
};

export interface BinaryRelevanceOptions {
  readonly gold?: MultiLabelGold;
  /** Per-worker vote weight in [0, ∞) (default 1), e.g. from {@link assessContributor}. */
  readonly workerWeights?: ReadonlyMap<string, number>;
  /**
   * N × T log-likelihood ratios of outside evidence on each clip and tag (e.g. a model's
   * prediction, ./crowdlab.ts), added to every E-step's log-odds; 0 = none.
   */
  readonly evidence?: Float64Array;
  readonly onIteration?: (report: IterationReport) => void;
}

export interface BinaryRelevanceResult {
  readonly settings: BinaryRelevanceSettings;
  readonly items: readonly string[];
  readonly workers: readonly string[];
  readonly tags: readonly string[];
  /** N × T: posterior[i·T + t] = P(tag t applies to item i | votes). */
  readonly posterior: Float64Array;
  /** N × T: 1 when posterior ≥ 0.5. */
  readonly label: Uint8Array;
  /** N × T: max(p, 1 − p). */
  readonly confidence: Float64Array;
  /** Per tag: P(a random clip has it). */
  readonly prevalence: Float64Array;
  /** W × T: P(worker says yes | tag applies), with the Beta posterior's standard deviation. */
  readonly sensitivity: Float64Array;
  readonly sensitivityStd: Float64Array;
  /** W × T: P(worker says no | tag does not apply), with its standard deviation. */
  readonly specificity: Float64Array;
  readonly specificityStd: Float64Array;
  /** Per worker: balanced accuracy (sensitivity + specificity) / 2 averaged over tags; 0.5 = guessing. */
  readonly reliability: Float64Array;
  readonly reliabilityStd: Float64Array;
  readonly workerVotes: Int32Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** Log-likelihood + log-prior after each iteration; non-decreasing (EM). */
  readonly objectiveHistory: readonly number[];
}

/** Per-tag rates of one worker, aligned with the model's `tags`. */
export interface WorkerTagReliability {
  readonly sensitivity: readonly number[];
  readonly specificity: readonly number[];
}

/**
 * Everything {@link updateClipPosterior} needs, detached from the fit: plain
 * arrays aligned with `tags`, so it can be stored per worker and reloaded.
 */
export interface BinaryRelevanceModel {
  readonly tags: readonly string[];
  /** Prior P(tag applies) per tag. */
  readonly prevalence: readonly number[];
  readonly workers: ReadonlyMap<string, WorkerTagReliability>;
  /**
   * Rates assumed for a worker the model has not seen; defaults to the means
   * of DEFAULT_BINARY_RELEVANCE_SETTINGS' priors.
   */
  readonly fallback?: WorkerTagReliability;
}

/** A vote on one clip as the incremental update sees it. */
export interface ClipVote {
  readonly worker: string;
  readonly tags: readonly string[];
  /** Vote weight (default 1), e.g. the worker's spam-signal multiplier. */
  readonly weight?: number;
}

/**
 * Encode multi-label votes against a fixed taxonomy. Items and workers are
 * numbered by first appearance. O(V·T). Throws on a tag outside `tags`.
 */
export function encodeMultiLabelVotes(votes: readonly MultiLabelVote[], tags: readonly string[]): EncodedMultiLabelVotes {
  const T = tags.length;
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const itemIndex = new Map<string, number>();
  const workerIndex = new Map<string, number>();
  const items: string[] = [];
  const workers: string[] = [];
  const item = new Int32Array(votes.length);
  const worker = new Int32Array(votes.length);
  const yes = new Uint8Array(votes.length * T);
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    let i = itemIndex.get(vote.item);
    if (i === undefined) {
      i = items.push(vote.item) - 1;
      itemIndex.set(vote.item, i);
    }
    let w = workerIndex.get(vote.worker);
    if (w === undefined) {
      w = workers.push(vote.worker) - 1;
      workerIndex.set(vote.worker, w);
    }
    item[v] = i;
    worker[v] = w;
    for (const tag of vote.tags) {
      const t = tagIndex.get(tag);
      if (t === undefined) throw new Error(`vote ${v}: tag "${tag}" is not in the taxonomy`);
      yes[v * T + t] = 1;
    }
  }
  return { items, workers, tags, item, worker, yes };
}

/** Gold as clamp[i·T + t] ∈ {−1 free, 0 must not apply, 1 must apply}; null without gold. O(N·T). */
function encodeTagGold(items: readonly string[], tags: readonly string[], gold: MultiLabelGold | undefined): Int8Array | null {
  if (!gold || gold.size === 0) return null;
  const T = tags.length;
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const clamp = new Int8Array(items.length * T).fill(-1);
  for (let i = 0; i < items.length; i++) {
    const answer = gold.get(items[i]);
    if (!answer) continue;
    for (const [tag, applies] of Object.entries(answer)) {
      const t = tagIndex.get(tag);
      if (t === undefined) throw new Error(`gold item "${items[i]}": tag "${tag}" is not in the taxonomy`);
      clamp[i * T + t] = applies ? 1 : 0;
    }
  }
  return clamp;
}

const priorMean = (prior: RatePrior): number => prior.correct / (prior.correct + prior.wrong);

const isRatePrior = (p: RatePrior): boolean => isNonNegative(p?.correct) && isNonNegative(p?.wrong) && p.correct + p.wrong > 0;

/**
 * Multi-label aggregation by binary relevance: every tag is its own yes/no
 * question per clip, answered by a two-coin Dawid–Skene model (Dawid & Skene
 * 1979; two-coin form as in Raykar et al. 2010, "Learning from crowds", JMLR).
 *
 * Model, per tag t: y_it ~ Bernoulli(π_t) says whether t applies to clip i;
 * worker w ticks t with probability se_wt if it applies, 1 − sp_wt if not.
 *   E-step: logit P(y_it = 1) = logit π_t + Σ_{v on i} ω_w [ x_vt·log(se/(1 − sp)) + (1 − x_vt)·log((1 − se)/sp) ]
 *   M-step: se_wt = (Σ_v ω p_it x_vt + a_se) / (Σ_v ω p_it + a_se + b_se)
 *           sp_wt = (Σ_v ω (1 − p_it)(1 − x_vt) + a_sp) / (Σ_v ω (1 − p_it) + a_sp + b_sp)
 *           π_t   = (Σ_i p_it + c) / (N + 2c)
 * (x_vt = 1 when vote v ticked t; (a, b) = the Beta pseudo-counts of the
 * settings; ω_w = worker weight.) Initialised from the share of yes votes;
 * gold tags clamped to 0/1, tolerated tags left free. Rates are reported
 * with the standard deviation of their Beta posterior.
 *
 * Complexity: O(V·T) per iteration; memory V·T bytes + O((N + W)·T) doubles.
 *
 * @example
 * const fit = binaryRelevance(encodeMultiLabelVotes(votes, ['calm', 'happy', 'sad']));
 * fit.posterior[i * 3 + 1]   // P(clip i is happy)
 */
export function binaryRelevance(
  data: EncodedMultiLabelVotes,
  overrides: Partial<BinaryRelevanceSettings> = {},
  options: BinaryRelevanceOptions = {},
): BinaryRelevanceResult {
  const settings = resolveSettings('binaryRelevance', DEFAULT_BINARY_RELEVANCE_SETTINGS, overrides, {
    maxIterations: isPositiveInteger,
    tolerance: isNonNegative,
    sensitivityPrior: isRatePrior,
    specificityPrior: isRatePrior,
    prevalencePseudoCount: isNonNegative,
  });
  const T = data.tags.length;
  const N = data.items.length;
  const W = data.workers.length;
  const V = data.item.length;
  const { item, worker, yes } = data;
  const clamp = encodeTagGold(data.items, data.tags, options.gold);
  const weight = encodeWorkerWeights(data.workers, options.workerWeights);
  const evidence = options.evidence ?? null;
  if (evidence && evidence.length !== N * T)
    throw new RangeError(`binaryRelevance: evidence has ${evidence.length} cells, want ${N * T}`);
  const { correct: aSe, wrong: bSe } = settings.sensitivityPrior;
  const { correct: aSp, wrong: bSp } = settings.specificityPrior;
  const c = settings.prevalencePseudoCount;

  let posterior: Float64Array = new Float64Array(N * T);
  const votesPerItem = new Int32Array(N);
  for (let v = 0; v < V; v++) {
    votesPerItem[item[v]]++;
    for (let t = 0; t < T; t++) posterior[item[v] * T + t] += yes[v * T + t];
  }
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      const cell = i * T + t;
      posterior[cell] = clamp && clamp[cell] >= 0 ? clamp[cell] : posterior[cell] / votesPerItem[i];
    }
  }

  let next: Float64Array = new Float64Array(N * T);
  const logNo = new Float64Array(N * T);
  const sensitivity = new Float64Array(W * T);
  const specificity = new Float64Array(W * T);
  // Expected counts behind the rates, kept for the rates' uncertainty.
  const hits = new Float64Array(W * T);
  const correctRejections = new Float64Array(W * T);
  const positives = new Float64Array(W * T);
  const negatives = new Float64Array(W * T);
  const llrYes = new Float64Array(W * T);
  const llrNo = new Float64Array(W * T);
  const logFalseAlarm = new Float64Array(W * T);
  const logCorrectReject = new Float64Array(W * T);
  const prevalence = new Float64Array(T);

  /** M-step; returns the log-prior of the new parameters. */
  const maximise = (): number => {
    hits.fill(0);
    correctRejections.fill(0);
    positives.fill(0);
    negatives.fill(0);
    for (let v = 0; v < V; v++) {
      const row = item[v] * T;
      const cell = worker[v] * T;
      const wt = weight[worker[v]];
      // Branch-free on the tick: a random yes/no would defeat the branch predictor.
      for (let t = 0; t < T; t++) {
        const p = wt * posterior[row + t];
        const q = wt - p;
        const y = yes[v * T + t];
        positives[cell + t] += p;
        negatives[cell + t] += q;
        hits[cell + t] += y * p;
        correctRejections[cell + t] += (1 - y) * q;
      }
    }
    let logPrior = 0;
    for (let x = 0; x < W * T; x++) {
      const se = (hits[x] + aSe) / (positives[x] + aSe + bSe);
      const sp = (correctRejections[x] + aSp) / (negatives[x] + aSp + bSp);
      sensitivity[x] = se;
      specificity[x] = sp;
      const logSe = safeLog(se);
      const logMiss = safeLog(1 - se);
      logCorrectReject[x] = safeLog(sp);
      logFalseAlarm[x] = safeLog(1 - sp);
      llrYes[x] = logSe - logFalseAlarm[x];
      llrNo[x] = logMiss - logCorrectReject[x];
      logPrior += aSe * logSe + bSe * logMiss + aSp * logCorrectReject[x] + bSp * logFalseAlarm[x];
    }
    prevalence.fill(0);
    for (let i = 0; i < N; i++) for (let t = 0; t < T; t++) prevalence[t] += posterior[i * T + t];
    for (let t = 0; t < T; t++) {
      prevalence[t] = (prevalence[t] + c) / (N + 2 * c);
      logPrior += c * (safeLog(prevalence[t]) + safeLog(1 - prevalence[t]));
    }
    return logPrior;
  };

  /** E-step into `next`; returns the log-likelihood and the largest posterior change. */
  const expect = (): { logLikelihood: number; maxChange: number } => {
    // next accumulates log-odds of "applies"; logNo accumulates log P(votes, does not apply).
    for (let i = 0; i < N; i++) {
      for (let t = 0; t < T; t++) {
        next[i * T + t] = logit(prevalence[t]) + (evidence ? evidence[i * T + t] : 0);
        logNo[i * T + t] = safeLog(1 - prevalence[t]);
      }
    }
    for (let v = 0; v < V; v++) {
      const row = item[v] * T;
      const cell = worker[v] * T;
      const wt = weight[worker[v]];
      for (let t = 0; t < T; t++) {
        const y = yes[v * T + t];
        next[row + t] += wt * (llrNo[cell + t] + y * (llrYes[cell + t] - llrNo[cell + t]));
        logNo[row + t] += wt * (logCorrectReject[cell + t] + y * (logFalseAlarm[cell + t] - logCorrectReject[cell + t]));
      }
    }
    let logLikelihood = 0;
    let maxChange = 0;
    for (let x = 0; x < N * T; x++) {
      const logOdds = next[x];
      const fixed = clamp ? clamp[x] : -1;
      if (fixed === 1) {
        next[x] = 1;
        logLikelihood += logNo[x] + logOdds;
      } else if (fixed === 0) {
        next[x] = 0;
        logLikelihood += logNo[x];
      } else {
        next[x] = sigmoid(logOdds);
        logLikelihood += logNo[x] + softplus(logOdds);
      }
      const change = Math.abs(next[x] - posterior[x]);
      if (change > maxChange) maxChange = change;
    }
    return { logLikelihood, maxChange };
  };

  const { iterations, converged, objectiveHistory } = runEm(
    settings,
    {
      maximise,
      expect,
      swap: () => {
        [posterior, next] = [next, posterior];
      },
    },
    options.onIteration,
  );

  const label = new Uint8Array(N * T);
  const confidence = new Float64Array(N * T);
  for (let x = 0; x < N * T; x++) {
    label[x] = posterior[x] >= 0.5 ? 1 : 0;
    confidence[x] = Math.max(posterior[x], 1 - posterior[x]);
  }
  // Uncertainty of each rate: the Beta posterior whose mean the M-step used.
  const sensitivityStd = new Float64Array(W * T);
  const specificityStd = new Float64Array(W * T);
  const reliability = new Float64Array(W);
  const reliabilityStd = new Float64Array(W);
  for (let w = 0; w < W; w++) {
    let variance = 0;
    for (let t = 0; t < T; t++) {
      const x = w * T + t;
      sensitivityStd[x] = betaMeanStd(aSe + hits[x], bSe + positives[x] - hits[x]).std;
      specificityStd[x] = betaMeanStd(aSp + correctRejections[x], bSp + negatives[x] - correctRejections[x]).std;
      reliability[w] += (sensitivity[x] + specificity[x]) / (2 * T);
      variance += (sensitivityStd[x] ** 2 + specificityStd[x] ** 2) / (4 * T * T);
    }
    reliabilityStd[w] = Math.sqrt(variance);
  }
  const workerVotes = new Int32Array(W);
  for (let v = 0; v < V; v++) workerVotes[worker[v]]++;

  return {
    settings,
    items: data.items,
    workers: data.workers,
    tags: data.tags,
    posterior,
    label,
    confidence,
    prevalence,
    sensitivity,
    sensitivityStd,
    specificity,
    specificityStd,
    reliability,
    reliabilityStd,
    workerVotes,
    iterations,
    converged,
    objectiveHistory,
  };
}

/**
 * Detach what {@link updateClipPosterior} needs from a full fit: per-tag
 * prevalence, each worker's per-tag sensitivity/specificity, and the prior
 * means as the fallback for workers who joined since. O(W·T).
 *
 * @example
 * const model = binaryRelevanceModel(binaryRelevance(encoded));
 * model.workers.get('w7')?.sensitivity[0]
 */
export function binaryRelevanceModel(result: BinaryRelevanceResult): BinaryRelevanceModel {
  const T = result.tags.length;
  const workers = new Map<string, WorkerTagReliability>();
  result.workers.forEach((id, w) => {
    workers.set(id, {
      sensitivity: Array.from(result.sensitivity.subarray(w * T, (w + 1) * T)),
      specificity: Array.from(result.specificity.subarray(w * T, (w + 1) * T)),
    });
  });
  return {
    tags: result.tags,
    prevalence: Array.from(result.prevalence),
    workers,
    fallback: priorRates(T, result.settings),
  };
}

/** The prior means as per-tag rates: what a worker with no votes is assumed to be. */
function priorRates(T: number, settings: BinaryRelevanceSettings): WorkerTagReliability {
  return {
    sensitivity: new Array<number>(T).fill(priorMean(settings.sensitivityPrior)),
    specificity: new Array<number>(T).fill(priorMean(settings.specificityPrior)),
  };
}

/** One row per clip × tag, as the database stores them. */
export interface ClipTagRow {
  readonly item: string;
  readonly tag: string;
  readonly posterior: number;
  readonly applies: boolean;
  readonly confidence: number;
}

/** One row per worker × tag. */
export interface WorkerTagRow {
  readonly worker: string;
  readonly tag: string;
  readonly sensitivity: number;
  readonly sensitivityStd: number;
  readonly specificity: number;
  readonly specificityStd: number;
}

/** Flatten a fit's clip × tag results into rows. O(N·T). */
export function clipTagRows(result: BinaryRelevanceResult): ClipTagRow[] {
  const T = result.tags.length;
  return result.items.flatMap((item, i) =>
    result.tags.map((tag, t) => ({
      item,
      tag,
      posterior: result.posterior[i * T + t],
      applies: result.label[i * T + t] === 1,
      confidence: result.confidence[i * T + t],
    })),
  );
}

/** Flatten a fit's worker × tag rates into rows. O(W·T). */
export function workerTagRows(result: BinaryRelevanceResult): WorkerTagRow[] {
  const T = result.tags.length;
  return result.workers.flatMap((worker, w) =>
    result.tags.map((tag, t) => ({
      worker,
      tag,
      sensitivity: result.sensitivity[w * T + t],
      sensitivityStd: result.sensitivityStd[w * T + t],
      specificity: result.specificity[w * T + t],
      specificityStd: result.specificityStd[w * T + t],
    })),
  );
}

/**
 * Incremental update: one clip's per-tag posteriors from its votes under the
 * current worker rates — the E-step of {@link binaryRelevance} for a single
 * clip, so a new vote moves the clip at once while the full EM re-run (which
 * also re-learns the rates) stays a separate, scheduled call.
 *
 *   logit P(tag t applies) = logit π_t + Σ_v ω_v [ x_vt·log(se_wt / (1 − sp_wt)) + (1 − x_vt)·log((1 − se_wt) / sp_wt) ]
 *
 * Workers missing from the model use `model.fallback` (default: the prior means). Tags fixed by `gold`
 * come back as exactly 0 or 1. Returns posteriors aligned with `model.tags`.
 * Throws on a tag outside the model's taxonomy.
 *
 * Complexity O(votes·T + T) — independent of the size of the catalogue.
 *
 * @example
 * // prior 0.3; w1 (se 0.9, sp 0.8) ticks "calm", w2 (se 0.6, sp 0.7) does not:
 * // odds = 0.3/0.7 · 0.9/0.2 · 0.4/0.7 = 1.102 → P = 0.524
 */
export function updateClipPosterior(votes: readonly ClipVote[], model: BinaryRelevanceModel, gold?: TagGold): number[] {
  const T = model.tags.length;
  const tagIndex = new Map(model.tags.map((t, i) => [t, i]));
  const fallback = model.fallback ?? priorRates(T, DEFAULT_BINARY_RELEVANCE_SETTINGS);
  const logOdds = model.prevalence.map((p) => logit(p));
  const ticked = new Uint8Array(T);
  for (const vote of votes) {
    const rates = model.workers.get(vote.worker) ?? fallback;
    const weight = vote.weight ?? 1;
    ticked.fill(0);
    for (const tag of vote.tags) {
      const t = tagIndex.get(tag);
      if (t === undefined) throw new Error(`worker "${vote.worker}": tag "${tag}" is not in the taxonomy`);
      ticked[t] = 1;
    }
    for (let t = 0; t < T; t++) {
      const se = rates.sensitivity[t];
      const sp = rates.specificity[t];
      logOdds[t] += weight * (ticked[t] ? safeLog(se) - safeLog(1 - sp) : safeLog(1 - se) - safeLog(sp));
    }
  }
  return logOdds.map((x, t) => {
    const tag = model.tags[t];
    if (!gold || !Object.hasOwn(gold, tag)) return sigmoid(x);
    return gold[tag] ? 1 : 0;
  });
}
