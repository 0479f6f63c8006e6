import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { settings } from '@/db/schema';
import { ProjectSettingsSchema, type ProjectSettings } from './schemas';

const KEY = 'project';

export async function getProjectSettings(db: DbOrTx): Promise<ProjectSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY)).limit(1);
  return ProjectSettingsSchema.parse(row?.value ?? {});
}

export async function updateProjectSettings(db: DbOrTx, patch: Partial<ProjectSettings>): Promise<ProjectSettings> {
  const next = ProjectSettingsSchema.parse({ ...(await getProjectSettings(db)), ...patch });
  await db
    .insert(settings)
    .values({ key: KEY, value: next })
    .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: new Date() } });
  return next;
}
