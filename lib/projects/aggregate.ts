import type { PAIRWISE_CHOICES } from '@/db/schema/projects';
import { fitCrowdBt } from '@/lib/pairwise/crowd-bt';
import { fitRatingModel, type RatingFit } from '@/lib/rating/annotator-model';

/**
 * Answers of a valence–arousal or pairwise project in, per-clip aggregates, per-annotator
 * parameters and queue priorities out. Pure: the I/O is lib/projects/aggregation-service.ts.
 *
 * - valence_arousal: the bias–scale–noise model (lib/rating/annotator-model.ts) fitted to each
 *   axis on its own (the model is one-dimensional; an annotator's habits on the two axes are
 *   separate parameters anyway). Priority = the clip's posterior spread √(sd_v² + sd_a²); a clip
 *   nobody rated has the prior's spread, the largest possible, so it is asked first.
 * - pairwise: Crowd-BT (lib/pairwise/crowd-bt.ts), items = the project's clips, workers = the
 *   contributors, a "same" answer = half a win each way (as `chorus aggregate --type pairwise`
 *   reads a tie). Priority = the score's sd, so the queue favours clips whose place is unsettled;
 *   a clip never compared has only the prior and the largest sd.
 */

type Choice = (typeof PAIRWISE_CHOICES)[number];

/** One stored answer (the shape of lib/projects/items-repo.ts `readAnswers`). */
export interface AnswerInput {
  userId: string;
  clipId: string;
  clipBId: string | null;
  valence: number | null;
  arousal: number | null;
  choice: Choice | null;
}

export interface ClipAggregate {
  clipId: string;
  /** Answers that involve the clip (a comparison counts for both of its clips). */
  answerCount: number;
  valence: number | null;
  valenceSd: number | null;
  arousal: number | null;
  arousalSd: number | null;
  score: number | null;
  scoreSd: number | null;
  /** 1 = most <attribute>; null for a clip never compared (its score is only the prior). */
  rank: number | null;
}

/** valence_arousal: {valenceBias, valenceScale, valenceNoise, arousal…}; pairwise: {eta}. */
export type AnnotatorParams = Record<string, number>;

export interface AnnotatorAggregate {
  userId: string;
  answerCount: number;
  params: AnnotatorParams;
}

export interface ProjectFit {
  scores: ClipAggregate[];
  annotators: AnnotatorAggregate[];
  priorities: { clipId: string; priority: number }[];
}

/** The rating model's prior on a clip's value, N(0, 1) on each axis (lib/rating/annotator-model.ts defaults). */
export const RATING_PRIOR_SD = 1;

/** Crowd-BT's reliability below which an annotator's answers run against the consensus. */
export const ADVERSARY_ETA = 0.5;

function indexOf(ids: readonly string[]): Map<string, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

/** Annotators in order of first answer, each with a dense index. */
function workerIndex(answers: readonly AnswerInput[]): { ids: string[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  for (const a of answers) if (!index.has(a.userId)) index.set(a.userId, index.size);
  return { ids: [...index.keys()], index };
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Fit a valence–arousal project. `clipIds` are the project's clips (every one gets a row);
 * answers about other clips, and answers without both coordinates, are ignored.
 */
export function aggregateRatings(clipIds: readonly string[], answers: readonly AnswerInput[]): ProjectFit {
  const clips = indexOf(clipIds);
  const rated = answers.filter(
    (a) => clips.has(a.clipId) && a.clipBId === null && Number.isFinite(a.valence) && Number.isFinite(a.arousal),
  );
  const workers = workerIndex(rated);
  const item = rated.map((a) => clips.get(a.clipId)!);
  const worker = rated.map((a) => workers.index.get(a.userId)!);
  const fitAxis = (axis: 'valence' | 'arousal'): RatingFit =>
    fitRatingModel(clipIds.length, workers.ids.length, { item, worker, value: rated.map((a) => a[axis] as number) }, {
      priorSd: RATING_PRIOR_SD,
    });
  const v = fitAxis('valence');
  const a = fitAxis('arousal');

  const scores: ClipAggregate[] = clipIds.map((clipId, i) => ({
    clipId,
    answerCount: v.ratingsPerItem[i],
    valence: finiteOrNull(v.mean[i]),
    valenceSd: finiteOrNull(v.sd[i]),
    arousal: finiteOrNull(a.mean[i]),
    arousalSd: finiteOrNull(a.sd[i]),
    score: null,
    scoreSd: null,
    rank: null,
  }));
  const annotators = workers.ids.map((userId, j) => ({
    userId,
    answerCount: v.ratingsPerWorker[j],
    params: {
      valenceBias: v.bias[j],
      valenceScale: v.scale[j],
      valenceNoise: v.noise[j],
      arousalBias: a.bias[j],
      arousalScale: a.scale[j],
      arousalNoise: a.noise[j],
    },
  }));
  const priorSpread = Math.SQRT2 * RATING_PRIOR_SD;
  const priorities = scores.map((s) => ({
    clipId: s.clipId,
    priority: s.answerCount === 0 ? priorSpread : Math.hypot(s.valenceSd ?? RATING_PRIOR_SD, s.arousalSd ?? RATING_PRIOR_SD),
  }));
  return { scores, annotators, priorities };
}

/**
 * Fit a pairwise project. `clipIds` are the project's clips; a comparison naming a clip outside
 * them, or a clip against itself, is ignored.
 */
export function aggregateComparisons(clipIds: readonly string[], answers: readonly AnswerInput[]): ProjectFit {
  const clips = indexOf(clipIds);
  const compared = answers.filter(
    (a) => a.clipBId !== null && a.choice !== null && a.clipId !== a.clipBId && clips.has(a.clipId) && clips.has(a.clipBId),
  );
  const workers = workerIndex(compared);
  const winner: number[] = [];
  const loser: number[] = [];
  const weight: number[] = [];
  const worker: number[] = [];
  const perClip = new Int32Array(clipIds.length);
  const perWorker = new Int32Array(workers.ids.length);
  for (const c of compared) {
    const a = clips.get(c.clipId)!;
    const b = clips.get(c.clipBId!)!;
    const k = workers.index.get(c.userId)!;
    perClip[a]++;
    perClip[b]++;
    perWorker[k]++;
    if (c.choice === 'same') {
      winner.push(a, b);
      loser.push(b, a);
      weight.push(0.5, 0.5);
      worker.push(k, k);
    } else {
      winner.push(c.choice === 'a' ? a : b);
      loser.push(c.choice === 'a' ? b : a);
      weight.push(1);
      worker.push(k);
    }
  }
  const fit = fitCrowdBt(clipIds.length, workers.ids.length, { winner, loser, weight, worker });

  // Rank the compared clips only, highest θ first (ties by clip id, so a rerun gives the same order).
  const rankOf = new Map<number, number>();
  clipIds
    .map((_, i) => i)
    .filter((i) => perClip[i] > 0)
    .sort((x, y) => fit.theta[y] - fit.theta[x] || (clipIds[x] < clipIds[y] ? -1 : 1))
    .forEach((i, r) => rankOf.set(i, r + 1));

  const scores: ClipAggregate[] = clipIds.map((clipId, i) => ({
    clipId,
    answerCount: perClip[i],
    valence: null,
    valenceSd: null,
    arousal: null,
    arousalSd: null,
    score: fit.theta[i],
    scoreSd: fit.sd[i],
    rank: rankOf.get(i) ?? null,
  }));
  const annotators = workers.ids.map((userId, k) => ({ userId, answerCount: perWorker[k], params: { eta: fit.eta[k] } }));
  const priorities = scores.map((s) => ({ clipId: s.clipId, priority: s.scoreSd as number }));
  return { scores, annotators, priorities };
}

/** The fit of a non-tags project's answers. */
export function aggregateProject(
  questionType: 'valence_arousal' | 'pairwise',
  clipIds: readonly string[],
  answers: readonly AnswerInput[],
): ProjectFit {
  return questionType === 'pairwise' ? aggregateComparisons(clipIds, answers) : aggregateRatings(clipIds, answers);
}
