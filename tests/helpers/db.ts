import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDb, type DbHandle } from '@/db/client';
import { setDbHandle } from '@/db';
import { createUser } from '@/lib/auth/repo';
import { createApiToken } from '@/lib/auth/repo';
import type { Role } from '@/db/schema';
import { ensureTaxonomy } from '@/lib/demo/seed';

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
  const user = await createUser(handle.db, { email: `${role}-${suffix}@test.local`, name: `${role} ${suffix}`, role, password: 'correct horse battery' });
  const { token } = await createApiToken(handle.db, user.id, 'test');
  return { user, token };
}

export { ensureTaxonomy };
