import type { DbOrTx } from '@/db/client';
import type { BinaryRelevanceModel, WorkerTagReliability } from './binary-relevance';
import { DEFAULT_BINARY_RELEVANCE_SETTINGS } from './binary-relevance';
import { latestFit, workerRatesFor, type CrowdFitRow } from './repo';

/**
 * The live binary-relevance model, rebuilt from what the last full EM run stored: per-tag
 * prevalence (crowd_fits) and each voter's per-tag rates and weight (worker_reliability).
 * Before the first run, or when the taxonomy changed since, every tag starts at prevalence 0.5
 * and every worker at the prior means — the cold start of the incremental update.
 */

/** Prior P(tag applies) before any EM run: no tag is favoured. */
export const COLD_START_PREVALENCE = 0.5;

const FIT_TTL_MS = 2000;
let fitCache: { at: number; value: Promise<CrowdFitRow | undefined> } | undefined;

/** The latest EM run, cached for two seconds per process (a run in this process invalidates at once). */
export function currentFit(db: DbOrTx): Promise<CrowdFitRow | undefined> {
  const now = Date.now();
  if (fitCache && now - fitCache.at < FIT_TTL_MS) return fitCache.value;
  const value = latestFit(db);
  fitCache = { at: now, value };
  value.catch(() => (fitCache = undefined));
  return value;
}

export function forgetCurrentFit(): void {
  fitCache = undefined;
}

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

export interface LiveModel {
  model: BinaryRelevanceModel;
  weights: Map<string, number>;
  fit: CrowdFitRow | undefined;
}

/** The model for the given voters; O(voters · T). */
export async function liveModelFor(
  db: DbOrTx,
  tags: readonly string[],
  taxonomyVersion: number,
  voters: string[],
): Promise<LiveModel> {
  const fit = await currentFit(db);
  const aligned = Boolean(fit && fit.taxonomyVersion === taxonomyVersion && sameTags(fit.tags, tags));
  const prevalence = aligned ? fit!.prevalence.map(Number) : tags.map(() => COLD_START_PREVALENCE);
  const workers = new Map<string, WorkerTagReliability>();
  const weights = new Map<string, number>();
  for (const row of await workerRatesFor(db, [...new Set(voters)])) {
    weights.set(row.userId, Number(row.weight));
    const se = row.sensitivityByTag;
    const sp = row.specificityByTag;
    if (aligned && se && sp && se.length === tags.length && sp.length === tags.length) {
      workers.set(row.userId, { sensitivity: se.map(Number), specificity: sp.map(Number) });
    }
  }
  const { sensitivityPrior: a, specificityPrior: b } = DEFAULT_BINARY_RELEVANCE_SETTINGS;
  return {
    model: {
      tags,
      prevalence,
      workers,
      fallback: {
        sensitivity: tags.map(() => a.correct / (a.correct + a.wrong)),
        specificity: tags.map(() => b.correct / (b.correct + b.wrong)),
      },
    },
    weights,
    fit,
  };
}
