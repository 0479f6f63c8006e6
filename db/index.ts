import { openDb, type DbHandle } from './client';
import { dbConfigFromEnv } from './config';

export * from './client';

/**
 * The process-wide database handle. Kept on globalThis because Next.js may load
 * this module in several bundles (instrumentation, route handlers), and the
 * embedded database must be opened exactly once per process.
 */
const holder = globalThis as unknown as { __chorusDb?: Promise<DbHandle> };

export function getDbHandle(): Promise<DbHandle> {
  if (!holder.__chorusDb) {
    holder.__chorusDb = openDb(dbConfigFromEnv()).catch((err) => {
      holder.__chorusDb = undefined;
      throw err;
    });
  }
  return holder.__chorusDb;
}

export async function getDb() {
  return (await getDbHandle()).db;
}

/** Tests and the CLI install their own handle. */
export function setDbHandle(handle: DbHandle | undefined): void {
  holder.__chorusDb = handle ? Promise.resolve(handle) : undefined;
}
