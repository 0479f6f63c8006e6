import { describe, expect, it } from 'vitest';
import type { BinaryRelevanceModel } from '@/lib/crowd/binary-relevance';
import { clipUpdateFor, type LiveAnswer } from '@/lib/crowd/live';
import { ProjectSettingsSchema } from '@/lib/settings/schemas';

const TAGS = ['calm', 'sad'];
const settings = ProjectSettingsSchema.parse({ overlap: 3, minVotes: 3, maxVotes: 7, consensusThreshold: 0.9 });
/** Every worker right 95 % of the time on every tag, prevalence 0.3. */
const model: BinaryRelevanceModel = {
  tags: TAGS,
  prevalence: [0.3, 0.3],
  workers: new Map(),
  fallback: { sensitivity: [0.95, 0.95], specificity: [0.95, 0.95] },
};
const vote = (worker: string, tags: string[]): LiveAnswer => ({ worker, kind: 'vote', tags, questionTag: null, answer: null });

describe('clipUpdateFor (one clip at a drain)', () => {
  it('three agreeing votes: consensus, labels backed by votes, no overlap wanted', () => {
    const u = clipUpdateFor(
      [vote('a', ['calm']), vote('b', ['calm']), vote('c', ['calm'])],
      model,
      new Map(),
      undefined,
      settings,
    );
    expect(u.state).toBe('consensus');
    expect(u.answers).toBe(3);
    expect(u.overlapTarget).toBeNull();
    expect(u.tags.map((t) => [t.tag, t.label, t.yes, t.no])).toEqual([
      ['calm', true, 3, 0],
      ['sad', false, 0, 3],
    ]);
    // 0.3/0.7 · (0.95/0.05)^3 = 2939.6 → 0.99966
    expect(u.tags[0].posterior).toBeCloseTo(2939.57 / 2940.57, 6);
  });

  it('a 2–1 split stays open and asks for more votes, never past maxVotes', () => {
    const u = clipUpdateFor(
      [vote('a', ['calm']), vote('b', ['calm']), vote('c', ['sad'])],
      model,
      new Map(),
      undefined,
      settings,
    );
    expect(u.state).toBe('open');
    expect(u.overlapTarget).toBeGreaterThan(3);
    expect(u.overlapTarget).toBeLessThanOrEqual(7);
  });

  it('a targeted answer is evidence on its tag, not a vote: 2 votes + 1 yes/no with minVotes 3 stays open', () => {
    const u = clipUpdateFor(
      [vote('a', ['calm']), vote('b', ['calm']), { worker: 'c', kind: 'targeted', tags: [], questionTag: 'calm', answer: true }],
      model,
      new Map(),
      undefined,
      settings,
    );
    // Hand-worked: calm 0.3/0.7 · 19³ → 0.99966, sad 0.3/0.7 · (1/19)² → 0.00119: both settled past
    // τ = 0.9, so only the vote count keeps the clip open — 2 full votes < minVotes 3. Counting the
    // yes/no as a vote would have given consensus.
    expect(u.tags[0].posterior).toBeCloseTo(2939.57 / 2940.57, 6);
    expect(u.tags[1].posterior).toBeCloseTo(0.3 / 0.7 / 361 / (1 + 0.3 / 0.7 / 361), 6);
    expect(u.state).toBe('open');
    // One more full vote wanted on top of the 2: target 3 (the targeted answer gave its slot back).
    expect(u.overlapTarget).toBe(3);
    expect(u.answers).toBe(3);
    expect(u.tags.map((t) => [t.tag, t.yes, t.no])).toEqual([
      ['calm', 3, 0],
      ['sad', 0, 2],
    ]);
  });

  it('an old-version vote carried through the mapping is evidence on the tags it covers, and counts as a vote', () => {
    // Cast when the taxonomy had only calm: sad was added since, so these votes say nothing on it.
    const old = (worker: string): LiveAnswer => ({ ...vote(worker, ['calm']), covers: ['calm'] });
    const u = clipUpdateFor([old('a'), old('b'), vote('c', ['calm'])], model, new Map(), undefined, settings);
    // calm: 3 yes → 0.3/0.7 · 19³ → 0.99966; sad: only c's vote says no → 0.3/0.7 / 19 → 0.02205.
    expect(u.tags[0].posterior).toBeCloseTo(2939.57 / 2940.57, 6);
    expect(u.tags[1].posterior).toBeCloseTo(0.3 / 0.7 / 19 / (1 + 0.3 / 0.7 / 19), 6);
    expect(u.tags.map((t) => [t.tag, t.yes, t.no])).toEqual([
      ['calm', 3, 0],
      ['sad', 0, 1],
    ]);
    // Three votes ≥ minVotes, every tag settled.
    expect(u.state).toBe('consensus');
  });

  it('an old-version vote the mapping carries nowhere holds its slot on top of the overlap target', () => {
    const gone = (worker: string): LiveAnswer => ({ ...vote(worker, ['mellow']), covers: [] });
    const fresh = clipUpdateFor([vote('c', ['calm'])], model, new Map(), undefined, settings);
    const u = clipUpdateFor([gone('a'), gone('b'), vote('c', ['calm'])], model, new Map(), undefined, settings);
    expect(u.state).toBe('open');
    expect(u.tags).toEqual(fresh.tags);
    expect(fresh.overlapTarget).toBeGreaterThan(1);
    expect(u.overlapTarget).toBe(fresh.overlapTarget! + 2);
  });

  it('the same answers in another order give the same update', () => {
    const answers = [
      vote('a', ['calm', 'sad']),
      vote('b', ['calm']),
      vote('c', []),
      { worker: 'd', kind: 'targeted', tags: [], questionTag: 'sad', answer: false } as LiveAnswer,
    ];
    const forward = clipUpdateFor(answers, model, new Map([['c', 0.5]]), undefined, settings);
    const backward = clipUpdateFor([...answers].reverse(), model, new Map([['c', 0.5]]), undefined, settings);
    expect(backward.state).toBe(forward.state);
    expect(backward.overlapTarget).toBe(forward.overlapTarget);
    backward.tags.forEach((t, i) => {
      expect(t.posterior).toBeCloseTo(forward.tags[i].posterior, 12);
      expect([t.yes, t.no]).toEqual([forward.tags[i].yes, forward.tags[i].no]);
    });
  });
});
