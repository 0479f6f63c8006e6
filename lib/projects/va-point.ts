import type { MoodPointItem } from './schemas';

/**
 * The point recommender's ranking (pure; lib/projects/va-heads.ts reads the points): the clips of
 * a rating project nearest a (valence, arousal) point, each from the crowd when someone rated it,
 * else from the regression heads' prediction, with a "why" in words.
 */

export interface CrowdPoint {
  clipId: string;
  title: string;
  artist: string;
  valence: number;
  arousal: number;
  /** Ratings aggregated (one per person: a contributor rates a clip once). */
  answerCount: number;
}

export interface ModelPoint {
  clipId: string;
  title: string;
  artist: string;
  valence: number;
  valenceSd: number;
  arousal: number;
  arousalSd: number;
}

/** "0.62 pleasant" / "0.30 unpleasant": the magnitude and the side of the axis it lies on. */
function axisWords(value: number, positive: string, negative: string): string {
  return `${Math.abs(value).toFixed(2)} ${value < 0 ? negative : positive}`;
}

export function crowdWhy(p: CrowdPoint): string {
  const people = p.answerCount === 1 ? '1 person' : `${p.answerCount} people`;
  return `rated ${axisWords(p.valence, 'pleasant', 'unpleasant')}, ${axisWords(p.arousal, 'energetic', 'calm')} by ${people}`;
}

export function modelWhy(p: ModelPoint): string {
  return (
    `predicted ${axisWords(p.valence, 'pleasant', 'unpleasant')} (± ${p.valenceSd.toFixed(2)}), ` +
    `${axisWords(p.arousal, 'energetic', 'calm')} (± ${p.arousalSd.toFixed(2)}) from its audio features; nobody rated it yet`
  );
}

/**
 * The k clips nearest (valence, arousal) by Euclidean distance, nearest first (ties by clip id).
 * A clip with both a crowd point and a prediction is served from the crowd: people's ratings beat
 * the model's guess. O(n log n).
 */
export function nearestToPoint(
  crowd: readonly CrowdPoint[],
  model: readonly ModelPoint[],
  point: { valence: number; arousal: number },
  k: number,
): MoodPointItem[] {
  const rated = new Set(crowd.map((c) => c.clipId));
  const distance = (v: number, a: number) => Math.hypot(v - point.valence, a - point.arousal);
  const items: MoodPointItem[] = [
    ...crowd.map((c) => ({
      clipId: c.clipId,
      title: c.title,
      artist: c.artist,
      valence: c.valence,
      arousal: c.arousal,
      source: 'crowd' as const,
      distance: distance(c.valence, c.arousal),
      why: crowdWhy(c),
    })),
    ...model
      .filter((m) => !rated.has(m.clipId))
      .map((m) => ({
        clipId: m.clipId,
        title: m.title,
        artist: m.artist,
        valence: m.valence,
        arousal: m.arousal,
        source: 'model' as const,
        distance: distance(m.valence, m.arousal),
        why: modelWhy(m),
      })),
  ];
  return items.sort((x, y) => x.distance - y.distance || (x.clipId < y.clipId ? -1 : x.clipId > y.clipId ? 1 : 0)).slice(0, k);
}
