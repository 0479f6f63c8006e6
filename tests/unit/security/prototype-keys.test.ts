import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatasheet, exportColumnsSchema, writeSnapshot, type ExportRow } from '@/lib/export';
import { mapClipLabels } from '@/lib/export/taxonomy-map';
import { MoodBlendSchema } from '@/lib/recommend/schemas';
import { moodMatch, moodTarget } from '@/lib/recommend/rank';
import { moodDirections } from '@/lib/recommend/repo';
import { composeMappings, identityMapping, mapSoftLabels } from '@/lib/taxonomy/mapping';
import { applyTaxonomyEdits } from '@/lib/taxonomy/edit';
import { dict, own } from '@/lib/util/dict';
import { makeRow } from '../export/fixtures';

/**
 * Attacker's view: a tag key, a licence, a source or a blend tag is a string someone typed. Named
 * after a property every plain object inherits (`constructor`, `toString`, `valueOf`) or after
 * its prototype (`__proto__`), it must count and export like any other name — before the fix a
 * tag named `constructor` broke every export (lib/export/datasheet.ts read `per_tag[tag]` from
 * plain objects and got `Object`).
 */
const TAGS = ['calm', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];
const LICENCES = ['__proto__', 'constructor', 'CC0-1.0'];
const SOURCES = ['toString', '__proto__', 'demo'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chorus-proto-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

function rows(): ExportRow[] {
  return Array.from({ length: 30 }, (_, i) => {
    const row = makeRow(i, (['train', 'validation', 'test'] as const)[i % 3]);
    row.taxonomy_version = 2;
    row.tags = TAGS.filter((_, t) => (i + t) % (t + 2) === 0);
    row.soft_labels = dict(TAGS.map((t) => [t, row.tags.includes(t) ? 0.9 : 0.1]));
    row.licence = LICENCES[i % 3];
    row.source = SOURCES[i % 3];
    return row;
  });
}

describe('finding 6: prototype-named keys — a tag named constructor (or __proto__, toString) no longer breaks exports', () => {
  it('a snapshot with tags constructor, toString, valueOf and licences/sources __proto__, constructor counts them right in the manifest, JSONL, CSV and datasheet', async () => {
    const data = rows();
    const dir = join(root, 'snap');
    const manifest = await writeSnapshot({
      dir,
      name: 'moods',
      version: 1,
      formats: ['jsonl', 'csv'],
      filters: {},
      columns: { tags: TAGS },
      rows: async function* () {
        yield* data;
      },
      meta: {
        taxonomy_version: 2,
        model_version: null,
        extractor_version: null,
        created_at: '2025-06-01T00:00:00.000Z',
        datasheet: {
          tag_info: dict([['calm', { label: 'Calm' }]]), // the other tags have no info: must read as none
          agreement: [{ metric: "Krippendorff's alpha", overall: 0.7, per_tag: dict([['calm', 0.8]]) }],
        },
      },
    });

    const expected = (tag: string) => data.filter((r) => r.tags.includes(tag)).length;
    for (const tag of TAGS) {
      expect(own(manifest.counts.per_tag, tag), tag).toBe(expected(tag));
      expect(typeof own(manifest.counts.per_split_tag.train, tag), tag).toBe('number');
    }
    expect(expected('constructor')).toBeGreaterThan(0);
    for (const l of LICENCES) expect(own(manifest.counts.per_licence, l), l).toBe(10);
    for (const s of SOURCES) expect(own(manifest.counts.per_source, s), s).toBe(10);

    // The manifest on disk has them as plain keys.
    const onDisk = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
    expect(Object.hasOwn(onDisk.counts.per_licence, '__proto__')).toBe(true);
    expect(onDisk.counts.per_tag.constructor).toBe(expected('constructor'));

    // JSONL: soft_labels keyed by every tag, own keys with numbers.
    const jsonl = manifest.files.filter((f) => f.format === 'jsonl');
    const lines = (await Promise.all(jsonl.map((f) => readFile(join(dir, f.path), 'utf8')))).join('').trim().split('\n');
    expect(lines).toHaveLength(data.length);
    let constructorCount = 0;
    for (const line of lines) {
      const obj = JSON.parse(line) as { tags: string[]; soft_labels: Record<string, number>; licence: string };
      for (const t of TAGS) expect(typeof obj.soft_labels[t], t).toBe('number');
      if (obj.tags.includes('constructor')) constructorCount++;
    }
    expect(constructorCount).toBe(expected('constructor'));

    // CSV: one p_<tag> column per tag.
    const csv = manifest.files.filter((f) => f.format === 'csv');
    const header = (await readFile(join(dir, csv[0].path), 'utf8')).split('\n')[0];
    for (const t of TAGS) expect(header).toContain(`p_${t}`);

    // The datasheet: the composition row of each tag shows its count; missing agreement reads "—".
    const readme = await readFile(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`| \`constructor\` |  |  | ${expected('constructor')} |`);
    expect(readme).toMatch(/\| `toString` \| —/);
  });

  it('buildDatasheet alone, with agreement and tag info that lack the prototype-named tags', () => {
    const counts = {
      rows: 2,
      per_split: { train: 2, validation: 0, test: 0 },
      per_tag: { constructor: 1, toString: 2 },
      per_split_tag: { train: { constructor: 1, toString: 2 }, validation: {}, test: {} },
      per_licence: JSON.parse('{"__proto__": 2}') as Record<string, number>,
      per_source: { demo: 2 },
      expert_resolved: 0,
    };
    const md = buildDatasheet({
      manifest: { name: 'm', version: 1, created_at: 'now', formats: ['jsonl'], filters: {}, tags: ['constructor', 'toString', 'valueOf'], columns: [], taxonomy_version: 1, counts } as never,
      tag_info: {},
      agreement: [{ metric: 'alpha', per_tag: {} }],
    });
    expect(md).toMatch(/\| `constructor` \|\s*\|\s*\| 1 \|/);
    expect(md).toMatch(/\| `valueOf` \|\s*\|\s*\| 0 \|/);
    expect(md).toContain('| \\_\\_proto\\_\\_ | 2 |'); // markdown-escaped
  });

  it('__proto__ as an export tag key is refused with a message, not silently dropped', () => {
    const parsed = exportColumnsSchema.safeParse({ tags: ['calm', '__proto__'] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/reserved/);
  });

  it('taxonomy mappings carry constructor / toString / __proto__ keys like any other', () => {
    const mapping = dict([
      ['constructor', ['toString']],
      ['__proto__', ['calm']],
      ['toString', ['toString']],
    ]);
    expect(own(mapSoftLabels(dict([['constructor', 0.3], ['__proto__', 0.8], ['toString', 0.6]]), mapping), 'toString')).toBe(0.6);
    expect(own(mapSoftLabels(dict([['__proto__', 0.8]]), mapping), 'calm')).toBe(0.8);
    expect(own(composeMappings(mapping, identityMapping(['toString', 'calm'])), '__proto__')).toEqual(['calm']);
    expect(Object.keys(identityMapping(['__proto__', 'constructor']))).toEqual(['__proto__', 'constructor']);
    const plan = new Map([['__proto__', ['calm']], ['constructor', ['constructor']]]);
    const mapped = mapClipLabels(plan, ['calm', 'constructor'], ['__proto__'], dict([['__proto__', 0.7], ['constructor', 0.2]]));
    expect(own(mapped.soft, 'calm')).toBe(0.7);
    expect(own(mapped.soft, 'constructor')).toBe(0.2);
    const edited = applyTaxonomyEdits({ version: 1, tags: [{ key: 'constructor', label: 'C', description: '' }, { key: 'calm', label: 'Calm', description: '' }] }, [
      { op: 'rename', from: 'constructor', toKey: 'builder' },
    ] as never);
    expect(own(edited.mapping, 'constructor')).toEqual(['builder']);
  });
});

describe('finding 6: prototype-named keys — mood blends (recommender query input)', () => {
  it('constructor:1, __proto__:2 and toString are blend tags, counted as numbers', () => {
    const blend = MoodBlendSchema.parse('constructor:1,__proto__:2,toString,calm:0.5,constructor:1');
    expect(own(blend, 'constructor')).toBe(2);
    expect(own(blend, '__proto__')).toBe(2);
    expect(own(blend, 'toString')).toBe(1);
    expect(Object.keys(blend).sort()).toEqual(['__proto__', 'calm', 'constructor', 'toString']);
    const target = moodTarget(blend)!;
    expect(own(target, '__proto__')).toBeCloseTo(2 / 5.5);
    // A track whose probabilities lack those tags scores a number, not NaN.
    expect(moodMatch(target, { calm: 1 })).toBeCloseTo(0.5 / 5.5);
  });
});

describe('finding 6: prototype-named keys — the recommender\'s mood directions', () => {
  it('per-tag directions for tags named constructor, toString and __proto__ (a `{}` accumulator threw on .push)', async () => {
    const rows = ['constructor', 'toString', '__proto__', 'calm'].flatMap((tag) => [1, 2].map((i) => ({ tag, i, s: i / 10 })));
    const db = { execute: async () => rows } as unknown as Parameters<typeof moodDirections>[0];
    const dirs = await moodDirections(db, 1, { kind: 'crowd' }, ['constructor', 'toString', '__proto__', 'calm']);
    for (const tag of ['constructor', 'toString', '__proto__', 'calm']) expect(own(dirs, tag), tag).toEqual([0.1, 0.2]);
  });
});
