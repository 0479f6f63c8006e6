import path from 'node:path';
import { z } from 'zod';

/**
 * The two variables the database layer reads: db/ is the bottom layer and imports nothing from
 * lib/, so it owns their schema and lib/env.ts extends it (one definition, validated the same way).
 */
export const DbEnvSchema = z.object({
  /** A PostgreSQL server; without it Chorus runs on the embedded database. */
  DATABASE_URL: z.string().url().optional(),
  CHORUS_DATA_DIR: z.string().default('./.data'),
});

/** `memory://` stays as it is (an in-memory PGlite); a folder becomes absolute. */
export function resolveDataDir(dir: string): string {
  return dir.startsWith('memory://') ? dir : path.resolve(dir);
}

/** Where the process-wide handle connects, read from the environment at the moment it opens. */
export function dbConfigFromEnv(source: Record<string, string | undefined> = process.env): {
  databaseUrl: string | undefined;
  dataDir: string;
} {
  const parsed = DbEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  return { databaseUrl: parsed.data.DATABASE_URL, dataDir: resolveDataDir(parsed.data.CHORUS_DATA_DIR) };
}
