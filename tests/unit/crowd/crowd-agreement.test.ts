import { describe, expect, it } from 'vitest';
import { annotatorCrowdAgreement, annotatorTagCrowdAgreement, fleissKappa, tagAgreement } from '@/lib/crowd/agreement';
import type { MultiLabelVote } from '@/lib/crowd/binary-relevance';
import type { Vote } from '@/lib/crowd/types';

/* Fleiss' worked example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters each, 5 categories; P̄ = 0.378, P_e = 0.213, κ = 0.210. */
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

/** The table as votes of 14 named raters (who rated what is not published; any assignment has the same P̄). */
function fleissVotes(rotate: number): Vote[] {
  return fleiss.flatMap((row, i) => {
    const labels = row.flatMap((n, j) => Array.from({ length: n }, () => `cat${j + 1}`));
    return labels.map((label, r) => ({ item: `s${i + 1}`, worker: `rater-${((r + rotate * i) % 14) + 1}`, label }));
  });
}

describe("each annotator's agreement with the rest of the crowd (Fleiss' kappa by rater)", () => {
  it("on Fleiss' table the raters' P̄_w average to Fleiss' P̄ = 0.378, and with P_e = 0.213 give κ = 0.210", () => {
    const published = fleissKappa(fleiss);
    for (const rotate of [0, 5]) {
      const perRater = annotatorCrowdAgreement(fleissVotes(rotate));
      expect(perRater.size).toBe(14);
      const raters = [...perRater.values()];
      const meanObserved = raters.reduce((a, r) => a + r.observedAgreement, 0) / 14;
      expect(meanObserved.toFixed(3)).toBe('0.378');
      expect(meanObserved).toBeCloseTo(published.observedAgreement, 12);
      for (const r of raters) {
        expect(r.expectedAgreement.toFixed(3)).toBe('0.213');
        expect(r.items).toBe(10);
      }
      expect(((meanObserved - 0.2128) / (1 - 0.2128)).toFixed(3)).toBe('0.210');
      expect(((meanObserved - raters[0].expectedAgreement) / (1 - raters[0].expectedAgreement)).toFixed(3)).toBe('0.210');
    }
  });

  it('per rater, by hand: subject 1 (all 14 in category 5) is full agreement for each; subject 6 (7/7) is 6/13', () => {
    const votes = fleissVotes(0).filter((v) => v.item === 's1' || v.item === 's6');
    const r1 = annotatorCrowdAgreement(votes).get('rater-1')!;
    // rater-1 is in category 5 on s1 (13 of 13 others agree) and category 1 on s6 (6 of 13 others).
    expect(r1.observedAgreement).toBeCloseTo((1 + 6 / 13) / 2, 12);
    // p = (7, 7, 0, 0, 14) / 28 → P_e = (1/16 + 1/16 + 1/4) = 0.375
    expect(r1.expectedAgreement).toBeCloseTo(0.375, 12);
    expect(r1.kappa).toBeCloseTo(((1 + 6 / 13) / 2 - 0.375) / 0.625, 12);
  });

  it('multi-label: each tag a yes/no question; hand-worked three clips', () => {
    // calm: c1 a✓ b✓ c✗ · c2 a✗ b✗ c✗ · c3 a✓ b✓ → 4 yes of 8, P_e = 0.5
    const votes: MultiLabelVote[] = [
      { item: 'c1', worker: 'a', tags: ['calm'] },
      { item: 'c1', worker: 'b', tags: ['calm'] },
      { item: 'c1', worker: 'c', tags: [] },
      { item: 'c2', worker: 'a', tags: [] },
      { item: 'c2', worker: 'b', tags: [] },
      { item: 'c2', worker: 'c', tags: [] },
      { item: 'c3', worker: 'a', tags: ['calm'] },
      { item: 'c3', worker: 'b', tags: ['calm'] },
      { item: 'c4', worker: 'c', tags: ['calm'] }, // alone on its clip: nobody to agree with
    ];
    const per = annotatorTagCrowdAgreement(votes, ['calm']);
    // a: 1/2, 2/2, 1/1 → P̄ = 5/6, κ = (5/6 − 1/2) / (1/2) = 2/3
    expect(per.get('a')).toMatchObject({ items: 3, units: 3 });
    expect(per.get('a')!.observedAgreement).toBeCloseTo(5 / 6, 12);
    expect(per.get('a')!.kappa).toBeCloseTo(2 / 3, 12);
    expect(per.get('b')!.kappa).toBeCloseTo(2 / 3, 12);
    // c: 0/2, 2/2 → P̄ = 1/2 = P_e → κ = 0
    expect(per.get('c')).toMatchObject({ items: 2, units: 2, kappa: 0 });
    // Fleiss per tag: P_i = 1/3, 1, 1 → P̄ = 7/9; κ = (7/9 − 1/2) / (1/2) = 5/9
    expect(tagAgreement(votes, ['calm']).perTag.calm.kappa).toBeCloseTo(5 / 9, 12);
    // The raters' P̄_w weighted by their units is Fleiss' P_i weighted by each clip's m_i (the clips
    // have 3, 3 and 2 votes, so not P̄ itself): (5/6·3 + 5/6·3 + 1/2·2) / 8 = (3·1/3 + 3·1 + 2·1) / 8 = 3/4
    const weighted = [...per.values()].reduce((acc, r) => acc + r.observedAgreement * r.units, 0) / 8;
    expect(weighted).toBeCloseTo(3 / 4, 12);
  });

  it('two tags pool their units; a tag everyone answers the same has P_e = 1 and only adds agreement', () => {
    const votes: MultiLabelVote[] = [
      { item: 'c1', worker: 'a', tags: ['calm'] },
      { item: 'c1', worker: 'b', tags: [] },
    ];
    // calm: 1 yes 1 no → p = 1/2, P_e = 1/2, a agrees with 0 of 1; happy: both "no" → P_e = 1, agrees 1 of 1
    const a = annotatorTagCrowdAgreement(votes, ['calm', 'happy']).get('a')!;
    expect(a).toMatchObject({ units: 2, items: 1, observedAgreement: 0.5, expectedAgreement: 0.75 });
    expect(a.kappa).toBeCloseTo((0.5 - 0.75) / 0.25, 12);
  });
});
