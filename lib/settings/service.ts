import type { DbOrTx } from '@/db/client';
import { applyOverlapToOpenClips } from '@/lib/catalog/repo';
import { getProjectSettings, updateProjectSettings } from './repo';
import type { ProjectSettings } from './schemas';

/** Saves settings and applies those that live on rows (the overlap of open clips). */
export async function changeProjectSettings(db: DbOrTx, patch: Partial<ProjectSettings>): Promise<{ before: ProjectSettings; after: ProjectSettings }> {
  const before = await getProjectSettings(db);
  const after = await updateProjectSettings(db, patch);
  if (after.overlap !== before.overlap) await applyOverlapToOpenClips(db, after.overlap);
  return { before, after };
}
