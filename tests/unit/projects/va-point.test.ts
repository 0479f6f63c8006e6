import { describe, expect, it } from 'vitest';
import { crowdWhy, modelWhy, nearestToPoint, type CrowdPoint, type ModelPoint } from '@/lib/projects/va-point';

const crowd = (clipId: string, valence: number, arousal: number, answerCount = 3): CrowdPoint => ({
  clipId,
  title: clipId,
  artist: 'Ann',
  valence,
  arousal,
  answerCount,
});
const model = (clipId: string, valence: number, arousal: number): ModelPoint => ({
  clipId,
  title: clipId,
  artist: 'Ann',
  valence,
  valenceSd: 0.2,
  arousal,
  arousalSd: 0.1,
});

describe('nearestToPoint', () => {
  it('orders by Euclidean distance to the point, crowd over model for a clip with both, k nearest', () => {
    // Point (0.5, 0.5). Distances: a (0.5, 0.1) → 0.4; b (0.2, 0.9) → √(0.09 + 0.16) = 0.5;
    // c predicted at (0.5, 0.4) → 0.1; a's prediction (0.5, 0.5) would be 0 but the crowd's point wins.
    const items = nearestToPoint(
      [crowd('a', 0.5, 0.1), crowd('b', 0.2, 0.9)],
      [model('a', 0.5, 0.5), model('c', 0.5, 0.4)],
      { valence: 0.5, arousal: 0.5 },
      10,
    );
    expect(items.map((i) => [i.clipId, i.source])).toEqual([
      ['c', 'model'],
      ['a', 'crowd'],
      ['b', 'crowd'],
    ]);
    expect(items.map((i) => i.distance)).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.4, 12), expect.closeTo(0.5, 12)]);
    expect(nearestToPoint([crowd('a', 0.5, 0.1), crowd('b', 0.2, 0.9)], [], { valence: 0.5, arousal: 0.5 }, 1).map((i) => i.clipId)).toEqual(['a']);
  });

  it('breaks distance ties by clip id', () => {
    const items = nearestToPoint([crowd('y', 0.1, 0), crowd('x', -0.1, 0)], [], { valence: 0, arousal: 0 }, 2);
    expect(items.map((i) => i.clipId)).toEqual(['x', 'y']);
  });
});

describe('the why in words', () => {
  it('crowd: magnitude and side of each axis, and how many people rated it', () => {
    expect(crowdWhy(crowd('a', 0.62, 0.4))).toBe('rated 0.62 pleasant, 0.40 energetic by 3 people');
    expect(crowdWhy(crowd('a', -0.3, -0.75, 1))).toBe('rated 0.30 unpleasant, 0.75 calm by 1 person');
  });

  it('model: the prediction with its sd per axis', () => {
    expect(modelWhy(model('c', 0.1, -0.55))).toBe(
      'predicted 0.10 pleasant (± 0.20), 0.55 calm (± 0.10) from its audio features; nobody rated it yet',
    );
  });
});
