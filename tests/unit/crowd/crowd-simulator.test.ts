import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CROWD,
  majorityTags,
  neighboursOf,
  plantCrowd,
  scoreAnswers,
  simulateAnswer,
  type CrowdWorker,
} from '@/lib/crowd/simulate';
import { createRng } from '@/lib/util/random';

const TAGS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('plantCrowd', () => {
  it('plants the issue-11 crowd: 3 at 0.95, 6 at 0.8, 2 at 0.65 and a spammer, seeded', () => {
    const crowd = plantCrowd(DEFAULT_CROWD, TAGS, 1);
    expect(crowd.map((w) => w.accuracy)).toEqual([0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.65, 0.65, 0.5]);
    expect(crowd.map((w) => w.kind)).toEqual(['quick', 'careful', 'careful', ...Array(8).fill('careful'), 'spammer']);
    expect(plantCrowd(DEFAULT_CROWD, TAGS, 1)).toEqual(crowd);
    expect(plantCrowd(DEFAULT_CROWD, TAGS, 2)[3].sensitivity).not.toEqual(crowd[3].sensitivity);
  });

  it('errors are omission-heavy and the mean balanced accuracy over tags is exactly the planted one', () => {
    // a = 0.8: 2(1 − a) = 0.4 of error, 75 % of it misses → sensitivity 0.7, false alarms 0.1 (means over tags).
    const [w] = plantCrowd([{ kind: 'careful', accuracy: 0.8 }], TAGS, 7);
    expect(mean(w.sensitivity)).toBeCloseTo(0.7, 12);
    expect(mean(w.falseAlarm)).toBeCloseTo(0.1, 12);
    expect(new Set(w.sensitivity).size).toBeGreaterThan(1); // jittered per tag
    const balanced = mean(w.sensitivity.map((se, t) => (se + 1 - w.falseAlarm[t]) / 2));
    expect(balanced).toBeCloseTo(0.8, 12);
  });
});

describe('simulateAnswer', () => {
  // Flat rates so the expected frequencies can be worked by hand.
  const flat: CrowdWorker = {
    name: 'w',
    kind: 'careful',
    accuracy: 0.8,
    sensitivity: TAGS.map(() => 0.7),
    falseAlarm: TAGS.map(() => 0.1),
    listen: { medianFraction: 0.7, sigma: 0.25 },
  };

  it('confuses neighbouring moods four times as often as others, keeping the mean false-alarm rate', () => {
    // Truth [calm]: neighbour dreamy, six others. f_other = 0.1·7/(4·1 + 6) = 0.07, f_dreamy = 0.28.
    // An empty answer is drawn again: P(empty) = 0.3·0.72·0.93^6 = 0.13975, so each rate is divided by 0.86025.
    const rng = createRng(3);
    const n = 40_000;
    const counts = new Map(TAGS.map((t) => [t, 0]));
    for (let i = 0; i < n; i++) for (const t of simulateAnswer(flat, ['calm'], TAGS, 20_000, rng).tags) counts.set(t, counts.get(t)! + 1);
    expect(counts.get('calm')! / n).toBeCloseTo(0.7 / 0.86025, 2);
    expect(counts.get('dreamy')! / n).toBeCloseTo(0.28 / 0.86025, 2);
    expect(counts.get('happy')! / n).toBeCloseTo(0.07 / 0.86025, 2);
    expect(counts.get('dark')! / n).toBeCloseTo(0.07 / 0.86025, 2);
  });

  it('never answers nothing, and answer times follow the worker kind', () => {
    const crowd = plantCrowd(DEFAULT_CROWD, TAGS, 5);
    const rng = createRng(9);
    const times = (w: CrowdWorker, playable: number) =>
      Array.from({ length: 2_001 }, () => simulateAnswer(w, ['sad', 'dark'], TAGS, playable, rng))
        .map((a) => {
          expect(a.tags.length).toBeGreaterThan(0);
          return a.listenedMs;
        })
        .sort((a, b) => a - b)[1_000];
    expect(times(crowd[0], 20_000)).toBeGreaterThan(4_500); // quick: median 5 s
    expect(times(crowd[0], 20_000)).toBeLessThan(5_500);
    expect(times(crowd[1], 20_000)).toBeGreaterThan(13_000); // careful: 70 % of 20 s
    expect(times(crowd[1], 20_000)).toBeLessThan(15_000);
    expect(times(crowd[11], 20_000)).toBeLessThan(2_000); // spammer: 1.5 s
  });

  it('a constant worker gives one answer whatever the clip', () => {
    const [w] = plantCrowd([{ kind: 'constant' }], TAGS, 4);
    const rng = createRng(1);
    const answers = new Set([['calm'], ['sad', 'dark'], ['happy']].map((truth) => simulateAnswer(w, truth, TAGS, 10_000, rng).tags.join('|')));
    expect(answers.size).toBe(1);
  });

  it('planted and observed accuracy agree: a 0.8 worker scores about 0.8 balanced accuracy on demo truths', () => {
    const crowd = plantCrowd(DEFAULT_CROWD, TAGS, 11);
    const truths = [['happy', 'uplifting'], ['sad'], ['calm'], ['tense', 'dark'], ['dreamy', 'calm'], ['energetic', 'happy']];
    const rng = createRng(2);
    for (const w of [crowd[1], crowd[3], crowd[9]]) {
      const given = Array.from({ length: 6_000 }, (_, i) => truths[i % truths.length]);
      const answers = given.map((truth) => simulateAnswer(w, truth, TAGS, 20_000, rng).tags);
      expect(Math.abs(scoreAnswers(answers, given, TAGS).balancedAccuracy - w.accuracy)).toBeLessThan(0.03);
    }
  });
});

describe('scoring helpers', () => {
  it('scoreAnswers: per-tag, exact-set and balanced accuracy by hand', () => {
    const s = scoreAnswers([['calm']], [['calm', 'dreamy']], ['calm', 'dreamy', 'dark']);
    expect(s.tagAccuracy).toBeCloseTo(2 / 3, 12);
    expect(s.exactSetAccuracy).toBe(0);
    // calm: sensitivity 1; dreamy: sensitivity 0; dark: specificity 1.
    expect(s.balancedAccuracy).toBeCloseTo(2 / 3, 12);
  });

  it('majorityTags needs more than half; neighboursOf leaves out the set itself', () => {
    expect(majorityTags([['calm'], ['calm', 'sad'], ['sad'], ['dark']], ['calm', 'sad', 'dark'])).toEqual([]);
    expect(majorityTags([['calm'], ['calm', 'sad'], ['sad']], ['calm', 'sad', 'dark'])).toEqual(['calm', 'sad']);
    expect(neighboursOf(['calm', 'dreamy']).sort()).toEqual(['sad']);
    expect(neighboursOf(['tense']).sort()).toEqual(['dark', 'energetic']);
  });
});
