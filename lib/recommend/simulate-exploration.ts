/**
 * The exploration bandit against simulated listeners, in memory (issue 20, items 3 and 5): a
 * synthetic catalog of mood clusters, the live ranker (./rank) and session vector (./session)
 * served through a {@link ListenerDriver}, so lib/experiments/simulate's listeners (one planted
 * taste each, like if the track's mood matches) react to what each arm serves. Every session gets
 * its arm by Thompson sampling over the counts so far, and its first reaction per track credits
 * that arm — the live wiring of ./exploration without the database, fast enough for many seeds
 * (tests/unit/experiments/bandit-simulation.test.ts, bench/bandit.ts).
 */
import {
  posteriorSummaries,
  thompsonPick,
  type ArmPosterior,
  type ExplorationArm,
} from '@/lib/experiments/bandit';
import { simulateListener, type ListenerDriver, type ListenerParams } from '@/lib/experiments/simulate';
import { gaussian, type Rng } from '@/lib/util/random';
import { DEFAULT_RANK_PARAMS, rankCandidates, type Candidate } from './rank';
import { createSession, updateSessionVector, type SessionState } from './session';
import { normalize } from './vector-math';

export interface SimulatedCatalog {
  dim: number;
  candidates: Candidate[];
  moodOf: Map<string, number>;
}

/** `moods` clusters of `perMood` clips around random unit centres, each clip its own artist. */
export function simulatedCatalog(rng: Rng, opts: { moods: number; perMood: number; dim: number; spread: number }): SimulatedCatalog {
  if (opts.moods < 2 || opts.perMood < 1 || opts.dim < 2 || !(opts.spread >= 0)) throw new RangeError('simulatedCatalog: needs ≥ 2 moods, ≥ 1 clip each, dim ≥ 2, spread ≥ 0');
  const centres = Array.from({ length: opts.moods }, () => normalize(Array.from({ length: opts.dim }, () => gaussian(rng))));
  const candidates: Candidate[] = [];
  const moodOf = new Map<string, number>();
  for (let m = 0; m < opts.moods; m++) {
    for (let i = 0; i < opts.perMood; i++) {
      const clipId = `m${m}-c${i}`;
      candidates.push({ clipId, artist: clipId, embedding: normalize(Array.from(centres[m], (x) => x + opts.spread * gaussian(rng))) });
      moodOf.set(clipId, m);
    }
  }
  return { dim: opts.dim, candidates, moodOf };
}

export interface ExplorationRun {
  /** Per session, in order: the arm it was served with, its tracks and likes. */
  sessions: { arm: number; tracks: number; likes: number }[];
  counts: ArmPosterior[];
}

/**
 * `sessions` simulated listeners (taste drawn uniformly), each on the arm Thompson sampling draws
 * from the counts so far — or always on `fixedArm` (to measure one arm's like rate alone).
 */
export async function simulateExploration(
  catalog: SimulatedCatalog,
  arms: readonly ExplorationArm[],
  opts: { sessions: number; listener: ListenerParams; rng: Rng; fixedArm?: number; moods: number },
): Promise<ExplorationRun> {
  if (arms.length === 0) throw new RangeError('simulateExploration: no arms');
  if (opts.fixedArm !== undefined && !(opts.fixedArm >= 0 && opts.fixedArm < arms.length)) throw new RangeError('simulateExploration: fixedArm out of range');
  const counts: ArmPosterior[] = arms.map(() => ({ successes: 0, failures: 0 }));
  const embeddingOf = new Map(catalog.candidates.map((c) => [c.clipId, c.embedding]));
  const live = new Map<string, { arm: number; state: SessionState; reacted: Set<string> }>();
  let next = 0;
  // A simulated clock (10 s per reaction), so a run does not depend on how fast it runs.
  let clock = 0;
  const driver: ListenerDriver = {
    start: async () => {
      const id = `s${next++}`;
      const arm = opts.fixedArm ?? thompsonPick(counts, opts.rng).arm;
      live.set(id, { arm, state: createSession(catalog.dim, 1), reacted: new Set() });
      return id;
    },
    next: async (id, k) => {
      const s = live.get(id)!;
      const { lambda, maxPerArtist } = arms[s.arm];
      return rankCandidates(catalog.candidates, { personalization: true, session: s.state, embeddingVersion: 1 }, { ...DEFAULT_RANK_PARAMS, lambda, maxPerArtist, k }).map(
        (t) => t.clipId,
      );
    },
    react: async (id, clipId, kind) => {
      const s = live.get(id)!;
      s.state = updateSessionVector(s.state, { type: kind, clipId, at: (clock += 10_000) }, embeddingOf.get(clipId) ?? null);
      if (s.reacted.has(clipId)) return;
      s.reacted.add(clipId);
      if (kind === 'like') counts[s.arm].successes++;
      else counts[s.arm].failures++;
    },
  };
  const sessions: ExplorationRun['sessions'] = [];
  for (let i = 0; i < opts.sessions; i++) {
    const taste = Math.floor(opts.rng() * opts.moods);
    const done = await simulateListener(driver, (id) => catalog.moodOf.get(id), taste, opts.rng, opts.listener);
    sessions.push({ arm: live.get(done.sessionId)!.arm, tracks: done.tracks, likes: done.likes });
    live.delete(done.sessionId);
  }
  return { sessions, counts };
}

/**
 * Sessions until the bandit settles on `best`: the first checkpoint (every `every` sessions, the
 * run's counts replayed in order) from which the posterior gives it P(best) ≥ `confidence` at
 * every later checkpoint — from then on Thompson sampling sends at least that share of new
 * sessions to it. Null when it has not settled by the end of the run.
 */
export function sessionsToFavour(run: ExplorationRun, best: number, arms: number, confidence = 0.9, every = 10): number | null {
  if (!(best >= 0 && best < arms)) throw new RangeError('sessionsToFavour: best must be one of the arms');
  const counts: ArmPosterior[] = Array.from({ length: arms }, () => ({ successes: 0, failures: 0 }));
  let settledAt: number | null = null;
  for (let i = 0; i < run.sessions.length; i++) {
    const s = run.sessions[i];
    counts[s.arm].successes += s.likes;
    counts[s.arm].failures += s.tracks - s.likes;
    if ((i + 1) % every !== 0) continue;
    if (posteriorSummaries(counts, 2000)[best].pBest >= confidence) settledAt ??= i + 1;
    else settledAt = null;
  }
  return settledAt;
}
