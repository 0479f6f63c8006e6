import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RANK_PARAMS,
  cooccurrenceScores,
  moodMatch,
  moodTarget,
  rankCandidates,
  retrievalQuery,
  type Candidate,
  type RankParams,
} from '@/lib/recommend/rank';
import { createSession, updateSessionVector, type SessionState } from '@/lib/recommend/session';
import { cosine } from '@/lib/recommend/vector-math';
import { createRng, randomVector } from './fixtures';

const dim = 16;
const params = (over: Partial<RankParams> = {}): RankParams => ({ ...DEFAULT_RANK_PARAMS, ...over });

function randomCandidates(n: number, seed: number): Candidate[] {
  const rng = createRng(seed);
  const tags = ['calm', 'dreamy', 'energetic'];
  return Array.from({ length: n }, (_, i) => ({
    clipId: `c${i}`,
    embedding: randomVector(dim, rng),
    artist: `artist${i % 7}`,
    moods: Object.fromEntries(tags.map((t) => [t, rng()])),
    tempoBpm: 70 + 80 * rng(),
    energy: rng(),
    cooccurrence: rng(),
    popularity: rng(),
  }));
}

function sessionFrom(events: Array<[type: 'like' | 'skip' | 'play', candidate: Candidate]>): SessionState {
  let s = createSession(dim);
  events.forEach(([type, c], i) => {
    s = updateSessionVector(s, { type, clipId: c.clipId, at: i * 1000, positionS: 3, tempoBpm: c.tempoBpm }, c.embedding);
  });
  return s;
}

describe('moodTarget and moodMatch', () => {
  it('normalises a blend and scores the expected tag probability', () => {
    expect(moodTarget({ calm: 7, dreamy: 3, angry: 0 })).toEqual({ calm: 0.7, dreamy: 0.3 });
    expect(moodTarget({ calm: 0 })).toBeNull();
    expect(moodMatch({ calm: 0.7, dreamy: 0.3 }, { calm: 0.9, dreamy: 0.5 })).toBeCloseTo(0.78, 12);
    expect(moodMatch({ calm: 1 }, null)).toBe(0);
  });

  it('ranks by blend match when mood is the only weighted signal', () => {
    const pool = randomCandidates(40, 3);
    const blend = { calm: 0.7, dreamy: 0.3 };
    const weights = { ...DEFAULT_RANK_PARAMS.weights, novelty: 0 };
    const out = rankCandidates(pool, { personalization: false, moodBlend: blend }, params({ lambda: 1, maxPerArtist: 99, k: 10, weights }));
    const target = moodTarget(blend)!;
    const best = [...pool].sort((a, b) => moodMatch(target, b.moods) - moodMatch(target, a.moods)).slice(0, 10);
    expect(out.map((r) => r.clipId)).toEqual(best.map((c) => c.clipId));
    expect(out[0].components.mood).toBeCloseTo(moodMatch(target, best[0].moods), 12);
  });
});

describe('rankCandidates', () => {
  it('caps tracks per artist', () => {
    const rng = createRng(5);
    const seed = randomVector(dim, rng);
    // The six closest tracks to the seed are all by one artist (spelled two ways).
    const pool: Candidate[] = Array.from({ length: 12 }, (_, i) => ({
      clipId: `c${i}`,
      embedding: i < 6 ? seed.map((x) => x + 0.05 * i) : randomVector(dim, rng),
      artist: i < 6 ? (i % 2 ? 'Nils Frahm' : 'nils frahm ') : `other${i}`,
    }));
    const out = rankCandidates(pool, { personalization: false, seed }, params({ k: 6, maxPerArtist: 2, lambda: 1 }));
    expect(out).toHaveLength(6);
    expect(out.filter((r) => Number(r.clipId.slice(1)) < 6)).toHaveLength(2);
    expect(out.slice(0, 2).map((r) => r.clipId)).toEqual(['c0', 'c1']);
  });

  it('MMR demotes a near-duplicate below a diverse track', () => {
    const seed = new Float32Array(dim).fill(0);
    seed[0] = 1;
    const a = seed.map((x, i) => x + (i === 1 ? 0.1 : 0));
    const aDup = seed.map((x, i) => x + (i === 1 ? 0.12 : 0));
    const b = seed.map((x, i) => x + (i === 2 ? 0.6 : 0));
    const pool: Candidate[] = [
      { clipId: 'a', embedding: a },
      { clipId: 'a-dup', embedding: aDup },
      { clipId: 'b', embedding: b },
    ];
    const ctx = { personalization: false, seed };
    expect(rankCandidates(pool, ctx, params({ lambda: 1 })).map((r) => r.clipId)).toEqual(['a', 'a-dup', 'b']);
    const mmr = rankCandidates(pool, ctx, params({ lambda: 0.5 }));
    expect(mmr.map((r) => r.clipId)).toEqual(['a', 'b', 'a-dup']);
    expect(mmr[2].components.redundancy).toBeGreaterThan(0.99);
  });

  it('MMR lowers the mean pairwise similarity of the list on random data', () => {
    const pool = randomCandidates(200, 9);
    const seed = randomVector(dim, createRng(10));
    const meanPairSim = (ids: string[]) => {
      const byId = new Map(pool.map((c) => [c.clipId, c.embedding]));
      let s = 0;
      let n = 0;
      for (let i = 0; i < ids.length; i++)
        for (let j = i + 1; j < ids.length; j++, n++) s += cosine(byId.get(ids[i])!, byId.get(ids[j])!);
      return s / n;
    };
    const plain = rankCandidates(pool, { personalization: false, seed }, params({ lambda: 1, maxPerArtist: 99 }));
    const diverse = rankCandidates(pool, { personalization: false, seed }, params({ lambda: 0.5, maxPerArtist: 99 }));
    expect(meanPairSim(diverse.map((r) => r.clipId))).toBeLessThan(meanPairSim(plain.map((r) => r.clipId)) - 0.05);
  });

  it('with personalization off, the output depends on the request only', () => {
    const pool = randomCandidates(120, 21);
    const request = { moodBlend: { calm: 0.7, dreamy: 0.3 }, tempoRange: { min: 80, max: 140 } };
    const historyA = sessionFrom([['like', pool[0]], ['skip', pool[1]], ['like', pool[2]]]);
    const historyB = sessionFrom([['like', pool[50]], ['like', pool[51]], ['skip', pool[52]], ['play', pool[53]]]);
    const offA = rankCandidates(pool, { ...request, personalization: false, session: historyA });
    const offB = rankCandidates(pool, { ...request, personalization: false, session: historyB });
    const offNone = rankCandidates(pool, { ...request, personalization: false });
    expect(offA).toEqual(offB);
    expect(offA).toEqual(offNone);
    expect(offA.every((r) => r.components.session === null && r.components.cooccurrence === null)).toBe(true);
    // And the same histories do change the result when personalization is on.
    const onA = rankCandidates(pool, { ...request, personalization: true, session: historyA });
    const onB = rankCandidates(pool, { ...request, personalization: true, session: historyB });
    expect(onA.map((r) => r.clipId)).not.toEqual(onB.map((r) => r.clipId));
  });

  it('with personalization on, excludes tracks the session already played and leans toward likes', () => {
    const pool = randomCandidates(120, 33);
    const session = sessionFrom([['like', pool[0]], ['play', pool[1]]]);
    const out = rankCandidates(pool, { personalization: true, session }, params({ k: 10, lambda: 1, maxPerArtist: 99 }));
    expect(out.map((r) => r.clipId)).not.toContain('c0');
    expect(out.map((r) => r.clipId)).not.toContain('c1');
    const sims = out.map((r) => r.components.session!);
    expect(sims[0]).toBeGreaterThan(0.3);
  });

  it('does not use a session vector from another embedding version', () => {
    const pool = randomCandidates(60, 35);
    const session = { ...sessionFrom([['like', pool[0]]]), embeddingVersion: 1 };
    const stale = rankCandidates(pool, { personalization: true, session, embeddingVersion: 2 });
    expect(stale.every((r) => r.components.session === null)).toBe(true);
    expect(stale.map((r) => r.clipId)).not.toContain('c0');
    const current = rankCandidates(pool, { personalization: true, session, embeddingVersion: 1 });
    expect(current.every((r) => r.components.session !== null)).toBe(true);
  });

  it('applies tempo and energy ranges and request excludes', () => {
    const pool = randomCandidates(100, 41);
    pool[3].tempoBpm = null;
    const out = rankCandidates(
      pool,
      { personalization: false, moodBlend: { calm: 1 }, tempoRange: { min: 90, max: 120 }, energyRange: { max: 0.5 }, excludeIds: ['c4'] },
      params({ k: 100, maxPerArtist: 99 }),
    );
    const byId = new Map(pool.map((c) => [c.clipId, c]));
    expect(out.length).toBeGreaterThan(0);
    for (const r of out) {
      const c = byId.get(r.clipId)!;
      expect(c.tempoBpm).toBeGreaterThanOrEqual(90);
      expect(c.tempoBpm).toBeLessThanOrEqual(120);
      expect(c.energy).toBeLessThanOrEqual(0.5);
    }
    expect(out.map((r) => r.clipId)).not.toContain('c3');
    expect(out.map((r) => r.clipId)).not.toContain('c4');
  });

  it('returns an empty list for an empty pool', () => {
    expect(rankCandidates([], { personalization: true })).toEqual([]);
  });
});

describe('why', () => {
  const rng = createRng(77);
  const likedEmbedding = randomVector(dim, rng);
  const liked: Candidate = { clipId: 'liked', embedding: likedEmbedding, tempoBpm: 120 };
  const session = sessionFrom([['like', liked]]);

  it('names the dominant mood with its probability', () => {
    const pool: Candidate[] = [{ clipId: 'x', embedding: randomVector(dim, rng), moods: { calm: 0.82, dreamy: 0.1 } }];
    const [r] = rankCandidates(pool, { personalization: false, moodBlend: { calm: 0.7, dreamy: 0.3 } });
    expect(r.why).toBe('calm 0.82');
  });

  it('leads with the session when it dominates, citing a liked track of similar tempo', () => {
    const pool: Candidate[] = [
      { clipId: 'x', embedding: likedEmbedding.map((v) => v + 0.01), tempoBpm: 123, moods: { calm: 0.82 } },
    ];
    const [r] = rankCandidates(pool, { personalization: true, session, moodBlend: { calm: 1 } }, params({
      weights: { ...DEFAULT_RANK_PARAMS.weights, session: 3, mood: 1 },
    }));
    expect(r.why).toBe('similar tempo to a track you liked · calm 0.82');
  });

  it('leads with the mood when it dominates, and otherwise names the session similarity', () => {
    const pool: Candidate[] = [{ clipId: 'x', embedding: likedEmbedding.map((v) => v + 0.01), tempoBpm: 60, moods: { calm: 0.9, dreamy: 0.7 } }];
    const [r] = rankCandidates(pool, { personalization: true, session, moodBlend: { calm: 0.5, dreamy: 0.5 } }, params({
      weights: { ...DEFAULT_RANK_PARAMS.weights, session: 0.3, mood: 1 },
    }));
    expect(r.why).toMatch(/^calm 0\.90, dreamy 0\.70 · close to tracks you liked 1\.00$/);
  });

  it('explains a similar-tracks result by the seed', () => {
    const seed = randomVector(dim, rng);
    const [r] = rankCandidates([{ clipId: 'x', embedding: seed }], { personalization: false, seed });
    expect(r.why).toBe('sounds like the chosen track 1.00');
  });
});

describe('cooccurrenceScores', () => {
  it('scores items co-liked with this session, discounting prolific likers', () => {
    const scores = cooccurrenceScores(['a'], [['a', 'b'], ['a', 'c', 'd', 'e'], ['x', 'y']]);
    expect(scores.get('b')).toBe(1);
    expect(scores.get('c')).toBeCloseTo(0.5, 12);
    expect(scores.has('a')).toBe(false);
    expect(scores.has('x')).toBe(false);
  });
});

describe('retrievalQuery', () => {
  const rng = createRng(99);
  const seed = randomVector(dim, rng);
  const centroids = { calm: randomVector(dim, rng), dreamy: randomVector(dim, rng) };
  const a = sessionFrom([['like', { clipId: 'p', embedding: randomVector(dim, rng) }]]);
  const b = sessionFrom([['like', { clipId: 'q', embedding: randomVector(dim, rng) }]]);

  it('ignores the session without personalization and uses it with', () => {
    const ctx = { seed, moodBlend: { calm: 0.7, dreamy: 0.3 } };
    expect(retrievalQuery({ ...ctx, personalization: false, session: a }, centroids)).toEqual(
      retrievalQuery({ ...ctx, personalization: false, session: b }, centroids),
    );
    expect(retrievalQuery({ ...ctx, personalization: true, session: a }, centroids)).not.toEqual(
      retrievalQuery({ ...ctx, personalization: true, session: b }, centroids),
    );
  });

  it('is the unit seed alone for a plain similar-tracks request, and null with nothing to search', () => {
    const q = retrievalQuery({ personalization: false, seed })!;
    expect(cosine(q, seed)).toBeCloseTo(1, 6);
    expect(retrievalQuery({ personalization: true, session: createSession(dim) })).toBeNull();
  });
});
