import { createRng } from '@/lib/util/random';
import type { ExportRow, Split } from '@/lib/export';

export const TAGS = ['calm', 'happy', 'sad', 'energetic', 'tense', 'romantic', 'dark', 'epic'];

/** Prevalence per tag: deliberately skewed (40% … 0.5%) like real mood labels. */
export const PREVALENCE = [0.4, 0.25, 0.15, 0.1, 0.05, 0.02, 0.01, 0.005];

export function uuidFor(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** Hard labels of item `i`: skewed and correlated (sad and dark co-occur, happy excludes sad). */
export function labelsFor(i: number, seed = 7): string[] {
  const rng = createRng(seed * 1_000_003 + i);
  const tags: string[] = [];
  for (let t = 0; t < TAGS.length; t++) if (rng() < PREVALENCE[t]) tags.push(TAGS[t]);
  if (tags.includes('sad') && rng() < 0.5 && !tags.includes('dark')) tags.push('dark');
  if (tags.includes('happy')) return tags.filter((t) => t !== 'sad');
  return tags;
}

/** Text values that a spreadsheet would evaluate, plus quoting and unicode edge cases. */
export const HOSTILE_TITLES = [
  '=HYPERLINK("http://evil.example","click")',
  '+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\tcmd',
  '\r=1+1',
  'comma, "quote" and\nnewline',
  'Ça fait 😀 — ok',
];

/** A fully populated row; `i` selects the edge cases deterministically. */
export function makeRow(i: number, split: Split, opts: { features?: boolean; embedding?: boolean } = {}): ExportRow {
  const rng = createRng(i + 1);
  const tags = labelsFor(i);
  const soft: Record<string, number> = {};
  // Leave one posterior out now and then: the writers must write null, not 0.
  for (const tag of TAGS) if (i % 11 !== 5 || tag !== 'epic') soft[tag] = tags.includes(tag) ? 0.5 + rng() / 2 : rng() / 2;
  const row: ExportRow = {
    clip_id: uuidFor(i),
    sha256: (i * 7919).toString(16).padStart(64, 'a'),
    title: i < HOSTILE_TITLES.length ? HOSTILE_TITLES[i] : `Song ${i}`,
    artist: i % 9 === 3 ? '-Minus' : `Artist ${i % 13}`,
    licence: ['CC-BY-4.0', 'CC0-1.0', 'CC-BY-NC-4.0'][i % 3],
    provenance: JSON.stringify({ importer: 'test', row: i, uri: `s3://bucket/clip-${i}.flac` }),
    source: i % 2 ? 'demo' : 'import:catalog.csv',
    duration_s: i % 7 === 0 ? null : 10 + (i % 50) / 4,
    tags,
    soft_labels: soft,
    vote_count: i % 6,
    expert_resolved: i % 5 === 0,
    split,
    taxonomy_version: 2,
  };
  if (opts.features && i % 10 !== 9) row.features = Array.from({ length: 8 }, (_, k) => Math.fround((k - 4) * 0.37 + i / 1000));
  if (opts.embedding && i % 10 !== 8) row.embedding = Array.from({ length: 4 }, (_, k) => Math.fround(Math.sin(i + k)));
  return row;
}

export async function* rowsOf(rows: ExportRow[]): AsyncGenerator<ExportRow> {
  for (const row of rows) yield row;
}
