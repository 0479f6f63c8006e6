import { describe, expect, it } from 'vitest';
import { buildDatasheet, datasetConfigs, exportColumnNames, type DatasheetInput } from '@/lib/export';

const tags = ['calm', 'happy', 'epic'];

function input(overrides: Partial<DatasheetInput['manifest']> = {}): DatasheetInput {
  return {
    manifest: {
      name: 'moods',
      version: 3,
      created_at: '2025-06-01T00:00:00.000Z',
      formats: ['jsonl', 'parquet'],
      filters: { min_confidence: 0.8 },
      counts: {
        rows: 1_000,
        per_split: { train: 800, validation: 100, test: 100 },
        per_tag: { calm: 400, happy: 250, epic: 5 },
        per_split_tag: {
          train: { calm: 320, happy: 200, epic: 4 },
          validation: { calm: 40, happy: 25, epic: 0 },
          test: { calm: 40, happy: 25, epic: 1 },
        },
        per_licence: { 'CC-BY-4.0': 700, 'CC-BY-NC-4.0': 200, 'weird | licence': 60, unknown: 40 },
        per_source: { demo: 1_000 },
        expert_resolved: 120,
      },
      tags,
      taxonomy_version: 4,
      model_version: 'mlp-9',
      extractor_version: 'fx-2',
      columns: exportColumnNames({ tags }),
      ...overrides,
    },
    label_process: { votes: 3_100, annotators: 25, overlap: 3, gold_rate: 0.1 },
    agreement: [{ metric: "Krippendorff's alpha", overall: 0.58, per_tag: { calm: 0.71, happy: 0.49 } }],
    known_limits: ['Demo catalog: synthesised audio.'],
  };
}

describe('buildDatasheet', () => {
  it('starts with datasets front matter whose default config is Parquet', () => {
    const card = buildDatasheet(input());
    const front = card.slice(4, card.indexOf('\n---\n', 4));
    expect(front).toContain('license: "other"');
    expect(front).toContain('size_categories:\n- "1K<n<10K"');
    expect(front).toContain(
      'configs:\n- config_name: "default"\n  data_files:\n  - split: "train"\n    path: "data/train-*.parquet"',
    );
    expect(front).toContain('- config_name: "jsonl"\n  data_files:\n  - split: "train"\n    path: "data/train-*.jsonl"');
    expect(datasetConfigs(['csv']).map((c) => c.config_name)).toEqual(['default']);
  });

  it('names a single Hub licence in the front matter', () => {
    const counts = { ...input().manifest.counts, per_licence: { 'CC-BY-4.0': 1_000 } };
    expect(buildDatasheet(input({ counts }))).toContain('license: "cc-by-4.0"');
  });

  it('covers provenance, licences with counts, label process, agreement and versions', () => {
    const card = buildDatasheet(input());
    expect(card).toContain('# moods — version 3');
    expect(card).toContain('| CC-BY-4.0 | 700 | 70.0% |');
    expect(card).toContain('| weird \\| licence | 60 | 6.0% |');
    expect(card).toContain('Dawid–Skene (Dawid & Skene, 1979)');
    expect(card).toContain('Votes: 3,100.');
    expect(card).toContain('Gold rate: 10.0%.');
    expect(card).toContain("| tag | Krippendorff's alpha |");
    expect(card).toContain('| (overall) | 0.580 |');
    expect(card).toContain('| `happy` | 0.490 |');
    expect(card).toContain('| `epic` | — |');
    expect(card).toContain('| Model version | mlp-9 |');
    expect(card).toContain('| Feature extractor version | fx-2 |');
    expect(card).toContain('"min_confidence": 0.8');
    expect(card).toContain('iterative stratification');
  });

  it('lists known limits: given ones and those visible in the counts', () => {
    const card = buildDatasheet(input());
    const limits = card.slice(card.indexOf('## Known limits'), card.indexOf('## Integrity'));
    expect(limits).toContain('Demo catalog: synthesised audio.');
    expect(limits).toContain('Rare tags (under 1.0% of clips): `epic`');
    expect(limits).toContain('Fewer than 30 test positives for `happy`, `epic`');
    expect(limits).toContain('40 clips have an unknown licence');
    expect(limits).toContain('200 clips are under non-commercial licences');
  });
});
