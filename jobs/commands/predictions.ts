import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

/**
 * `chorus predictions import <file>` reads model predictions (pre-annotations) — CSV
 * `clip,p_<tag>,…` or JSONL `{"clip":…,"p_<tag>":…}` (lib/predictions/schemas.ts), all rows or
 * none — and, before any trained model, recomputes the cold-start queue priorities with their
 * uncertainty. `chorus predictions export [<file>]` writes the active model's per-tag
 * probabilities (or, with `--from imported`, the imported ones) in the same format.
 */
export const predictionsCommand: Command = {
  summary: "Import model predictions (CSV/JSONL clip,p_<tag>…) to seed queue priorities, or export the current model's",
  usage:
    'chorus predictions import <file.csv|file.jsonl> [--format csv|jsonl] [--source NAME] [--no-rescore] | chorus predictions export [<file>] [--format csv|jsonl] [--from model|imported]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        source: { type: 'string' },
        from: { type: 'string', default: 'model' },
        'no-rescore': { type: 'boolean', default: false },
      },
    });
    const [action, file, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action !== 'import' && action !== 'export') throw new UsageError('give "import <file>" or "export [<file>]"');
    const { PredictionFormatSchema, PredictionsImportInputSchema, PredictionsExportQuerySchema } =
      await import('@/lib/predictions/schemas');
    const format =
      values.format ?? (file?.toLowerCase().endsWith('.jsonl') || file?.toLowerCase().endsWith('.ndjson') ? 'jsonl' : 'csv');
    if (!PredictionFormatSchema.safeParse(format).success) throw new UsageError(`--format must be csv or jsonl, got "${format}"`);
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const { exportPredictions, importPredictions } = await import('@/lib/predictions/service');
    const { AppError } = await import('@/lib/errors');

    if (action === 'import') {
      if (!file) throw new UsageError('predictions import needs a CSV or JSONL file');
      let content: string;
      try {
        content = await fs.readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const input = PredictionsImportInputSchema.safeParse({
        format,
        content,
        source: values.source ?? path.basename(file).replace(/\.[^.]+$/, ''),
      });
      if (!input.success) throw new UsageError(input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const handle = await getDbHandle();
      try {
        const result = await importPredictions(handle.db, null, input.data);
        io.stderr.write(`predictions: ${result.created} clips new, ${result.replaced} replaced (source ${result.source})\n`);
        let rescore: unknown;
        const { getActiveModel } = await import('@/lib/model/repo');
        if (!values['no-rescore'] && !(await getActiveModel(handle.db))) {
          const { rescoreCatalog } = await import('@/lib/active/service');
          const run = await rescoreCatalog(handle.db);
          rescore = { mode: run.mode, clips: run.clips };
          io.stderr.write(`queue priorities recomputed (${run.mode}, ${run.clips} clips)\n`);
        }
        io.stdout.write(JSON.stringify({ ...result, rescore }) + '\n');
        return 0;
      } catch (err) {
        if (err instanceof AppError && err.code === 'UNPROCESSABLE') {
          io.stderr.write(`chorus predictions: ${file}: ${err.message.replaceAll('\n', '\n  ')}\n`);
          return 1;
        }
        throw err;
      }
    }

    const query = PredictionsExportQuerySchema.safeParse({ format, from: values.from });
    if (!query.success) throw new UsageError(query.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    const handle = await getDbHandle();
    let exported;
    try {
      exported = await exportPredictions(handle.db, query.data);
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') {
        io.stderr.write(`chorus predictions: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const out: NodeJS.WritableStream = file ? (await import('node:fs')).createWriteStream(file) : io.stdout;
    let bytes = 0;
    for await (const chunk of exported.chunks) {
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    if (file) {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
      io.stderr.write(
        `predictions: wrote ${exported.modelId === null ? 'the imported predictions' : `model ${exported.modelId}'s predictions`} (${exported.tags.length} tags, ${bytes} bytes) to ${file}\n`,
      );
    }
    return 0;
  },
};
