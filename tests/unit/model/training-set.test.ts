import { describe, expect, it } from 'vitest';
import { decodeFloat4Array, pgFloatArray, pgTextArray } from '@/lib/util/pg-arrays';
import { buildTrainingSet, OPEN_CLIP_WEIGHT, splitOf, tagConfusion, type LabelledCatalog } from '@/lib/model/training-set';

function catalog(
  rows: { id: string; state: string; post: number[] | null; split?: 'train' | 'validation' | 'test' | null }[],
): LabelledCatalog {
  const t = 2;
  const d = 1;
  return {
    n: rows.length,
    d,
    t,
    ids: rows.map((r) => r.id),
    x: Float32Array.from(rows.map((_, i) => i)),
    labelState: rows.map((r) => r.state),
    storedSplit: rows.map((r) => r.split ?? null),
    posteriors: Float32Array.from(rows.flatMap((r) => r.post ?? [NaN, NaN])),
    confidences: Float32Array.from(rows.flatMap((r) => (r.post ? r.post.map((p) => Math.max(p, 1 - p)) : [NaN, NaN]))),
    hasAggregates: Uint8Array.from(rows.map((r) => (r.post ? 1 : 0))),
  };
}

describe('training set and held-out split', () => {
  it('splitOf is stable, honours dataset_splits, and sends about 20 % to test by hash', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const test = ids.filter((id) => splitOf(id, null) === 'test').length / ids.length;
    expect(test).toBeGreaterThan(0.17);
    expect(test).toBeLessThan(0.23);
    expect(ids.map((id) => splitOf(id, null))).toEqual(ids.map((id) => splitOf(id, null)));
    expect(splitOf(ids[0], 'test')).toBe('test');
    expect(splitOf(ids[0], 'train')).toBe('train');
  });

  it('settled clips train at their confidence, open voted clips at half, disputed and unvoted not at all; test clips never train', () => {
    const c = catalog([
      { id: 'a', state: 'consensus', post: [0.9, 0.2], split: 'train' },
      { id: 'b', state: 'open', post: [0.6, 0.4], split: 'train' },
      { id: 'c', state: 'disputed', post: [0.5, 0.5], split: 'train' },
      { id: 'd', state: 'open', post: null, split: 'train' },
      { id: 'e', state: 'expert_resolved', post: [1, 0], split: 'validation' },
      { id: 'f', state: 'consensus', post: [0.1, 0.95], split: 'test' },
      { id: 'g', state: 'open', post: [0.7, 0.3], split: 'test' },
    ]);
    const set = buildTrainingSet(c);
    expect(Array.from(set.rows)).toEqual([0, 1, 4]);
    expect(set.weights[0]).toBeCloseTo((0.9 + 0.8) / 2);
    expect(set.weights[1]).toBeCloseTo(OPEN_CLIP_WEIGHT * 0.6);
    expect(set.weights[2]).toBe(1);
    expect(Array.from(set.validationIndices)).toEqual([2]);
    expect(Array.from(set.test.rows)).toEqual([5]);
    expect(Array.from(set.test.truth)).toEqual([Math.fround(0.1), Math.fround(0.95)]);
    expect(set.counts).toMatchObject({ settled: 2, open: 1, test: 1, excludedTestRows: 1 });
  });

  it('tag confusion counts true × predicted co-occurrence on the held-out clips', () => {
    const truth = [1, 0, 0, 1, 1, 1];
    const probs = [0.9, 0.8, 0.1, 0.2, 0.7, 0.1];
    const c = tagConfusion(truth, probs, 3, 2, ['calm', 'tense']);
    expect(c.matrix).toEqual([
      [2, 1],
      [1, 0],
    ]);
    expect(c.support).toEqual([2, 2]);
    expect(c.predicted).toEqual([2, 1]);
    expect(c.missedEntirely).toEqual([0, 1]);
  });
});

describe('array parameters and binary arrays', () => {
  it('formats PostgreSQL array literals and refuses text that would need quoting', () => {
    expect(pgFloatArray([0, 0.5, NaN, 1 / 3], 0, 4, 6)).toBe('{0,0.500000,NaN,0.333333}');
    expect(pgTextArray(['happy', 'b2c1-uuid'])).toBe('{happy,b2c1-uuid}');
    expect(() => pgTextArray(['a,b'])).toThrow(/quoting/);
  });

  it('decodes array_send(real[]) bytes', () => {
    const values = [1.5, -2.25, NaN];
    const buf = new DataView(new ArrayBuffer(20 + values.length * 8));
    buf.setInt32(0, 1);
    buf.setInt32(4, 1);
    buf.setInt32(8, 700);
    buf.setInt32(12, values.length);
    buf.setInt32(16, 1);
    values.forEach((v, k) => {
      const at = 20 + k * 8;
      if (Number.isNaN(v)) buf.setInt32(at, -1);
      else {
        buf.setInt32(at, 4);
        buf.setFloat32(at + 4, v);
      }
    });
    const out = new Float32Array(4);
    expect(decodeFloat4Array(new Uint8Array(buf.buffer), out, 1, 3)).toBe(3);
    expect(Array.from(out)).toEqual([0, 1.5, -2.25, NaN]);
  });
});
