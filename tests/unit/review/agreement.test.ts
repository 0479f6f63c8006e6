import { describe, expect, it } from 'vitest';
import { expertAgreement } from '@/lib/review/agreement';

describe('expert–expert agreement', () => {
  it('matches the hand-worked example', () => {
    // Worked in lib/review/agreement.ts: calm units (y,y) (n,y): alpha = 1 − 0.5/0.5 = 0;
    // sad units (n,n) (y,n): likewise 0; pooled alpha = 1 − (1/2)/(4/7) = 0.125.
    const result = expertAgreement(
      [
        { first: ['calm'], second: ['calm'] },
        { first: ['sad'], second: ['calm'] },
      ],
      ['calm', 'sad'],
    );
    expect(result.pairs).toBe(2);
    expect(result.percentAgreement).toBe(0.5);
    expect(result.alpha).toBeCloseTo(0.125, 10);
    expect(result.perTag.map((t) => [t.tag, t.percentAgreement, t.alpha])).toEqual([
      ['calm', 0.5, 0],
      ['sad', 0.5, 0],
    ]);
  });

  it('is 1 when the experts always agree on varied answers', () => {
    const pairs = [
      { first: ['calm'], second: ['calm'] },
      { first: ['sad', 'dark'], second: ['dark', 'sad'] },
      { first: [], second: [] },
    ];
    const result = expertAgreement(pairs, ['calm', 'sad', 'dark']);
    expect(result.percentAgreement).toBe(1);
    expect(result.alpha).toBe(1);
  });
});
