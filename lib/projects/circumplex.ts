/**
 * The valence–arousal plane of a `valence_arousal` project (Russell's circumplex of affect), as the
 * labeling screen draws and moves it. Pure: no DOM, no React, so the mapping and the key steps are
 * tested by hand-worked values (tests/unit/projects/circumplex.test.ts).
 *
 * Coordinates: valence on x (−1 unpleasant … +1 pleasant), arousal on y (−1 calm … +1 energetic).
 * Angles are in degrees, counter-clockwise from the pleasant end of the valence axis (90° = most
 * energetic), as in Russell (1980).
 */

export interface CircumplexPoint {
  valence: number;
  arousal: number;
}

export interface MoodAnchor {
  word: string;
  /** Where the word sits on the circle, degrees counter-clockwise from "pleasant". */
  angle: number;
}

/**
 * The mood words drawn around the plane. Their order and quadrants follow Russell (1980), where
 * e.g. happy ≈ 8°, excited ≈ 49°, tense ≈ 93°, angry ≈ 99°, sad ≈ 208°, bored ≈ 241°, tired ≈ 268°,
 * relaxed ≈ 318°, content ≈ 324°, serene ≈ 329°. Russell's words bunch up (tense, alarmed and
 * angry lie within 7°; relaxed, content and serene within 11°), and bunched words overlap on a
 * phone, so the angles here spread them at least 22° apart while keeping each word on its side of
 * both axes. "Calm" is the name of the arousal axis's low end on the plane, so it is not a word here.
 */
export const MOOD_ANCHORS: readonly MoodAnchor[] = [
  { word: 'happy', angle: 15 },
  { word: 'excited', angle: 50 },
  { word: 'tense', angle: 95 },
  { word: 'alarmed', angle: 118 },
  { word: 'angry', angle: 141 },
  { word: 'upset', angle: 164 },
  { word: 'sad', angle: 200 },
  { word: 'bored', angle: 228 },
  { word: 'tired', angle: 258 },
  { word: 'relaxed', angle: 290 },
  { word: 'content', angle: 316 },
  { word: 'serene', angle: 340 },
];

/** Where an anchor's word is drawn, as a point of the plane (`radius` 1 = the inscribed circle). */
export function anchorPoint(anchor: MoodAnchor, radius = 1): CircumplexPoint {
  const rad = (anchor.angle * Math.PI) / 180;
  return { valence: round2(radius * Math.cos(rad)), arousal: round2(radius * Math.sin(rad)) };
}

/** Arrow-key steps: a plain press moves a tenth of the half-axis, Shift a quarter. */
export const STEP = 0.1;
export const BIG_STEP = 0.25;

export const ARROW_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'] as const;
export type ArrowKey = (typeof ARROW_KEYS)[number];

/** Values are kept to two decimals: 0.1 + 0.2 must read 0.3 on screen and in the stored answer. */
function round2(x: number): number {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? 0 : r;
}

export function clampUnit(x: number): number {
  return Math.min(1, Math.max(-1, x));
}

/**
 * The point after an arrow key. With no point yet, the first press starts from the centre (so a
 * keyboard user can begin anywhere without a mouse). `axis` is set when the key went to one of the
 * two screen-reader sliders: then the key moves that slider's own value, as a native slider would
 * (Right and Up raise it, Left and Down lower it), and leaves the other one where it is.
 */
export function stepPoint(
  point: CircumplexPoint | null,
  key: ArrowKey,
  options: { shift?: boolean; axis?: 'valence' | 'arousal' } = {},
): CircumplexPoint {
  const from = point ?? { valence: 0, arousal: 0 };
  const step = options.shift ? BIG_STEP : STEP;
  const sign = key === 'ArrowRight' || key === 'ArrowUp' ? 1 : -1;
  const axis = options.axis ?? (key === 'ArrowLeft' || key === 'ArrowRight' ? 'valence' : 'arousal');
  return {
    valence: axis === 'valence' ? round2(clampUnit(from.valence + sign * step)) : from.valence,
    arousal: axis === 'arousal' ? round2(clampUnit(from.arousal + sign * step)) : from.arousal,
  };
}

/**
 * A click or tap at (x, y) pixels inside a box of `width` × `height` (origin at the top left, as
 * the DOM measures) → the point. The left edge is valence −1, the top edge arousal +1; a position
 * outside the box (a drag that left it) is clamped to the edge.
 */
export function pointFromPixels(x: number, y: number, width: number, height: number): CircumplexPoint {
  if (!(width > 0) || !(height > 0)) throw new Error(`the plane has no size (${width} × ${height})`);
  return {
    valence: round2(clampUnit((x / width) * 2 - 1)),
    arousal: round2(clampUnit(1 - (y / height) * 2)),
  };
}

/** The inverse, in percent of the box (for CSS `left` / `top`). */
export function pixelsPercent(point: CircumplexPoint): { left: number; top: number } {
  return { left: ((clampUnit(point.valence) + 1) / 2) * 100, top: ((1 - clampUnit(point.arousal)) / 2) * 100 };
}

/** Near the centre no mood word applies: the answer is "neutral". */
const NEUTRAL_RADIUS = 0.2;

/** The mood word whose angle is closest to the point's, or null near the centre. */
export function nearestAnchor(point: CircumplexPoint, anchors: readonly MoodAnchor[] = MOOD_ANCHORS): MoodAnchor | null {
  if (Math.hypot(point.valence, point.arousal) < NEUTRAL_RADIUS) return null;
  const angle = ((Math.atan2(point.arousal, point.valence) * 180) / Math.PI + 360) % 360;
  let best: MoodAnchor | null = null;
  let bestGap = Infinity;
  for (const anchor of anchors) {
    const raw = Math.abs(anchor.angle - angle) % 360;
    const gap = Math.min(raw, 360 - raw);
    if (gap < bestGap) {
      best = anchor;
      bestGap = gap;
    }
  }
  return best;
}

/** A coordinate as the screen writes it: sign always shown, true minus sign, two decimals. */
export function formatValue(x: number): string {
  const r = round2(x);
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(2)}`;
}

/** One axis in words: `middle` near 0, "slightly …" up to 0.4, "…" up to 0.75, "very …" beyond. */
export function axisWords(x: number, low: string, high: string, middle: string): string {
  const size = Math.abs(x);
  if (size < 0.1) return middle;
  const word = x > 0 ? high : low;
  if (size < 0.4) return `slightly ${word}`;
  if (size < 0.75) return word;
  return `very ${word}`;
}

/** The point in words: "pleasant, slightly energetic — near “happy”". */
export function pointWords(point: CircumplexPoint): string {
  const words = `${axisWords(point.valence, 'unpleasant', 'pleasant', 'neutral')}, ${axisWords(point.arousal, 'calm', 'energetic', 'medium energy')}`;
  const near = nearestAnchor(point);
  return `${words}${near ? ` — near “${near.word}”` : ''}`;
}

/** The point in numbers: "valence +0.60, arousal +0.20". */
export function pointNumbers(point: CircumplexPoint): string {
  return `valence ${formatValue(point.valence)}, arousal ${formatValue(point.arousal)}`;
}

/** Both, for the sliders' aria-valuetext: "pleasant, slightly energetic — near “happy” (valence +0.60, arousal +0.20)". */
export function describePoint(point: CircumplexPoint): string {
  return `${pointWords(point)} (${pointNumbers(point)})`;
}
