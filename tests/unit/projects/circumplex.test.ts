import { describe, expect, it } from 'vitest';
import {
  anchorPoint,
  axisWords,
  describePoint,
  formatValue,
  MOOD_ANCHORS,
  nearestAnchor,
  pixelsPercent,
  pointFromPixels,
  stepPoint,
} from '@/lib/projects/circumplex';

const anchor = (word: string) => {
  const found = MOOD_ANCHORS.find((a) => a.word === word);
  if (!found) throw new Error(`no anchor ${word}`);
  return found;
};

describe('arrow-key steps', () => {
  it('moves 0.1 per press and 0.25 with Shift, on the axis of the arrow', () => {
    expect(stepPoint({ valence: 0.2, arousal: -0.3 }, 'ArrowRight')).toEqual({ valence: 0.3, arousal: -0.3 });
    expect(stepPoint({ valence: 0.2, arousal: -0.3 }, 'ArrowLeft')).toEqual({ valence: 0.1, arousal: -0.3 });
    expect(stepPoint({ valence: 0.2, arousal: -0.3 }, 'ArrowUp')).toEqual({ valence: 0.2, arousal: -0.2 });
    expect(stepPoint({ valence: 0.2, arousal: -0.3 }, 'ArrowDown', { shift: true })).toEqual({ valence: 0.2, arousal: -0.55 });
    expect(stepPoint({ valence: 0.2, arousal: -0.3 }, 'ArrowRight', { shift: true })).toEqual({ valence: 0.45, arousal: -0.3 });
  });

  it('starts from the centre when no point is set yet', () => {
    expect(stepPoint(null, 'ArrowUp')).toEqual({ valence: 0, arousal: 0.1 });
    expect(stepPoint(null, 'ArrowLeft', { shift: true })).toEqual({ valence: -0.25, arousal: 0 });
  });

  it('reads 0.3 after three steps, not 0.30000000000000004', () => {
    let p = stepPoint(null, 'ArrowRight');
    p = stepPoint(p, 'ArrowRight');
    p = stepPoint(p, 'ArrowRight');
    expect(p.valence).toBe(0.3);
  });

  it('clamps at ±1', () => {
    expect(stepPoint({ valence: 0.95, arousal: 0 }, 'ArrowRight')).toEqual({ valence: 1, arousal: 0 });
    expect(stepPoint({ valence: 1, arousal: 0 }, 'ArrowRight', { shift: true })).toEqual({ valence: 1, arousal: 0 });
    expect(stepPoint({ valence: 0, arousal: -0.9 }, 'ArrowDown', { shift: true })).toEqual({ valence: 0, arousal: -1 });
    expect(stepPoint({ valence: -0.8, arousal: 0.9 }, 'ArrowUp')).toEqual({ valence: -0.8, arousal: 1 });
    expect(stepPoint({ valence: -0.8, arousal: 0 }, 'ArrowLeft', { shift: true })).toEqual({ valence: -1, arousal: 0 });
  });

  it('on a focused slider, Right and Up raise that slider and Left and Down lower it', () => {
    expect(stepPoint({ valence: 0, arousal: 0 }, 'ArrowUp', { axis: 'valence' })).toEqual({ valence: 0.1, arousal: 0 });
    expect(stepPoint({ valence: 0, arousal: 0 }, 'ArrowLeft', { axis: 'arousal' })).toEqual({ valence: 0, arousal: -0.1 });
    expect(stepPoint({ valence: 0, arousal: 0.5 }, 'ArrowRight', { axis: 'arousal', shift: true })).toEqual({ valence: 0, arousal: 0.75 });
  });
});

describe('pixels ↔ point', () => {
  it('maps the corners of the box to (±1, ±1): top left is unpleasant and energetic', () => {
    expect(pointFromPixels(0, 0, 300, 300)).toEqual({ valence: -1, arousal: 1 });
    expect(pointFromPixels(300, 0, 300, 300)).toEqual({ valence: 1, arousal: 1 });
    expect(pointFromPixels(0, 300, 300, 300)).toEqual({ valence: -1, arousal: -1 });
    expect(pointFromPixels(300, 300, 300, 300)).toEqual({ valence: 1, arousal: -1 });
  });

  it('maps the centre to (0, 0) and a quarter in to ±0.5', () => {
    expect(pointFromPixels(150, 150, 300, 300)).toEqual({ valence: 0, arousal: 0 });
    // 75 px of 300 from the left: 75/300·2 − 1 = −0.5; 225 px from the top: 1 − 225/300·2 = −0.5.
    expect(pointFromPixels(75, 225, 300, 300)).toEqual({ valence: -0.5, arousal: -0.5 });
    // A box that is not square: each axis by its own size.
    expect(pointFromPixels(300, 50, 400, 200)).toEqual({ valence: 0.5, arousal: 0.5 });
  });

  it('clamps a drag outside the box to its edge and refuses a box without a size', () => {
    expect(pointFromPixels(-40, 999, 300, 300)).toEqual({ valence: -1, arousal: -1 });
    expect(() => pointFromPixels(10, 10, 0, 300)).toThrow(/no size/);
  });

  it('places a point back in percent of the box', () => {
    expect(pixelsPercent({ valence: -1, arousal: 1 })).toEqual({ left: 0, top: 0 });
    expect(pixelsPercent({ valence: 0.5, arousal: -0.5 })).toEqual({ left: 75, top: 75 });
    expect(pixelsPercent({ valence: 0, arousal: 0 })).toEqual({ left: 50, top: 50 });
  });
});

describe('mood anchors', () => {
  const quadrant = (word: string) => {
    const p = anchorPoint(anchor(word));
    return `${p.valence > 0 ? 'pleasant' : 'unpleasant'}-${p.arousal > 0 ? 'active' : 'calm'}`;
  };

  it('put each word in its quadrant of Russell’s circumplex', () => {
    expect(quadrant('happy')).toBe('pleasant-active');
    expect(quadrant('excited')).toBe('pleasant-active');
    expect(quadrant('tense')).toBe('unpleasant-active');
    expect(quadrant('angry')).toBe('unpleasant-active');
    expect(quadrant('alarmed')).toBe('unpleasant-active');
    expect(quadrant('upset')).toBe('unpleasant-active');
    expect(quadrant('sad')).toBe('unpleasant-calm');
    expect(quadrant('bored')).toBe('unpleasant-calm');
    expect(quadrant('tired')).toBe('unpleasant-calm');
    expect(quadrant('serene')).toBe('pleasant-calm');
    expect(quadrant('relaxed')).toBe('pleasant-calm');
    expect(quadrant('content')).toBe('pleasant-calm');
  });

  it('keep Russell’s order around the circle and stay apart on screen', () => {
    // Counter-clockwise from pleasant, as in Russell (1980).
    expect(MOOD_ANCHORS.map((a) => a.word)).toEqual(
      ['happy', 'excited', 'tense', 'alarmed', 'angry', 'upset', 'sad', 'bored', 'tired', 'relaxed', 'content', 'serene'],
    );
    const angles = MOOD_ANCHORS.map((a) => a.angle);
    expect(angles).toEqual([...angles].sort((a, b) => a - b));
    const gaps = angles.map((a, i) => (angles[(i + 1) % angles.length] - a + 360) % 360);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(22);
  });

  it('sit on the circle: excited at 50° is (cos 50°, sin 50°) ≈ (0.64, 0.77)', () => {
    expect(anchorPoint(anchor('excited'))).toEqual({ valence: 0.64, arousal: 0.77 });
    expect(anchorPoint(anchor('sad'), 0.5)).toEqual({ valence: -0.47, arousal: -0.17 });
  });

  it('name the nearest word by angle, none near the centre', () => {
    expect(nearestAnchor({ valence: 0.8, arousal: 0.2 })?.word).toBe('happy'); // 14°
    expect(nearestAnchor({ valence: -0.6, arousal: -0.3 })?.word).toBe('sad'); // 206.6°
    expect(nearestAnchor({ valence: 0.5, arousal: -0.05 })?.word).toBe('serene'); // 354°: 14° from serene at 340°, 21° from happy at 15° across 0°
    expect(nearestAnchor({ valence: 0.5, arousal: 0.08 })?.word).toBe('happy'); // 9°: 6° from happy, 29° from serene across 0°
    expect(nearestAnchor({ valence: 0, arousal: 1 })?.word).toBe('tense'); // 90°
    expect(nearestAnchor({ valence: 0.1, arousal: 0.1 })).toBeNull();
  });
});

describe('the point in words', () => {
  it('writes coordinates with a sign and two decimals', () => {
    expect(formatValue(0.4)).toBe('+0.40');
    expect(formatValue(-0.25)).toBe('−0.25');
    expect(formatValue(0)).toBe('0.00');
    expect(formatValue(-0.001)).toBe('0.00');
  });

  it('grades each axis', () => {
    expect(axisWords(0.05, 'calm', 'energetic', 'medium energy')).toBe('medium energy');
    expect(axisWords(0.3, 'calm', 'energetic', 'medium energy')).toBe('slightly energetic');
    expect(axisWords(-0.5, 'calm', 'energetic', 'medium energy')).toBe('calm');
    expect(axisWords(-0.9, 'unpleasant', 'pleasant', 'neutral')).toBe('very unpleasant');
  });

  it('describes a point in words and numbers', () => {
    expect(describePoint({ valence: 0.6, arousal: 0.2 })).toBe('pleasant, slightly energetic — near “happy” (valence +0.60, arousal +0.20)');
    expect(describePoint({ valence: 0, arousal: 0 })).toBe('neutral, medium energy (valence 0.00, arousal 0.00)');
    expect(describePoint({ valence: -0.8, arousal: -0.8 })).toBe('very unpleasant, very calm — near “bored” (valence −0.80, arousal −0.80)');
  });
});
