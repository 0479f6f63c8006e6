import { majorityTags, scoreAnswers, type CrowdWorker } from '@/lib/crowd/simulate';
import type { ReportClipRow, ReportWorkerRow } from './repo';

/**
 * The `chorus seed --simulate-votes --report` object: the live labels and states against the
 * planted truth, next to per-tag majority vote over the same votes. Pure: rows in, JSON out.
 * O(clips·tags + votes·tags).
 */
export interface SimulationReport {
  clips: number;
  clips_with_answers: number;
  answers: number;
  answers_per_clip: number;
  tag_accuracy: number;
  exact_set_accuracy: number;
  majority_tag_accuracy: number;
  majority_exact_set_accuracy: number;
  /** Accuracy over the clips that reached consensus (or an expert decision) only. */
  settled_tag_accuracy: number | null;
  settled_exact_set_accuracy: number | null;
  disputed_share: number;
  /** Disputes are per tag: the tags in doubt on the disputed clips (what the experts settle), per disputed clip. */
  disputed_tags_per_disputed_clip: number | null;
  consensus_share: number;
  open_share: number;
  /** Positive labels stored without a yes vote, an expert decision or a gold answer behind them (must be 0). */
  unsupported_positive_labels: number;
  expert_queue: { disputed: number; model_uncertain: number; model_active: boolean };
  workers: {
    worker: string;
    kind: string;
    planted_accuracy: number;
    /** Balanced accuracy of the answers actually cast, against the planted truth. */
    observed_accuracy: number | null;
    estimated_accuracy: number | null;
    gold_accuracy: number | null;
    answers: number;
    paused: boolean;
    flags: string[];
  }[];
}

const round = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10_000) / 10_000);

export function simulationReport(input: {
  catalogClips: number;
  tags: readonly string[];
  clips: readonly ReportClipRow[];
  crowd: readonly CrowdWorker[];
  workerIds: readonly string[];
  workerRows: readonly ReportWorkerRow[];
  /** Each simulated answer as cast: worker index, ticked tags, planted truth. */
  cast: readonly { worker: number; tags: readonly string[]; truth: readonly string[] }[];
  expertQueue: { disputed: number; modelUncertain: number; model: boolean };
  /** The consensus threshold: a tag with confidence below it is in doubt. */
  threshold: number;
}): SimulationReport {
  const { tags } = input;
  const withTruth = input.clips.filter((c) => c.truth !== null);
  const live: string[][] = [];
  const majority: string[][] = [];
  const truths: string[][] = [];
  const settledLive: string[][] = [];
  const settledTruth: string[][] = [];
  let unsupported = 0;
  let disputedTags = 0;
  let answers = 0;
  const states = { open: 0, consensus: 0, disputed: 0, expert_resolved: 0 } as Record<string, number>;
  for (const clip of withTruth) {
    const votes = clip.votes ?? [];
    answers += votes.length;
    states[clip.label_state] = (states[clip.label_state] ?? 0) + 1;
    if (clip.label_state === 'disputed') {
      disputedTags += (clip.labels ?? []).filter((l) => Number(l.confidence) < input.threshold || (l.label && Number(l.yes) <= 0)).length;
    }
    const labels = (clip.labels ?? []).filter((l) => l.label);
    if (!clip.gold) for (const l of labels) if (l.method !== 'expert' && Number(l.yes) <= 0) unsupported++;
    const positive = labels.map((l) => l.tag);
    live.push(positive);
    majority.push(majorityTags(votes, tags));
    truths.push(clip.truth!);
    if (clip.label_state === 'consensus' || clip.label_state === 'expert_resolved') {
      settledLive.push(positive);
      settledTruth.push(clip.truth!);
    }
  }
  const liveScore = scoreAnswers(live, truths, tags);
  const majorityScore = scoreAnswers(majority, truths, tags);
  const settledScore = settledLive.length > 0 ? scoreAnswers(settledLive, settledTruth, tags) : null;
  const n = Math.max(1, withTruth.length);
  const rows = new Map(input.workerRows.map((r) => [r.user_id, r]));
  return {
    clips: input.catalogClips,
    clips_with_answers: withTruth.length,
    answers,
    answers_per_clip: round(answers / n)!,
    tag_accuracy: round(liveScore.tagAccuracy)!,
    exact_set_accuracy: round(liveScore.exactSetAccuracy)!,
    majority_tag_accuracy: round(majorityScore.tagAccuracy)!,
    majority_exact_set_accuracy: round(majorityScore.exactSetAccuracy)!,
    settled_tag_accuracy: settledScore ? round(settledScore.tagAccuracy) : null,
    settled_exact_set_accuracy: settledScore ? round(settledScore.exactSetAccuracy) : null,
    disputed_share: round(states.disputed / n)!,
    disputed_tags_per_disputed_clip: states.disputed > 0 ? round(disputedTags / states.disputed) : null,
    consensus_share: round(states.consensus / n)!,
    open_share: round(states.open / n)!,
    unsupported_positive_labels: unsupported,
    expert_queue: {
      disputed: input.expertQueue.disputed,
      model_uncertain: input.expertQueue.modelUncertain,
      model_active: input.expertQueue.model,
    },
    workers: input.crowd.map((worker, w) => {
      const row = rows.get(input.workerIds[w]);
      const mine = input.cast.filter((c) => c.worker === w);
      const observed = mine.length > 0 ? scoreAnswers(mine.map((c) => c.tags), mine.map((c) => c.truth), tags).balancedAccuracy : null;
      const goldTotal = Number(row?.gold_total ?? 0);
      return {
        worker: worker.name,
        kind: worker.kind,
        planted_accuracy: worker.accuracy,
        observed_accuracy: round(observed),
        estimated_accuracy: row?.reliability == null ? null : round(Number(row.reliability)),
        gold_accuracy: goldTotal > 0 ? round(Number(row!.gold_correct) / goldTotal) : null,
        answers: Number(row?.answers ?? mine.length),
        paused: row?.status === 'paused',
        flags: row?.flags ?? [],
      };
    }),
  };
}
