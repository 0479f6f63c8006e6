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
  UsageError,
  writeOutput,
} from '@/lib/crowd/csv-input';
import { choosePairs } from './active';
import { fitBradleyTerry } from './bradley-terry';
import { fitCrowdBt } from './crowd-bt';
import { PAIRWISE_METHODS, PairwiseAnswerRowSchema, PairwiseMethodSchema } from './schemas';

export const PAIRWISE_USAGE = `usage: chorus aggregate --type pairwise --votes <csv> --out <csv|jsonl> [--method crowd-bt|bt] [--prior N] [--workers-out <csv>] [--next N --next-out <csv>] [--format csv|jsonl]

  --votes <csv>        answers, header worker,winner,loser[,tie]; a "same" answer names both
                       items with tie = 1 (it counts half a win each way)
  --method <m>         crowd-bt (default): Bradley–Terry with a reliability per worker
                       (Crowd-BT, Chen et al. WSDM 2013; below 0.5 = answers reversed);
                       bt: plain Bradley–Terry (Hunter's MM), every answer trusted
  --prior <N>          virtual games per item against a phantom of score 0 (default 1;
                       keeps scores finite on sparse data; 0 = plain maximum likelihood)
  --out <file>         writes item,score,rank,score_sd,comparisons, best first; score is a
                       log-strength: P(a above b) = 1 / (1 + exp(score_b − score_a));
                       .jsonl (or --format jsonl) writes one JSON object per item
  --workers-out <csv>  writes worker,reliability,answers (crowd-bt only)
  --next <N>           with --next-out: how many pairs to ask next (default 20)
  --next-out <file>    writes item_a,item_b,gain,p_a_above: the pairs whose answer is expected
                       to tell the most about the ranking (information gain in nats)
`;

const FLAGS = new Set(['--votes', '--out', '--method', '--prior', '--workers-out', '--next', '--next-out', '--format']);

/**
 * `chorus aggregate --type pairwise`: pairwise answers in, a ranking with scores and their
 * uncertainty out. Returns the exit code: 0 done, 1 bad input file, 2 bad command line.
 */
export async function runPairwiseAggregateCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runAggregateCommand(
    io,
    PAIRWISE_USAGE,
    () => parseFlags(argv, FLAGS),
    async (flags, progress) => {
      const votes = requiredFlag(flags, '--votes', '<csv>');
      const out = requiredFlag(flags, '--out', '<file>');
      const method = PairwiseMethodSchema.safeParse(flags.get('--method') ?? 'crowd-bt');
      if (!method.success) throw new UsageError(`unknown method "${flags.get('--method')}" (use ${PAIRWISE_METHODS.join(', ')})`);
      const prior = Number(flags.get('--prior') ?? 1);
      if (!(prior >= 0) || !Number.isFinite(prior))
        throw new UsageError(`--prior must be a number ≥ 0, got "${flags.get('--prior')}"`);
      const workersOut = flags.get('--workers-out');
      if (workersOut && method.data === 'bt')
        throw new UsageError('--workers-out needs --method crowd-bt (plain BT has no worker reliability)');
      const nextOut = flags.get('--next-out');
      const nextCount = Number(flags.get('--next') ?? 20);
      if (flags.has('--next') && !nextOut) throw new UsageError('--next needs --next-out <file>');
      if (!Number.isInteger(nextCount) || nextCount < 1)
        throw new UsageError(`--next must be a positive integer, got "${flags.get('--next')}"`);
      const format = outputFormat(out, flags.get('--format'));

      const rows = await readValidatedRows(votes, ['worker', 'winner', 'loser'], ['tie'], PairwiseAnswerRowSchema);
      if (rows.length === 0) throw new InputError(`${votes}: no answers`);

      const itemIndex = new Map<string, number>();
      const workerIndex = new Map<string, number>();
      const winner: number[] = [];
      const loser: number[] = [];
      const weight: number[] = [];
      const worker: number[] = [];
      let ties = 0;
      for (const { row } of rows) {
        const w = denseIndex(itemIndex, row.winner);
        const l = denseIndex(itemIndex, row.loser);
        const k = denseIndex(workerIndex, row.worker);
        if (row.tie) {
          ties++;
          winner.push(w, l);
          loser.push(l, w);
          weight.push(0.5, 0.5);
          worker.push(k, k);
        } else {
          winner.push(w);
          loser.push(l);
          weight.push(1);
          worker.push(k);
        }
      }
      const items = [...itemIndex.keys()];
      const workers = [...workerIndex.keys()];
      progress(
        `read ${rows.length} answers (${ties} "same") on ${items.length} items by ${workers.length} workers from ${votes}`,
      );

      const data = { winner, loser, weight, worker };
      const crowd = method.data === 'crowd-bt' ? fitCrowdBt(items.length, workers.length, data, { prior }) : null;
      const fit = crowd ?? fitBradleyTerry(items.length, data, { prior });
      const comparisons = new Float64Array(items.length);
      for (let c = 0; c < winner.length; c++) {
        comparisons[winner[c]] += weight[c];
        comparisons[loser[c]] += weight[c];
      }
      const order = items.map((_, i) => i).sort((a, b) => fit.theta[b] - fit.theta[a] || items[a].localeCompare(items[b]));
      const ranked = order.map((i, r) => [
        items[i],
        Number(formatNumber(fit.theta[i])),
        r + 1,
        Number(formatNumber(fit.sd[i])),
        comparisons[i],
      ]);
      await writeOutput(out, formatRows(ranked, ['item', 'score', 'rank', 'score_sd', 'comparisons'], format));
      progress(`wrote ${items.length} items to ${out}`);

      let meanEta = 1;
      if (crowd) {
        let total = 0;
        let weighted = 0;
        for (let k = 0; k < workers.length; k++) {
          total += crowd.answers[k];
          weighted += crowd.answers[k] * crowd.eta[k];
        }
        meanEta = total > 0 ? weighted / total : 1;
        const flagged = workers.filter((_, k) => crowd.eta[k] < 0.5).length;
        if (flagged > 0) progress(`${flagged} worker(s) answer against the consensus (reliability below 0.5)`);
        if (workersOut) {
          const workerRows = workers.map((name, k) => [name, Number(formatNumber(crowd.eta[k])), crowd.answers[k]]);
          await writeOutput(
            workersOut,
            formatRows(workerRows, ['worker', 'reliability', 'answers'], outputFormat(workersOut, undefined)),
          );
          progress(`wrote ${workers.length} workers to ${workersOut}`);
        }
      }
      if (nextOut) {
        const next = choosePairs(fit, nextCount, { eta: meanEta }).map((p) => [
          items[p.a],
          items[p.b],
          Number(formatNumber(p.gain)),
          Number(formatNumber(p.pAbove)),
        ]);
        await writeOutput(nextOut, formatRows(next, ['item_a', 'item_b', 'gain', 'p_a_above'], outputFormat(nextOut, undefined)));
        progress(`wrote the ${next.length} most informative next pairs to ${nextOut}`);
      }
      progress(
        `aggregated ${rows.length} answers on ${items.length} items with ${method.data} (${fit.converged ? 'converged' : 'stopped'} after ${fit.iterations} iterations)`,
      );
    },
  );
}
