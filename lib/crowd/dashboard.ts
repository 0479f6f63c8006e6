import type { Db, DbOrTx } from '@/db/client';
import type { Role } from '@/db/schema';
import { jobEngine } from '@/lib/jobs/runtime';
import { getProjectSettings } from '@/lib/settings/repo';
import { runFullAggregation } from './full-aggregation';
import { aggregateVotesSpec } from './jobs';
import {
  agreementSeries,
  clipStateCounts,
  countVotesSince,
  EXTERNAL_EMAIL_DOMAIN,
  latestFit,
  listWorkerReliability,
  medianAnswerMs,
  recentSharedVotes,
  type CrowdFitRow,
} from './repo';
import { annotatorTagCrowdAgreement } from './agreement';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import type { AgreementPoint, ClipStatesResponse, CrowdFit, ReliabilityRow } from './schemas';

/** Who may see annotators' names next to their reliability (the rest see an opaque id only). */
export const canSeeAnnotatorNames = (role: Role) => role === 'engineer' || role === 'admin';

const iso = (d: string | Date) => new Date(d).toISOString();

export async function reliabilityView(
  db: DbOrTx,
  query: { limit: number; offset: number; sort: 'reliability' | 'votes' | 'weight'; flagged: boolean },
  viewer: Role,
): Promise<{ total: number; workers: ReliabilityRow[] }> {
  const { total, rows } = await listWorkerReliability(db, query);
  const names = canSeeAnnotatorNames(viewer);
  return {
    total,
    workers: rows.map((r) => ({
      userId: r.user_id,
      name: names ? r.name : null,
      email: names ? r.email : null,
      role: r.role,
      status: r.status,
      external: r.email.toLowerCase().endsWith(`@${EXTERNAL_EMAIL_DOMAIN}`),
      reliability: Number(r.reliability),
      uncertainty: Number(r.uncertainty),
      sensitivity: Number(r.sensitivity),
      specificity: Number(r.specificity),
      votes: Number(r.vote_count),
      goldCorrect: Number(r.gold_correct),
      goldTotal: Number(r.gold_total),
      goldAccuracy: Number(r.gold_total) > 0 ? Number(r.gold_correct) / Number(r.gold_total) : null,
      weight: Number(r.weight),
      tooFastShare: Number(r.too_fast_share),
      sameAnswerShare: Number(r.same_answer_share),
      flags: r.flags,
      updatedAt: iso(r.updated_at),
    })),
  };
}

export async function agreementView(
  db: DbOrTx,
  runs: number,
  scope?: 'tag' | 'batch' | 'overall',
): Promise<{ points: AgreementPoint[] }> {
  const rows = await agreementSeries(db, runs, scope);
  return {
    points: rows.map((r) => ({
      computedAt: iso(r.computed_at),
      scope: r.scope,
      tag: r.tag,
      alpha: r.alpha === null ? null : Number(r.alpha),
      kappa: r.kappa === null ? null : Number(r.kappa),
      items: Number(r.items),
    })),
  };
}

export function fitView(fit: CrowdFitRow): CrowdFit {
  return {
    id: fit.id,
    computedAt: iso(fit.computedAt),
    trigger: fit.trigger,
    votes: fit.votes,
    clips: fit.clips,
    workers: fit.workers,
    iterations: fit.iterations,
    converged: fit.converged,
    durationMs: fit.durationMs,
    paused: fit.paused,
  };
}

export async function statesView(db: DbOrTx): Promise<ClipStatesResponse> {
  const [states, fit, settings] = await Promise.all([clipStateCounts(db), latestFit(db), getProjectSettings(db)]);
  return {
    states,
    total: Object.values(states).reduce((a, b) => a + b, 0),
    votesSinceFit: await countVotesSince(db, fit?.votesUntil ?? new Date(0), 100_000),
    emEveryVotes: settings.emEveryVotes,
    lastFit: fit ? fitView(fit) : null,
  };
}

/** Clips (with two or more votes, most recently answered first) the per-annotator agreement reads. */
export const AGREEMENT_WINDOW_CLIPS = 2000;

/** One annotator on /loop beside their reliability: agreement with the rest of the crowd and answer time. */
export interface AnnotatorSummary {
  /** Fleiss' kappa taken apart by rater (lib/crowd/agreement.ts `annotatorTagCrowdAgreement`); null without a shared clip. */
  kappa: number | null;
  /** Share of the other raters' yes/no answers per tag this annotator agreed with. */
  observedAgreement: number | null;
  /** Clips shared with at least one other rater in the window. */
  sharedClips: number;
  /** Median seconds from a clip on screen to the answer (votes and yes/no answers); null without a timed answer. */
  medianAnswerS: number | null;
}

/**
 * Per annotator: agreement with the rest of the crowd over the latest {@link AGREEMENT_WINDOW_CLIPS}
 * clips that two or more answered (active taxonomy), and median answer time. Engineers and admins
 * only (the page and its layout check the role); contributors never see others' figures.
 */
export async function annotatorSummaries(
  db: DbOrTx,
  userIds: string[],
): Promise<{ window: { clips: number; votes: number }; annotators: Map<string, AnnotatorSummary> }> {
  const taxonomy = await getActiveTaxonomy(db);
  const [votes, times] = await Promise.all([
    recentSharedVotes(db, taxonomy.version, AGREEMENT_WINDOW_CLIPS),
    medianAnswerMs(db, userIds),
  ]);
  const agreement = annotatorTagCrowdAgreement(
    votes,
    taxonomy.tags.map((t) => t.key),
  );
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  const annotators = new Map<string, AnnotatorSummary>();
  for (const id of new Set([...userIds, ...agreement.keys()])) {
    const a = agreement.get(id);
    const t = times.get(id);
    annotators.set(id, {
      kappa: finite(a?.kappa),
      observedAgreement: finite(a?.observedAgreement),
      sharedClips: a?.items ?? 0,
      medianAnswerS: t ? t.medianMs / 1000 : null,
    });
  }
  return { window: { clips: new Set(votes.map((v) => v.item)).size, votes: votes.length }, annotators };
}

/**
 * Queues a full EM run and returns its job id. Without a job engine in this process (tests,
 * a CLI) the run happens inline and its result comes back instead.
 */
export async function requestAggregation(db: Db): Promise<{ jobId: string | null; result?: unknown }> {
  const engine = await jobEngine()?.catch(() => undefined);
  if (engine) return { jobId: await engine.enqueue(aggregateVotesSpec, { trigger: 'manual' }) };
  return { jobId: null, result: await runFullAggregation(db, { trigger: 'manual', force: true }) };
}
