/**
 * Accuracy of every `chorus aggregate` method on the two real crowd sets with ground truth
 * (S_Rel and S_Adult; see ../shared/data/README.md), beside the accuracies the Crowd-Kit paper
 * publishes for the same sets (Ustalov, Pavlichenko & Tseitlin, JOSS 9(96):6227, 2024).
 *
 *   npx tsx bench/aggregate-real.ts [--data ../shared/data/crowd] [--set relevance|adult] [--method glad]
 *
 * Accuracy is over the questions that have both a truth row and at least one answer, as in the
 * paper; truth.csv is read by position (question, label), whatever its header says. It must be
 * the sets' own ground truth (`question,truth`, 4,460 and 1,517 rows): a file with a label and a
 * confidence for every question is some aggregator's output, and scoring against it measures
 * agreement with that aggregator — the script warns when it sees one. The votes go through `aggregateVotes`, the same entry point as `chorus aggregate`.
 * Prints a markdown table on stdout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { aggregateVotes, CATEGORICAL_METHODS, type Vote } from '../lib/crowd';
import type { CategoricalMethod } from '../lib/crowd/types';

/** Crowd-Kit JOSS, "Comparison of the implemented categorical aggregation methods". */
const PUBLISHED: Record<string, Partial<Record<CategoricalMethod, number>>> = {
  relevance: { mv: 0.536, wawa: 0.557, ds: 0.615, glad: 0.511, mace: 0.501 },
  adult: { mv: 0.763, wawa: 0.766, ds: 0.748, glad: 0.76, mace: 0.763 },
};

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function readRows(file: string): string[][] {
  return (parse(readFileSync(file, 'utf8'), { bom: true, skip_empty_lines: true }) as string[][]).slice(1);
}

const root = flag('--data') ?? path.join(process.cwd(), '..', 'shared', 'data', 'crowd');
const sets = flag('--set') ? [flag('--set')!] : ['relevance', 'adult'];
const methods = (flag('--method') ? [flag('--method')!] : CATEGORICAL_METHODS) as CategoricalMethod[];

console.log('| set | method | accuracy | published | items scored | seconds |');
console.log('|---|---|---:|---:|---:|---:|');
for (const set of sets) {
  const votes: Vote[] = readRows(path.join(root, set, 'answer.csv')).map(([item, worker, label]) => ({ item, worker, label }));
  const truthFile = path.join(root, set, 'truth.csv');
  if (readFileSync(truthFile, 'utf8').split('\n', 1)[0].includes('confidence')) {
    console.error(`${truthFile} has a confidence column: it looks like aggregated labels, not ground truth`);
  }
  const truth = new Map(readRows(truthFile).map(([item, label]) => [item, label]));
  for (const method of methods) {
    const started = performance.now();
    const result = aggregateVotes(votes, { method });
    const seconds = (performance.now() - started) / 1000;
    let scored = 0;
    let correct = 0;
    result.items.forEach((item, i) => {
      const expected = truth.get(item);
      if (expected === undefined) return;
      scored++;
      if (result.labels[result.label[i]] === expected) correct++;
    });
    const published = PUBLISHED[set]?.[method];
    console.log(
      `| ${set} | ${method} | ${(correct / scored).toFixed(4)} | ${published?.toFixed(3) ?? '—'} | ${scored} | ${seconds.toFixed(1)} |`,
    );
  }
}
