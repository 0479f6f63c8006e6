import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

const USAGE = [
  'chorus project-data aggregate --project <slug>',
  'chorus project-data export --project <slug> --out <file> [--format jsonl|csv|parquet] [--what scores|answers]',
].join('\n  ');

const ACTIONS = ['aggregate', 'export'] as const;
type Action = (typeof ACTIONS)[number];
const FLAGS: Record<Action, readonly string[]> = { aggregate: ['project'], export: ['project', 'out', 'format', 'what'] };

/** The CLI acts as the installation: admin of every project (as `chorus project` does). */
const INSTALLATION = { id: '', role: 'admin' } as const;

/**
 * `chorus project-data …`: a valence–arousal or pairwise project's aggregation and export from
 * the command line (lib/projects/aggregation-service.ts and export.ts, as behind the results page).
 * `aggregate` fits now whatever the schedule did and prints the summary as JSON; `export` writes
 * one new file (never overwrites) and removes it again if the export fails half-way.
 */
export const projectDataCommand: Command = {
  summary: "Recompute a valence–arousal or pairwise project's scores, or export them (or its raw answers) as JSONL, CSV or Parquet",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { project: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, what: { type: 'string' } },
    });
    const [action, ...extra] = positionals;
    if (!ACTIONS.includes(action as Action)) throw new UsageError(`give one of ${ACTIONS.join(', ')}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const stray = Object.keys(values).find((k) => values[k as keyof typeof values] !== undefined && !FLAGS[action as Action].includes(k));
    if (stray) throw new UsageError(`--${stray} does not go with "${action}"`);
    const slug = values.project;
    if (!slug) throw new UsageError(`${action} needs --project <slug>`);

    const { db } = await getDbHandle();
    if (action === 'aggregate') {
      const { requireProject } = await import('@/lib/projects/access');
      const { aggregateProjectNow } = await import('@/lib/projects/aggregation-service');
      const { project } = await requireProject(db, INSTALLATION, slug, 'export');
      const result = await aggregateProjectNow(db, project.id, { force: true });
      io.stderr.write(`"${slug}": ${result.answers} answers by ${result.annotators} contributors fitted over ${result.clips} clips\n`);
      io.stdout.write(JSON.stringify(result) + '\n');
      return 0;
    }

    const out = values.out;
    if (!out) throw new UsageError('export needs --out <file>');
    const { projectExport, ProjectExportQuerySchema } = await import('@/lib/projects/export');
    let query;
    try {
      query = ProjectExportQuerySchema.parse({ format: values.format, what: values.what });
    } catch (err) {
      if (err instanceof ZodError) throw new UsageError(err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
      throw err;
    }
    const { body } = await projectExport(db, INSTALLATION, slug, query);
    // 'wx': an existing file is an error, not something to overwrite.
    const file = createWriteStream(out, { flags: 'wx' });
    try {
      await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), file);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') await rm(out, { force: true });
      throw err;
    }
    io.stderr.write(`"${slug}": ${query.what} written to ${out} (${query.format})\n`);
    return 0;
  },
};
