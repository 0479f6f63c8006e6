import { describe, expect, it } from 'vitest';
import { signedPoints } from '@/lib/util/format';

describe('signedPoints', () => {
  it('shows a positive or negative difference with its sign', () => {
    expect(signedPoints(0.034)).toBe('+3.4 pts');
    expect(signedPoints(-0.125)).toBe('-12.5 pts');
  });

  it('reads a float residue around zero as +0.0, never -0.0', () => {
    expect(signedPoints(0.2 - 0.2 - 1e-17)).toBe('+0.0 pts');
    expect(signedPoints(-0.0004)).toBe('+0.0 pts');
    expect(signedPoints(0)).toBe('+0.0 pts');
  });

  it('keeps a difference that rounds to a tenth of a point negative', () => {
    expect(signedPoints(-0.0006)).toBe('-0.1 pts');
  });
});
