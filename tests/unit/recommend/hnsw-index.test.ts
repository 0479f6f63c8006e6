import { beforeAll, describe, expect, it } from 'vitest';
import { InProcessHnswIndex } from '@/lib/recommend/hnsw-index';
import { cosine, exactKnn, recallAtK } from '@/lib/recommend/vector-math';
import { batchesOf, clipUuid, createRng, gaussianMatrix, randomVector, row } from './fixtures';

const n = 5000;
const dim = 64;
const rng = createRng(2024);
const data = gaussianMatrix(n, dim, rng);
const ids = Array.from({ length: n }, (_, i) => clipUuid(i));
let index: InProcessHnswIndex;

beforeAll(async () => {
  // expectedSize below n exercises the doubling resize.
  index = await InProcessHnswIndex.build(1, dim, batchesOf(data, dim, ids, 700), { expectedSize: 1500 });
});

describe('InProcessHnswIndex', () => {
  it('indexes every row', () => {
    expect(index.size).toBe(n);
    expect(index.dim).toBe(dim);
    expect(index.versionId).toBe(1);
    expect(index.backend).toBe('hnswlib');
  });

  it('reaches recall@10 ≥ 0.95 against exact k-NN on 5,000 × 64-d random data', async () => {
    const queries = 100;
    let recall = 0;
    for (let q = 0; q < queries; q++) {
      const query = randomVector(dim, rng);
      const exact = exactKnn(data, dim, query, 10).indices.map((i) => ids[i]);
      const approx = await index.search(query, 10);
      recall += recallAtK(approx.ids, exact, 10);
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.95);
  });

  it('returns cosine distances, nearest first, with vectors on request', async () => {
    const query = randomVector(dim, rng);
    const res = await index.search(query, 200, { withVectors: true });
    expect(res.ids).toHaveLength(200);
    for (let i = 1; i < res.distances.length; i++) expect(res.distances[i]).toBeGreaterThanOrEqual(res.distances[i - 1]);
    const first = ids.indexOf(res.ids[0]);
    expect(res.distances[0]).toBeCloseTo(1 - cosine(query, row(data, dim, first)), 5);
    expect(cosine(res.vectors![0], row(data, dim, first))).toBeCloseTo(1, 5);
  });

  it('leaves excluded ids out and still returns k', async () => {
    const query = row(data, dim, 17);
    const top = await index.search(query, 5);
    expect(top.ids[0]).toBe(ids[17]);
    const rest = await index.search(query, 5, { excludeIds: top.ids.slice(0, 3) });
    expect(rest.ids).toHaveLength(5);
    expect(rest.ids.slice(0, 2)).toEqual(top.ids.slice(3));
    expect(rest.ids.some((id) => top.ids.slice(0, 3).includes(id))).toBe(false);
  });

  it('returns a stored vector by id', async () => {
    const v = await index.getVector(ids[42]);
    expect(cosine(v!, row(data, dim, 42))).toBeCloseTo(1, 5);
    expect(await index.getVector('missing')).toBeNull();
  });

  it('rejects bad embedding sets instead of serving them half-indexed', async () => {
    const dup = [[{ id: 'a', embedding: [1, 0] }, { id: 'a', embedding: [0, 1] }]];
    await expect(InProcessHnswIndex.build(2, 2, dup)).rejects.toThrow(/twice/);
    await expect(InProcessHnswIndex.build(2, 3, [[{ id: 'a', embedding: [1, 0] }]])).rejects.toThrow(/dims/);
    await expect(InProcessHnswIndex.build(2, 2, [[{ id: 'a', embedding: [0, 0] }]])).rejects.toThrow(/zero/);
    await expect(InProcessHnswIndex.build(-1, 2, [])).rejects.toThrow(RangeError);
  });

  it('answers an empty version with no results', async () => {
    const empty = await InProcessHnswIndex.build(3, 4, []);
    expect(await empty.search(new Float32Array(4).fill(1), 10)).toEqual({ ids: [], distances: [] });
  });
});
