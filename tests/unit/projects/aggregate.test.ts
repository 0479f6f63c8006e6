import { describe, expect, it } from 'vitest';
import { aggregateComparisons, aggregateProject, aggregateRatings, type AnswerInput } from '@/lib/projects/aggregate';
import { plantRatings, type RatingScenario } from '@/lib/rating/simulate';
import { comparerWords, plusMinus, raterWords } from '@/components/projects/results-words';

const rating = (userId: string, clipId: string, valence: number, arousal: number): AnswerInput => ({
  userId,
  clipId,
  clipBId: null,
  valence,
  arousal,
  choice: null,
});
const compare = (userId: string, clipId: string, clipBId: string, choice: 'a' | 'b' | 'same'): AnswerInput => ({
  userId,
  clipId,
  clipBId,
  valence: null,
  arousal: null,
  choice,
});

describe('pairwise projects: Crowd-BT over the project clips', () => {
  // A ≻ B ≻ C, every pair asked of three honest contributors, in both presentation orders; D never asked.
  const answers: AnswerInput[] = [];
  for (const u of ['u1', 'u2', 'u3']) {
    answers.push(compare(u, 'A', 'B', 'a'), compare(u, 'C', 'B', 'b'), compare(u, 'C', 'A', 'b'));
  }
  const fit = aggregateComparisons(['A', 'B', 'C', 'D'], answers);
  const by = new Map(fit.scores.map((s) => [s.clipId, s]));

  it('ranks an obvious order 1, 2, 3 (1 = most), whichever side each clip was shown on', () => {
    expect([by.get('A')!.rank, by.get('B')!.rank, by.get('C')!.rank]).toEqual([1, 2, 3]);
    expect(by.get('A')!.score!).toBeGreaterThan(by.get('B')!.score!);
    expect(by.get('B')!.score!).toBeGreaterThan(by.get('C')!.score!);
    // Symmetric data: B sits in the middle at the phantom's 0, A and C mirror each other.
    expect(by.get('B')!.score!).toBeCloseTo(0, 6);
    expect(by.get('A')!.score!).toBeCloseTo(-by.get('C')!.score!, 6);
  });

  it('counts a comparison for both its clips, and each contributor agrees with the consensus', () => {
    expect(fit.scores.map((s) => s.answerCount)).toEqual([6, 6, 6, 0]);
    expect(fit.annotators.map((a) => [a.userId, a.answerCount])).toEqual([
      ['u1', 3],
      ['u2', 3],
      ['u3', 3],
    ]);
    for (const a of fit.annotators) expect(a.params.eta).toBeGreaterThan(0.8);
  });

  it('a clip never compared: no rank, the prior θ = 0 with sd 2 (hand-worked), the highest priority', () => {
    // Only the phantom games inform D: ε = prior/2 = ½ won and ½ lost against θ = 0, Fisher
    // information 2ε·σ(0)(1 − σ(0)) = 1 · ¼, so var = 4 and sd = 2.
    const d = by.get('D')!;
    expect(d.rank).toBeNull();
    expect(d.score).toBeCloseTo(0, 6);
    expect(d.scoreSd).toBeCloseTo(2, 6);
    const priority = new Map(fit.priorities.map((p) => [p.clipId, p.priority]));
    expect(priority.get('D')).toBeCloseTo(2, 6);
    for (const c of ['A', 'B', 'C']) expect(priority.get(c)!).toBeLessThan(priority.get('D')!);
    for (const c of ['A', 'B', 'C']) expect(priority.get(c)).toBe(by.get(c)!.scoreSd);
  });

  it('"same" is half a win each way: two clips only ever called the same score equal', () => {
    const same = aggregateComparisons(['X', 'Y'], [compare('u1', 'X', 'Y', 'same'), compare('u2', 'Y', 'X', 'same')]);
    expect(same.scores[0].score).toBeCloseTo(same.scores[1].score!, 9);
    expect(same.scores[0].score).toBeCloseTo(0, 9);
    expect(same.scores.map((s) => s.answerCount)).toEqual([2, 2]);
    // A tie is informative: both sds are below the uncompared prior's 2.
    for (const s of same.scores) expect(s.scoreSd!).toBeLessThan(2);
  });

  it('an adversary who always answers the reverse gets η < 0.5 and does not flip the ranking', () => {
    // Six clips in the order c0 ≻ c1 ≻ … ≻ c5; three honest contributors and one adversary answer all 15 pairs.
    const ids = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
    const all: AnswerInput[] = [];
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        for (const u of ['h1', 'h2', 'h3']) all.push(compare(u, ids[i], ids[j], 'a'));
        all.push(compare('bad', ids[i], ids[j], 'b'));
      }
    const f = aggregateComparisons(ids, all);
    expect(f.scores.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    const eta = new Map(f.annotators.map((a) => [a.userId, a.params.eta]));
    expect(eta.get('bad')!).toBeLessThan(0.5);
    for (const u of ['h1', 'h2', 'h3']) expect(eta.get(u)!).toBeGreaterThan(0.9);
  });

  it('ignores comparisons of clips outside the project', () => {
    const f = aggregateComparisons(['A', 'B'], [compare('u1', 'A', 'B', 'a'), compare('u1', 'A', 'Z', 'a')]);
    expect(f.scores.map((s) => s.answerCount)).toEqual([1, 1]);
    expect(f.annotators[0].answerCount).toBe(1);
  });
});

describe('valence–arousal projects: bias, scale and noise per annotator on each axis', () => {
  it('a clip nobody rated: no value, the prior spread √(1² + 1²) as priority, the highest', () => {
    const fit = aggregateRatings(
      ['p', 'q', 'r'],
      [rating('u1', 'p', 0.5, 0.2), rating('u2', 'p', 0.6, 0.1), rating('u3', 'p', 0.4, 0.3), rating('u1', 'q', -0.2, 0.4)],
    );
    const r = fit.scores[2];
    expect([r.valence, r.valenceSd, r.arousal, r.arousalSd, r.answerCount]).toEqual([null, null, null, null, 0]);
    const [p, q, none] = fit.priorities.map((x) => x.priority);
    expect(none).toBeCloseTo(Math.SQRT2, 12);
    // More ratings, less spread: three ratings < one rating < none.
    expect(p).toBeLessThan(q);
    expect(q).toBeLessThan(none);
    expect(p).toBeCloseTo(Math.hypot(fit.scores[0].valenceSd!, fit.scores[0].arousalSd!), 12);
    expect(fit.scores.map((s) => s.answerCount)).toEqual([3, 1, 0]);
    expect(fit.annotators.map((a) => [a.userId, a.answerCount])).toEqual([
      ['u1', 2],
      ['u2', 1],
      ['u3', 1],
    ]);
  });

  it('hand-worked: one clip, two raters 0.4 apart on valence → each ±0.2 from the clip, the clip between them', () => {
    // With a single clip, the identified frame (mean bias 0, mean log-scale 0) puts the two raters'
    // biases at ±d/2 and the clip value at the midpoint (shrunk toward the prior 0 a little).
    const fit = aggregateRatings(['c'], [rating('lo', 'c', 0.1, 0), rating('hi', 'c', 0.5, 0)]);
    const bias = new Map(fit.annotators.map((a) => [a.userId, a.params.valenceBias]));
    expect(bias.get('hi')! + bias.get('lo')!).toBeCloseTo(0, 6);
    expect(fit.scores[0].valence!).toBeGreaterThan(0.1);
    expect(fit.scores[0].valence!).toBeLessThan(0.5);
  });

  // Planted crowd (lib/rating/simulate): 40 clips, 8 annotators with biases ~ N(0, 0.3²), scales and
  // noise; each clip rated by 3 of them, so a biased annotator drags the plain mean of their clips.
  const SCENARIO: RatingScenario = {
    items: 40,
    workers: 8,
    perItem: 3,
    valueRange: 0.7,
    biasSd: 0.3,
    logScaleSd: 0.2,
    noiseMin: 0.03,
    noiseMax: 0.1,
  };
  const rmse = (x: number[], y: ArrayLike<number>) => Math.sqrt(x.reduce((t, v, i) => t + (v - y[i]) ** 2, 0) / x.length);

  it.each([11, 12, 13])('recovers planted biases within 0.1 RMSE and beats the plain mean (seed %i)', (seed) => {
    const p = plantRatings(SCENARIO, seed);
    const clipIds = Array.from({ length: SCENARIO.items }, (_, i) => `clip-${i}`);
    const userIds = Array.from({ length: SCENARIO.workers }, (_, j) => `user-${j}`);
    // Arousal mirrors valence (−x): the two axes are fitted separately and must both recover it.
    const answers = p.item.map((i, r) => rating(userIds[p.worker[r]], clipIds[i], p.rating[r], -p.rating[r]));
    const fit = aggregateProject('valence_arousal', clipIds, answers);

    const params = new Map(fit.annotators.map((a) => [a.userId, a.params]));
    const fittedBias = userIds.map((u) => params.get(u)!.valenceBias);
    expect(rmse(fittedBias, p.bias)).toBeLessThan(0.1);
    expect(rmse(userIds.map((u) => -params.get(u)!.arousalBias), p.bias)).toBeLessThan(0.1);

    const plainMean = clipIds.map((_, i) => {
      const mine = p.rating.filter((_, r) => p.item[r] === i);
      return mine.reduce((t, x) => t + x, 0) / mine.length;
    });
    const modelRmse = rmse(
      fit.scores.map((s) => s.valence!),
      p.value,
    );
    expect(modelRmse).toBeLessThan(rmse(plainMean, p.value));
    expect(modelRmse).toBeLessThan(0.1);
  });

  it('ignores answers without both coordinates and ratings of clips outside the project', () => {
    const fit = aggregateRatings(
      ['a'],
      [rating('u1', 'a', 0.2, 0.1), { ...rating('u2', 'a', 0.3, 0), arousal: null }, rating('u3', 'zz', 0.9, 0.9)],
    );
    expect(fit.scores[0].answerCount).toBe(1);
    expect(fit.annotators.map((a) => a.userId)).toEqual(['u1']);
  });
});

describe('the results page in words (components/projects/results-words.ts)', () => {
  it('says a rater’s bias, scale and noise per axis', () => {
    const w = raterWords({ valenceBias: 0.3, valenceScale: 1.4, valenceNoise: 0.05, arousalBias: -0.02, arousalScale: 1.05, arousalNoise: 0.3 });
    expect(w.valence).toBe('rates 0.30 more pleasant than the crowd, spreads ratings 1.4× wider, consistent (± 0.05)');
    expect(w.arousal).toBe('rates arousal as the crowd does, noisy (± 0.30)');
    expect(raterWords({ valenceBias: -0.12, valenceScale: 0.7, valenceNoise: 0.15, arousalBias: -0.2, arousalScale: 1, arousalNoise: 0.1 })).toEqual({
      valence: 'rates 0.12 less pleasant than the crowd, squeezes ratings to 0.7× the range, fairly consistent (± 0.15)',
      arousal: 'rates 0.20 calmer than the crowd, fairly consistent (± 0.10)',
    });
  });

  it('says a comparer’s agreement and flags η < 0.5', () => {
    expect(comparerWords(0.92)).toEqual({ text: 'agrees with the consensus 92 % of the time', adversary: false });
    expect(comparerWords(0.5).adversary).toBe(false);
    expect(comparerWords(0.18)).toEqual({ text: 'agrees with the consensus only 18 % of the time: likely answering against it', adversary: true });
    expect(plusMinus(0.4213, 0.1)).toBe('0.42 ± 0.10');
    expect(plusMinus(null, null)).toBe('–');
  });
});
