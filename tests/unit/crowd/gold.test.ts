import { describe, expect, it } from 'vitest';
import {
  aggregateVotes,
  binaryRelevance,
  encodeMultiLabelVotes,
  goldAccuracy,
  goldAccuracyMultiLabel,
  itemRows,
  workerRows,
  type Vote,
} from '@/lib/crowd';
import { votesFrom } from './helpers';

describe('gold clamping (categorical)', () => {
  const votes = votesFrom([
    ['g1', 'a', 'angry'], ['g1', 'b', 'angry'], ['g1', 'c', 'calm'],
    ['c2', 'a', 'calm'], ['c2', 'b', 'tender'], ['c2', 'c', 'calm'],
  ]);
  const gold = new Map([['g1', ['calm', 'tender']]]);

  it.each(['mv', 'wmv', 'ds', 'glad'] as const)('%s: a gold clip gets only tolerated answers, whatever the votes say', (method) => {
    const result = aggregateVotes(votes, { method, gold });
    const i = result.items.indexOf('g1');
    const K = result.labels.length;
    const row = Object.fromEntries(result.labels.map((l, k) => [l, result.posterior[i * K + k]]));
    expect(row.angry).toBe(0);
    expect(row.calm + row.tender).toBeCloseTo(1, 12);
    expect(['calm', 'tender']).toContain(itemRows(result)[i].label);
  });

  it('adds tolerated answers nobody voted to the label set', () => {
    const result = aggregateVotes(votesFrom([['g9', 'a', 'angry']]), { method: 'ds', gold: new Map([['g9', ['sad']]]) });
    expect(result.labels).toEqual(['angry', 'sad']);
    expect(itemRows(result)[0]).toMatchObject({ label: 'sad', confidence: 1 });
  });

  it('breaks a symmetric stalemate: two workers who always disagree, plus five gold clips', () => {
    // Without gold, "a is right" and "b is right" explain the votes equally well.
    const rows: [string, string, string][] = [];
    for (let i = 0; i < 40; i++) rows.push([`c${i}`, 'a', i % 3 ? 'yes' : 'no'], [`c${i}`, 'b', i % 3 ? 'no' : 'yes']);
    const honeypots = new Map(Array.from({ length: 5 }, (_, i) => [`c${i}`, [i % 3 ? 'yes' : 'no']]));
    const without = aggregateVotes(votesFrom(rows), { method: 'ds' });
    const withGold = aggregateVotes(votesFrom(rows), { method: 'ds', gold: honeypots });
    expect(Math.max(...without.confidence)).toBeLessThan(0.51);
    const reliability = new Map(workerRows(withGold).map((r) => [r.worker, r.reliability]));
    expect(reliability.get('a')!).toBeGreaterThan(0.9);
    expect(reliability.get('b')!).toBeLessThan(0.1);
    expect(itemRows(withGold).every((r, i) => r.label === (i % 3 ? 'yes' : 'no'))).toBe(true);
  });
});

describe('gold clamping (multi-label)', () => {
  it('fixes the tags the gold names and leaves tolerated tags to the votes', () => {
    const data = encodeMultiLabelVotes(
      [
        { item: 'g1', worker: 'a', tags: ['sad'] },
        { item: 'g1', worker: 'b', tags: ['sad', 'tender'] },
        { item: 'g1', worker: 'c', tags: ['tender'] },
        { item: 'c2', worker: 'a', tags: ['calm'] },
        { item: 'c2', worker: 'b', tags: ['calm'] },
      ],
      ['calm', 'sad', 'tender'],
    );
    const fit = binaryRelevance(data, {}, { gold: new Map([['g1', { calm: true, sad: false }]]) });
    const g1 = fit.items.indexOf('g1');
    expect(fit.posterior[g1 * 3]).toBe(1);
    expect(fit.posterior[g1 * 3 + 1]).toBe(0);
    expect(fit.posterior[g1 * 3 + 2]).toBeGreaterThan(0);
    expect(fit.posterior[g1 * 3 + 2]).toBeLessThan(1);
  });

  it('rejects a gold tag outside the taxonomy', () => {
    const data = encodeMultiLabelVotes([{ item: 'g1', worker: 'a', tags: [] }], ['calm']);
    expect(() => binaryRelevance(data, {}, { gold: new Map([['g1', { epic: true }]]) })).toThrow(/"epic" is not in the taxonomy/);
  });
});

describe('gold accuracy with tolerated answers', () => {
  it('counts any tolerated answer as correct and ignores non-gold votes', () => {
    const votes: Pick<Vote, 'item' | 'label'>[] = [
      { item: 'g1', label: 'tender' },
      { item: 'g2', label: 'angry' },
      { item: 'c7', label: 'sad' },
    ];
    const result = goldAccuracy(votes, new Map([['g1', ['calm', 'tender']], ['g2', ['happy']]]));
    expect(result).toMatchObject({ correct: 1, total: 2, mean: 0.5 });
    expect(result.std).toBeCloseTo(Math.sqrt(4 / (16 * 5)), 12);
  });

  it('multi-label: scores only the tags the gold fixes', () => {
    const gold = new Map([['g1', { calm: true, angry: false }]]);
    const votes = [
      { item: 'g1', tags: ['calm', 'tender'] }, // tender is tolerated: 2 of 2
      { item: 'g1', tags: ['angry'] }, // 0 of 2
    ];
    expect(goldAccuracyMultiLabel(votes, gold)).toMatchObject({ correct: 2, total: 4 });
  });
});
