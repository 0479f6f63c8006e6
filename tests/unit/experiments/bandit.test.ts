import { describe, expect, it } from 'vitest';
import { EXPLORATION_ARMS, greedyArm, posteriorMean, posteriorSummaries, sampleBeta, simulateThompson, thompsonPick } from '@/lib/experiments/bandit';
import { RankingArmSchema } from '@/lib/experiments/schemas';
import { createRng } from '@/lib/util/random';

describe('Thompson sampling', () => {
  it('samples Beta(a, b) with the right mean and variance', () => {
    // Beta(3, 7): mean 0.3, variance ab / ((a+b)²(a+b+1)) = 21 / 1100 = 0.0190909.
    const rng = createRng(1);
    const xs = Array.from({ length: 40_000 }, () => sampleBeta(3, 7, rng));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    expect(mean).toBeCloseTo(0.3, 2);
    expect(variance).toBeCloseTo(21 / 1100, 3);
  });

  it('calls a pick exploration only when it is not the arm with the best posterior mean', () => {
    const rng = createRng(2);
    // Arm 0 is known to be far better: every pick plays it, none is exploration.
    for (let i = 0; i < 200; i++)
      expect(
        thompsonPick(
          [
            { successes: 900, failures: 100 },
            { successes: 100, failures: 900 },
          ],
          rng,
        ),
      ).toEqual({ arm: 0, exploration: false });
    // Two unknown arms: about half the picks go to the one with the lower mean.
    let explored = 0;
    for (let i = 0; i < 2000; i++)
      if (
        thompsonPick(
          [
            { successes: 1, failures: 1 },
            { successes: 0, failures: 1 },
          ],
          rng,
        ).exploration
      )
        explored++;
    expect(explored).toBeGreaterThan(200);
    expect(explored).toBeLessThan(1000);
  });

  it('has far less regret than a fixed arm over several seeds, and plays the best arm most', () => {
    // Like rates of three ranking arms; a fixed choice of the middle arm loses 0.05 per session.
    const rates = [0.3, 0.35, 0.25];
    const rounds = 10_000;
    for (const seed of [1, 2, 3, 4, 5]) {
      const run = simulateThompson(rates, rounds, createRng(seed));
      const fixedRegret = rounds * (0.35 - 0.3); // always arm 0: 500 (measured for Thompson: 13–73 over seeds 1–5)
      expect(run.regret[rounds - 1]).toBeLessThan(fixedRegret / 4);
      expect(run.pulls[1]).toBeGreaterThan(rounds / 2);
      // Regret grows sublinearly: the second half adds less than the first.
      expect(run.regret[rounds - 1] - run.regret[rounds / 2 - 1]).toBeLessThan(run.regret[rounds / 2 - 1]);
    }
  });
});

describe('Beta posteriors of the ranking arms', () => {
  it('updates by counting: 3 likes and 2 skips/dislikes give Beta(4, 3), mean 4/7, sd √(12/392)', () => {
    // Reactions in order: like, like, skip, dislike, like → successes 3, failures 2.
    const arm = { successes: 0, failures: 0 };
    for (const liked of [true, true, false, false, true]) {
      if (liked) arm.successes++;
      else arm.failures++;
    }
    const [post] = posteriorSummaries([arm]);
    expect([post.alpha, post.beta]).toEqual([4, 3]);
    expect(post.mean).toBeCloseTo(4 / 7, 12);
    // αβ / ((α+β)²(α+β+1)) = 12 / (49 · 8) = 0.0306122…, sd 0.174964
    expect(post.sd).toBeCloseTo(0.174964, 6);
    expect(posteriorMean(arm)).toBeCloseTo(4 / 7, 12);
    expect(post.pBest).toBe(1);
  });

  it('P(best) of Beta(2, 1) against Beta(1, 1) is 2/3 (∫ 2x · x dx over [0, 1])', () => {
    const [a, b] = posteriorSummaries(
      [
        { successes: 1, failures: 0 },
        { successes: 0, failures: 0 },
      ],
      20_000,
    );
    // 20,000 draws: standard error √(2/9 / 20000) = 0.0033.
    expect(a.pBest).toBeCloseTo(2 / 3, 1);
    expect(Math.abs(a.pBest - 2 / 3)).toBeLessThan(0.015);
    expect(a.pBest + b.pBest).toBeCloseTo(1, 12);
  });

  it('the greedy arm has the best posterior mean, the first on a tie; bad input is refused', () => {
    expect(greedyArm([{ successes: 1, failures: 1 }, { successes: 3, failures: 1 }, { successes: 30, failures: 30 }])).toBe(1);
    expect(greedyArm([{ successes: 0, failures: 0 }, { successes: 2, failures: 2 }])).toBe(0);
    expect(() => greedyArm([])).toThrow(/no arms/);
    expect(() => posteriorSummaries([{ successes: 0, failures: 0 }], 0)).toThrow(/draws/);
  });

  it('the live arms have distinct keys and settings within the ranking limits', () => {
    expect(new Set(EXPLORATION_ARMS.map((a) => a.key)).size).toBe(EXPLORATION_ARMS.length);
    expect(new Set(EXPLORATION_ARMS.map((a) => `${a.lambda}/${a.maxPerArtist}`)).size).toBe(EXPLORATION_ARMS.length);
    for (const a of EXPLORATION_ARMS) expect(RankingArmSchema.parse({ lambda: a.lambda, maxPerArtist: a.maxPerArtist })).toBeTruthy();
  });
});
