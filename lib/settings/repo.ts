import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { settings } from '@/db/schema';
import { processWide } from '@/lib/util/process-wide';
import { TtlCache } from '@/lib/util/ttl-cache';
import { ProjectSettingsFields, ProjectSettingsSchema, type ProjectSettings } from './schemas';

const KEY = 'project';
/** One database per process: transactions share the cached value instead of each re-reading it. */
const { cache, PROCESS_KEY } = processWide('settings-cache', () => ({
  cache: new TtlCache<object, ProjectSettings>(2000),
  PROCESS_KEY: {},
}));

/** Current settings; cached for two seconds per process (writes here invalidate). */
export function getProjectSettings(db: DbOrTx): Promise<ProjectSettings> {
  return cache.get(PROCESS_KEY, async () => {
    const [row] = await db.select().from(settings).where(eq(settings.key, KEY)).limit(1);
    // Read field by field only: a row saved before the cross-field rules existed must not take
    // the app down; the next write has to make it consistent.
    return ProjectSettingsFields.parse(row?.value ?? {});
  });
}

/** Drops the cached settings: after a transaction that wrote them ends, a read during it may have cached what did not commit (or what is no longer current). */
export function forgetProjectSettings(): void {
  cache.clear();
}

export async function updateProjectSettings(db: DbOrTx, patch: Partial<ProjectSettings>): Promise<ProjectSettings> {
  cache.clear();
  // The merged whole is validated, so a patch cannot make two settings contradict (ZodError → 400).
  const next = ProjectSettingsSchema.parse({ ...(await getProjectSettings(db)), ...patch });
  await db
    .insert(settings)
    .values({ key: KEY, value: next })
    .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: new Date() } });
  cache.clear();
  return next;
}
