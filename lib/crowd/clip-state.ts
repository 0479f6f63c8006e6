import { logit } from './numeric';
import { isPositive, isPositiveInteger, resolveSettings } from './settings';

export type ClipState = 'open' | 'consensus' | 'disputed' | 'expert_resolved';

/** Admin-tunable thresholds of the clip life cycle. */
export interface ClipStateSettings {
  /** A tag is settled when its posterior is ≥ this or ≤ 1 − this. */
  readonly consensusThreshold: number;
  /** Votes needed before a clip may reach consensus (or be disputed for disagreement). */
  readonly minVotes: number;
  /** Past this many votes an unsettled clip goes to the experts instead of the crowd. */
  readonly maxVotes: number;
  /** Clip agreement (see {@link clipAgreement}) below this, with ≥ minVotes and unsettled → disputed early. */
  readonly disputeAlpha: number;
  /**
   * Log-odds one more vote is expected to add (a typical worker's
   * log(se / (1 − sp))); log 4 ≈ a worker who is right 80 % of the time.
   * Only used to size the request for further votes.
   */
  readonly expectedVoteLogOdds: number;
}

export const DEFAULT_CLIP_STATE_SETTINGS: ClipStateSettings = {
  consensusThreshold: 0.9,
  minVotes: 3,
  maxVotes: 7,
  disputeAlpha: 0,
  expectedVoteLogOdds: Math.log(4),
};

/** Facts about the clip beyond its posteriors. */
export interface ClipFacts {
  /** An expert has decided: final, whatever the crowd says. */
  readonly expertResolved?: boolean;
  /** The clip's agreement (e.g. {@link clipAgreement}); NaN / undefined = unknown. */
  readonly agreement?: number;
}

export interface ClipDecision {
  readonly state: ClipState;
  /** Further crowd votes wanted (0 unless open): adaptive overlap. */
  readonly votesWanted: number;
  /** Indices of the tags whose posterior is still inside (1 − threshold, threshold). */
  readonly unsettledTags: readonly number[];
  /** One short sentence for the UI and the audit log. */
  readonly reason: string;
}

/**
 * Clip life cycle from its per-tag posteriors (pure; the caller persists the
 * state).
 *
 *   expert_resolved  if an expert decided;
 *   consensus        if votes ≥ minVotes and every tag has p ≥ τ or p ≤ 1 − τ;
 *   disputed         if unsettled and (votes ≥ maxVotes, or votes ≥ minVotes and agreement < disputeAlpha);
 *   open             otherwise, asking for
 *     votesWanted = min(maxVotes − votes, max(minVotes − votes, ⌈(logit τ − min_t |logit p_t|) / Δ⌉))
 *   where Δ = expectedVoteLogOdds: the votes an average worker needs to push the
 *   least settled tag past the threshold.
 *
 * Complexity O(T).
 *
 * @example
 * decideClipState([0.97, 0.02], 3)  // { state: 'consensus', votesWanted: 0, … }
 * decideClipState([0.7, 0.02], 3)   // { state: 'open', votesWanted: 1, … }: logit .9 − logit .7 = 1.35 ≤ log 4
 */
export function decideClipState(
  posteriors: readonly number[] | Readonly<Record<string, number>>,
  voteCount: number,
  overrides: Partial<ClipStateSettings> = {},
  facts: ClipFacts = {},
): ClipDecision {
  const settings = resolveSettings('decideClipState', DEFAULT_CLIP_STATE_SETTINGS, overrides, {
    consensusThreshold: (x) => x > 0.5 && x < 1,
    minVotes: isPositiveInteger,
    maxVotes: isPositiveInteger,
    disputeAlpha: Number.isFinite,
    expectedVoteLogOdds: isPositive,
  });
  if (settings.maxVotes < settings.minVotes) {
    throw new RangeError(`decideClipState: maxVotes (${settings.maxVotes}) < minVotes (${settings.minVotes})`);
  }
  const values = Array.isArray(posteriors) ? posteriors : Object.values(posteriors);
  const tau = settings.consensusThreshold;
  const unsettledTags: number[] = [];
  let weakestLogOdds = Infinity;
  values.forEach((p, t) => {
    // 1 − p ≥ τ rather than p ≤ 1 − τ: in floating point 1 − 0.9 < 0.1.
    if (p < tau && 1 - p < tau) unsettledTags.push(t);
    weakestLogOdds = Math.min(weakestLogOdds, Math.abs(logit(p)));
  });

  if (facts.expertResolved) {
    return { state: 'expert_resolved', votesWanted: 0, unsettledTags, reason: 'an expert decided' };
  }
  if (unsettledTags.length === 0 && voteCount >= settings.minVotes) {
    return { state: 'consensus', votesWanted: 0, unsettledTags, reason: `every tag settled at ${tau} with ${voteCount} votes` };
  }
  if (unsettledTags.length > 0 && voteCount >= settings.maxVotes) {
    return { state: 'disputed', votesWanted: 0, unsettledTags, reason: `still uncertain after ${voteCount} votes (max ${settings.maxVotes})` };
  }
  const agreement = facts.agreement;
  if (unsettledTags.length > 0 && voteCount >= settings.minVotes && agreement !== undefined && agreement < settings.disputeAlpha) {
    return {
      state: 'disputed',
      votesWanted: 0,
      unsettledTags,
      reason: `agreement ${agreement.toFixed(2)} below ${settings.disputeAlpha} and still uncertain`,
    };
  }
  const toSettle = unsettledTags.length > 0 ? Math.ceil((logit(tau) - weakestLogOdds) / settings.expectedVoteLogOdds) : 0;
  const votesWanted = Math.max(1, Math.min(settings.maxVotes - voteCount, Math.max(settings.minVotes - voteCount, toSettle)));
  return { state: 'open', votesWanted, unsettledTags, reason: `needs about ${votesWanted} more vote(s)` };
}
