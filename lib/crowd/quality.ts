import type { TagGold } from './binary-relevance';
import { betaMeanStd } from './numeric';
import { isNonNegative, isPositiveInteger, isProbability, resolveSettings } from './settings';
import type { CategoricalGold } from './types';

/** One vote as the spam checks see it. */
export interface ListenEvent {
  /** How long the clip actually played before the vote. */
  readonly listenedMs: number;
  /**
   * How much of the clip there was to hear: its duration from the excerpt start, capped at the
   * excerpt length the player plays (see {@link playableMs}).
   */
  readonly clipDurationMs: number;
  /** The answer, canonicalised (for multi-label: the sorted ticked tags joined). */
  readonly answer: string;
}

/** Admin-tunable limits of the contributor checks. */
export interface QualitySettings {
  /** A vote is too fast if it came before min(minListenMs, minListenFraction × playable length) of listening. */
  readonly minListenMs: number;
  readonly minListenFraction: number;
  /** Pause when at least this share of the votes in the recent window were too fast. */
  readonly tooFastPauseShare: number;
  /** The too-fast share is judged over the latest this many answers (and needs minVotesForJudgement of them). */
  readonly tooFastWindow: number;
  /** Flag (and pause) when at least this share of the votes carry the same answer. */
  readonly sameAnswerShare: number;
  /** No judgement on too-fast share or same answer before this many votes. */
  readonly minVotesForJudgement: number;
  /** Reliability (balanced accuracy; 0.5 = guessing) below which a contributor is flagged… */
  readonly reliabilityFloor: number;
  /** Gold accuracy below which a contributor is flagged… */
  readonly goldAccuracyFloor: number;
  /** …but only once mean + z·std is below the floor, i.e. we are sure, not merely suspicious. */
  readonly floorConfidenceZ: number;
  /** Weight multiplier applied once per raised flag (same answer, reliability, gold). */
  readonly flaggedWeight: number;
}

/**
 * Defaults: a listener who names a mood after 3 s (or a fifth of a short clip) is quick, not a
 * spammer — people judge a mood within seconds; answers under that are too fast to have heard
 * the clip. One quick answer proves nothing: half of the latest 30 answers (at least 10) must be
 * too fast before the check pauses anyone.
 */
export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
  minListenMs: 3_000,
  minListenFraction: 0.2,
  tooFastPauseShare: 0.5,
  tooFastWindow: 30,
  sameAnswerShare: 0.9,
  minVotesForJudgement: 10,
  reliabilityFloor: 0.6,
  goldAccuracyFloor: 0.6,
  floorConfidenceZ: 1.645,
  flaggedWeight: 0.25,
};

/** An estimate with its uncertainty (reliability from the aggregation, or gold accuracy). */
export interface Estimate {
  readonly mean: number;
  readonly std: number;
}

export interface GoldAccuracy extends Estimate {
  readonly correct: number;
  readonly total: number;
}

export type QualityFlag = 'too_fast' | 'same_answer' | 'low_reliability' | 'low_gold_accuracy';

export interface ContributorAssessment {
  /** Multiplier for this contributor's votes in aggregation, in [0, 1]. */
  readonly weight: number;
  /** Stop serving clips to this contributor until someone looks. */
  readonly pause: boolean;
  readonly tooFastShare: number;
  readonly sameAnswerShare: number;
  readonly flags: readonly QualityFlag[];
}

function qualitySettings(overrides: Partial<QualitySettings> | undefined): QualitySettings {
  return resolveSettings('quality', DEFAULT_QUALITY_SETTINGS, overrides, {
    minListenMs: isNonNegative,
    minListenFraction: isProbability,
    tooFastPauseShare: isProbability,
    tooFastWindow: isPositiveInteger,
    sameAnswerShare: isProbability,
    minVotesForJudgement: isPositiveInteger,
    reliabilityFloor: isProbability,
    goldAccuracyFloor: isProbability,
    floorConfidenceZ: isNonNegative,
    flaggedWeight: isProbability,
  });
}

/** Excerpt length the labeler plays (seconds), as the extractor chooses it by default. */
export const PLAYED_EXCERPT_S = 30;

/**
 * How much of a clip a contributor can hear: from the excerpt start to the end, at most the
 * played excerpt length; unknown durations count as the full excerpt. O(1).
 *
 * @example
 * playableMs(12, 0)   // 12 000
 * playableMs(240, 40) // 30 000: the player plays a 30 s excerpt
 */
export function playableMs(durationS: number | null | undefined, excerptStartS = 0, excerptS = PLAYED_EXCERPT_S): number {
  if (durationS == null || !Number.isFinite(durationS) || durationS <= 0) return excerptS * 1000;
  const rest = durationS - Math.max(0, excerptStartS || 0);
  return Math.min(excerptS, rest > 0 ? rest : durationS) * 1000;
}

/**
 * Whether a vote came faster than the clip could be heard:
 * listenedMs < min(minListenMs, minListenFraction · clipDurationMs) (the playable length). O(1).
 *
 * @example
 * isTooFast(2_000, 30_000) // true: 3 s of a 30 s clip are expected
 * isTooFast(2_500, 10_000) // false: a fifth of a 10 s clip is 2 s
 */
export function isTooFast(listenedMs: number, clipDurationMs: number, overrides?: Partial<QualitySettings>): boolean {
  const s = qualitySettings(overrides);
  return listenedMs < Math.min(s.minListenMs, s.minListenFraction * clipDurationMs);
}

/**
 * The answers the too-fast check judges: the latest `tooFastWindow` of them (answers in time
 * order). Explanations of a too-fast pause should count over this window, as the check does. O(1).
 */
export function tooFastWindowOf<T>(votes: readonly T[], overrides?: Partial<QualitySettings>): readonly T[] {
  const s = qualitySettings(overrides);
  return votes.slice(Math.max(0, votes.length - s.tooFastWindow));
}

/**
 * Spam signals → a vote-weight multiplier and a pause flag.
 *
 *   weight = (1 − tooFastShare) · flaggedWeight^(number of flags among same_answer, low_reliability, low_gold_accuracy)
 *   pause  = tooFastShare ≥ tooFastPauseShare or any of those flags
 * where tooFastShare is the share of too-fast answers among the latest tooFastWindow answers
 * (votes are in time order) and is judged only once that window holds minVotesForJudgement;
 * where same_answer = one answer on ≥ sameAnswerShare of ≥ minVotesForJudgement
 * votes, and low_reliability / low_gold_accuracy = mean + z·std below the floor,
 * so a newcomer with three unlucky votes is not paused on noise. Reliability is
 * on the balanced-accuracy scale of {@link binaryRelevance} (0.5 = guessing).
 *
 * Complexity O(votes).
 *
 * @example
 * const votes = Array.from({ length: 20 }, () => ({ listenedMs: 20_000, clipDurationMs: 30_000, answer: 'happy' }));
 * assessContributor({ votes }) // { weight: 0.25, pause: true, flags: ['same_answer'], … }
 * // A quick listener (5 s per 20 s clip) is neither too fast nor penalised:
 * assessContributor({ votes: votes.map((v, i) => ({ ...v, listenedMs: 5_000, answer: String(i) })) }) // { weight: 1, pause: false, flags: [] }
 */
export function assessContributor(
  input: { readonly votes: readonly ListenEvent[]; readonly reliability?: Estimate; readonly gold?: Estimate },
  overrides?: Partial<QualitySettings>,
): ContributorAssessment {
  const s = qualitySettings(overrides);
  const n = input.votes.length;
  let tooFast = 0;
  const windowStart = n - tooFastWindowOf(input.votes, overrides).length;
  const answers = new Map<string, number>();
  input.votes.forEach((vote, i) => {
    if (i >= windowStart && vote.listenedMs < Math.min(s.minListenMs, s.minListenFraction * vote.clipDurationMs)) tooFast++;
    answers.set(vote.answer, (answers.get(vote.answer) ?? 0) + 1);
  });
  const windowed = n - windowStart;
  const tooFastShare = windowed > 0 ? tooFast / windowed : 0;
  const sameAnswerShare = n > 0 ? Math.max(...answers.values()) / n : 0;
  const judged = n >= s.minVotesForJudgement;
  const surelyBelow = (e: Estimate | undefined, floor: number) => e !== undefined && e.mean + s.floorConfidenceZ * e.std < floor;

  const flags: QualityFlag[] = [];
  if (judged && tooFastShare >= s.tooFastPauseShare) flags.push('too_fast');
  if (judged && sameAnswerShare >= s.sameAnswerShare) flags.push('same_answer');
  if (surelyBelow(input.reliability, s.reliabilityFloor)) flags.push('low_reliability');
  if (surelyBelow(input.gold, s.goldAccuracyFloor)) flags.push('low_gold_accuracy');

  const penalised = flags.filter((f) => f !== 'too_fast').length;
  return {
    weight: (1 - tooFastShare) * s.flaggedWeight ** penalised,
    pause: flags.length > 0,
    tooFastShare,
    sameAnswerShare,
    flags,
  };
}

/**
 * Gold accuracy of one contributor on categorical honeypots: a vote is correct
 * when its label is among the item's tolerated answers; non-gold votes are
 * ignored. Reported as Beta(1 + correct, 1 + wrong) mean and std. O(votes).
 *
 * @example
 * goldAccuracy([{ item: 'g1', label: 'calm' }], new Map([['g1', ['calm', 'tender']]])) // correct 1 of 1, mean 2/3
 */
export function goldAccuracy(
  votes: readonly { readonly item: string; readonly label: string }[],
  gold: CategoricalGold,
): GoldAccuracy {
  let correct = 0;
  let total = 0;
  for (const vote of votes) {
    const accepted = gold.get(vote.item);
    if (!accepted) continue;
    total++;
    if (accepted.includes(vote.label)) correct++;
  }
  return { correct, total, ...betaMeanStd(1 + correct, 1 + total - correct) };
}

/**
 * Gold accuracy on multi-label honeypots: every tag the gold fixes (true =
 * must be ticked, false = must not) is one question; tags the gold leaves out
 * are tolerated either way and not scored. Beta(1 + correct, 1 + wrong). O(votes·T).
 *
 * @example
 * goldAccuracyMultiLabel([{ item: 'g1', tags: ['calm'] }], new Map([['g1', { calm: true, angry: false }]])) // 2 of 2
 */
export function goldAccuracyMultiLabel(
  votes: readonly { readonly item: string; readonly tags: readonly string[] }[],
  gold: ReadonlyMap<string, TagGold>,
): GoldAccuracy {
  let correct = 0;
  let total = 0;
  for (const vote of votes) {
    const answer = gold.get(vote.item);
    if (!answer) continue;
    for (const [tag, applies] of Object.entries(answer)) {
      total++;
      if (vote.tags.includes(tag) === applies) correct++;
    }
  }
  return { correct, total, ...betaMeanStd(1 + correct, 1 + total - correct) };
}
