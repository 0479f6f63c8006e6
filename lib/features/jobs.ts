import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';

/** Extracts features for a batch of clips (ingest queues batches of up to 16); bound in jobs/extract-features.ts. */
export const extractFeaturesSpec: JobSpec<{ clipIds: string[] }> = {
  name: 'extract-features',
  schema: z.object({ clipIds: z.array(z.string().uuid()).min(1).max(256) }),
  options: { retryLimit: 3, retryDelay: 10, retryBackoff: true, expireInSeconds: 30 * 60 },
};

/** The sweeper of clips without features of the current extractor version; bound in jobs/extract-pending.ts. */
export const extractPendingSpec: JobSpec<{ limit: number }> = {
  name: 'extract-pending',
  schema: z.object({ limit: z.number().int().min(1).max(1000).default(64) }),
  options: { retryLimit: 1, retryDelay: 30, retryBackoff: false, expireInSeconds: 30 * 60, singletonKey: 'extract-pending' },
};
