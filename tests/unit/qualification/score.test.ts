import { describe, expect, it } from 'vitest';
import { scoreRound } from '@/lib/qualification/score';

const TAGS = ['calm', 'sad', 'dreamy', 'dark'];

describe('scoreRound', () => {
  it('counts per-tag checks: tolerated tags are free, every other fixed tag is one check', () => {
    // Gold: calm required, dreamy tolerated → checks on calm (yes), sad (no), dark (no).
    const gold = { tags: ['calm'], tolerated: ['dreamy'] };
    expect(scoreRound([{ gold, tags: ['calm', 'dreamy'] }], TAGS, 0.8)).toEqual({
      right: 3,
      total: 3,
      accuracy: 1,
      passed: true,
    });
    // Missed calm, ticked dark: 1 of 3 right.
    expect(scoreRound([{ gold, tags: ['dark'] }], TAGS, 0.8)).toEqual({ right: 1, total: 3, accuracy: 1 / 3, passed: false });
  });

  it('passes at the threshold exactly, and a skip scores none of its checks', () => {
    const a = { tags: ['calm'], tolerated: [] };
    const b = { tags: ['sad'], tolerated: [] };
    // 4 + 4 checks; the second clip answered with calm too: sad missed and calm wrong → 6 of 8 = 0.75.
    expect(
      scoreRound(
        [
          { gold: a, tags: ['calm'] },
          { gold: b, tags: ['calm'] },
        ],
        TAGS,
        0.75,
      ).passed,
    ).toBe(true);
    expect(
      scoreRound(
        [
          { gold: a, tags: ['calm'] },
          { gold: b, tags: ['calm'] },
        ],
        TAGS,
        0.76,
      ).passed,
    ).toBe(false);
    expect(
      scoreRound(
        [
          { gold: a, tags: ['calm'] },
          { gold: b, tags: null },
        ],
        TAGS,
        0.5,
      ),
    ).toEqual({ right: 4, total: 8, accuracy: 0.5, passed: true });
  });

  it('never passes a round with no checks at all', () => {
    expect(scoreRound([], TAGS, 0)).toEqual({ right: 0, total: 0, accuracy: 0, passed: false });
  });
});
