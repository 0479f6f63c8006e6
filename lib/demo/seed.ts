import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { goldAnswers, users, type Role } from '@/db/schema';
import { DEMO_TAGS, demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';
import { createUser, findUserByEmail } from '@/lib/auth/repo';
import { countClips, findClipBySha, insertClip } from '@/lib/catalog/repo';
import { leaseNextClip, recordVote } from '@/lib/queue/repo';
import { onVoteRecorded } from '@/lib/crowd/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { audioKey, type AudioStore } from '@/lib/storage';
import { createTaxonomyVersion, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng, type Rng } from '@/lib/util/random';

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
    if (existing) continue;
    await createUser(db, { email, name: `Demo ${role}`, role, password: pw });
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
export async function seedDemo(db: Db, store: AudioStore, options: SeedOptions): Promise<{ clips: number; votes: number }> {
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
  const votes = options.simulateVotes ? await simulateVotes(db, options.seed ?? 1) : 0;
  return { clips: created, votes };
}

/** Marks every tenth demo clip as gold, with its recipe's tags as the answer. */
async function ensureGoldClips(db: Db, total: number): Promise<void> {
  const taxonomy = await getActiveTaxonomy(db);
  const rows = await db.execute(sql`select id, recipe from clips where source = 'demo' order by priority desc`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { id: string; recipe: { tags: string[] } }[];
  const gold = list.filter((_, i) => i % 10 === 5).slice(0, Math.max(1, Math.floor(total / 10)));
  for (const clip of gold) {
    await db
      .insert(goldAnswers)
      .values({ clipId: clip.id, taxonomyVersion: taxonomy.version, tags: clip.recipe.tags, tolerated: [] })
      .onConflictDoNothing();
  }
}

interface SimulatedWorker {
  id: string;
  /** Probability of answering each tag correctly; spammers sit near 0.5 and pick at random. */
  accuracy: number;
  spammer: boolean;
}

/**
 * Votes from 12 simulated contributors of mixed reliability (3 experts-in-the-crowd at 0.95,
 * 6 ordinary at 0.8, 2 careless at 0.65, 1 spammer), cast through the real lease/vote path.
 */
export async function simulateVotes(db: Db, seed: number): Promise<number> {
  const rng = createRng(seed * 7919);
  const taxonomy = await getActiveTaxonomy(db);
  const settings = await getProjectSettings(db);
  const profiles = [0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.65, 0.65, 0.5];
  const workers: SimulatedWorker[] = [];
  for (let i = 0; i < profiles.length; i++) {
    const email = `sim-${String(i + 1).padStart(2, '0')}@demo.chorus.local`;
    let user = await findUserByEmail(db, email);
    if (!user) {
      [user] = await db.insert(users).values({ email, name: `Simulated contributor ${i + 1}`, role: 'contributor' }).returning();
    }
    workers.push({ id: user.id, accuracy: profiles[i], spammer: profiles[i] <= 0.5 });
  }
  let cast = 0;
  for (let round = 0; round < 200; round++) {
    let progressed = false;
    for (const worker of workers) {
      const lease = await leaseNextClip(db, { userId: worker.id, settings, exclude: [], wantGold: rng() < 0.1 });
      if (!lease) continue;
      const [clip] = await db.execute(sql`select recipe from clips where id = ${lease.clipId}`).then((r) =>
        (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { recipe: { tags: string[] } }[],
      );
      const tags = noisyTags(clip.recipe.tags, taxonomy.tags.map((t) => t.key), worker, rng);
      await recordVote(
        db,
        worker.id,
        { kind: 'vote', leaseId: lease.id, tags, idempotencyKey: `sim-${lease.id}`, listenedMs: 15_000 },
        taxonomy,
        onVoteRecorded,
      );
      cast++;
      progressed = true;
    }
    if (!progressed) break;
  }
  return cast;
}

function noisyTags(truth: string[], all: string[], worker: SimulatedWorker, rng: Rng): string[] {
  const chosen = all.filter((tag) => {
    if (worker.spammer) return rng() < 0.3;
    const isTrue = truth.includes(tag);
    return rng() < worker.accuracy ? isTrue : !isTrue;
  });
  return chosen.length > 0 ? chosen : [all[Math.floor(rng() * all.length)]];
}

export async function needsSeed(db: Db): Promise<boolean> {
  return (await countClips(db)) === 0;
}

export async function demoUsersExist(db: Db): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).where(eq(users.email, demoEmail('admin')))).length > 0;
}
