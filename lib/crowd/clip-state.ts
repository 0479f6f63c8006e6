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
  /**
   * Clip agreement (see {@link clipAgreement}) below this, with ≥ minVotes, unsettled, and too
   * few votes left under maxVotes to settle it → disputed early.
   */
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
  /**
   * Per tag (aligned with the posteriors): how many answers said yes. A tag that would settle as
   * applying with no yes behind it rests on the prior alone, so it stays unsettled: a label
   * always rests on votes (or gold / an expert). Undefined = not checked.
   */
  readonly yesVotes?: readonly number[];
  /** Tags fixed by a gold answer: settled whatever the votes. */
  readonly fixed?: readonly boolean[];
  /** Tag names aligned with the posteriors, for the reason text. */
  readonly tags?: readonly string[];
}

export interface ClipDecision {
  readonly state: ClipState;
  /** Further crowd votes wanted (0 unless open): adaptive overlap. */
  readonly votesWanted: number;
  /**
   * Indices of the tags still in doubt: posterior inside (1 − threshold, threshold), or past the
   * threshold as applying with no yes vote behind it. When the clip is disputed, these are the
   * tags in dispute — the ones the expert is asked to settle; the other tags are settled.
   */
  readonly unsettledTags: readonly number[];
  /** One short sentence for the UI and the audit log. */
  readonly reason: string;
}

/**
 * Clip life cycle from its per-tag posteriors (pure; the caller persists the
 * state).
 *
 *   expert_resolved  if an expert decided;
 *   consensus        if votes ≥ minVotes and every tag has p ≥ τ (with a yes vote behind it) or p ≤ 1 − τ;
 *   disputed         if unsettled and (votes ≥ maxVotes, or votes ≥ minVotes and agreement < disputeAlpha
 *                    and the votes still allowed, maxVotes − votes, are fewer than the weakest tag needs);
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
    const fixed = facts.fixed?.[t] === true;
    const unsupported = !fixed && p >= 0.5 && facts.yesVotes !== undefined && (facts.yesVotes[t] ?? 0) <= 0;
    // 1 − p ≥ τ rather than p ≤ 1 − τ: in floating point 1 − 0.9 < 0.1.
    if (!fixed && ((p < tau && 1 - p < tau) || unsupported)) unsettledTags.push(t);
    // An unsupported "applies" is as far from settled as a coin toss.
    if (!fixed) weakestLogOdds = Math.min(weakestLogOdds, unsupported ? 0 : Math.abs(logit(p)));
  });
  const names = (indices: readonly number[]) => tagList(indices.map((t) => facts.tags?.[t] ?? `tag ${t + 1}`));

  if (facts.expertResolved) {
    return { state: 'expert_resolved', votesWanted: 0, unsettledTags, reason: 'an expert decided' };
  }
  if (unsettledTags.length === 0 && voteCount >= settings.minVotes) {
    return { state: 'consensus', votesWanted: 0, unsettledTags, reason: `every tag settled at ${tau} with ${voteCount} votes` };
  }
  if (unsettledTags.length > 0 && voteCount >= settings.maxVotes) {
    return {
      state: 'disputed',
      votesWanted: 0,
      unsettledTags,
      reason: `${names(unsettledTags)} still uncertain after ${voteCount} of at most ${settings.maxVotes} votes; the other tags are settled`,
    };
  }
  const agreement = facts.agreement;
  const toSettle = unsettledTags.length > 0 ? Math.ceil((logit(tau) - weakestLogOdds) / settings.expectedVoteLogOdds) : 0;
  // Early only when the votes left under the limit cannot settle the weakest tag anyway: with a
  // few votes, agreement below chance is mostly noise, and more votes are cheaper than an expert.
  if (
    unsettledTags.length > 0 &&
    voteCount >= settings.minVotes &&
    agreement !== undefined &&
    agreement < settings.disputeAlpha &&
    toSettle > settings.maxVotes - voteCount
  ) {
    return {
      state: 'disputed',
      votesWanted: 0,
      unsettledTags,
      reason: `the ${voteCount} votes disagree more than chance (agreement ${agreement.toFixed(2)} below ${settings.disputeAlpha}); ${names(unsettledTags)} uncertain`,
    };
  }
  const votesWanted = Math.max(1, Math.min(settings.maxVotes - voteCount, Math.max(settings.minVotes - voteCount, toSettle)));
  return { state: 'open', votesWanted, unsettledTags, reason: `needs about ${votesWanted} more vote(s)` };
}

/** "calm", "calm and dark", "calm, dark and sad". */
function tagList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'no tag';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Which tags of a clip carry a positive label: posterior ≥ 0.5 *and* at least one yes vote (or
 * a gold answer fixing the tag as applying). A tag no vote supports is not a label, whatever
 * the prior says. O(T).
 *
 * @example
 * supportedLabels([0.97, 0.8], [2, 0]) // [true, false]: nobody said the second tag applies
 */
export function supportedLabels(posteriors: readonly number[], yesVotes: readonly number[], fixed?: readonly boolean[]): boolean[] {
  return posteriors.map((p, t) => p >= 0.5 && ((yesVotes[t] ?? 0) > 0 || fixed?.[t] === true));
}

/** One tag of a disputed clip as the review screen explains it. */
export interface TagTally {
  readonly tag: string;
  readonly posterior: number;
  readonly yes: number;
  readonly no: number;
}

/**
 * Why a disputed clip is with the experts, in words that match the numbers: which tags are in
 * doubt (posterior inside (1 − τ, τ), or "applies" with no yes vote) with their yes/no counts,
 * how many votes the clip has against the limit, and that the other tags are settled — so the
 * expert settles those tags. Pure. O(T).
 *
 * @example
 * disputeReason({ votes: 7, maxVotes: 7, threshold: 0.9, tags: [{ tag: 'dark', posterior: 0.6, yes: 4, no: 3 }, { tag: 'sad', posterior: 0.99, yes: 7, no: 0 }] })
 * // 'The crowd disputes dark (4 yes, 3 no) after 7 of at most 7 votes; the other tags are settled'
 */
export function disputeReason(input: { votes: number; maxVotes: number; threshold: number; tags: readonly TagTally[] }): string {
  const { threshold: tau } = input;
  const doubtful = input.tags.filter(
    (t) => (t.posterior < tau && 1 - t.posterior < tau) || (t.posterior >= 0.5 && t.yes <= 0),
  );
  const when =
    input.votes >= input.maxVotes
      ? `after ${input.votes} of at most ${input.maxVotes} votes`
      : `after ${input.votes} votes that disagree more than chance (the limit is ${input.maxVotes})`;
  if (input.tags.length === 0) return `The crowd disputes it ${when}`;
  if (doubtful.length === 0) return `The crowd disputed it ${when}; every tag has settled since`;
  const list = tagList(doubtful.map((t) => `${t.tag} (${t.yes} yes, ${t.no} no)`));
  const rest = doubtful.length < input.tags.length ? '; the other tags are settled' : '';
  return `The crowd disputes ${list} ${when}${rest}`;
}
