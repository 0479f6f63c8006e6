/**
 * The pure parts of an A/B test of the recommender (issue 20, item 2): the plan shown before it
 * starts, the sticky arm of a listener session, and what the sequential result says.
 */
import { inCanary, sampleSizePerArm, type SequentialResult } from './stats';

export interface ExperimentPlan {
  /** Sessions each arm needs (the smaller arm, when the split is not 50/50). */
  sessionsPerArm: number;
  /** New sessions in all to reach it with this split. */
  totalSessions: number;
}

/**
 * Sessions for a like-rate difference of `minDetectable` over `baseline` at α 0.05 (two-sided),
 * power 0.8, by the two-proportion formula. Each session counts as one observation of its like
 * rate; a session's rate over several tracks varies less than one Bernoulli draw, so the
 * estimate errs on the side of more sessions.
 */
export function planExperiment(baseline: number, minDetectable: number, share = 0.5): ExperimentPlan {
  if (!(share > 0 && share < 1)) throw new RangeError('planExperiment: share must be in (0, 1)');
  const sessionsPerArm = sampleSizePerArm(baseline, baseline + minDetectable);
  return { sessionsPerArm, totalSessions: Math.ceil(sessionsPerArm / Math.min(share, 1 - share)) };
}

export type Arm = 'control' | 'treatment';

/**
 * A session's arm: none for a session that began before the test (it keeps what it had) or after
 * it stopped; otherwise sticky by hashing (test, session), `share` to the treatment. The key is
 * prefixed so a test and a canary with the same id do not split sessions alike.
 */
export function sessionArm(
  experiment: { id: number; share: number; startedAt: Date; stoppedAt: Date | null },
  session: { id: string; createdAt: Date },
): Arm | null {
  const t = session.createdAt.getTime();
  if (t < experiment.startedAt.getTime() || (experiment.stoppedAt && t >= experiment.stoppedAt.getTime())) return null;
  return inCanary(`ab:${experiment.id}`, session.id, experiment.share) ? 'treatment' : 'control';
}

export type Verdict = 'treatment better' | 'control better' | 'inconclusive';

/** The always-valid interval of treatment − control decides; it may be read at any look. */
export function verdictOf(result: SequentialResult): Verdict {
  if (result.n > 0 && result.lower > 0) return 'treatment better';
  if (result.n > 0 && result.upper < 0) return 'control better';
  return 'inconclusive';
}
