import type { Db } from '@/db/client';
import type { LabelState } from '@/db/schema/catalog';
import { recordAudit } from '@/lib/audit/repo';
import { pauseReasonFrom } from '@/lib/pause/reason';
import { recordPause } from '@/lib/pause/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { mapLabels, type TagMapping } from '@/lib/taxonomy/mapping';
import { getActiveTaxonomy, loadMappingsTo } from '@/lib/taxonomy/repo';
import { clipAgreement, tagAgreement, type TagAgreement } from './agreement';
import {
  binaryRelevance,
  binaryRelevanceModel,
  updateClipPosterior,
  type BinaryRelevanceResult,
  type MultiLabelVote,
  type TagGold,
} from './binary-relevance';
import { decideClipState, supportedLabels } from './clip-state';
import { applyTargetedAnswers, goldTagChecks, MultiLabelVoteEncoder, tagGoldFor, type TargetedAnswer } from './live';
import { activeModelEvidence, predictionsFor, withModelOnFewVotes } from './model-evidence';
import { forgetCurrentFit } from './model-store';
import { clipStateSettings, overlapTargetAfter, qualitySettingsFor } from './policy';
import {
  assessContributor,
  goldAccuracyMultiLabel,
  playableMs,
  type ContributorAssessment,
  type Estimate,
  type ListenEvent,
} from './quality';
import {
  acknowledgeReactivations,
  allGoldAnswers,
  clipsWithAnswers,
  countVotesSince,
  databaseNow,
  insertAgreementStats,
  insertFit,
  judgedFromByWorker,
  latestFit,
  pauseAccount,
  streamVotes,
  workerAccounts,
  writeClipResults,
  writeWorkerResults,
  type ClipResult,
  type WorkerResult,
} from './repo';

export interface FullAggregationOptions {
  /** What asked for the run ('schedule', 'votes', 'manual', 'import'); stored with the run. */
  trigger?: string;
  /** Run even when no vote arrived since the last run (scheduled runs skip then). */
  force?: boolean;
  onProgress?: (fraction: number, message: string) => Promise<void> | void;
  pageSize?: number;
}

export interface FullAggregationResult {
  skipped?: string;
  fitId?: number;
  votes: number;
  targeted: number;
  clips: number;
  workers: number;
  iterations: number;
  converged: boolean;
  /** Clips whose posteriors and state were written; the rest got a vote meanwhile or were expert-resolved. */
  clipsWritten: number;
  states: Record<LabelState, number>;
  paused: string[];
  flagged: number;
  durationMs: number;
  timingsMs: { read: number; fit: number; write: number };
}

/** Per-worker tallies gathered while the votes stream past. */
interface WorkerTally {
  events: ListenEvent[];
  /** Answers since an admin's review (only for reactivated contributors). */
  judged: ListenEvent[];
  goldRight: number;
  goldTotal: number;
  goldVotes: { item: string; tags: readonly string[] }[];
  judgedGoldVotes: { item: string; tags: readonly string[] }[];
  targeted: number;
}

const EMPTY_STATES = (): Record<LabelState, number> => ({ open: 0, consensus: 0, disputed: 0, expert_resolved: 0 });

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Full binary-relevance EM over every vote of the active taxonomy version — the scheduled
 * complement of the per-vote update in ./service.ts:
 *
 *  1. stream votes in id pages into typed-array columns, tallying per worker the spam signals
 *     (listened vs clip duration, answer repetition) and gold answers on the way;
 *  2. weights from those signals → EM with gold clamped → weights again with the learned
 *     reliability (EM re-run only if a weight changed);
 *  3. write per clip the posteriors (targeted yes/no answers folded in), the state and the
 *     overlap target; per worker the rates, weight, gold stats and flags; per tag the
 *     agreement; the run itself (crowd_fits, whose prevalence is the incremental prior);
 *  4. pause contributors past the limits, with an audit row each.
 *
 * Safe to run twice and concurrently with voting: clip writes are guarded by the vote count
 * the run started from. Cost: O(V·T·iterations) in memory, O(V / pageSize) queries to read and
 * O((N + W) / 2000) to write.
 */
export async function runFullAggregation(db: Db, options: FullAggregationOptions = {}): Promise<FullAggregationResult> {
  const started = performance.now();
  const report = throttledProgress(options.onProgress);
  const [taxonomy, settings, previous] = await Promise.all([getActiveTaxonomy(db), getProjectSettings(db), latestFit(db)]);
  const votesUntil = await databaseNow(db);
  const empty = (skipped: string): FullAggregationResult => ({
    skipped,
    votes: 0,
    targeted: 0,
    clips: 0,
    workers: 0,
    iterations: 0,
    converged: true,
    clipsWritten: 0,
    states: EMPTY_STATES(),
    paused: [],
    flagged: 0,
    durationMs: Math.round(performance.now() - started),
    timingsMs: { read: 0, fit: 0, write: 0 },
  });
  if (!options.force && previous && (await countVotesSince(db, previous.votesUntil, 1)) === 0) {
    return empty('no new votes since the last run');
  }

  // 1. Read.
  await acknowledgeReactivations(db);
  const tags = taxonomy.tags.map((t) => t.key);
  const T = tags.length;
  const known = new Set(tags);
  const gold = new Map<string, TagGold>();
  for (const g of await allGoldAnswers(db)) {
    const tagGold = tagGoldFor(g, tags);
    if (Object.keys(tagGold).length > 0) gold.set(g.clipId, tagGold);
  }
  const judgedFrom = await judgedFromByWorker(db);
  const snapshot = await clipsWithAnswers(db);
  let expected = 0;
  for (const c of snapshot.values()) expected += c.voteCount;

  const encoder = new MultiLabelVoteEncoder(tags, Math.max(1024, expected));
  const all: MultiLabelVote[] = [];
  const byClip = new Map<string, MultiLabelVote[]>();
  const targetedByClip = new Map<string, TargetedAnswer[]>();
  const tallies = new Map<string, WorkerTally>();
  const touchedSincePrevious = new Set<string>();
  let targetedCount = 0;
  for await (const page of streamVotes(db, taxonomy.version, options.pageSize)) {
    for (const row of page) {
      let tally = tallies.get(row.user_id);
      if (!tally) {
        tally = { events: [], judged: [], goldRight: 0, goldTotal: 0, goldVotes: [], judgedGoldVotes: [], targeted: 0 };
        tallies.set(row.user_id, tally);
      }
      const createdAt = new Date(row.created_at);
      const inWindow = judgedFrom.has(row.user_id) && createdAt >= judgedFrom.get(row.user_id)!;
      if (previous && createdAt > previous.votesUntil) touchedSincePrevious.add(row.clip_id);
      const snap = snapshot.get(row.clip_id);
      const clipGold = gold.get(row.clip_id);
      let answer: string;
      if (row.kind === 'vote') {
        const voteTags = row.tags.filter((t) => known.has(t)).sort();
        encoder.add(row.clip_id, row.user_id, voteTags);
        const vote = { item: row.clip_id, worker: row.user_id, tags: voteTags };
        all.push(vote);
        let list = byClip.get(row.clip_id);
        if (!list) byClip.set(row.clip_id, (list = []));
        list.push(vote);
        answer = voteTags.join('|');
        if (clipGold) {
          // Per tag: each tag the gold fixes is one check; tolerated tags are not scored.
          const checks = goldTagChecks({ tags: voteTags }, clipGold);
          tally.goldTotal += checks.total;
          tally.goldRight += checks.right;
          tally.goldVotes.push(vote);
          if (inWindow) tally.judgedGoldVotes.push(vote);
        }
      } else {
        if (!row.question_tag || !known.has(row.question_tag) || row.answer === null) continue;
        targetedCount++;
        tally.targeted++;
        let list = targetedByClip.get(row.clip_id);
        if (!list) targetedByClip.set(row.clip_id, (list = []));
        list.push({ worker: row.user_id, tag: row.question_tag, answer: row.answer });
        answer = `${row.question_tag}=${row.answer ? 'yes' : 'no'}`;
        if (clipGold) {
          const checks = goldTagChecks({ questionTag: row.question_tag, answer: row.answer }, clipGold);
          tally.goldTotal += checks.total;
          tally.goldRight += checks.right;
        }
      }
      const event: ListenEvent = {
        listenedMs: row.listened_ms ?? Number.POSITIVE_INFINITY,
        clipDurationMs: snap?.durationS ? playableMs(snap.durationS, snap.excerptStartS) : Number.POSITIVE_INFINITY,
        answer,
      };
      tally.events.push(event);
      if (inWindow) tally.judged.push(event);
    }
    await report(
      expected > 0 ? 0.45 * Math.min(1, (all.length + targetedCount) / expected) : 0.45,
      `read ${all.length + targetedCount} votes`,
    );
  }

  // Votes cast under an older taxonomy version, carried through the tag mapping as the drain does
  // (./drain.ts): evidence on the active tags the mapping reaches, counted as votes; a vote the
  // mapping carries nowhere only holds its slot. They do not enter the fit, gold or spam checks.
  const carriedByClip = new Map<string, { answers: TargetedAnswer[]; votes: number; slotsOnly: number }>();
  const mappings = new Map<number, TagMapping>();
  for await (const page of streamVotes(db, taxonomy.version, options.pageSize, 'older')) {
    for (const row of page) {
      if (row.kind !== 'vote') continue;
      if (!mappings.has(row.taxonomy_version)) {
        for (const [v, m] of await loadMappingsTo(db, [row.taxonomy_version], taxonomy.version)) mappings.set(v, m);
      }
      const mapping = mappings.get(row.taxonomy_version)!;
      const yes = mapLabels(row.tags, mapping);
      const covered = mapLabels(Object.keys(mapping), mapping).filter((t) => known.has(t));
      let carried = carriedByClip.get(row.clip_id);
      if (!carried) carriedByClip.set(row.clip_id, (carried = { answers: [], votes: 0, slotsOnly: 0 }));
      for (const tag of covered) carried.answers.push({ worker: row.user_id, tag, answer: yes.includes(tag) });
      if (covered.length > 0) carried.votes++;
      else carried.slotsOnly++;
    }
  }
  const encoded = encoder.finish();
  const readMs = performance.now() - started;
  if (encoded.item.length === 0) return empty('no votes under the active taxonomy');

  // 2. Fit.
  const accounts = await workerAccounts(db, [...tallies.keys()]);
  const goldEstimate = (votes: { item: string; tags: readonly string[] }[]): Estimate | undefined => {
    if (votes.length === 0) return undefined;
    const g = goldAccuracyMultiLabel(votes, gold);
    return g.total > 0 ? g : undefined;
  };
  // The admin's spam limits: the same numbers judge, and explain, a pause.
  const quality = qualitySettingsFor(settings);
  const assess = (worker: string, reliability?: Estimate): ContributorAssessment => {
    const tally = tallies.get(worker)!;
    const reviewed = judgedFrom.has(worker);
    // After an admin's review, only later answers count for another pause, and the all-time
    // reliability (dominated by the reviewed history) no longer lowers the weight.
    return assessContributor(
      {
        votes: reviewed ? tally.judged : tally.events,
        gold: goldEstimate(reviewed ? tally.judgedGoldVotes : tally.goldVotes),
        reliability: reviewed ? undefined : reliability,
      },
      quality,
    );
  };
  const first = new Map(encoded.workers.map((w) => [w, assess(w).weight]));
  const fitStarted = performance.now();
  // EM is synchronous (milliseconds per iteration): progress is reported around it, not inside.
  await report(0.45, `EM over ${encoded.item.length} votes`);
  let fit: BinaryRelevanceResult = binaryRelevance(encoded, {}, { gold, workerWeights: first });
  const assessments = new Map(
    encoded.workers.map((w, i) => [w, assess(w, { mean: fit.reliability[i], std: fit.reliabilityStd[i] })]),
  );
  const weights = new Map([...assessments].map(([w, a]) => [w, a.weight]));
  if ([...weights].some(([w, x]) => Math.abs(x - first.get(w)!) > 1e-9)) {
    await report(0.55, `EM again with ${[...weights.values()].filter((x) => x < 1).length} down-weighted workers`);
    fit = binaryRelevance(encoded, {}, { gold, workerWeights: weights });
  }
  const model = binaryRelevanceModel(fit);
  const fitMs = performance.now() - fitStarted;
  await report(0.7, 'writing posteriors');

  // 3. Write.
  const writeStarted = performance.now();
  const modelEvidence = settings.modelAwareAggregation ? await activeModelEvidence(db, tags, settings.minVotes) : null;
  const modelPredictions = modelEvidence ? await predictionsFor(db, modelEvidence.modelId, tags) : new Map<string, number[]>();
  const itemIndex = new Map(encoded.items.map((id, i) => [id, i]));
  const results: ClipResult[] = [];
  const states = EMPTY_STATES();
  for (const clipId of new Set([...encoded.items, ...targetedByClip.keys(), ...carriedByClip.keys()])) {
    const snap = snapshot.get(clipId);
    if (!snap || snap.labelState === 'expert_resolved') continue;
    const i = itemIndex.get(clipId);
    // A clip settled under an older taxonomy, with no answer since, keeps its state: a tag added
    // since would otherwise reopen (or, at maxVotes, dispute) every settled clip at once.
    if (i === undefined && !targetedByClip.has(clipId) && snap.labelState !== 'open') continue;
    const clipGold = gold.get(clipId);
    const base =
      i !== undefined ? Array.from(fit.posterior.subarray(i * T, (i + 1) * T)) : updateClipPosterior([], model, clipGold);
    const carried = carriedByClip.get(clipId);
    const targeted = [...(targetedByClip.get(clipId) ?? []), ...(carried?.answers ?? [])].map((a) => ({
      ...a,
      weight: weights.get(a.worker) ?? 1,
    }));
    const posteriors = applyTargetedAnswers(base, targeted, model, clipGold);
    const votesOn = byClip.get(clipId) ?? [];
    // State and overlap count full votes only (as the drain does, ./live.ts): a targeted answer is
    // evidence on its tag, not a vote; carried older votes count.
    const count = votesOn.length + (carried?.votes ?? 0);
    const counts = tags.map((tag) => {
      const ticked = votesOn.filter((v) => v.tags.includes(tag)).length;
      const said = targeted.filter((a) => a.tag === tag);
      const saidYes = said.filter((a) => a.answer).length;
      return { yes: ticked + saidYes, no: votesOn.length - ticked + said.length - saidYes };
    });
    const yesVotes = counts.map((c) => c.yes);
    const fixed = tags.map((tag) => Boolean(clipGold && Object.hasOwn(clipGold, tag)));
    const labels = supportedLabels(posteriors, yesVotes, fixed);
    // Model-aware aggregation (setting modelAwareAggregation): the model's evidence on clips below
    // minVotes, in what is stored only; the state below rests on the votes.
    const stored = withModelOnFewVotes(
      tags.map((tag, t) => ({ tag, posterior: posteriors[t], label: labels[t], ...counts[t] })),
      count,
      settings.minVotes,
      modelPredictions.get(clipId),
      modelEvidence,
      clipGold,
    );
    const decision = decideClipState(posteriors, count, clipStateSettings(settings), {
      agreement: clipAgreement(votesOn, tags, model.prevalence),
      yesVotes,
      fixed,
      tags,
    });
    states[decision.state]++;
    results.push({
      clipId,
      seenVotes: snap.voteCount,
      state: decision.state,
      // Slots of votes that count for nothing go on top, as in the drain (never compounding).
      overlapTarget: Math.max(
        snap.overlapTarget,
        overlapTargetAfter(decision, count, 0, settings) + (decision.state === 'open' ? (carried?.slotsOnly ?? 0) : 0),
      ),
      tags: stored,
    });
  }
  const clipsWritten = await writeClipResults(db, results, 'br-em');
  await report(0.85, 'writing worker reliabilities');

  const workerRows: WorkerResult[] = encoded.workers.map((worker, w) => {
    const se = Array.from(fit.sensitivity.subarray(w * T, (w + 1) * T));
    const sp = Array.from(fit.specificity.subarray(w * T, (w + 1) * T));
    const a = assessments.get(worker)!;
    const tally = tallies.get(worker)!;
    return {
      userId: worker,
      sensitivity: se.reduce((x, y) => x + y, 0) / T,
      specificity: sp.reduce((x, y) => x + y, 0) / T,
      reliability: fit.reliability[w],
      uncertainty: fit.reliabilityStd[w],
      weight: a.weight,
      voteCount: fit.workerVotes[w] + tally.targeted,
      goldCorrect: tally.goldRight,
      goldTotal: tally.goldTotal,
      flags: [...a.flags],
      sensitivityByTag: se,
      specificityByTag: sp,
      tooFastShare: a.tooFastShare,
      sameAnswerShare: a.sameAnswerShare,
    };
  });
  await writeWorkerResults(db, workerRows);

  const computedAt = new Date();
  const overall = tagAgreement(all, tags);
  const agreementRows = [
    ...tags.map((tag) => ({
      scope: 'tag' as const,
      tag,
      alpha: finiteOrNull(overall.perTag[tag].alpha),
      kappa: finiteOrNull(overall.perTag[tag].kappa),
      items: overall.perTag[tag].items,
    })),
    {
      scope: 'overall' as const,
      tag: null,
      alpha: finiteOrNull(overall.pooledAlpha),
      kappa: meanKappa(overall, tags),
      items: pairableClips(byClip),
    },
  ];
  if (previous && touchedSincePrevious.size > 0) {
    const batchVotes = all.filter((v) => touchedSincePrevious.has(v.item));
    const batch = tagAgreement(batchVotes, tags);
    agreementRows.push({
      scope: 'batch' as never,
      tag: null,
      alpha: finiteOrNull(batch.pooledAlpha),
      kappa: meanKappa(batch, tags),
      items: [...touchedSincePrevious].filter((c) => (byClip.get(c)?.length ?? 0) >= 2).length,
    });
  }
  await insertAgreementStats(db, computedAt, agreementRows);

  // 4. Pause contributors past the limits (people only: not staff, not imported placeholders).
  const paused: string[] = [];
  for (const row of workerRows) {
    const a = assessments.get(row.userId)!;
    const account = accounts.get(row.userId);
    if (!a.pause || !account || account.role !== 'contributor' || account.status !== 'active' || account.external) continue;
    const did = await db.transaction(async (tx) => {
      if (!(await pauseAccount(tx, row.userId))) return false;
      // Why, with the numbers, for the paused page and the admin's users list (lib/pause).
      const tally = tallies.get(row.userId)!;
      const reviewed = judgedFrom.has(row.userId);
      const goldVotes = reviewed ? tally.judgedGoldVotes : tally.goldVotes;
      await recordPause(tx, {
        userId: row.userId,
        reason: pauseReasonFrom(
          {
            flags: a.flags,
            votes: reviewed ? tally.judged : tally.events,
            reliability: reviewed ? undefined : { mean: row.reliability, std: row.uncertainty },
            gold: goldVotes.length > 0 ? goldAccuracyMultiLabel(goldVotes, gold) : undefined,
          },
          quality,
        ),
      });
      await recordAudit(tx, {
        actorId: null,
        action: 'crowd.pause',
        entity: 'user',
        entityId: row.userId,
        before: { status: 'active' },
        after: {
          status: 'paused',
          reason: 'spam signals from the crowd aggregator; an admin can set the account active again',
          flags: row.flags,
          weight: round(row.weight),
          reliability: round(row.reliability),
          uncertainty: round(row.uncertainty),
          tooFastShare: round(row.tooFastShare),
          sameAnswerShare: round(row.sameAnswerShare),
          goldCorrect: row.goldCorrect,
          goldTotal: row.goldTotal,
          votes: row.voteCount,
        },
      });
      return true;
    });
    if (did) paused.push(row.userId);
  }
  const writeMs = performance.now() - writeStarted;
  const durationMs = Math.round(performance.now() - started);
  const stored = await insertFit(db, {
    computedAt,
    votesUntil,
    taxonomyVersion: taxonomy.version,
    tags,
    prevalence: Array.from(fit.prevalence),
    votes: encoded.item.length + targetedCount,
    clips: results.length,
    workers: encoded.workers.length,
    iterations: fit.iterations,
    converged: fit.converged,
    durationMs,
    paused: paused.length,
    trigger: options.trigger ?? 'manual',
  });
  forgetCurrentFit();
  await report(1, `${results.length} clips, ${encoded.workers.length} workers, ${paused.length} paused`);
  return {
    fitId: stored.id,
    votes: encoded.item.length,
    targeted: targetedCount,
    clips: results.length,
    workers: encoded.workers.length,
    iterations: fit.iterations,
    converged: fit.converged,
    clipsWritten,
    states,
    paused,
    flagged: workerRows.filter((r) => r.flags.length > 0).length,
    durationMs,
    timingsMs: { read: Math.round(readMs), fit: Math.round(fitMs), write: Math.round(writeMs) },
  };
}

function meanKappa(agreement: TagAgreement, tags: readonly string[]): number | null {
  const finite = tags.map((t) => agreement.perTag[t].kappa).filter(Number.isFinite);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

function pairableClips(byClip: Map<string, MultiLabelVote[]>): number {
  let n = 0;
  for (const list of byClip.values()) if (list.length >= 2) n++;
  return n;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Progress reports at most every 250 ms (each one is a database write), plus the last one. */
function throttledProgress(onProgress: FullAggregationOptions['onProgress']) {
  let last = 0;
  return async (fraction: number, message: string) => {
    if (!onProgress) return;
    const now = Date.now();
    if (fraction < 1 && now - last < 250) return;
    last = now;
    await onProgress(fraction, message);
  };
}
