/**
 * The exploration bandit in the live recommender (issue 20, item 3): with the project setting
 * `exploration` on, each new personalised listener session gets one ranking arm of
 * lib/experiments/bandit `EXPLORATION_ARMS` by Thompson sampling (sticky: stored on the session),
 * and the first like, skip or dislike of each track it was served credits that arm
 * (`bandit_arms`). So the recommender keeps learning which diversity setting listeners like
 * without a fixed A/B split.
 *
 * A running A/B experiment or canary comes first: the bandit leaves alone every session in one of
 * their arms (created while it runs), so it neither changes what they hear nor learns from them.
 * A track is an *exploration pick* when the session's arm is not the one with the best posterior
 * mean and the greedy arm's list would not have held it; its "why" begins "exploring: …".
 */
import type { Experiment } from '@/lib/experiments/repo';
import { banditCounts } from '@/lib/experiments/repo';
import { sessionArm } from '@/lib/experiments/ab';
import {
  EXPLORATION_ARMS,
  greedyArm,
  posteriorSummaries,
  thompsonPick,
  type ExplorationArm,
  type PosteriorSummary,
} from '@/lib/experiments/bandit';
import type { DbOrTx } from '@/db/client';
import { getProjectSettings } from '@/lib/settings/repo';
import type { Canary } from './canary';
import type { RankedTrack, RankParams } from './rank';
import { claimSessionBanditArm, type SessionRow } from './repo';
import type { Recommender } from './runtime';

const ARM_BY_KEY = new Map(EXPLORATION_ARMS.map((a) => [a.key, a]));
export const EXPLORATION_ARM_KEYS = EXPLORATION_ARMS.map((a) => a.key);

/**
 * Whether a session belongs to an arm of the running canary (every session created since it
 * started: its control arm too) or of the running A/B experiment.
 */
export function inRolloutArm(
  rollouts: { canary: Canary | null; experiment: Experiment | null },
  session: { id: string; createdAt: Date },
): boolean {
  if (rollouts.canary) return session.createdAt.getTime() >= rollouts.canary.startedAt.getTime();
  return rollouts.experiment !== null && sessionArm(rollouts.experiment, session) !== null;
}

export interface SessionExploration {
  /** The arm this session is served with. */
  arm: ExplorationArm;
  /** The arm with the best posterior mean now: the list a greedy recommender would serve. */
  greedy: ExplorationArm;
}

/**
 * The bandit's arm for a session, choosing (and storing) one on its first personalised request;
 * null when the bandit does not act on it: exploration off, personalization off, a session in a
 * running experiment or canary, or an arm no longer in the list.
 */
export async function explorationFor(rec: Recommender, session: SessionRow, personalization: boolean): Promise<SessionExploration | null> {
  if (!personalization || !(await getProjectSettings(rec.db)).exploration) return null;
  if (inRolloutArm(await rec.rollouts(), session)) return null;
  const counts = await rec.banditCounts();
  // Math.random: the pick only has to be unpredictable enough to explore, never reproducible.
  const key = session.banditArm ?? (await claimSessionBanditArm(rec.db, session.id, EXPLORATION_ARMS[thompsonPick(counts, Math.random).arm].key));
  const arm = key === null ? undefined : ARM_BY_KEY.get(key);
  if (!arm) return null;
  return { arm, greedy: EXPLORATION_ARMS[greedyArm(counts)] };
}

/** The arm's ranking setting as RankParams overrides. */
export const armParams = (arm: ExplorationArm): Partial<RankParams> => ({ lambda: arm.lambda, maxPerArtist: arm.maxPerArtist });

/**
 * Marks the exploration picks: the tracks of `served` (ranked with the session's arm) that the
 * greedy arm's list `greedy` does not hold. Nothing is marked when the session's arm is the
 * greedy one.
 */
export function labelExplorationPicks(served: RankedTrack[], greedy: readonly RankedTrack[], arm: ExplorationArm): RankedTrack[] {
  const usual = new Set(greedy.map((t) => t.clipId));
  return served.map((t) => (usual.has(t.clipId) ? t : { ...t, why: `exploring: ${arm.describes} · ${t.why}` }));
}

export interface ExplorationArmView extends PosteriorSummary {
  key: string;
  lambda: number;
  maxPerArtist: number;
  likes: number;
  /** Skips and dislikes. */
  rejections: number;
}

export interface ExplorationOverview {
  enabled: boolean;
  /** The arm a greedy recommender would serve now (best posterior mean). */
  greedy: string;
  arms: ExplorationArmView[];
}

/** What /models shows: the setting and each arm's posterior (Beta, mean ± sd, P(best)). */
export async function explorationOverview(db: DbOrTx): Promise<ExplorationOverview> {
  const counts = await banditCounts(db, EXPLORATION_ARM_KEYS);
  const summaries = posteriorSummaries(counts);
  return {
    enabled: (await getProjectSettings(db)).exploration,
    greedy: EXPLORATION_ARMS[greedyArm(counts)].key,
    arms: EXPLORATION_ARMS.map((a, i) => ({
      key: a.key,
      lambda: a.lambda,
      maxPerArtist: a.maxPerArtist,
      likes: counts[i].successes,
      rejections: counts[i].failures,
      ...summaries[i],
    })),
  };
}
