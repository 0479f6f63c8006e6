import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Both themes' colour tokens (app/globals.css, `--name: light-dark(<light>, <dark>)`) held to WCAG
 * 2.1: text at least 4.5:1 on every surface it sits on (AA, 1.4.3), chart series, focus rings and
 * played waveform bars at least 3:1 (non-text contrast, 1.4.11). The values are read from the
 * stylesheet, so changing a token to a low-contrast colour fails here.
 */

type Theme = 'light' | 'dark';

/** WCAG 2.1 relative luminance of an sRGB colour `#rrggbb` (or `#rgb`). */
function relativeLuminance(hex: string): number {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join('')}` : hex;
  if (!/^#[0-9a-f]{6}$/i.test(full)) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** (L1 + 0.05) / (L2 + 0.05), lighter over darker. */
function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Every `--token: light-dark(#…, #…)` declaration of the stylesheet, per theme. */
function readTokens(css: string): Record<Theme, Map<string, string>> {
  const tokens = { light: new Map<string, string>(), dark: new Map<string, string>() };
  for (const m of css.matchAll(/(--[a-z0-9-]+):\s*light-dark\(\s*(#[0-9a-f]{3,6})\s*,\s*(#[0-9a-f]{3,6})\s*\)/gi)) {
    tokens.light.set(m[1], m[2]);
    tokens.dark.set(m[1], m[3]);
  }
  return tokens;
}

const tokens = readTokens(readFileSync(new URL('../../../app/globals.css', import.meta.url), 'utf8'));

function pairs(foregrounds: string[], backgrounds: string[]) {
  return (['light', 'dark'] as const).flatMap((theme) =>
    foregrounds.flatMap((fg) =>
      backgrounds.map((bg) => {
        const fgValue = tokens[theme].get(fg);
        const bgValue = tokens[theme].get(bg);
        if (!fgValue || !bgValue) throw new Error(`${theme}: token ${fgValue ? bg : fg} is not a light-dark(#…, #…) colour in globals.css`);
        return { name: `${theme}: ${fg} on ${bg} (${fgValue} on ${bgValue})`, ratio: contrastRatio(fgValue, bgValue) };
      }),
    ),
  );
}

/** Pairs below `minimum`, with their ratios: an empty list passes, a failure names every offender. */
const below = (list: { name: string; ratio: number }[], minimum: number) =>
  list.filter((p) => p.ratio < minimum).map((p) => `${p.name}: ${p.ratio.toFixed(2)}:1`);

describe('WCAG 2.1 contrast ratio', () => {
  it('matches published values', () => {
    // WebAIM and the WCAG techniques (G18): #767676 is the lightest grey that passes AA on white, 4.54:1.
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    // #777777 on white is 4.48:1, just below AA.
    expect(contrastRatio('#777777', '#fff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 6);
    expect(contrastRatio('#3a3a3a', '#3a3a3a')).toBe(1);
  });

  it('rejects a colour it cannot read', () => {
    expect(() => contrastRatio('red', '#ffffff')).toThrow(/not a #rrggbb colour: red/);
  });
});

describe('theme tokens (app/globals.css)', () => {
  it('defines two distinct themes', () => {
    expect(tokens.light.size).toBeGreaterThanOrEqual(24);
    expect([...tokens.dark.keys()]).toEqual([...tokens.light.keys()]);
    expect(tokens.light.get('--bg')).not.toBe(tokens.dark.get('--bg'));
    // Light theme: dark text on a light page; dark theme the other way round.
    expect(relativeLuminance(tokens.light.get('--bg')!)).toBeGreaterThan(relativeLuminance(tokens.light.get('--text')!));
    expect(relativeLuminance(tokens.dark.get('--bg')!)).toBeLessThan(relativeLuminance(tokens.dark.get('--text')!));
  });

  it('text reaches AA (4.5:1) on every surface, in both themes', () => {
    const text = ['--text', '--muted', '--accent', '--good', '--warn', '--bad'];
    const surfaces = ['--bg', '--panel', '--field', '--chip', '--selected'];
    expect(below(pairs(text, surfaces), 4.5)).toEqual([]);
    // Filled buttons and selected chips.
    expect(below(pairs(['--on-accent'], ['--accent']), 4.5)).toEqual([]);
  });

  it('chart series, focus rings and played waveform bars reach 3:1 (non-text contrast)', () => {
    const series = Array.from({ length: 10 }, (_, i) => `--series-${i + 1}`);
    expect(below(pairs(series, ['--panel']), 3)).toEqual([]);
    expect(below(pairs(['--focus'], ['--bg', '--panel', '--field']), 3)).toEqual([]);
    expect(below(pairs(['--accent'], ['--field']), 3)).toEqual([]);
  });
});
