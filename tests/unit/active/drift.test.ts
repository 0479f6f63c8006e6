import { describe, expect, it } from 'vitest';
import { driftedRegionReason, driftSignals, feedbackReason, feedbackSignal, populationStabilityIndex, quantileEdges } from '@/lib/active/drift';

describe('population stability index', () => {
  it('matches a hand-worked value with two bins', () => {
    // Reference 1..10 cut at its median rank (6): shares 0.5 / 0.5. Current: 2 of 8 below 6, 6 above.
    // PSI = (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.173287 + 0.101366 = 0.274653.
    const r = populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 6, 7, 8, 9, 10, 10], 2);
    expect(r.edges).toEqual([6]);
    expect(r.expected).toEqual([0.5, 0.5]);
    expect(r.actual).toEqual([0.25, 0.75]);
    expect(r.psi).toBeCloseTo(0.274653, 6);
  });

  it('matches a hand-worked value with four bins (= ½·ln 2)', () => {
    // Reference 1..8: edges 3, 5, 7, quarters each. Current shares 0.5, 0.125, 0.125, 0.25:
    // 0.25·ln 2 + 2 · (−0.125)·ln(0.5) = 0.5·ln 2 = 0.346574.
    const r = populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 4, 6, 8, 8], 4);
    expect(r.edges).toEqual([3, 5, 7]);
    expect(r.psi).toBeCloseTo(0.5 * Math.log(2), 9);
  });

  it('is 0 for the same distribution, floors empty bins, and merges tied cut points', () => {
    const ref = Array.from({ length: 100 }, (_, i) => i);
    expect(populationStabilityIndex(ref, ref).psi).toBeCloseTo(0, 12);
    // Everything in the top decile: (1 − 0.1)·ln(1/0.1) + 9·(1e-4 − 0.1)·ln(1e-4/0.1) ≈ 2.072 + 6.211.
    const shifted = populationStabilityIndex(
      ref,
      Array.from({ length: 10 }, () => 95),
    );
    expect(shifted.psi).toBeCloseTo(0.9 * Math.log(10) + 9 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1), 9);
    expect(quantileEdges([0, 0, 0, 0, 1, 1, 1, 1], 4)).toEqual([1]);
  });
});

describe('drift signals', () => {
  it('scores distance to the nearest labelled clip against the labelled spacing, with reasons', () => {
    // 1-d: labelled at 0, 1, 2, 3 (nearest-other distance 1 each: r = 1). Candidates at 1.5 (inside),
    // 4.5 (1.5 away: (1.5 − 1)/1 = 0.5) and 10 (7 away: capped at 1).
    const z = [0, 1, 2, 3, 1.5, 4.5, 10];
    const out = driftSignals(z, 1, [4, 5, 6], [0, 1, 2, 3], ['tempo'])!;
    expect(out.radius).toBe(1);
    expect(Array.from(out.distance)).toEqual([0.5, 1.5, 7]);
    expect(out.signal[0]).toBe(0);
    expect(out.signal[1]).toBeCloseTo(0.5, 12);
    expect(out.signal[2]).toBe(1);
    expect(out.reasons[2][0]).toMatch(/^far from any labeled clip \(distance 7\.00; labeled clips lie within 1\.00/);
    // The candidates sit mostly above the labelled range: tempo's PSI is a major shift, and the
    // clips in its over-represented top bin are in a drifted region.
    expect(out.features[0].name).toBe('tempo');
    expect(out.features[0].psi).toBeGreaterThan(0.25);
    // By hand: edges 1, 2, 3 give four bins the labelled clips fill 1/4 each; new clips 1.5, 4.5, 10 fill
    // 0, 1/3, 0, 2/3. PSI = 2·(1e-4 − 1/4)·ln(4e-4) + (1/3 − 1/4)·ln(4/3) + (2/3 − 1/4)·ln(8/3)
    // = 3.910459 + 0.023974 + 0.408679 = 4.343112; 4.5 sits in the top bin, filled (2/3)/(1/4) = 2.67× as often.
    expect(out.features[0].psi).toBeCloseTo(4.343112, 5);
    expect(out.reasons[1][1]).toBe(
      "new clips' tempo distribution has shifted (PSI 4.34; above 0.25 is a major shift), and this clip's tempo is in a range new clips fill 2.7× as often as labeled ones",
    );
    // 1.5 sits in a bin new clips fill 4/3 as often: not a drifted region (below 2×), and within r of a labelled clip.
    expect(out.reasons[0]).toEqual([]);
    expect(driftSignals(z, 1, [4], [0], ['tempo'])).toBeNull();
  });

  it('says a drifted region in words, with the PSI yardstick', () => {
    expect(driftedRegionReason('brightness', 0.3149, 3.25)).toBe(
      "new clips' brightness distribution has shifted (PSI 0.31; above 0.25 is a major shift), and this clip's brightness is in a range new clips fill 3.3× as often as labeled ones",
    );
    // A bin no labelled clip falls in: no ratio to quote.
    expect(driftedRegionReason('tempo', 0.5, Infinity)).toBe(
      "new clips' tempo distribution has shifted (PSI 0.50; above 0.25 is a major shift), and this clip's tempo is in a range no labeled clip reaches",
    );
  });
});

describe('listener feedback', () => {
  it('shrinks the negative share by the prior and says what listeners did', () => {
    expect(feedbackSignal({ reactions: 2, skips: 2, dislikes: 0 })).toBe(0);
    expect(feedbackSignal({ reactions: 5, skips: 4, dislikes: 1 })).toBeCloseTo(5 / 10, 12);
    expect(feedbackSignal({ reactions: 30, skips: 30, dislikes: 0 })).toBeCloseTo(30 / 35, 12);
    expect(feedbackReason({ reactions: 9, skips: 7, dislikes: 0 }, ['calm'])).toBe(
      "listeners skip this as 'calm' (7 of 9 reactions were skips or dislikes)",
    );
    expect(feedbackReason({ reactions: 4, skips: 1, dislikes: 3 }, [])).toBe(
      'listeners dislike this (4 of 4 reactions were skips or dislikes)',
    );
  });
});
