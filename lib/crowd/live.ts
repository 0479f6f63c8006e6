/**
 * Pure helpers the database-facing crowd code (service, full aggregation, import) shares:
 * a streaming multi-label encoder, gold answers as per-tag checks, targeted yes/no answers
 * folded into a clip's posterior, and one clip's live update from its answers. No SQL here; see
 * ./drain.ts and ./full-aggregation.ts.
 */
import type { BinaryRelevanceModel, ClipVote, EncodedMultiLabelVotes, TagGold } from './binary-relevance';
import { DEFAULT_BINARY_RELEVANCE_SETTINGS, updateClipPosterior } from './binary-relevance';
import { clipAgreement } from './agreement';
import { decideClipState, supportedLabels, type ClipState } from './clip-state';
import { logit, safeLog, sigmoid } from './numeric';
import { clipStateSettings, overlapTargetAfter } from './policy';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { dict } from '@/lib/util/dict';

/**
 * {@link encodeMultiLabelVotes} for votes that arrive in pages (a database cursor): the same
 * columns, grown by doubling, so 100k votes never exist as an array of objects.
 * Amortised O(T) per vote.
 *
 * @example
 * const enc = new MultiLabelVoteEncoder(['calm', 'sad']);
 * enc.add('clip-1', 'w1', ['calm']);
 * binaryRelevance(enc.finish());
 */
export class MultiLabelVoteEncoder {
  private readonly tagIndex: Map<string, number>;
  private readonly itemIndex = new Map<string, number>();
  private readonly workerIndex = new Map<string, number>();
  private readonly items: string[] = [];
  private readonly workers: string[] = [];
  private item: Int32Array;
  private worker: Int32Array;
  private yes: Uint8Array;
  private n = 0;

  constructor(
    readonly tags: readonly string[],
    capacity = 1024,
  ) {
    this.tagIndex = new Map(tags.map((t, i) => [t, i]));
    this.item = new Int32Array(capacity);
    this.worker = new Int32Array(capacity);
    this.yes = new Uint8Array(capacity * tags.length);
  }

  get size(): number {
    return this.n;
  }

  /** Adds one vote; throws on a tag outside the taxonomy. Returns the vote's index. */
  add(item: string, worker: string, tags: readonly string[]): number {
    if (this.n === this.item.length) this.grow();
    const T = this.tags.length;
    let i = this.itemIndex.get(item);
    if (i === undefined) {
      i = this.items.push(item) - 1;
      this.itemIndex.set(item, i);
    }
    let w = this.workerIndex.get(worker);
    if (w === undefined) {
      w = this.workers.push(worker) - 1;
      this.workerIndex.set(worker, w);
    }
    const v = this.n++;
    this.item[v] = i;
    this.worker[v] = w;
    for (const tag of tags) {
      const t = this.tagIndex.get(tag);
      if (t === undefined) throw new Error(`vote ${v}: tag "${tag}" is not in the taxonomy`);
      this.yes[v * T + t] = 1;
    }
    return v;
  }

  finish(): EncodedMultiLabelVotes {
    const T = this.tags.length;
    return {
      items: this.items,
      workers: this.workers,
      tags: this.tags,
      item: this.item.subarray(0, this.n),
      worker: this.worker.subarray(0, this.n),
      yes: this.yes.subarray(0, this.n * T),
    };
  }

  private grow(): void {
    const capacity = this.item.length * 2;
    const item = new Int32Array(capacity);
    item.set(this.item);
    const worker = new Int32Array(capacity);
    worker.set(this.worker);
    const yes = new Uint8Array(capacity * this.tags.length);
    yes.set(this.yes);
    this.item = item;
    this.worker = worker;
    this.yes = yes;
  }
}

/** A stored honeypot: `tags` must be ticked, `tolerated` may go either way, every other tag must not. */
export interface GoldAnswer {
  readonly tags: readonly string[];
  readonly tolerated: readonly string[];
}

/**
 * A gold answer as per-tag checks over the taxonomy: required tags → true, tolerated tags left
 * out (free), every other taxonomy tag → false. Tags outside the taxonomy are ignored. O(T).
 *
 * @example
 * tagGoldFor({ tags: ['calm'], tolerated: ['dreamy'] }, ['calm', 'dreamy', 'dark']) // { calm: true, dark: false }
 */
export function tagGoldFor(gold: GoldAnswer, taxonomyTags: readonly string[]): TagGold {
  // Null-prototype: readers index it by tag key, and `constructor` must not read as Object.
  const out = dict<boolean>();
  for (const tag of taxonomyTags) {
    if (gold.tags.includes(tag)) out[tag] = true;
    else if (!gold.tolerated.includes(tag)) out[tag] = false;
  }
  return out;
}

/**
 * Whether one answer on a gold clip is right: every tag the gold fixes is answered as fixed
 * (tolerated tags are free). A targeted yes/no answer is checked on its one tag, and is not
 * scored (null) when the gold tolerates that tag. O(T).
 */
export function isGoldAnswerRight(
  answer: { readonly tags: readonly string[] } | { readonly questionTag: string; readonly answer: boolean },
  gold: TagGold,
): boolean | null {
  if ('questionTag' in answer) {
    if (!Object.hasOwn(gold, answer.questionTag)) return null;
    return gold[answer.questionTag] === answer.answer;
  }
  for (const [tag, applies] of Object.entries(gold)) if (answer.tags.includes(tag) !== applies) return false;
  return true;
}

/**
 * Gold scoring per tag: every tag the gold fixes is one check (a required tag must be ticked, a
 * forbidden one must not); tolerated tags are not scored. A targeted yes/no answer is one check on
 * its tag, none when the gold tolerates it. So a worker right on 95 % of tags scores about 95 %,
 * where scoring whole answers would give 0.95^8 ≈ 66 % on eight tags. O(T).
 *
 * @example
 * goldTagChecks({ tags: ['calm', 'sad'] }, { calm: true, sad: false, dark: false }) // { right: 2, total: 3 }
 */
export function goldTagChecks(
  answer: { readonly tags: readonly string[] } | { readonly questionTag: string; readonly answer: boolean },
  gold: TagGold,
): { right: number; total: number } {
  if ('questionTag' in answer) {
    if (!Object.hasOwn(gold, answer.questionTag)) return { right: 0, total: 0 };
    return { right: gold[answer.questionTag] === answer.answer ? 1 : 0, total: 1 };
  }
  let right = 0;
  let total = 0;
  for (const [tag, applies] of Object.entries(gold)) {
    total++;
    if (answer.tags.includes(tag) === applies) right++;
  }
  return { right, total };
}

/** A yes/no answer on one tag (a targeted question) as the posterior update sees it. */
export interface TargetedAnswer {
  readonly worker: string;
  readonly tag: string;
  readonly answer: boolean;
  readonly weight?: number;
}

/**
 * Folds targeted yes/no answers into a clip's posteriors (aligned with `model.tags`): each
 * answer is one worker's vote on one tag only, so it adds
 *   ω·log(se / (1 − sp)) for a yes, ω·log((1 − se) / sp) for a no
 * to that tag's log-odds — the term {@link updateClipPosterior} adds for a full vote, without
 * implying anything about the other tags. Gold-fixed tags and unknown tags are left alone.
 * The full EM does not learn rates from targeted answers (it sees full votes only); the
 * answers still count in every clip's posterior through this fold. O(answers).
 */
export function applyTargetedAnswers(
  posteriors: readonly number[],
  answers: readonly TargetedAnswer[],
  model: BinaryRelevanceModel,
  gold?: TagGold,
): number[] {
  if (answers.length === 0) return [...posteriors];
  const tagIndex = new Map(model.tags.map((t, i) => [t, i]));
  const logOdds = posteriors.map((p) => logit(p));
  const { sensitivityPrior: sePrior, specificityPrior: spPrior } = DEFAULT_BINARY_RELEVANCE_SETTINGS;
  const touched = new Set<number>();
  for (const a of answers) {
    const t = tagIndex.get(a.tag);
    if (t === undefined || (gold && Object.hasOwn(gold, a.tag))) continue;
    const rates = model.workers.get(a.worker) ?? model.fallback;
    const se = rates?.sensitivity[t] ?? sePrior.correct / (sePrior.correct + sePrior.wrong);
    const sp = rates?.specificity[t] ?? spPrior.correct / (spPrior.correct + spPrior.wrong);
    const w = a.weight ?? 1;
    logOdds[t] += w * (a.answer ? safeLog(se) - safeLog(1 - sp) : safeLog(1 - se) - safeLog(sp));
    touched.add(t);
  }
  return posteriors.map((p, t) => (touched.has(t) ? sigmoid(logOdds[t]) : p));
}

/** One stored answer on a clip as the live update reads it. */
export interface LiveAnswer {
  readonly worker: string;
  readonly kind: 'vote' | 'targeted';
  readonly tags: readonly string[];
  readonly questionTag: string | null;
  readonly answer: boolean | null;
  /**
   * Set on a full vote cast under an older taxonomy version, whose `tags` are already carried
   * through the tag mapping: the active tags the mapping reaches. Such a vote is evidence on
   * those tags only (a tag added since was never asked), one yes/no per covered tag; it counts
   * as a vote when it covers a tag, and otherwise only holds its queue slot.
   */
  readonly covers?: readonly string[];
}

export interface ClipUpdate {
  readonly tags: { tag: string; posterior: number; label: boolean; yes: number; no: number }[];
  readonly state: ClipState;
  /** Answers given (full votes of any version and targeted answers); state decisions count votes only. */
  readonly answers: number;
  /**
   * The overlap an open clip now asks for (full votes + votes wanted, at most maxVotes); the caller
   * keeps the larger of this and the stored target, since leases already out hold their slots.
   * Null when the clip left the crowd queue (consensus or disputed).
   */
  readonly overlapTarget: number | null;
}

/**
 * One clip's live update (the E-step for one clip under the current worker reliabilities): its
 * per-tag posteriors from all its answers — full votes through {@link updateClipPosterior},
 * targeted answers through {@link applyTargetedAnswers}, gold-fixed tags clamped — the labels
 * votes support, and the state and overlap {@link decideClipState} gives them. A function of
 * the set of answers, so applying it again after more answers (or twice) is safe.
 * Votes' tags outside the taxonomy are ignored. O(answers · T).
 */
export function clipUpdateFor(
  answers: readonly LiveAnswer[],
  model: BinaryRelevanceModel,
  weights: ReadonlyMap<string, number>,
  gold: TagGold | undefined,
  settings: ProjectSettings,
): ClipUpdate {
  const tags = model.tags;
  const known = new Set(tags);
  const full: ClipVote[] = [];
  const targeted: TargetedAnswer[] = [];
  // Old-version votes: `carried` cover some active tag and count as votes; `slotsOnly` cover none
  // but still hold the slot `assigned` counted for them.
  let carried = 0;
  let slotsOnly = 0;
  for (const a of answers) {
    const weight = weights.get(a.worker) ?? 1;
    if (a.kind === 'vote' && a.covers) {
      const covered = a.covers.filter((t) => known.has(t));
      for (const tag of covered) targeted.push({ worker: a.worker, tag, answer: a.tags.includes(tag), weight });
      if (covered.length > 0) carried++;
      else slotsOnly++;
    } else if (a.kind === 'vote') full.push({ worker: a.worker, tags: a.tags.filter((t) => known.has(t)), weight });
    else if (a.questionTag && known.has(a.questionTag) && a.answer !== null) {
      targeted.push({ worker: a.worker, tag: a.questionTag, answer: a.answer, weight });
    }
  }
  const posteriors = applyTargetedAnswers(updateClipPosterior(full, model, gold), targeted, model, gold);
  const yesVotes = tags.map(
    (tag) => full.filter((v) => v.tags.includes(tag)).length + targeted.filter((a) => a.tag === tag && a.answer).length,
  );
  const noVotes = tags.map(
    (tag) => full.filter((v) => !v.tags.includes(tag)).length + targeted.filter((a) => a.tag === tag && !a.answer).length,
  );
  const fixed = tags.map((tag) => Boolean(gold && Object.hasOwn(gold, tag)));
  const labels = supportedLabels(posteriors, yesVotes, fixed);
  // minVotes / maxVotes / overlap count full votes only: a targeted answer is evidence on its one
  // tag (in the posterior above) and gives its queue slot back, so counting it here would settle
  // a clip on two votes and one yes/no, and ask for a target that `assigned` never reaches.
  const votes = full.length + carried;
  const decision = decideClipState(posteriors, votes, clipStateSettings(settings), {
    agreement: clipAgreement(full, tags, model.prevalence),
    yesVotes,
    fixed,
    tags,
  });
  return {
    tags: tags.map((tag, t) => ({ tag, posterior: posteriors[t], label: labels[t], yes: yesVotes[t], no: noVotes[t] })),
    state: decision.state,
    answers: answers.length,
    // Slots held by votes that count for nothing are on top: the pick compares the target with
    // `assigned`, which counts every vote, so without them an open clip could sit at
    // assigned = target and never be leased again.
    overlapTarget: decision.state === 'open' ? overlapTargetAfter(decision, votes, 0, settings) + slotsOnly : null,
  };
}
