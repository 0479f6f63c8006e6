import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

const USAGE =
  'chorus export --format jsonl|csv|parquet --out <dir> [--name N] [--min-confidence X] [--state S]… [--taxonomy-version V] [--no-map-taxonomy] [--licence L]… [--source S]… [--from DATE] [--to DATE] [--date-field created|labelled] [--features] [--embeddings]';

/**
 * `chorus export`: creates an immutable, versioned snapshot inline (no job) and writes it to
 * `--out` (which must not exist or be empty): `data/<split>-*.{parquet,jsonl,csv}`, README.md and
 * manifest.json. The manifest goes to stdout as JSON; progress goes to stderr.
 */
export const exportCommand: Command = {
  summary: 'Create an immutable dataset snapshot (JSONL, CSV, Parquet; Hugging Face layout) and print its manifest',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        format: { type: 'string', multiple: true },
        out: { type: 'string' },
        name: { type: 'string' },
        'min-confidence': { type: 'string' },
        state: { type: 'string', multiple: true },
        'taxonomy-version': { type: 'string' },
        // Labels from older taxonomy versions are mapped by default; --map-taxonomy is kept for old scripts.
        'map-taxonomy': { type: 'boolean', default: false },
        'no-map-taxonomy': { type: 'boolean', default: false },
        licence: { type: 'string', multiple: true },
        source: { type: 'string', multiple: true },
        from: { type: 'string' },
        to: { type: 'string' },
        'date-field': { type: 'string' },
        features: { type: 'boolean', default: false },
        embeddings: { type: 'boolean', default: false },
      },
    });
    if (!values.out) throw new UsageError('--out <dir> is required');
    const formats = splitList(values.format);
    if (formats.length === 0) throw new UsageError('--format is required (jsonl, csv, parquet; repeat it or separate with commas)');
    const number = (flag: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${value}"`);
      return n;
    };
    const { CreateSnapshotSchema, DEFAULT_SNAPSHOT_NAME } = await import('@/lib/export/schemas');
    const parsed = CreateSnapshotSchema.safeParse({
      name: values.name ?? DEFAULT_SNAPSHOT_NAME,
      formats,
      filters: {
        ...(values.state ? { states: splitList(values.state) } : {}),
        ...(values['min-confidence'] !== undefined ? { minConfidence: number('--min-confidence', values['min-confidence']) } : {}),
        ...(values['taxonomy-version'] !== undefined ? { taxonomyVersion: number('--taxonomy-version', values['taxonomy-version']) } : {}),
        applyMapping: !values['no-map-taxonomy'],
        ...(values.licence ? { licences: values.licence } : {}),
        ...(values.source ? { sources: values.source } : {}),
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        ...(values['date-field'] ? { dateField: values['date-field'] } : {}),
      },
      includeFeatures: values.features,
      includeEmbeddings: values.embeddings,
    });
    if (!parsed.success) {
      throw new UsageError(parsed.error.issues.map((i) => `${flagOf(i.path)}: ${i.message}`).join('; '));
    }
    const { exportSnapshotInline } = await import('@/lib/export/service');
    const handle = await getDbHandle();
    let last = '';
    const { manifest, dir } = await exportSnapshotInline(handle.db, parsed.data, {
      dir: values.out,
      progress: (fraction, message) => {
        const line = `\r${String(Math.round(fraction * 100)).padStart(3)}% ${message}`.padEnd(last.length);
        last = line;
        io.stderr.write(line);
      },
    });
    io.stderr.write(`\nsnapshot ${manifest.name} v${manifest.version}: ${manifest.counts.rows} rows written to ${dir}\n`);
    io.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
    return 0;
  },
};

function splitList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

const FLAGS: Record<string, string> = {
  name: '--name',
  formats: '--format',
  states: '--state',
  minConfidence: '--min-confidence',
  taxonomyVersion: '--taxonomy-version',
  licences: '--licence',
  sources: '--source',
  from: '--from',
  to: '--to',
  dateField: '--date-field',
};

function flagOf(path: PropertyKey[]): string {
  const key = [...path].reverse().find((p) => typeof p === 'string' && FLAGS[p]);
  return key ? FLAGS[key as string] : path.join('.');
}
