/**
 * The one chart kit's shared pieces (issue 16: there were two kits with palettes that disagreed):
 * series colours and nice axis ticks. Every chart in `components/charts/` draws with these.
 */

/**
 * Series colours: the --series-N tokens of app/globals.css, which hold one value per theme (apart
 * from each other, at least 3:1 on the panel, and for the common colour-vision deficiencies mostly).
 */
export const PALETTE = Array.from({ length: 10 }, (_, i) => `var(--series-${i + 1})`);

export const AXIS = 'var(--muted)';
export const GRID = 'var(--line)';

/** Evenly spaced "nice" ticks (1, 2, 2.5, 5 × 10^k steps) covering [min, max]; whole numbers only when `integers`. */
export function niceTicks(min: number, max: number, count = 5, integers = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (!(max > min)) return [min];
  const raw = Math.max((max - min) / Math.max(1, count), integers ? 1 : 0);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw && (!integers || Number.isInteger(s))) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A tick or value as people read it: thousands grouped, whole numbers bare, else two decimals. */
export const formatNumber = (v: number) =>
  Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : Number.isInteger(v) ? String(v) : v.toFixed(2);

/**
 * The default value range of a chart: the data's, always including 0, so a score that cannot be
 * negative is never drawn on an axis that goes below 0 (the learning curve went to −0.20), and a
 * flat series still gets a range.
 */
export function valueDomain(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
