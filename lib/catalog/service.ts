import type { Db } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { isAppError } from '@/lib/errors';
import { jobEngine } from '@/lib/jobs/runtime';
import { extractFeaturesSpec } from '@/lib/features/jobs';
import type { AudioStore } from '@/lib/storage';
import { ingestAudio, type IngestInput } from './ingest';
import { escalateClip } from './repo';
import type { IngestResult } from './schemas';

export const EXTRACTION_BATCH = 16;

/**
 * Ingests files one by one — a bad file is reported and the rest go on — and queues feature
 * extraction for the new clips in batches.
 */
export async function ingestMany(db: Db, store: AudioStore, inputs: IngestInput[], limits: { maxBytes: number }): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const fresh: string[] = [];
  for (const input of inputs) {
    try {
      const result = await ingestAudio(db, store, input, limits);
      results.push({ clipId: result.clipId, name: result.name, status: result.status });
      if (result.isNew && result.clipId) fresh.push(result.clipId);
    } catch (err) {
      if (!isAppError(err)) throw err;
      results.push({ clipId: null, name: input.name, status: 'rejected', error: err.message });
    }
  }
  await queueExtraction(fresh);
  return results;
}

export async function queueExtraction(clipIds: string[]): Promise<string[]> {
  const engine = await jobEngine();
  if (!engine || clipIds.length === 0) return [];
  const jobIds: string[] = [];
  for (let i = 0; i < clipIds.length; i += EXTRACTION_BATCH) {
    const id = await engine.enqueue(extractFeaturesSpec, { clipIds: clipIds.slice(i, i + EXTRACTION_BATCH) });
    if (id) jobIds.push(id);
  }
  return jobIds;
}

/** Sends a clip to the expert review queue by hand; the state change and its audit row are one transaction. */
export async function escalateClipByHand(db: Db, actorId: string, clipId: string): Promise<{ before: string; after: string }> {
  return db.transaction(async (tx) => {
    const made = await escalateClip(tx, clipId);
    await recordAudit(tx, { actorId, action: 'clip.escalate', entity: 'clip', entityId: clipId, before: { labelState: made.before }, after: { labelState: made.after } });
    return made;
  });
}
