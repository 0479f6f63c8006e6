import type { Db } from '@/db/client';
import { getProjectSettings } from '@/lib/settings/repo';
import type { AudioStore } from '@/lib/storage';
import { clipsPastRetention, markAudioDeleted } from './repo';

/**
 * Privacy retention: when the project does not retain audio, raw files of clips that are
 * extracted and finally labeled are deleted; features, labels and metadata stay, so the clip
 * remains exportable. Gold clips keep their audio (contributors must still hear them). The row
 * is updated first: a crash between the two steps leaves an orphan file, never a dangling key.
 */
export async function applyRetention(db: Db, store: AudioStore, limit = 500): Promise<{ deleted: number }> {
  const settings = await getProjectSettings(db);
  if (settings.retainAudio) return { deleted: 0 };
  const due = await clipsPastRetention(db, limit);
  for (const clip of due) {
    await markAudioDeleted(db, clip.id);
    await store.delete(clip.audioKey);
  }
  return { deleted: due.length };
}
