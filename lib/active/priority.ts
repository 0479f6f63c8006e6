/**
 * The queue priority of a clip as a weighted blend of its signals, with the
 * terms kept so the UI can say why a clip is in the queue.
 */
import { DEFAULT_PRIORITY_WEIGHTS } from '@/lib/settings/schemas';

export type PriorityTermName = 'uncertainty' | 'disagreement' | 'diversity' | 'votesNeeded' | 'drift' | 'feedback';

/** Each signal in [0,1]; leave one out (undefined) when it does not apply to the clip. */
export interface PrioritySignals {
  /** Model uncertainty (e.g. mean tag entropy). */
  uncertainty?: number;
  /** Crowd (posterior entropy) and/or committee disagreement. */
  disagreement?: number;
  /** Novelty relative to the labelled set. */
  diversity?: number;
  /** Votes still needed / votes per clip (overlap). */
  votesNeeded?: number;
  /** Far from the labelled (training) clips, or in a drifted region of the features (./drift). */
  drift?: number;
  /** Listeners skip or dislike it (./drift feedbackSignal). */
  feedback?: number;
}

export type PriorityWeights = Record<PriorityTermName, number>;

export interface PriorityTerm {
  name: PriorityTermName;
  score: number;
  /** Weight after renormalising over the signals present. */
  weight: number;
  contribution: number;
}

export interface Priority {
  /** In [0,1]. */
  priority: number;
  /** Present terms, largest contribution first. */
  terms: PriorityTerm[];
  /** Short human-readable reason, e.g. "model unsure (0.82) · crowd split (0.40)". */
  reason: string;
}

const PHRASES: Record<PriorityTermName, string> = {
  uncertainty: 'model unsure',
  disagreement: 'annotators disagree',
  diversity: 'unlike labelled clips',
  votesNeeded: 'needs votes',
  drift: 'unlike the training data',
  feedback: 'listeners skip it',
};

/**
 * Blends the signals into one priority.
 *
 * Model: priority = Σ_k w_k·s_k / Σ_k w_k over the signals k present
 * (scores clamped to [0,1]). Renormalising over present signals keeps
 * clips comparable when, say, there is no model yet (no uncertainty) — their
 * priority is not deflated for a signal nobody could measure. This is the
 * weighted-sum form of multi-criteria batch selection (Cardoso et al.,
 * "Ranked batch-mode active learning", Information Sciences 2017).
 * The reason lists the terms that contribute at least a quarter of the total. A weight not
 * given is the project default (DEFAULT_PRIORITY_WEIGHTS, lib/settings/schemas.ts). O(1).
 *
 * @example
 *   blendPriority({ uncertainty: 0.9, votesNeeded: 1 }, { uncertainty: 3, disagreement: 0, diversity: 0, votesNeeded: 1 })
 *   // → { priority: 0.925, terms: [uncertainty 0.675, votesNeeded 0.25], reason: 'model unsure (0.90) · needs votes (1.00)' }
 */
export function blendPriority(signals: PrioritySignals, weights: Partial<PriorityWeights> = DEFAULT_PRIORITY_WEIGHTS): Priority {
  const w = { ...DEFAULT_PRIORITY_WEIGHTS, ...weights };
  for (const [name, value] of Object.entries(w)) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`blendPriority: weight ${name} must be a finite number ≥ 0`);
  }
  const present = (Object.keys(PHRASES) as PriorityTermName[]).filter((k) => {
    const s = signals[k];
    return s !== undefined && !Number.isNaN(s) && w[k] > 0;
  });
  const total = present.reduce((sum, k) => sum + w[k], 0);
  if (total === 0) return { priority: 0, terms: [], reason: 'no signal' };
  const terms = present
    .map((name) => {
      const score = Math.min(1, Math.max(0, signals[name] as number));
      const weight = w[name] / total;
      return { name, score, weight, contribution: weight * score };
    })
    .sort((a, b) => b.contribution - a.contribution);
  const priority = terms.reduce((s, term) => s + term.contribution, 0);
  const main = terms.filter((term) => term.contribution > 0 && term.contribution >= priority / 4);
  return {
    priority,
    terms,
    reason: main.length ? main.map((term) => `${PHRASES[term.name]} (${term.score.toFixed(2)})`).join(' · ') : 'low priority',
  };
}
