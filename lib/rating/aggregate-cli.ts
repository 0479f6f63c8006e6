import {
  type CliIo,
  denseIndex,
  formatNumber,
  formatRows,
  InputError,
  outputFormat,
  parseFlags,
  readValidatedRows,
  requiredFlag,
  runAggregateCommand,
  writeOutput,
} from '@/lib/crowd/csv-input';
import { fitRatingModel } from './annotator-model';
import { ValenceArousalRowSchema } from './schemas';

export const RATING_USAGE = `usage: chorus aggregate --type rating --votes <csv> --out <csv|jsonl> [--workers-out <csv>] [--format csv|jsonl]
       (--type valence_arousal is the same)

  --votes <csv>        ratings, header item,worker,valence,arousal, each in [-1, 1];
                       one rating per item and worker
  --out <file>         writes item,valence,arousal,valence_sd,arousal_sd,ratings: each
                       clip's value under a model of each worker's bias, scale and noise
                       (x = bias + scale·value + noise), fitted by EM; _sd is the posterior
                       spread (what active learning ranks by); .jsonl (or --format jsonl)
                       writes one JSON object per item
  --workers-out <csv>  writes worker,valence_bias,valence_scale,valence_noise,
                       arousal_bias,arousal_scale,arousal_noise,ratings (mean bias 0 and
                       mean log-scale 0 over workers: values are on the average worker's scale)
`;

const FLAGS = new Set(['--votes', '--out', '--workers-out', '--format']);

/**
 * `chorus aggregate --type rating`: valence–arousal ratings in, one point per clip with its
 * uncertainty out. Returns the exit code: 0 done, 1 bad input file, 2 bad command line.
 */
export async function runRatingAggregateCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runAggregateCommand(
    io,
    RATING_USAGE,
    () => parseFlags(argv, FLAGS),
    async (flags, progress) => {
      const votes = requiredFlag(flags, '--votes', '<csv>');
      const out = requiredFlag(flags, '--out', '<file>');
      const format = outputFormat(out, flags.get('--format'));
      const workersOut = flags.get('--workers-out');

      const rows = await readValidatedRows(votes, ['item', 'worker', 'valence', 'arousal'], [], ValenceArousalRowSchema);
      if (rows.length === 0) throw new InputError(`${votes}: no ratings`);

      const itemIndex = new Map<string, number>();
      const workerIndex = new Map<string, number>();
      const seen = new Map<string, number>();
      const item: number[] = [];
      const worker: number[] = [];
      const valence: number[] = [];
      const arousal: number[] = [];
      for (const { row, line } of rows) {
        const key = JSON.stringify([row.item, row.worker]);
        const first = seen.get(key);
        if (first !== undefined)
          throw new InputError(
            `${votes} line ${line}: a second rating of "${row.item}" by "${row.worker}" (first on line ${first})`,
          );
        seen.set(key, line);
        item.push(denseIndex(itemIndex, row.item));
        worker.push(denseIndex(workerIndex, row.worker));
        valence.push(row.valence);
        arousal.push(row.arousal);
      }
      const items = [...itemIndex.keys()];
      const workers = [...workerIndex.keys()];
      progress(`read ${rows.length} ratings on ${items.length} items by ${workers.length} workers from ${votes}`);

      // The two dimensions are fitted separately: a worker's bias on valence says nothing of arousal.
      const v = fitRatingModel(items.length, workers.length, { item, worker, value: valence });
      const a = fitRatingModel(items.length, workers.length, { item, worker, value: arousal });
      const n = (x: number) => Number(formatNumber(x));
      const itemRows = items.map((name, i) => [name, n(v.mean[i]), n(a.mean[i]), n(v.sd[i]), n(a.sd[i]), v.ratingsPerItem[i]]);
      await writeOutput(out, formatRows(itemRows, ['item', 'valence', 'arousal', 'valence_sd', 'arousal_sd', 'ratings'], format));
      progress(`wrote ${items.length} items to ${out}`);
      if (workersOut) {
        const workerRows = workers.map((name, j) => [
          name,
          n(v.bias[j]),
          n(v.scale[j]),
          n(v.noise[j]),
          n(a.bias[j]),
          n(a.scale[j]),
          n(a.noise[j]),
          v.ratingsPerWorker[j],
        ]);
        const columns = [
          'worker',
          'valence_bias',
          'valence_scale',
          'valence_noise',
          'arousal_bias',
          'arousal_scale',
          'arousal_noise',
          'ratings',
        ];
        await writeOutput(workersOut, formatRows(workerRows, columns, outputFormat(workersOut, undefined)));
        progress(`wrote ${workers.length} workers to ${workersOut}`);
      }
      const state = (f: { converged: boolean; iterations: number }) =>
        `${f.converged ? 'converged' : 'stopped'} after ${f.iterations} iterations`;
      progress(`aggregated ${rows.length} ratings on ${items.length} items (valence ${state(v)}, arousal ${state(a)})`);
    },
  );
}
