import { describe, expect, it } from 'vitest';
import {
  binaryRelevance,
  binaryRelevanceModel,
  clipTagRows,
  encodeMultiLabelVotes,
  simulateMultiLabelVotes,
  updateClipPosterior,
  workerTagRows,
  type BinaryRelevanceModel,
  type ClipVote,
} from '@/lib/crowd';

describe('updateClipPosterior — hand-checked', () => {
  /*
   * Tags calm, happy; prior P(calm) = 0.3, P(happy) = 0.5.
   *   w1: se = (0.9, 0.8), sp = (0.8, 0.6) — ticks calm and happy
   *   w2: se = (0.6, 0.7), sp = (0.7, 0.9) — ticks nothing
   * calm:  odds = 0.3/0.7 · [w1 yes] 0.9/(1 − 0.8) · [w2 no] (1 − 0.6)/0.7
   *             = 0.428571 · 4.5 · 0.571429 = 1.102041   → P = 1.102041 / 2.102041 = 0.524272
   * happy: odds = 0.5/0.5 · 0.8/(1 − 0.6) · (1 − 0.7)/0.9
   *             = 1 · 2 · 0.333333 = 0.666667              → P = 0.4
   */
  const model: BinaryRelevanceModel = {
    tags: ['calm', 'happy'],
    prevalence: [0.3, 0.5],
    workers: new Map([
      ['w1', { sensitivity: [0.9, 0.8], specificity: [0.8, 0.6] }],
      ['w2', { sensitivity: [0.6, 0.7], specificity: [0.7, 0.9] }],
    ]),
    fallback: { sensitivity: [2 / 3, 2 / 3], specificity: [2 / 3, 2 / 3] },
  };
  const votes: ClipVote[] = [
    { worker: 'w1', tags: ['calm', 'happy'] },
    { worker: 'w2', tags: [] },
  ];

  it('matches the hand computation', () => {
    const [calm, happy] = updateClipPosterior(votes, model);
    expect(calm).toBeCloseTo(1.102041 / 2.102041, 6);
    expect(calm).toBeCloseTo(0.108 / (0.108 + 0.098), 12);
    expect(happy).toBeCloseTo(0.4, 12);
  });

  it('returns the prior with no votes, and does not depend on vote order', () => {
    expect(updateClipPosterior([], model)).toEqual([expect.closeTo(0.3, 12), expect.closeTo(0.5, 12)]);
    expect(updateClipPosterior([...votes].reverse(), model)).toEqual(updateClipPosterior(votes, model).map((p) => expect.closeTo(p, 12)));
  });

  it('uses the prior rates for an unseen worker, a vote weight as an exponent, and gold as a clamp', () => {
    // Unseen worker ticks calm: odds 3/7 · (2/3)/(1/3) = 6/7 → 6/13; the default fallback is the same prior
    expect(updateClipPosterior([{ worker: 'new', tags: ['calm'] }], model)[0]).toBeCloseTo(6 / 13, 12);
    const { fallback: _, ...withoutFallback } = model;
    expect(updateClipPosterior([{ worker: 'new', tags: ['calm'] }], withoutFallback)[0]).toBeCloseTo(6 / 13, 12);
    expect(updateClipPosterior([{ worker: 'w1', tags: ['calm'], weight: 0 }], model)[0]).toBeCloseTo(0.3, 12);
    const clamped = updateClipPosterior(votes, model, { happy: true });
    expect(clamped[1]).toBe(1);
    expect(clamped[0]).toBeCloseTo(0.524272, 6);
  });

  it('rejects a tag outside the taxonomy', () => {
    expect(() => updateClipPosterior([{ worker: 'w1', tags: ['epic'] }], model)).toThrow(/"epic"/);
  });
});

describe('binaryRelevance EM — hand-checked first iteration', () => {
  /*
   * One tag, calm. c1: a ✓, b ✓.  c2: a ✓, b ✗.  Priors: se, sp ~ (2 right, 1 wrong); prevalence (1, 1).
   * Init P(calm): c1 = 1, c2 = 1/2.
   * M-step:  a: se = (1 + 1/2 + 2) / (1 + 1/2 + 3) = 7/9     sp = (0 + 2) / (0 + 1/2 + 3) = 4/7
   *          b: se = (1 + 0 + 2) / (3/2 + 3)     = 2/3     sp = (1/2 + 2) / (1/2 + 3)    = 5/7
   *          prevalence = (1 + 1/2 + 1) / (2 + 2) = 5/8
   * E-step:  c1 odds = 5/3 · [a ✓] (7/9)/(3/7) · [b ✓] (2/3)/(2/7) = 5/3 · 49/27 · 7/3  = 1715/243
   *          c2 odds = 5/3 · 49/27 · [b ✗] (1/3)/(5/7)             = 5/3 · 49/27 · 7/15 = 1715/1215
   */
  it('matches the hand computation', () => {
    const data = encodeMultiLabelVotes(
      [
        { item: 'c1', worker: 'a', tags: ['calm'] },
        { item: 'c1', worker: 'b', tags: ['calm'] },
        { item: 'c2', worker: 'a', tags: ['calm'] },
        { item: 'c2', worker: 'b', tags: [] },
      ],
      ['calm'],
    );
    const fit = binaryRelevance(data, { maxIterations: 1 });
    expect(Array.from(fit.sensitivity)).toEqual([expect.closeTo(7 / 9, 12), expect.closeTo(2 / 3, 12)]);
    expect(Array.from(fit.specificity)).toEqual([expect.closeTo(4 / 7, 12), expect.closeTo(5 / 7, 12)]);
    expect(fit.prevalence[0]).toBeCloseTo(5 / 8, 12);
    const p = (odds: number) => odds / (1 + odds);
    expect(fit.posterior[0]).toBeCloseTo(p(1715 / 243), 12);
    expect(fit.posterior[1]).toBeCloseTo(p(1715 / 1215), 12);
    // a's sensitivity rests on 1.5 expected positives: Beta(3.5, 1) → sd = sqrt(3.5 / (4.5² · 5.5))
    expect(fit.sensitivityStd[0]).toBeCloseTo(Math.sqrt(3.5 / (4.5 ** 2 * 5.5)), 12);
  });
});

describe('binaryRelevance EM — properties', () => {
  const T = 4;
  const sim = simulateMultiLabelVotes({ items: 400, workers: 25, tags: T, prevalence: 0.3, votesPerItem: 5, seed: 17 });
  const fit = binaryRelevance(sim.data);

  it('the incremental update reproduces the batch posteriors exactly under the fitted model', () => {
    const model = binaryRelevanceModel(fit);
    const byItem = new Map<number, ClipVote[]>();
    for (let v = 0; v < sim.data.item.length; v++) {
      const tags = sim.data.tags.filter((_, t) => sim.data.yes[v * T + t]);
      const list = byItem.get(sim.data.item[v]) ?? [];
      list.push({ worker: sim.data.workers[sim.data.worker[v]], tags });
      byItem.set(sim.data.item[v], list);
    }
    for (const [i, votes] of byItem) {
      updateClipPosterior(votes, model).forEach((p, t) => expect(p).toBeCloseTo(fit.posterior[i * T + t], 10));
    }
  });

  it('EM never decreases the log-posterior and confidences are max(p, 1 − p)', () => {
    fit.objectiveHistory.forEach((x, n, all) => n > 0 && expect(x).toBeGreaterThanOrEqual(all[n - 1] - 1e-9));
    fit.posterior.forEach((p, x) => expect(fit.confidence[x]).toBe(Math.max(p, 1 - p)));
  });

  it('an adversarial worker gets low sensitivity and their ticks count against the tag', () => {
    const liarVotes = Array.from({ length: 400 }, (_, i) => ({
      item: `item-${i}`,
      worker: 'liar',
      tags: sim.data.tags.filter((_, t) => !sim.truth[i * T + t]),
    }));
    const base = Array.from(sim.data.item, (i, v) => ({
      item: sim.data.items[i],
      worker: sim.data.workers[sim.data.worker[v]],
      tags: sim.data.tags.filter((_, t) => sim.data.yes[v * T + t]),
    }));
    const withLiar = binaryRelevance(encodeMultiLabelVotes([...base, ...liarVotes], sim.data.tags));
    const w = withLiar.workers.indexOf('liar');
    for (let t = 0; t < T; t++) {
      expect(withLiar.sensitivity[w * T + t]).toBeLessThan(0.1);
      expect(withLiar.specificity[w * T + t]).toBeLessThan(0.1);
    }
    expect(withLiar.reliability[w]).toBeLessThan(0.1);
    const model = binaryRelevanceModel(withLiar);
    const [p] = updateClipPosterior([{ worker: 'liar', tags: [sim.data.tags[0]] }], model);
    expect(p).toBeLessThan(withLiar.prevalence[0]);
  });

  it('flattens into clip × tag and worker × tag rows', () => {
    const clips = clipTagRows(fit);
    expect(clips).toHaveLength(400 * T);
    expect(clips[T + 2]).toEqual({
      item: fit.items[1],
      tag: fit.tags[2],
      posterior: fit.posterior[T + 2],
      applies: fit.posterior[T + 2] >= 0.5,
      confidence: fit.confidence[T + 2],
    });
    const workers = workerTagRows(fit);
    expect(workers).toHaveLength(25 * T);
    expect(workers[T]).toMatchObject({ worker: fit.workers[1], tag: fit.tags[0], sensitivity: fit.sensitivity[T] });
  });

  it('a worker with few votes has a wider reliability interval than a busy one', () => {
    const votes = fit.workerVotes;
    const few = votes.indexOf(Math.min(...votes));
    const many = votes.indexOf(Math.max(...votes));
    expect(fit.reliabilityStd[few]).toBeGreaterThan(fit.reliabilityStd[many]);
  });
});
