/**
 * Thompson sampling over a small set of ranking arms (issue 20, item 3): each arm keeps a
 * Beta(1 + likes, 1 + non-likes) posterior of its like rate; every pick draws one sample per arm
 * and plays the largest (Thompson 1933; Chapelle & Li, "An Empirical Evaluation of Thompson
 * Sampling", NIPS 2011). A pick is an *exploration* when the arm played is not the one with the
 * highest posterior mean — what the listener's "why" says. The live wiring (one arm per listener
 * session, rewards from its likes and skips) is lib/recommend/exploration.ts.
 */
import { createRng, gaussian, type Rng } from '@/lib/util/random';
import type { RankingArm } from './schemas';

export interface ArmPosterior {
  successes: number;
  failures: number;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError('sampleGamma: shape must be > 0');
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = gaussian(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x / (x + y);
}

export interface ThompsonPick {
  arm: number;
  /** The arm with the highest posterior mean was not the one played. */
  exploration: boolean;
}

/** Posterior mean of an arm's like rate under its Beta(1, 1) prior: (1 + s) / (2 + s + f). */
export function posteriorMean(p: ArmPosterior): number {
  return (1 + p.successes) / (2 + p.successes + p.failures);
}

/** The arm with the highest posterior mean (the first on a tie): what a greedy recommender would play. */
export function greedyArm(arms: readonly ArmPosterior[]): number {
  if (arms.length === 0) throw new RangeError('greedyArm: no arms');
  let greedy = 0;
  arms.forEach((p, i) => {
    if (posteriorMean(p) > posteriorMean(arms[greedy])) greedy = i;
  });
  return greedy;
}

/** One Thompson-sampling pick among the arms (Beta(1,1) priors). */
export function thompsonPick(arms: readonly ArmPosterior[], rng: Rng): ThompsonPick {
  if (arms.length === 0) throw new RangeError('thompsonPick: no arms');
  let arm = 0;
  let best = -1;
  arms.forEach((p, i) => {
    const draw = sampleBeta(1 + p.successes, 1 + p.failures, rng);
    if (draw > best) {
      best = draw;
      arm = i;
    }
  });
  return { arm, exploration: arm !== greedyArm(arms) };
}

export interface PosteriorSummary {
  /** Beta(alpha, beta): alpha = 1 + likes, beta = 1 + skips and dislikes. */
  alpha: number;
  beta: number;
  mean: number;
  /** Posterior standard deviation √(αβ / ((α+β)²(α+β+1))). */
  sd: number;
  /** P(this arm has the highest like rate): the share of new sessions Thompson sampling gives it. */
  pBest: number;
}

/**
 * Each arm's Beta posterior, with P(best) estimated from `draws` joint draws (seeded, so the same
 * counts always show the same numbers; its standard error is at most 0.5/√draws, 0.008 at 4,000).
 */
export function posteriorSummaries(arms: readonly ArmPosterior[], draws = 4000, seed = 1): PosteriorSummary[] {
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError('posteriorSummaries: draws must be a positive integer');
  const rng = createRng(seed);
  const wins = arms.map(() => 0);
  for (let d = 0; d < draws && arms.length > 0; d++) wins[thompsonPick(arms, rng).arm]++;
  return arms.map((p, i) => {
    const alpha = 1 + p.successes;
    const beta = 1 + p.failures;
    const n = alpha + beta;
    return { alpha, beta, mean: alpha / n, sd: Math.sqrt((alpha * beta) / (n * n * (n + 1))), pBest: wins[i] / draws };
  });
}

/** A ranking setting the live bandit may serve a listener session, and how its "why" names it. */
export interface ExplorationArm extends RankingArm {
  /** Stable name: the counts in `bandit_arms` are keyed by it (a changed setting needs a new key). */
  key: string;
  /** What a listener is told an exploration pick of this arm tries: "exploring: <describes>". */
  describes: string;
}

/**
 * The live arms: the diversity knobs of lib/recommend/rank.ts around its default (λ 0.7, two
 * tracks per artist). Three arms, so a cold bandit spends little on the losers (Thompson's
 * regret grows with the number of arms) while still trying a clearly more focused and a clearly
 * more varied list than the default. No arm caps an artist below the default's two: with one,
 * a catalog of few artists answered shorter lists than asked (3 of 5 on the demo catalog).
 */
export const EXPLORATION_ARMS: readonly ExplorationArm[] = [
  { key: 'lambda-0.9-artist-3', lambda: 0.9, maxPerArtist: 3, describes: 'closer to what you liked' },
  { key: 'lambda-0.7-artist-2', lambda: 0.7, maxPerArtist: 2, describes: 'the usual mix' },
  { key: 'lambda-0.4-artist-2', lambda: 0.4, maxPerArtist: 2, describes: 'more variety' },
];

export interface RegretRun {
  /** Cumulative regret after each round: Σ (best rate − played arm's rate). */
  regret: number[];
  explorations: number;
  pulls: number[];
}

/** Thompson sampling against Bernoulli arms with the given like rates, for `rounds` rounds. */
export function simulateThompson(rates: readonly number[], rounds: number, rng: Rng): RegretRun {
  const arms = rates.map(() => ({ successes: 0, failures: 0 }));
  const pulls = rates.map(() => 0);
  const best = Math.max(...rates);
  const regret: number[] = [];
  let total = 0;
  let explorations = 0;
  for (let r = 0; r < rounds; r++) {
    const pick = thompsonPick(arms, rng);
    if (pick.exploration) explorations++;
    pulls[pick.arm]++;
    if (rng() < rates[pick.arm]) arms[pick.arm].successes++;
    else arms[pick.arm].failures++;
    total += best - rates[pick.arm];
    regret.push(total);
  }
  return { regret, explorations, pulls };
}
