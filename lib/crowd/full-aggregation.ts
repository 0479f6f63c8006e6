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
  /** Clips per write statement (default CLIP_WRITE_BATCH in ./repo.ts). */
  writeBatch?: number;
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
  /**
   * Clips with a posterior, label, count or state that changed and was written; the rest were
   * unchanged, got a vote meanwhile or were expert-resolved.
   */
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
 *  1. stream votes (one cursor on PostgreSQL, id pages on PGlite) into typed-array columns,
 *     tallying per worker the spam signals (listened vs clip duration, answer repetition) and
 *     gold answers on the way;
 *  2. weights from those signals → EM with gold clamped → weights again with the learned
 *     reliability (EM re-run only if a weight changed);
 *  3. write per clip the posteriors (targeted yes/no answers folded in), the state and the
 *     overlap target; per worker the rates, weight, gold stats and flags; per tag the
 *     agreement; the run itself (crowd_fits, whose prevalence is the incremental prior);
 *  4. pause contributors past the limits, with an audit row each.
 *
 * Safe to run twice and concurrently with voting: clip writes are guarded by the vote count
 * the run started from, and a clip's aggregates and state are written in one statement, so a run
 * that dies part-way leaves each clip wholly old or wholly new. Cost: O(V·T·iterations) in memory,
 * one cursor (or O(V / pageSize) pages) to read, O(N / 10,000) statements to write, of which only
 * the rows that changed are rewritten.
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
  const gold = await goldByClip(db, tags);
  const judgedFrom = await judgedFromByWorker(db);
  const snapshot = await clipsWithAnswers(db);
  const read = await readVotes(db, {
    taxonomyVersion: taxonomy.version,
    tags,
    gold,
    judgedFrom,
    snapshot,
    previous,
    report,
    pageSize: options.pageSize,
  });
  const carriedByClip = await readCarriedVotes(db, taxonomy.version, tags, options.pageSize);
  const encoded = read.encoder.finish();
  const readMs = performance.now() - started;
  if (encoded.item.length === 0) return empty('no votes under the active taxonomy');

  // 2. Fit.
  const accounts = await workerAccounts(db, [...read.tallies.keys()]);
  // The admin's spam limits: the same numbers judge, and explain, a pause.
  const quality = qualitySettingsFor(settings);
  const fitStarted = performance.now();
  const { fit, model, assessments, weights } = await fitWithSpamWeights(encoded, {
    gold,
    tallies: read.tallies,
    judgedFrom,
    quality,
    report,
  });
  const fitMs = performance.now() - fitStarted;
  await report(0.7, 'writing posteriors');

  // 3. Write.
  const writeStarted = performance.now();
  const modelEvidence = settings.modelAwareAggregation ? await activeModelEvidence(db, tags, settings.minVotes) : null;
  const modelPredictions = modelEvidence ? await predictionsFor(db, modelEvidence.modelId, tags) : new Map<string, number[]>();
  const { results, states } = clipResultsOf({
    encoded,
    fit,
    model,
    weights,
    read,
    carriedByClip,
    snapshot,
    gold,
    tags,
    settings,
    modelEvidence,
    modelPredictions,
  });
  // Progress after every committed batch, unthrottled: a batch takes long enough that each
  // report is news, and a job that dies mid-write says how far it got.
  const clipsWritten = await writeClipResults(db, results, 'br-em', {
    batch: options.writeBatch,
    onBatch: (done) => options.onProgress?.(0.7 + (0.15 * done) / results.length, `wrote ${done} of ${results.length} clips`),
  });
  await report(0.85, 'writing worker reliabilities');

  const workerRows = workerResultsOf(encoded.workers, fit, assessments, read.tallies, tags.length);
  await writeWorkerResults(db, workerRows);

  const computedAt = new Date();
  await insertAgreementStats(db, computedAt, agreementRowsOf(read, tags, Boolean(previous)));

  // 4. Pause contributors past the limits (people only: not staff, not imported placeholders).
  const paused = await pauseFlaggedContributors(db, workerRows, {
    assessments,
    accounts,
    tallies: read.tallies,
    judgedFrom,
    gold,
    quality,
  });
  const writeMs = performance.now() - writeStarted;
  const durationMs = Math.round(performance.now() - started);
  const stored = await insertFit(db, {
    computedAt,
    votesUntil,
    taxonomyVersion: taxonomy.version,
    tags,
    prevalence: Array.from(fit.prevalence),
    votes: encoded.item.length + read.targetedCount,
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
    targeted: read.targetedCount,
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

type Report = ReturnType<typeof throttledProgress>;
type Snapshot = Awaited<ReturnType<typeof clipsWithAnswers>>;
type Encoded = ReturnType<MultiLabelVoteEncoder['finish']>;
type Settings = Awaited<ReturnType<typeof getProjectSettings>>;
type GoldVote = { item: string; tags: readonly string[] };

/** Each gold clip's answer, per tag of the active taxonomy (clips whose gold fixes none of them left out). */
async function goldByClip(db: Db, tags: readonly string[]): Promise<Map<string, TagGold>> {
  const gold = new Map<string, TagGold>();
  for (const g of await allGoldAnswers(db)) {
    const tagGold = tagGoldFor(g, tags);
    if (Object.keys(tagGold).length > 0) gold.set(g.clipId, tagGold);
  }
  return gold;
}

/** What step 1 gathers from the votes of the active taxonomy version. */
interface VotesRead {
  encoder: MultiLabelVoteEncoder;
  all: MultiLabelVote[];
  byClip: Map<string, MultiLabelVote[]>;
  targetedByClip: Map<string, TargetedAnswer[]>;
  tallies: Map<string, WorkerTally>;
  /** Clips with a vote cast after the previous run's votesUntil (the batch agreement's clips). */
  touchedSincePrevious: Set<string>;
  targetedCount: number;
}

/**
 * Streams the votes of the active taxonomy version in id pages into the encoder's typed-array
 * columns, keeping full votes by clip, targeted yes/no answers by clip, and per worker the spam
 * signals (listened vs clip duration, answer repetition) and gold checks.
 */
async function readVotes(
  db: Db,
  c: {
    taxonomyVersion: number;
    tags: readonly string[];
    gold: Map<string, TagGold>;
    judgedFrom: Map<string, Date>;
    snapshot: Snapshot;
    previous: { votesUntil: Date } | null | undefined;
    report: Report;
    pageSize?: number;
  },
): Promise<VotesRead> {
  const known = new Set(c.tags);
  let expected = 0;
  for (const s of c.snapshot.values()) expected += s.voteCount;
  const read: VotesRead = {
    encoder: new MultiLabelVoteEncoder(c.tags, Math.max(1024, expected)),
    all: [],
    byClip: new Map(),
    targetedByClip: new Map(),
    tallies: new Map(),
    touchedSincePrevious: new Set(),
    targetedCount: 0,
  };
  const { all, byClip, targetedByClip, tallies } = read;
  const since = c.previous?.votesUntil.getTime();
  // A few hundred distinct answers among a million votes: each event keeps a shared string.
  const answers = new Map<string, string>();
  const intern = (answer: string) => answers.get(answer) ?? (answers.set(answer, answer), answer);
  for await (const page of streamVotes(db, c.taxonomyVersion, c.pageSize)) {
    for (const row of page) {
      let tally = tallies.get(row.user_id);
      if (!tally) {
        tally = { events: [], judged: [], goldRight: 0, goldTotal: 0, goldVotes: [], judgedGoldVotes: [], targeted: 0 };
        tallies.set(row.user_id, tally);
      }
      // Times as numbers, and only when asked: no Date per vote.
      const judgedFrom = c.judgedFrom.get(row.user_id);
      const at = judgedFrom || since !== undefined ? timeOf(row.created_at) : 0;
      const inWindow = judgedFrom !== undefined && at >= judgedFrom.getTime();
      if (since !== undefined && at > since) read.touchedSincePrevious.add(row.clip_id);
      const snap = c.snapshot.get(row.clip_id);
      const clipGold = c.gold.get(row.clip_id);
      let answer: string;
      if (row.kind === 'vote') {
        const voteTags = row.tags.filter((t) => known.has(t)).sort();
        read.encoder.add(row.clip_id, row.user_id, voteTags);
        const vote = { item: row.clip_id, worker: row.user_id, tags: voteTags };
        all.push(vote);
        let list = byClip.get(row.clip_id);
        if (!list) byClip.set(row.clip_id, (list = []));
        list.push(vote);
        answer = intern(voteTags.join('|'));
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
        read.targetedCount++;
        tally.targeted++;
        let list = targetedByClip.get(row.clip_id);
        if (!list) targetedByClip.set(row.clip_id, (list = []));
        list.push({ worker: row.user_id, tag: row.question_tag, answer: row.answer });
        answer = intern(`${row.question_tag}=${row.answer ? 'yes' : 'no'}`);
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
    await c.report(
      expected > 0 ? 0.45 * Math.min(1, (all.length + read.targetedCount) / expected) : 0.45,
      `read ${all.length + read.targetedCount} votes`,
    );
  }
  return read;
}

const timeOf = (t: string | Date): number => (typeof t === 'string' ? Date.parse(t) : t.getTime());

type CarriedVotes = Map<string, { answers: TargetedAnswer[]; votes: number; slotsOnly: number }>;

/**
 * Votes cast under an older taxonomy version, carried through the tag mapping as the drain does
 * (./drain.ts): evidence on the active tags the mapping reaches, counted as votes; a vote the
 * mapping carries nowhere only holds its slot. They do not enter the fit, gold or spam checks.
 */
async function readCarriedVotes(
  db: Db,
  taxonomyVersion: number,
  tags: readonly string[],
  pageSize?: number,
): Promise<CarriedVotes> {
  const known = new Set(tags);
  const carriedByClip: CarriedVotes = new Map();
  const mappings = new Map<number, TagMapping>();
  for await (const page of streamVotes(db, taxonomyVersion, pageSize, 'older')) {
    for (const row of page) {
      if (row.kind !== 'vote') continue;
      if (!mappings.has(row.taxonomy_version)) {
        for (const [v, m] of await loadMappingsTo(db, [row.taxonomy_version], taxonomyVersion)) mappings.set(v, m);
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
  return carriedByClip;
}

/** A contributor's assessment; after an admin's review only the answers since count. */
function assessWorker(
  tally: WorkerTally,
  reviewed: boolean,
  gold: Map<string, TagGold>,
  quality: ReturnType<typeof qualitySettingsFor>,
  reliability?: Estimate,
): ContributorAssessment {
  const goldEstimate = (votes: GoldVote[]): Estimate | undefined => {
    if (votes.length === 0) return undefined;
    const g = goldAccuracyMultiLabel(votes, gold);
    return g.total > 0 ? g : undefined;
  };
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
}

/**
 * Step 2: weights from the spam signals → EM with gold clamped → weights again with the learned
 * reliability, and EM once more only if a weight changed.
 */
async function fitWithSpamWeights(
  encoded: Encoded,
  c: {
    gold: Map<string, TagGold>;
    tallies: Map<string, WorkerTally>;
    judgedFrom: Map<string, Date>;
    quality: ReturnType<typeof qualitySettingsFor>;
    report: Report;
  },
) {
  const assess = (worker: string, reliability?: Estimate) =>
    assessWorker(c.tallies.get(worker)!, c.judgedFrom.has(worker), c.gold, c.quality, reliability);
  const first = new Map(encoded.workers.map((w) => [w, assess(w).weight]));
  // EM is synchronous (milliseconds per iteration): progress is reported around it, not inside.
  await c.report(0.45, `EM over ${encoded.item.length} votes`);
  let fit: BinaryRelevanceResult = binaryRelevance(encoded, {}, { gold: c.gold, workerWeights: first });
  const assessments = new Map(
    encoded.workers.map((w, i) => [w, assess(w, { mean: fit.reliability[i], std: fit.reliabilityStd[i] })]),
  );
  const weights = new Map([...assessments].map(([w, a]) => [w, a.weight]));
  if ([...weights].some(([w, x]) => Math.abs(x - first.get(w)!) > 1e-9)) {
    await c.report(0.55, `EM again with ${[...weights.values()].filter((x) => x < 1).length} down-weighted workers`);
    fit = binaryRelevance(encoded, {}, { gold: c.gold, workerWeights: weights });
  }
  return { fit, model: binaryRelevanceModel(fit), assessments, weights };
}

/**
 * Step 3, per clip: the posteriors (targeted and carried answers folded in), the stored tags
 * (with the model's evidence on clips below minVotes when model-aware aggregation is on), the
 * state and the overlap target. Expert-resolved clips are left alone.
 */
function clipResultsOf(c: {
  encoded: Encoded;
  fit: BinaryRelevanceResult;
  model: ReturnType<typeof binaryRelevanceModel>;
  weights: Map<string, number>;
  read: VotesRead;
  carriedByClip: CarriedVotes;
  snapshot: Snapshot;
  gold: Map<string, TagGold>;
  tags: string[];
  settings: Settings;
  modelEvidence: Awaited<ReturnType<typeof activeModelEvidence>>;
  modelPredictions: Map<string, number[]>;
}): { results: ClipResult[]; states: Record<LabelState, number> } {
  const { encoded, fit, model, weights, snapshot, gold, tags, settings } = c;
  const { byClip, targetedByClip } = c.read;
  const T = tags.length;
  const itemIndex = new Map(encoded.items.map((id, i) => [id, i]));
  const results: ClipResult[] = [];
  const states = EMPTY_STATES();
  for (const clipId of new Set([...encoded.items, ...targetedByClip.keys(), ...c.carriedByClip.keys()])) {
    const snap = snapshot.get(clipId);
    if (!snap || snap.labelState === 'expert_resolved') continue;
    const i = itemIndex.get(clipId);
    // A clip settled under an older taxonomy, with no answer since, keeps its state: a tag added
    // since would otherwise reopen (or, at maxVotes, dispute) every settled clip at once.
    if (i === undefined && !targetedByClip.has(clipId) && snap.labelState !== 'open') continue;
    const clipGold = gold.get(clipId);
    const base =
      i !== undefined ? Array.from(fit.posterior.subarray(i * T, (i + 1) * T)) : updateClipPosterior([], model, clipGold);
    const carried = c.carriedByClip.get(clipId);
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
    const yesVotes = counts.map((x) => x.yes);
    const fixed = tags.map((tag) => Boolean(clipGold && Object.hasOwn(clipGold, tag)));
    const labels = supportedLabels(posteriors, yesVotes, fixed);
    // Model-aware aggregation (setting modelAwareAggregation): the model's evidence on clips below
    // minVotes, in what is stored only; the state below rests on the votes.
    const stored = withModelOnFewVotes(
      tags.map((tag, t) => ({ tag, posterior: posteriors[t], label: labels[t], ...counts[t] })),
      count,
      settings.minVotes,
      c.modelPredictions.get(clipId),
      c.modelEvidence,
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
  return { results, states };
}

/** Step 3, per worker: the learned rates (mean and per tag), reliability, weight, gold stats and flags. */
function workerResultsOf(
  workers: readonly string[],
  fit: BinaryRelevanceResult,
  assessments: Map<string, ContributorAssessment>,
  tallies: Map<string, WorkerTally>,
  T: number,
): WorkerResult[] {
  return workers.map((worker, w) => {
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
}

/** Step 3, agreement: per tag, overall, and over the clips voted on since the previous run. */
function agreementRowsOf(read: VotesRead, tags: readonly string[], hadPrevious: boolean) {
  const { all, byClip, touchedSincePrevious } = read;
  const overall = tagAgreement(all, tags);
  const rows = [
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
  if (hadPrevious && touchedSincePrevious.size > 0) {
    const batchVotes = all.filter((v) => touchedSincePrevious.has(v.item));
    const batch = tagAgreement(batchVotes, tags);
    rows.push({
      scope: 'batch' as never,
      tag: null,
      alpha: finiteOrNull(batch.pooledAlpha),
      kappa: meanKappa(batch, tags),
      items: [...touchedSincePrevious].filter((c) => (byClip.get(c)?.length ?? 0) >= 2).length,
    });
  }
  return rows;
}

/**
 * Step 4: pauses each active contributor (people only: not staff, not imported placeholders)
 * whose assessment says so, with the reason and an audit row in the same transaction. Returns
 * the ids paused by this run.
 */
async function pauseFlaggedContributors(
  db: Db,
  workerRows: WorkerResult[],
  c: {
    assessments: Map<string, ContributorAssessment>;
    accounts: Awaited<ReturnType<typeof workerAccounts>>;
    tallies: Map<string, WorkerTally>;
    judgedFrom: Map<string, Date>;
    gold: Map<string, TagGold>;
    quality: ReturnType<typeof qualitySettingsFor>;
  },
): Promise<string[]> {
  const due = workerRows.filter((row) => {
    const account = c.accounts.get(row.userId);
    return (
      c.assessments.get(row.userId)!.pause && account?.role === 'contributor' && account.status === 'active' && !account.external
    );
  });
  if (due.length === 0) return [];
  // One transaction for all of them, one commit rather than one per contributor (bench/em-db.ts,
  // whose 500 random voters are all paused: 2.7 s with a commit each, 1.8 s in one, idle machine).
  return db.transaction(async (tx) => {
    const paused: string[] = [];
    for (const row of due) {
      const a = c.assessments.get(row.userId)!;
      if (!(await pauseAccount(tx, row.userId))) continue;
      // Why, with the numbers, for the paused page and the admin's users list (lib/pause).
      const tally = c.tallies.get(row.userId)!;
      const reviewed = c.judgedFrom.has(row.userId);
      const goldVotes = reviewed ? tally.judgedGoldVotes : tally.goldVotes;
      await recordPause(tx, {
        userId: row.userId,
        reason: pauseReasonFrom(
          {
            flags: a.flags,
            votes: reviewed ? tally.judged : tally.events,
            reliability: reviewed ? undefined : { mean: row.reliability, std: row.uncertainty },
            gold: goldVotes.length > 0 ? goldAccuracyMultiLabel(goldVotes, c.gold) : undefined,
          },
          c.quality,
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
      paused.push(row.userId);
    }
    return paused;
  });
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
