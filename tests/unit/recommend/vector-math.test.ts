import { describe, expect, it } from 'vitest';
import { cosine, dot, exactKnn, norm, normalize, recallAtK } from '@/lib/recommend/vector-math';
import { createRng, gaussianMatrix, randomVector, row } from './fixtures';

describe('vector primitives', () => {
  it('computes dot, norm, normalize and cosine', () => {
    expect(dot([1, 2], [3, 4])).toBe(11);
    expect(norm([3, 4])).toBe(5);
    expect(Array.from(normalize([3, 4]))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([1, 0], [-2, 0])).toBeCloseTo(-1, 12);
  });

  it('keeps the zero vector at zero and gives it cosine 0', () => {
    expect(Array.from(normalize([0, 0]))).toEqual([0, 0]);
    expect(cosine([0, 0], [1, 0])).toBe(0);
  });

  it('rejects mismatched dimensions', () => {
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
    expect(() => cosine([1], [1, 2])).toThrow(RangeError);
  });
});

describe('exactKnn', () => {
  it('matches a full sort by cosine on random data', () => {
    const rng = createRng(7);
    const dim = 16;
    const n = 2000;
    const rows = gaussianMatrix(n, dim, rng);
    for (let q = 0; q < 10; q++) {
      const query = randomVector(dim, rng);
      const sorted = Array.from({ length: n }, (_, i) => ({ i, s: cosine(row(rows, dim, i), query) })).sort(
        (a, b) => b.s - a.s,
      );
      const knn = exactKnn(rows, dim, query, 10);
      expect(knn.indices).toEqual(sorted.slice(0, 10).map((x) => x.i));
      knn.similarities.forEach((s, j) => expect(s).toBeCloseTo(sorted[j].s, 5));
    }
  });

  it('returns all rows when k exceeds n, and nothing for k = 0', () => {
    const rows = new Float32Array([1, 0, 0, 1, 1, 1]);
    expect(exactKnn(rows, 2, [1, 0.1], 10).indices).toEqual([0, 2, 1]);
    expect(exactKnn(rows, 2, [1, 0.1], 0).indices).toEqual([]);
  });
});

describe('recallAtK', () => {
  it('is the share of the true top k that was found', () => {
    expect(recallAtK(['a', 'b', 'x'], ['a', 'b', 'c'], 3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(['c', 'b', 'a'], ['a', 'b', 'c'], 3)).toBe(1);
    expect(recallAtK(['a', 'z', 'b', 'c'], ['a', 'b', 'c', 'd'], 2)).toBe(0.5);
  });
});
