import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { goldAnswers, users, type Role } from '@/db/schema';
import { DEMO_TAGS, demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';
import { createUser, findUserByEmail } from '@/lib/auth/repo';
import { countClips, findClipBySha, insertClip } from '@/lib/catalog/repo';
import { releaseLease } from '@/lib/queue/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { drainVotes } from '@/lib/crowd/drain';
import { DEFAULT_CROWD, neighboursOf, plantCrowd, simulateAnswer, type CrowdWorker, type CrowdWorkerSpec } from '@/lib/crowd/simulate';
import { getProjectSettings } from '@/lib/settings/repo';
import { audioKey, type AudioStore } from '@/lib/storage';
import { createTaxonomyVersion, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng } from '@/lib/util/random';
import { simulationReport, type SimulationReport } from './report';
import { expertQueueComposition, plantedTags, reportClipRows, reportWorkerRows, userStatus } from './repo';
import { expertUncertaintyCut } from '@/lib/review/repo';
import { grantQualification } from '@/lib/qualification/service';

export const DEMO_SAMPLE_RATE = 22_050;
export const DEMO_ROLES: Role[] = ['contributor', 'expert', 'engineer', 'admin'];

export interface DemoAccount {
  role: Role;
  email: string;
  password: string;
}

export function demoEmail(role: Role): string {
  return `${role}@demo.chorus.local`;
}

/** The default mood taxonomy, created once. */
export async function ensureTaxonomy(db: Db): Promise<void> {
  try {
    await getActiveTaxonomy(db);
  } catch {
    await createTaxonomyVersion(db, DEMO_TAGS.map((t) => ({ ...t })), 'Default mood taxonomy');
  }
}

/** One account per role; the password is the given one (printed at start) or a random one. */
export async function ensureDemoAccounts(db: Db, password?: string): Promise<DemoAccount[]> {
  const accounts: DemoAccount[] = [];
  for (const role of DEMO_ROLES) {
    const email = demoEmail(role);
    const pw = password ?? randomBytes(9).toString('base64url');
    const existing = await findUserByEmail(db, email);
    const user = existing ?? (await createUser(db, { email, name: `Demo ${role}`, role, password: pw }));
    // The demo contributor labels from the first click (the qualification round is for new accounts).
    if (role === 'contributor') await grantQualification(db, null, user.id, 'demo account');
    if (existing) continue;
    accounts.push({ role, email, password: pw });
  }
  return accounts;
}

export interface SeedOptions {
  clips: number;
  seed?: number;
  simulateVotes?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Synthesizes the demo catalog: audio files in the store, clip rows recording the recipe
 * (ground truth), a few gold clips, and optionally votes from simulated contributors of
 * mixed reliability. Idempotent: clips are content-addressed, so a re-run adds nothing twice.
 */
export interface SeedResult {
  clips: number;
  votes: number;
  /** Clips without planted truth the simulated crowd was handed and gave back. */
  skipped: number;
  simulation?: SimulationResult;
}

export async function seedDemo(db: Db, store: AudioStore, options: SeedOptions): Promise<SeedResult> {
  await ensureTaxonomy(db);
  const specs = demoCatalog(options.clips, options.seed ?? 1);
  let created = 0;
  for (const spec of specs) {
    const samples = renderClip(spec, DEMO_SAMPLE_RATE);
    const wav = encodeWav([samples], DEMO_SAMPLE_RATE);
    const sha256 = createHash('sha256').update(wav).digest('hex');
    options.onProgress?.(spec.index + 1, specs.length);
    if (await findClipBySha(db, sha256)) continue;
    const key = audioKey(sha256, 'wav');
    await store.put(key, wav);
    await insertClip(db, {
      sha256,
      title: spec.title,
      artist: spec.artist,
      licence: 'CC0-1.0',
      provenance: { generator: 'chorus demo synthesizer', recipe: spec.recipe.id, seed: spec.seed },
      source: 'demo',
      durationS: samples.length / DEMO_SAMPLE_RATE,
      sampleRate: DEMO_SAMPLE_RATE,
      channels: 1,
      sizeBytes: wav.byteLength,
      mime: 'audio/wav',
      audioKey: key,
      status: 'pending',
      recipe: { ...spec.recipe },
      // Cold start: before any model exists, spread early votes across recipes.
      priority: 1 - spec.index / Math.max(1, specs.length),
    });
    created++;
  }
  await ensureGoldClips(db, specs.length);
  const simulation = options.simulateVotes ? await simulateVotes(db, options.seed ?? 1) : undefined;
  return { clips: created, votes: simulation?.votes ?? 0, skipped: simulation?.skipped ?? 0, simulation };
}

/**
 * Marks every tenth demo clip as gold, with its recipe's tags as the answer and their
 * neighbouring moods (calm → dreamy, …) tolerated: a honeypot checks the clear-cut moods only.
 */
async function ensureGoldClips(db: Db, total: number): Promise<void> {
  const taxonomy = await getActiveTaxonomy(db);
  const rows = await db.execute(sql`select id, recipe from clips where source = 'demo' order by priority desc`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { id: string; recipe: { tags: string[] } }[];
  const gold = list.filter((c) => Array.isArray(c.recipe?.tags)).filter((_, i) => i % 10 === 5).slice(0, Math.max(1, Math.floor(total / 10)));
  for (const clip of gold) {
    await db
      .insert(goldAnswers)
      .values({ clipId: clip.id, taxonomyVersion: taxonomy.version, tags: clip.recipe.tags, tolerated: neighboursOf(clip.recipe.tags) })
      .onConflictDoNothing();
  }
}

export interface SimulationOptions {
  /** The simulated crowd (default: issue 11's twelve contributors, see DEFAULT_CROWD). */
  crowd?: readonly CrowdWorkerSpec[];
  /** Stop after this many answers (default: until the queue has nothing left for anyone). */
  maxAnswers?: number;
  /**
   * Run the full EM every `emEveryVotes` answers, as the job engine would in a running app
   * (default true; the CLI has no job engine of its own).
   */
  runEm?: boolean;
}

export interface SimulationResult {
  votes: number;
  /** Clips leased that have no planted truth (no demo recipe): handed back unanswered. */
  skipped: number;
  crowd: CrowdWorker[];
  workerIds: string[];
  cast: { worker: number; tags: string[]; truth: string[] }[];
}

/**
 * Answers from a simulated crowd (see lib/crowd/simulate.ts: per-tag sensitivity and
 * false alarms, omission-heavy errors, confusions between neighbouring moods, answer times,
 * a spammer), cast through the real queue service: lease → vote, gold clips and targeted
 * questions included. Clips without a demo recipe (uploads) are handed back and skipped.
 * Paused contributors stop. The full EM runs every `emEveryVotes` answers, as in the app.
 */
export async function simulateVotes(db: Db, seed: number, options: SimulationOptions = {}): Promise<SimulationResult> {
  const rng = createRng(seed * 7919);
  const taxonomy = await getActiveTaxonomy(db);
  const settings = await getProjectSettings(db);
  const tags = taxonomy.tags.map((t) => t.key);
  const crowd = plantCrowd(options.crowd ?? DEFAULT_CROWD, tags, seed);
  const workerIds: string[] = [];
  for (const worker of crowd) {
    const email = `${worker.name}@demo.chorus.local`;
    let user = await findUserByEmail(db, email);
    if (!user) {
      [user] = await db
        .insert(users)
        .values({ email, name: `Simulated contributor ${worker.name.slice(4)} (${worker.kind})`, role: 'contributor' })
        .returning();
    }
    // The simulated crowd stands for contributors already at work: no qualification round.
    await grantQualification(db, null, user.id, 'simulated demo contributor');
    workerIds.push(user.id);
  }
  const skip: string[][] = crowd.map(() => []);
  const cast: SimulationResult['cast'] = [];
  const maxAnswers = options.maxAnswers ?? Number.POSITIVE_INFINITY;
  let skipped = 0;
  let sinceEm = 0;
  const runEm = options.runEm ?? true;
  for (let round = 0; cast.length < maxAnswers; round++) {
    let progressed = false;
    for (let w = 0; w < crowd.length && cast.length < maxAnswers; w++) {
      const userId = workerIds[w];
      if ((await userStatus(db, userId)) !== 'active') continue;
      const item = await nextClipFor(db, userId, skip[w], rng);
      if (!item) continue;
      progressed = true;
      const planted = await plantedTags(db, item.clip.id);
      if (!planted.tags) {
        // An upload or import: no planted truth to answer from. Hand it back and never ask again.
        await releaseLease(db, userId, item.lease.id);
        skip[w].push(item.clip.id);
        skipped++;
        continue;
      }
      const truth = planted.tags.filter((t) => tags.includes(t));
      const answer = simulateAnswer(crowd[w], truth, tags, planted.playableMs, rng);
      const key = `sim-${item.lease.id}`;
      if (item.question) {
        const t = tags.indexOf(item.question.tag);
        const applies = truth.includes(item.question.tag);
        const p = crowd[w].kind === 'constant' ? 0 : applies ? crowd[w].sensitivity[t] : crowd[w].falseAlarm[t];
        await submitVote(db, userId, {
          kind: 'targeted',
          leaseId: item.lease.id,
          answer: rng() < p,
          idempotencyKey: key,
          listenedMs: answer.listenedMs,
        });
      } else {
        await submitVote(db, userId, { kind: 'vote', leaseId: item.lease.id, tags: answer.tags, idempotencyKey: key, listenedMs: answer.listenedMs });
        cast.push({ worker: w, tags: answer.tags, truth });
      }
      if (runEm && ++sinceEm >= settings.emEveryVotes) {
        sinceEm = 0;
        await drainVotes(db);
        await runFullAggregation(db, { trigger: 'votes' });
      }
    }
    // The batched aggregator's drain once a round, as the worker's would a second later: a round's
    // answers are cast without seeing each other's effect on the queue, as in the app.
    await drainVotes(db);
    if (!progressed) break;
  }
  if (runEm && sinceEm > 0) await runFullAggregation(db, { trigger: 'votes' });
  return { votes: cast.length, skipped, crowd, workerIds, cast };
}

/** The `--report` object: live labels and states against the planted truth (see lib/demo/report.ts). */
export async function simulationReportFor(db: Db, sim: SimulationResult): Promise<SimulationReport> {
  const taxonomy = await getActiveTaxonomy(db);
  const settings = await getProjectSettings(db);
  return simulationReport({
    catalogClips: await countClips(db),
    tags: taxonomy.tags.map((t) => t.key),
    clips: await reportClipRows(db, taxonomy.version),
    crowd: sim.crowd,
    workerIds: sim.workerIds,
    workerRows: await reportWorkerRows(db, sim.workerIds),
    cast: sim.cast,
    expertQueue: await expertQueueComposition(db, await expertUncertaintyCut(db, settings)),
    threshold: settings.consensusThreshold,
  });
}

export async function needsSeed(db: Db): Promise<boolean> {
  return (await countClips(db)) === 0;
}

export async function demoUsersExist(db: Db): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).where(eq(users.email, demoEmail('admin')))).length > 0;
}
