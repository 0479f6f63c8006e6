import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { runCli } from '../helpers/cli';

// Issue 23 item 4: long CLI commands say what they are doing on stderr, and stdout keeps only what
// DESIGN.md's contracts put there (nothing for `aggregate`, the summary line for `simulate`).
let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-cli-progress-'));
  fs.writeFileSync(
    file('votes.csv'),
    ['item,worker,label', 'c1,ann,happy', 'c1,bob,happy', 'c1,cat,sad', 'c2,ann,sad', 'c2,bob,sad', 'c2,cat,sad', 'c3,ann,calm', 'c3,bob,calm', 'c3,cat,happy', ''].join('\n'),
  );
  fs.writeFileSync(file('gold.csv'), 'item,label\nc3,calm\nc3,tender\n');
  const data = makeSyntheticMoodData({ n: 200, d: 3, t: 2, seed: 3 });
  const rows = ['tempo,energy,brightness,happy,sad'];
  for (let i = 0; i < data.n; i++) {
    rows.push([...Array.from(data.x.subarray(i * 3, i * 3 + 3), (v) => v.toFixed(5)), data.y[i * 2], data.y[i * 2 + 1]].join(','));
  }
  fs.writeFileSync(file('data.csv'), rows.join('\n') + '\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The stderr lines, each checked to carry the elapsed time, without it. */
function progressLines(stderr: string): string[] {
  const lines = stderr.trimEnd().split('\n');
  for (const line of lines) expect(line).toMatch(/ \(\d+\.\d s\)$/);
  return lines.map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));
}

describe('CLI progress on stderr', () => {
  it('chorus aggregate (EM) reports reading, each step of the fit and each file written; stdout stays empty', async () => {
    const out = file('labels.csv');
    const workersOut = file('workers.csv');
    const r = await runCli(['aggregate', '--votes', file('votes.csv'), '--gold', file('gold.csv'), '--method', 'ds', '--out', out, '--workers-out', workersOut]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const lines = progressLines(r.stderr);
    expect(lines.slice(0, 3)).toEqual([`read 9 votes from ${file('votes.csv')}`, `read 2 gold answers for 1 items from ${file('gold.csv')}`, 'aggregating with ds']);
    expect(lines[3]).toMatch(/^ds iteration 1: largest posterior change \d\.\d\de[+-]\d+$/);
    expect(lines.slice(-3)).toEqual([
      `wrote 3 items to ${out}`,
      `wrote 3 workers to ${workersOut}`,
      expect.stringMatching(/^aggregated 9 votes on 3 items by 3 workers with ds \(converged after \d+ iterations\)$/),
    ]);
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toBe('item,label,confidence');
  });

  it('chorus aggregate with majority vote has no iterations to report', async () => {
    const r = await runCli(['aggregate', '--votes', file('votes.csv'), '--method', 'mv', '--out', file('mv.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(progressLines(r.stderr)).toEqual([
      `read 9 votes from ${file('votes.csv')}`,
      'aggregating with mv',
      `wrote 3 items to ${file('mv.csv')}`,
      'aggregated 9 votes on 3 items by 3 workers with mv',
    ]);
  });

  it('chorus simulate reports the data read, the plan, the rounds run and the file written; stdout keeps its one summary line', async () => {
    const out = file('curve.json');
    const r = await runCli(['simulate', '--data', file('data.csv'), '--labels', 'happy,sad', '--strategy', 'margin', '--seed', '2', '--initial', '10', '--batch', '10', '--rounds', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(progressLines(r.stderr)).toEqual([
      `read 200 rows, 3 features, 2 labels from ${file('data.csv')}`,
      'simulating strategy margin: 10 initial labels, then up to 2 rounds of 10, one model trained per round (25 % of the rows held out)',
      'simulated 2 rounds',
      `wrote 3 curve points to ${out}`,
    ]);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^simulate: 200 items, 3 features, 2 labels, strategy margin: micro-F1 .* with 30 labels; wrote /);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).map((p: { labels_used: number }) => p.labels_used)).toEqual([10, 20, 30]);
  });
});
