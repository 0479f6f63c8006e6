/**
 * The one chart kit (issue 16): a score's axis never goes below 0 (the learning curve went to
 * −0.20 with one point), per-tag bars carry a value axis, and ticks are nice numbers.
 */
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { GroupedBars, LineChart, niceTicks, valueDomain } from '@/components/charts';

const ticksOf = (html: string, attr: string) => [...html.matchAll(new RegExp(`${attr}="([^"]+)"`, 'g'))].map((m) => Number(m[1]));

describe('chart kit', () => {
  it('valueDomain includes 0, never goes below it for non-negative data, and widens a flat series', () => {
    expect(valueDomain([0.61])).toEqual([0, 0.61]);
    expect(valueDomain([0.2, 0.5])).toEqual([0, 0.5]);
    expect(valueDomain([-0.1, 0.4])).toEqual([-0.1, 0.4]); // kappa can be negative: shown as it is
    expect(valueDomain([0, 0])).toEqual([0, 1]);
    expect(valueDomain([])).toEqual([0, 1]);
  });

  it('niceTicks steps by 1, 2, 2.5 or 5 × 10^k and keeps whole numbers whole when asked', () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0, 0.61, 5)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(niceTicks(0, 7, 4, true)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(0, 3, 5, true)).toEqual([0, 1, 2, 3]);
  });

  it('a learning curve of one point draws its y axis from 0, not below', () => {
    const html = renderToStaticMarkup(
      createElement(LineChart, {
        title: 'curve',
        xLabel: 'labels used',
        yLabel: 'macro-F1',
        xFromZero: true,
        series: [{ name: 'real', points: [{ x: 40, y: 0.61 }] }],
      }),
    );
    const ys = ticksOf(html, 'data-tick-y');
    expect(ys[0]).toBe(0);
    expect(Math.min(...ys)).toBe(0);
    expect(Math.max(...ys)).toBeGreaterThanOrEqual(0.6);
    expect(html).toContain('labels used');
    expect(html).toContain('macro-F1');
  });

  it('per-tag bars have a labelled value axis from 0 to 1', () => {
    const html = renderToStaticMarkup(
      createElement(GroupedBars, {
        title: 'per tag',
        categories: ['calm (4)', 'sad (2)'],
        measures: [{ name: 'F1', values: [0.5, 0.25] }],
      }),
    );
    expect(ticksOf(html, 'data-tick-x')).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(html).toContain('score (0 = worst, 1 = best)');
    // The value text of each tick is drawn, not only the grid line.
    expect(html).toMatch(/>0\.75<\/text>/);
  });
});
