/**
 * When to show an extracted tempo or key to people, and when to say
 * "uncertain" instead (issue 17): a wrong number shown to an expert is worse
 * than none. Pure functions, safe to import in client components.
 *
 * The thresholds come from the piano + demo-synth dev set of
 * bench/extract-accuracy.ts (extractor chorus-audio-1.3.0, tempo re-checked on 1.4.0): see
 * bench/RESULTS.md, "Tempo and key accuracy on real piano recordings", for
 * how many right and wrong readings each one hides.
 */

/**
 * `tempo_confidence` below this: the tempo is shown as uncertain. On the dev
 * set it hides 4 of 25 wrong tempi (the near-onsetless drones) and 1 of 159
 * right ones with 1.3.0, 4 of 17 wrong and 1 of 167 right with 1.4.0; octave
 * errors keep confidences like right answers', so a higher cut hides more
 * right tempi than wrong (1.4.0, 0.3: 5 wrong, 7 right).
 */
export const TEMPO_CONFIDENCE_MIN = 0.1;
/** `key_confidence` below this: the key is shown as uncertain (dev set, chorus-audio-1.3.0: hides 7 of 22 wrong keys, 5 of 162 right; 0.25: 9 wrong, 5 right, 0.15: 3 wrong, 2 right). */
export const KEY_CONFIDENCE_MIN = 0.2;

/**
 * "120 BPM", "uncertain" (confidence below {@link TEMPO_CONFIDENCE_MIN}) or
 * "—" (not extracted). A missing confidence (older rows) shows the number.
 */
export function tempoLabel(bpm: number | null | undefined, confidence: number | null | undefined): string {
  if (bpm === null || bpm === undefined || !(bpm > 0)) return '—';
  if (confidence !== null && confidence !== undefined && confidence < TEMPO_CONFIDENCE_MIN) return 'uncertain';
  return `${bpm.toFixed(0)} BPM`;
}

/** "A minor", "uncertain" (confidence below {@link KEY_CONFIDENCE_MIN}) or "—" (not extracted). */
export function keyLabel(
  key: string | null | undefined,
  mode: string | null | undefined,
  confidence: number | null | undefined,
): string {
  if (!key) return '—';
  if (confidence !== null && confidence !== undefined && confidence < KEY_CONFIDENCE_MIN) return 'uncertain';
  return mode ? `${key} ${mode}` : key;
}
