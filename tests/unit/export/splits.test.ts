import { describe, expect, it } from 'vitest';
import { createRng, shuffleInPlace } from '@/lib/util/random';
import {
  assignStableSplits,
  assignStableSplitsFlat,
  DEFAULT_SPLIT_PROPORTIONS as R,
  iterativeStratification,
  SPLITS,
  type Split,
  type SplitItem,
} from '@/lib/export';
import { labelsFor, TAGS } from './fixtures';

const items = (from: number, to: number, seed = 7): SplitItem[] =>
  Array.from({ length: to - from }, (_, k) => ({ id: `clip-${from + k}`, labels: labelsFor(from + k, seed) }));

/** Largest |positives of a tag in a split − target|, over tags and splits, and the same for split sizes. */
function deviations(list: readonly SplitItem[], splits: ReadonlyMap<string, Split>) {
  let perTag = 0;
  for (const tag of TAGS) {
    const positives = list.filter((x) => x.labels.includes(tag));
    for (const split of SPLITS) {
      const got = positives.filter((x) => splits.get(x.id) === split).length;
      perTag = Math.max(perTag, Math.abs(got - positives.length * R[split]));
    }
  }
  let size = 0;
  for (const split of SPLITS) {
    const got = list.filter((x) => splits.get(x.id) === split).length;
    size = Math.max(size, Math.abs(got - list.length * R[split]));
  }
  return { perTag, size };
}

describe('iterativeStratification', () => {
  const data = items(0, 5_000);

  it('keeps every tag within one clip of its target count per split on skewed multi-label data', () => {
    // Prevalences run from 40% down to 0.5% (26 clips of `epic` among 5,000), with co-occurrence.
    const splits = iterativeStratification(data, { seed: 3 });
    expect(splits.size).toBe(data.length);
    const d = deviations(data, splits);
    expect(d.perTag).toBeLessThanOrEqual(1);
    expect(d.size).toBeLessThanOrEqual(1);

    // A uniform random split of the same data misses by far more: the stratification is doing the work.
    const rng = createRng(3);
    const random = new Map(
      data.map((x): [string, Split] => {
        const u = rng();
        return [x.id, u < 0.8 ? 'train' : u < 0.9 ? 'validation' : 'test'];
      }),
    );
    expect(deviations(data, random).perTag).toBeGreaterThan(5);
  });

  it('is deterministic under a seed and independent of input order', () => {
    const a = iterativeStratification(data, { seed: 11 });
    const b = iterativeStratification(shuffleInPlace([...data], createRng(99)), { seed: 11 });
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    const c = iterativeStratification(data, { seed: 12 });
    expect([...data].some((x) => a.get(x.id) !== c.get(x.id))).toBe(true);
  });

  it('honours other proportions, unlabelled items included', () => {
    const proportions = { train: 0.6, validation: 0.2, test: 0.2 };
    const list = [...items(0, 1_000), ...Array.from({ length: 200 }, (_, i) => ({ id: `bare-${i}`, labels: [] }))];
    const splits = iterativeStratification(list, { seed: 1, proportions });
    for (const split of SPLITS) {
      const n = list.filter((x) => splits.get(x.id) === split).length;
      expect(Math.abs(n - list.length * proportions[split])).toBeLessThanOrEqual(1);
    }
  });

  it('rejects bad proportions and duplicate ids', () => {
    expect(() => iterativeStratification(data, { proportions: { train: 0.8, validation: 0.1, test: 0.2 } })).toThrow(/sum to 1/);
    expect(() =>
      iterativeStratification([
        { id: 'a', labels: [] },
        { id: 'a', labels: [] },
      ]),
    ).toThrow(/duplicate/);
  });
});

describe('assignStableSplits across snapshot versions', () => {
  it('never moves a clip of version 1 when version 2 adds clips and labels change', () => {
    const v1Items = items(0, 4_000);
    const v1 = iterativeStratification(v1Items, { seed: 5 });

    // Version 2: every v1 clip again, some with changed labels after more votes, plus 2,000 new
    // clips drawn from a different label distribution (a new catalog import).
    const relabelled = v1Items.map((x, i) => (i % 10 === 0 ? { id: x.id, labels: labelsFor(i, 8) } : x));
    const v2Items = [...relabelled, ...items(4_000, 6_000, 9)];
    const v2 = assignStableSplits(v1, v2Items, { seed: 6 });

    expect(v2.size).toBe(v2Items.length);
    for (const [id, split] of v1) expect(v2.get(id)).toBe(split);
    // The whole of version 2 is still stratified: new clips filled what each split lacked.
    const d = deviations(v2Items, v2);
    expect(d.size).toBeLessThanOrEqual(1);
    expect(d.perTag).toBeLessThanOrEqual(2);
  });

  it('compensates a lopsided registry with the new clips, and keeps clips absent from a version', () => {
    // A registry where 300 early clips all went to test, and clip-0 is no longer in the snapshot.
    const registry = new Map<string, Split>(items(0, 300).map((x) => [x.id, 'test']));
    const next = items(1, 3_000);
    const splits = assignStableSplits(registry, next, { seed: 2 });
    for (const x of next.slice(0, 299)) expect(splits.get(x.id)).toBe('test');
    expect(splits.has('clip-0')).toBe(false);
    // Test is already full (299 pinned of a 299.9 target): new clips go there only when a tag is
    // under-represented among the pinned ones, which label-first stratification puts first.
    const inTest = next.filter((x) => splits.get(x.id) === 'test').length;
    expect(inTest - 0.1 * next.length).toBeLessThanOrEqual(10);
    for (const tag of TAGS) {
      const positives = next.filter((x) => x.labels.includes(tag));
      const pinned = positives.filter((x) => registry.has(x.id)).length;
      const target = positives.length * R.test;
      const got = positives.filter((x) => splits.get(x.id) === 'test').length;
      expect(got).toBeGreaterThanOrEqual(Math.floor(target) - 1);
      expect(got).toBeLessThanOrEqual(Math.max(pinned, target) + 3);
    }
    // A returning clip gets its old split back.
    const again = assignStableSplits(registry, items(0, 10), { seed: 2 });
    expect(again.get('clip-0')).toBe('test');
  });

  it('is deterministic: same registry, items and seed give the same assignment', () => {
    const v1 = iterativeStratification(items(0, 1_000), { seed: 1 });
    const a = assignStableSplits(v1, items(0, 1_500), { seed: 4 });
    const b = assignStableSplits(v1, items(0, 1_500).reverse(), { seed: 4 });
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
  });
});

describe('assignStableSplitsFlat (the snapshot build at scale)', () => {
  /** uuids with shared first bytes, so the tie-break on the later bytes is exercised too. */
  const uuidOf = (k: number, rng: () => number) =>
    `${k % 3 === 0 ? '00000000' : Math.floor(rng() * 2 ** 32).toString(16).padStart(8, '0')}-${Array.from({ length: 24 }, () => Math.floor(rng() * 16).toString(16)).join('').replace(/^(.{4})(.{4})(.{4})/, '$1-$2-$3-')}`;

  it('gives exactly the splits of assignStableSplits for the same clips, labels, registry and seed', () => {
    const rng = createRng(11);
    const list = Array.from({ length: 3000 }, (_, k) => ({ id: uuidOf(k, rng), labels: labelsFor(k, 3) }));
    // A registry from an earlier version: every fifth clip kept, in all three splits.
    const existing = new Map<string, Split>(list.filter((_, k) => k % 5 === 0).map((x, k) => [x.id, SPLITS[k % 3]]));
    const expected = assignStableSplits(existing, list, { seed: 5 });

    const labelSets: string[][] = [];
    const index = new Map<string, number>();
    const ids = new Uint8Array(list.length * 16);
    const labelSetOf = new Int32Array(list.length);
    const kept = new Int8Array(list.length);
    list.forEach((x, i) => {
      ids.set(Buffer.from(x.id.replace(/-/g, ''), 'hex'), i * 16);
      const key = x.labels.join('|');
      if (!index.has(key)) index.set(key, labelSets.push(x.labels) - 1);
      labelSetOf[i] = index.get(key)!;
      const split = existing.get(x.id);
      kept[i] = split ? SPLITS.indexOf(split) : -1;
    });
    const flat = assignStableSplitsFlat({ ids, labelSets, labelSetOf, kept }, { seed: 5 });
    expect(list.map((x, i) => SPLITS[flat[i]])).toEqual(list.map((x) => expected.get(x.id)));
    // The kept clips did not move, and the seed matters (a different one changes some new clips).
    list.forEach((x, i) => kept[i] >= 0 && expect(flat[i]).toBe(kept[i]));
    const other = assignStableSplitsFlat({ ids, labelSets, labelSetOf, kept }, { seed: 6 });
    expect(other.some((j, i) => j !== flat[i])).toBe(true);
  });

  it('rejects duplicate ids, a bad kept index and arrays of different lengths', () => {
    const ids = new Uint8Array(32);
    const one = { labelSets: [['calm']], labelSetOf: new Int32Array(2), kept: new Int8Array([-1, -1]) };
    expect(() => assignStableSplitsFlat({ ...one, ids })).toThrow(/duplicate clip id/);
    ids[31] = 1;
    expect(() => assignStableSplitsFlat({ ...one, ids, kept: new Int8Array([3, -1]) })).toThrow(/invalid existing split index 3/);
    expect(() => assignStableSplitsFlat({ ...one, ids, labelSetOf: new Int32Array([0, 1]) })).toThrow(/label set 1 of clip 1 does not exist/);
    expect(() => assignStableSplitsFlat({ ...one, ids: new Uint8Array(16) })).toThrow(/2 clips need 32 id bytes/);
  });
});
