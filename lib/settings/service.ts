import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { applyOverlapToOpenClips } from '@/lib/catalog/repo';
import { forgetProjectSettings, getProjectSettings, updateProjectSettings } from './repo';
import type { ProjectSettings } from './schemas';

/** Saves settings and applies those that live on rows (the overlap of open clips). */
export async function changeProjectSettings(db: DbOrTx, patch: Partial<ProjectSettings>): Promise<{ before: ProjectSettings; after: ProjectSettings }> {
  const before = await getProjectSettings(db);
  const after = await updateProjectSettings(db, patch);
  if (after.overlap !== before.overlap) await applyOverlapToOpenClips(db, after.overlap);
  return { before, after };
}

/** A settings patch from a person; `priorityWeights` may name only some weights (the others are kept). */
export type SettingsPatch = Omit<Partial<ProjectSettings>, 'priorityWeights'> & { priorityWeights?: Partial<ProjectSettings['priorityWeights']> };

/** Who changes the settings, from which screen (the audit action), and which part of them the audit row keeps. */
export interface SettingsChange<V> {
  actorId: string;
  action: 'settings.update' | 'settings.strategy' | 'settings.exploration';
  view: (settings: ProjectSettings) => V;
}

/**
 * A person's settings change with its audit row, in one transaction: no change without its
 * record, and no record of a change that did not happen.
 */
export async function changeProjectSettingsAudited<V>(db: Db, change: SettingsChange<V>, patch: SettingsPatch): Promise<{ before: V; after: V }> {
  try {
    return await db.transaction(async (tx) => {
      const { priorityWeights, ...rest } = patch;
      const current = priorityWeights ? await getProjectSettings(tx) : undefined;
      const made = await changeProjectSettings(tx, {
        ...rest,
        ...(priorityWeights && current ? { priorityWeights: { ...current.priorityWeights, ...priorityWeights } } : {}),
      });
      const before = change.view(made.before);
      const after = change.view(made.after);
      await recordAudit(tx, { actorId: change.actorId, action: change.action, entity: 'settings', entityId: 'project', before, after });
      return { before, after };
    });
  } finally {
    forgetProjectSettings();
  }
}
