import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { productDefaultStrategy, runSimulateCli, SIMULATE_USAGE } from '@/lib/active/simulate-cli';
import type { Command } from './types';

/**
 * `chorus simulate` — DESIGN.md's contract, run by lib/active's `runSimulateCli`. Two extra
 * flags, taken off before the contract's parser sees the rest:
 *   --save         also store the curve in learning_curves (kind 'simulated'), so the models
 *                  page plots it next to the real retrains; needs the database
 *   --name <text>  the stored curve's name (default: the data file's name and the strategy)
 */
export const simulateCommand: Command = {
  summary: 'Simulate the active-learning loop on a labelled CSV and write the learning curve (JSON)',
  usage:
    'chorus simulate --data <csv> --labels <col,col,…> [--strategy random|uncertainty|margin|entropy|disagreement|hybrid|auto] [--seed N] [--initial N] [--batch N] [--rounds N] [--annotators N --annotator-accuracy P] [--test-fraction F] --out <json> [--save [--name <text>]]',
  async run(argv, io) {
    const rest: string[] = [];
    let save = false;
    let name: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--save') save = true;
      else if (arg === '--name' || arg.startsWith('--name=')) {
        name = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
        if (!name || name.startsWith('--')) {
          io.stderr.write(`chorus simulate: --name needs a value\n${SIMULATE_USAGE}`);
          return 2;
        }
      } else rest.push(arg);
    }
    const code = await runSimulateCli(rest, io);
    if (code !== 0 || !save) return code;

    const flag = (f: string) => {
      const k = rest.findIndex((a) => a === `--${f}` || a.startsWith(`--${f}=`));
      if (k < 0) return undefined;
      return rest[k].includes('=') ? rest[k].slice(rest[k].indexOf('=') + 1) : rest[k + 1];
    };
    const out = flag('out') as string;
    const strategy = flag('strategy') ?? productDefaultStrategy();
    const points = JSON.parse(await readFile(out, 'utf8')) as Record<string, number>[];
    const { getDb } = await import('@/db');
    const { insertLearningCurve } = await import('@/lib/model/repo');
    const curveName = (name ?? `${path.basename(flag('data') as string)} · ${strategy}`).slice(0, 200);
    const id = await insertLearningCurve(await getDb(), { name: curveName, kind: 'simulated', strategy, points });
    io.stdout.write(`simulate: saved the curve as learning curve ${id} ("${curveName}")\n`);
    return 0;
  },
};
