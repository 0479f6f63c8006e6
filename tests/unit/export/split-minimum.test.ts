import { describe, expect, it } from 'vitest';
import { assignStableSplits, iterativeStratification, MIN_ROWS_FOR_EVERY_SPLIT, SPLITS, type Split, type SplitItem } from '@/lib/export';

/**
 * The minimum-size rule of lib/export/splits.ts on small, hand-worked cases: with N ≥ 10 rows
 * every split holds at least max(1, ⌊N·share / 2⌋) rows (0.8 / 0.1 / 0.1), met with new clips only.
 */

const sizes = (splits: ReadonlyMap<string, Split>) => Object.fromEntries(SPLITS.map((s) => [s, [...splits.values()].filter((x) => x === s).length]));
const unique = (n: number, prefix = 'c'): SplitItem[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(2, '0')}`, labels: [`tag${i}`] }));

describe('split minimum (N ≥ 10: validation and test never empty)', () => {
  it('11 clips with one distinct label each: stratification alone puts all in train (0.8 > 0.1 per label); the rule gives 9 / 1 / 1', () => {
    // Each label λ has N^λ = 1, desired c^λ = (0.8, 0.1, 0.1): the stratifier sends every clip to train.
    for (const seed of [1, 2, 3]) expect(sizes(iterativeStratification(unique(11), { seed }))).toEqual({ train: 9, validation: 1, test: 1 });
  });

  it('9 clips are below the threshold: left to the stratifier (all train here)', () => {
    expect(MIN_ROWS_FOR_EVERY_SPLIT).toBe(10);
    expect(sizes(iterativeStratification(unique(9), { seed: 1 }))).toEqual({ train: 9, validation: 0, test: 0 });
  });

  it('64 clips with distinct labels: at least ⌊6.4 / 2⌋ = 3 rows in validation and in test', () => {
    expect(sizes(iterativeStratification(unique(64), { seed: 1 }))).toEqual({ train: 58, validation: 3, test: 3 });
  });

  it('moves the clip whose labels train has most to spare: a `calm` clip (2 in train, 1.6 wanted) before a one-off label', () => {
    // Ten clips, all in train after stratification: c0…c7 carry one-off labels, c8 and c9 both `calm`.
    // Score of a move train → validation = Σ_λ surplus_train(λ) − surplus_validation(λ):
    //   one-off label: (1 − 0.8) − (0 − 0.1) = 0.3;   calm: (2 − 1.6) − (0 − 0.2) = 0.6   → a calm clip goes to validation.
    // Then for test: the other calm clip scores (1 − 1.6) − (0 − 0.2) = −0.4, a one-off 0.3 → a one-off clip goes to test.
    const items: SplitItem[] = [...unique(8), { id: 'c08', labels: ['calm'] }, { id: 'c09', labels: ['calm'] }];
    for (const seed of [1, 2, 3, 4]) {
      const splits = iterativeStratification(items, { seed });
      expect(sizes(splits)).toEqual({ train: 8, validation: 1, test: 1 });
      const validation = [...splits].filter(([, s]) => s === 'validation').map(([id]) => id);
      const test = [...splits].filter(([, s]) => s === 'test').map(([id]) => id);
      expect(['c08', 'c09']).toContain(validation[0]);
      expect(test[0]).toMatch(/^c0[0-7]$/);
    }
  });

  it('an earlier version put 10 clips in train: they stay, and the 2 new clips fill validation and test', () => {
    const old = unique(10, 'old');
    const registry = new Map<string, Split>(old.map((x) => [x.id, 'train']));
    const fresh = unique(2, 'new');
    const splits = assignStableSplits(registry, [...old, ...fresh], { seed: 5 });
    for (const x of old) expect(splits.get(x.id)).toBe('train');
    expect(new Set(fresh.map((x) => splits.get(x.id)))).toEqual(new Set(['validation', 'test']));
  });

  it('with no new clip to move, an empty split stays empty: earlier assignments are never changed', () => {
    const old = unique(12, 'old');
    const registry = new Map<string, Split>(old.map((x) => [x.id, 'train']));
    expect(sizes(assignStableSplits(registry, old, { seed: 5 }))).toEqual({ train: 12, validation: 0, test: 0 });
  });

  it('a zero share is not filled', () => {
    const splits = iterativeStratification(unique(20), { seed: 1, proportions: { train: 0.9, validation: 0.1, test: 0 } });
    expect(sizes(splits)).toEqual({ train: 19, validation: 1, test: 0 });
  });

  it('stays deterministic under a seed and independent of input order', () => {
    const items = [...unique(8), { id: 'c08', labels: ['calm'] }, { id: 'c09', labels: ['calm'] }, { id: 'c10', labels: [] }];
    const a = iterativeStratification(items, { seed: 9 });
    const b = iterativeStratification([...items].reverse(), { seed: 9 });
    expect([...b].sort()).toEqual([...a].sort());
  });
});
