/** Series colours that stay apart on the dark theme (and for the common colour-vision deficiencies, mostly). */
export const PALETTE = [
  '#7c9cff',
  '#4cc38a',
  '#f2b84b',
  '#ef6b6b',
  '#c084fc',
  '#2dd4bf',
  '#f472b6',
  '#a3e635',
  '#fb923c',
  '#94a3b8',
];

/** Evenly spaced "nice" ticks (1, 2, 5 × 10^k steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}
