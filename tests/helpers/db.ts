import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDb, type DbHandle } from '@/db/client';
import { setDbHandle } from '@/db';
import { createUser } from '@/lib/auth/repo';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { users, type Role } from '@/db/schema';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { changeProjectSettings } from '@/lib/settings/service';

export interface TestDb {
  handle: DbHandle;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: an in-memory PGlite for the `embedded`
 * project, or a new database on the real server for the `postgres` project.
 */
export async function createTestDb(): Promise<TestDb> {
  const engine = process.env.CHORUS_TEST_DB ?? 'embedded';
  if (engine === 'embedded') {
    const handle = await openDb({ dataDir: 'memory://' });
    setDbHandle(handle);
    return {
      handle,
      close: async () => {
        setDbHandle(undefined);
        await handle.close();
      },
    };
  }
  const adminUrl = process.env.CHORUS_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('CHORUS_TEST_POSTGRES_URL is not set');
  const name = `chorus_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 60 });
  setDbHandle(handle);
  return {
    handle,
    close: async () => {
      setDbHandle(undefined);
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function makeUser(handle: DbHandle, role: Role, suffix = randomBytes(4).toString('hex')) {
  const user = await createUser(handle.db, {
    email: `${role}-${suffix}@test.local`,
    name: `${role} ${suffix}`,
    role,
    password: 'correct horse battery',
  });
  const { token } = await createApiToken(handle.db, user.id, 'test');
  return { user, token };
}

export { ensureTaxonomy };

type CrowdTable = 'worker_reliability' | 'crowd_fits' | 'agreement_stats';

/** Deletes every clip and what hangs off it (votes, leases, gold answers, aggregates), then the crowd tables in `also`. */
export async function clearClips(handle: DbHandle, also: readonly CrowdTable[] = []): Promise<void> {
  await handle.exec(
    ['votes', 'leases', 'gold_answers', 'aggregates', 'clips', ...also].map((table) => `delete from ${table};`).join(' '),
  );
}

/**
 * Between the tests of a crowd-pipeline file: no clips (nor their votes, leases, aggregates), no
 * fitted crowd model in the database or cached in this process, and the settings the file wants.
 */
export async function resetCrowd(handle: DbHandle, settings: Partial<ProjectSettings>): Promise<void> {
  await clearClips(handle, ['worker_reliability', 'crowd_fits']);
  forgetCurrentFit();
  await changeProjectSettings(handle.db, settings);
}

/** A contributor account (no token: for tests that call the services), named `<prefix>-<random>`; its id. */
export async function insertContributor(db: DbHandle['db'], prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const [row] = await db.insert(users).values({ email: `${name}@test.local`, name, role: 'contributor' }).returning();
  return row.id;
}

/** `n` ready clips with priorities n … 1, so the queue hands them out in the order of the returned ids. */
export async function insertReadyClips(
  db: DbHandle['db'],
  n: number,
  { durationS = 10, title = (i: number) => `clip ${i}` }: { durationS?: number; title?: (i: number) => string } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await insertClip(db, {
      sha256: randomBytes(32).toString('hex'),
      title: title(i),
      priority: n - i,
      status: 'ready',
      durationS,
    });
    ids.push(row.id);
  }
  return ids;
}
