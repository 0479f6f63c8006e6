import { describe, expect, it } from 'vitest';
import {
  annotatorAgreement,
  annotatorTagAgreement,
  clipAgreement,
  fleissKappa,
  krippendorffAlphaNominal,
  nominalAgreement,
  tagAgreement,
  tagAgreementByBatch,
  unitsFromCoderRows,
  type MultiLabelVote,
  type Vote,
} from '@/lib/crowd';

/*
 * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C:
 * 4 observers, 12 units, values 1–5, missing data (.). Nominal alpha = 0.743.
 *   unit  1  2  3  4  5  6  7  8  9 10 11 12
 *   A     1  2  3  3  2  1  4  1  2  .  .  .
 *   B     1  2  3  3  2  2  4  1  2  5  .  3
 *   C     .  3  3  3  2  3  4  2  2  5  1  .
 *   D     1  2  3  3  2  4  4  1  2  5  1  .
 * Unit 12 holds a single value and is not pairable, so n = 40. The
 * off-diagonal coincidences sum to 8 and Σ_{c≠k} n_c·n_k = 40² − 384 = 1216:
 *   α = 1 − (n − 1) · 8 / 1216 = 1 − 312/1216 = 0.743.
 */
const _ = null;
const krippendorff = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];

/*
 * Fleiss' kappa worked example (Wikipedia, "Fleiss' kappa"): 10 subjects,
 * 14 raters each, 5 categories; P̄ = 0.378, P_e = 0.213, κ = 0.210.
 */
const fleiss = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

describe('Krippendorff alpha (nominal)', () => {
  it("equals Krippendorff's own worked example: 0.743", () => {
    const result = krippendorffAlphaNominal(unitsFromCoderRows(krippendorff));
    expect(result.pairableValues).toBe(40);
    expect(result.units).toBe(11);
    expect(result.observedDisagreement).toBeCloseTo(8 / 40, 12);
    expect(result.expectedDisagreement).toBeCloseTo(1216 / (40 * 39), 12);
    expect(result.alpha.toFixed(3)).toBe('0.743');
  });

  it('gives the same from (item, worker, label) triples', () => {
    const votes: Vote[] = krippendorff.flatMap((row, c) =>
      row.flatMap((value, u) => (value === null ? [] : [{ item: `u${u}`, worker: `coder${c}`, label: String(value) }])),
    );
    expect(nominalAgreement(votes).alpha).toBeCloseTo(krippendorffAlphaNominal(unitsFromCoderRows(krippendorff)).alpha, 12);
  });

  it('is 1 for perfect agreement, NaN without variation, ≈ 0 for random coders', () => {
    expect(krippendorffAlphaNominal([['a', 'a'], ['b', 'b', 'b']]).alpha).toBe(1);
    expect(krippendorffAlphaNominal([['a', 'a'], ['a', 'a']]).alpha).toBeNaN();
    let seed = 1;
    const coin = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 < 0.5 ? 'x' : 'y');
    const units = Array.from({ length: 4000 }, () => [coin(), coin(), coin()]);
    expect(Math.abs(krippendorffAlphaNominal(units).alpha)).toBeLessThan(0.03);
  });
});

describe("Fleiss' kappa", () => {
  it('equals the published worked example: 0.210', () => {
    expect(fleiss.every((row) => row.reduce((a, x) => a + x, 0) === 14)).toBe(true);
    const result = fleissKappa(fleiss);
    expect(result.observedAgreement.toFixed(3)).toBe('0.378');
    expect(result.expectedAgreement.toFixed(3)).toBe('0.213');
    expect(result.kappa.toFixed(3)).toBe('0.210');
    expect(result.subjects).toBe(10);
  });
});

describe('agreement on votes', () => {
  const tags = ['calm', 'happy'];
  const votes: MultiLabelVote[] = [
    { item: 'c1', worker: 'a', tags: ['calm'] },
    { item: 'c1', worker: 'b', tags: ['calm'] },
    { item: 'c1', worker: 'c', tags: ['calm', 'happy'] },
    { item: 'c2', worker: 'a', tags: ['happy'] },
    { item: 'c2', worker: 'b', tags: ['happy'] },
    { item: 'c2', worker: 'c', tags: [] },
  ];

  it('per tag: calm is unanimous, happy is split', () => {
    const result = tagAgreement(votes, tags);
    expect(result.perTag.calm.alpha).toBe(1);
    // happy: c1 (no, no, yes), c2 (yes, yes, no): D_o = (2·2/2 + 2·2/2)/6 = 2/3, D_e = (36 − 18)/30 = 3/5
    expect(result.perTag.happy.alpha).toBeCloseTo(1 - (2 / 3) / (3 / 5), 12);
    expect(result.pooledAlpha).toBeCloseTo(1 - (0 + 2 / 3) / (3 / 5 + 3 / 5), 12);
  });

  it('per batch', () => {
    const byBatch = tagAgreementByBatch(votes, tags, (item) => (item === 'c1' ? 'batch-1' : 'batch-2'));
    expect([...byBatch.keys()]).toEqual(['batch-1', 'batch-2']);
    expect(byBatch.get('batch-1')!.perTag.calm.alpha).toBeNaN(); // one unit, no variation
  });

  it('per annotator against the consensus', () => {
    const consensus = new Map([['c1', ['calm']], ['c2', ['happy']]]);
    const result = annotatorTagAgreement(votes, consensus, tags);
    expect(result.get('a')).toEqual({ alpha: 1, rawAgreement: 1, units: 4 });
    expect(result.get('c')!.rawAgreement).toBe(0.5);
    expect(result.get('c')!.alpha).toBeLessThan(0.5);
    const categorical = annotatorAgreement(
      [
        { item: 'x', worker: 'p', label: 'sad' },
        { item: 'y', worker: 'p', label: 'calm' },
        { item: 'x', worker: 'q', label: 'calm' },
        { item: 'y', worker: 'q', label: 'sad' },
      ],
      new Map([['x', 'sad'], ['y', 'calm']]),
    );
    expect(categorical.get('p')!.alpha).toBe(1);
    expect(categorical.get('q')!.alpha).toBeLessThan(0);
  });

  it('one clip, against the population', () => {
    const clip = votes.filter((v) => v.item === 'c1');
    // calm unanimous (D_o 0), happy 1 of 3 (D_o = 2·1·2/6 = 2/3); D_e = 2·0.5·0.5 + 2·0.3·0.7 = 0.92
    expect(clipAgreement(clip, tags, [0.5, 0.3])).toBeCloseTo(1 - (2 / 3) / 0.92, 12);
    expect(clipAgreement(clip.slice(0, 1), tags, [0.5, 0.3])).toBeNaN();
  });
});
