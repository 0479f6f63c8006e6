import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { runAggregateCommand as runAggregateCli } from '@/jobs/commands/aggregate';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

let dir: string;
const path = (name: string) => join(dir, name);
const csv = async (name: string) => parse(await readFile(path(name), 'utf8'), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-aggregate-types-'));
  // Agresti's 1987 AL East table (CDA 2nd ed. §10.6) as one row per game, "worker" = the season.
  const wins = [
    [0, 7, 9, 7, 7, 9, 11],
    [6, 0, 7, 5, 11, 9, 9],
    [4, 6, 0, 7, 7, 8, 12],
    [6, 8, 6, 0, 6, 7, 10],
    [6, 2, 6, 7, 0, 7, 12],
    [4, 4, 5, 6, 6, 0, 6],
    [2, 4, 1, 3, 1, 7, 0],
  ];
  const teams = ['Milwaukee', 'Detroit', 'Toronto', 'New York', 'Boston', 'Cleveland', 'Baltimore'];
  const lines = ['worker,winner,loser'];
  wins.forEach((row, i) => row.forEach((n, j) => lines.push(...Array(n).fill(`1987,${teams[i]},${teams[j]}`))));
  await writeFile(path('baseball.csv'), lines.join('\n') + '\n');
  await writeFile(
    path('pairs.csv'),
    ['worker,winner,loser,tie', 'ann,c1,c2,', 'bob,c1,c2,0', 'ann,c2,c3,', 'bob,c2,c3,', 'cat,c1,c3,', 'cat,c3,c2,1', ''].join(
      '\n',
    ),
  );
  await writeFile(
    path('va.csv'),
    [
      'item,worker,valence,arousal',
      // Rater B = 0.2 + 2·rater A on valence; arousal identical for both.
      'c1,A,-0.5,0.1',
      'c2,A,0,0.2',
      'c3,A,0.5,0.3',
      'c1,B,-0.8,0.1',
      'c2,B,0.2,0.2',
      'c3,B,1,0.3',
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('chorus aggregate --type pairwise', () => {
  it("ranks Agresti's 1987 AL East from a CSV with plain BT and no prior, matching the published abilities", async () => {
    const cap = captureIo();
    const code = await runAggregateCli(
      ['--type', 'pairwise', '--votes', path('baseball.csv'), '--method', 'bt', '--prior', '0', '--out', path('bb.csv')],
      cap.io,
    );
    expect(cap.stderr()).toMatch(/read 273 answers \(0 "same"\) on 7 items by 1 workers/);
    expect(code).toBe(0);
    const rows = await csv('bb.csv');
    expect(Object.keys(rows[0])).toEqual(['item', 'score', 'rank', 'score_sd', 'comparisons']);
    expect(rows.map((r) => r.item)).toEqual(['Milwaukee', 'Detroit', 'Toronto', 'New York', 'Boston', 'Cleveland', 'Baltimore']);
    expect(rows.map((r) => r.rank)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const base = Number(rows[6].score);
    const published = [1.58, 1.44, 1.29, 1.25, 1.11, 0.68, 0];
    rows.forEach((r, i) => expect(Number(r.score) - base).toBeCloseTo(published[i], 2));
    rows.forEach((r) => expect(r.comparisons).toBe('78')); // 6 opponents × 13 games
  });

  it('reads ties and writes JSONL, worker reliabilities and the next pairs to ask', async () => {
    const cap = captureIo();
    const code = await runAggregateCli(
      [
        '--type=pairwise',
        '--votes',
        path('pairs.csv'),
        '--out',
        path('pairs.jsonl'),
        '--workers-out',
        path('pw.csv'),
        '--next',
        '2',
        '--next-out',
        path('next.csv'),
      ],
      cap.io,
    );
    expect(code).toBe(0);
    expect(cap.stderr()).toMatch(/read 6 answers \(1 "same"\) on 3 items by 3 workers/);
    const lines = (await readFile(path('pairs.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.item)).toEqual(['c1', 'c2', 'c3']);
    expect(lines[0].score).toBeGreaterThan(lines[1].score);
    expect(lines[0].score_sd).toBeGreaterThan(0);
    // c3 is in four answers: c2≻c3 by ann and by bob, c1≻c3 by cat, and cat's tie with c2.
    expect(lines[2].comparisons).toBe(4);
    const workers = await csv('pw.csv');
    expect(workers.map((w) => w.worker)).toEqual(['ann', 'bob', 'cat']);
    expect(workers.map((w) => w.answers)).toEqual(['2', '2', '2']);
    const next = await csv('next.csv');
    expect(next).toHaveLength(2);
    expect(Object.keys(next[0])).toEqual(['item_a', 'item_b', 'gain', 'p_a_above']);
  });

  it('reports every malformed row with its line number and writes nothing', async () => {
    await writeFile(
      path('bad-pairs.csv'),
      ['worker,winner,loser,tie', 'ann,c1,c2,', 'bob,c1,c1,', 'cat,,c2,', 'dan,c1,c2,maybe', 'eve,c1', 'fay,c2,c1,1'].join('\n'),
    );
    const cap = captureIo();
    const code = await runAggregateCli(
      ['--type', 'pairwise', '--votes', path('bad-pairs.csv'), '--out', path('never.csv')],
      cap.io,
    );
    expect(code).toBe(1);
    const err = cap.stderr();
    expect(err).toMatch(/4 malformed row\(s\)/);
    expect(err).toMatch(/bad-pairs\.csv line 3: loser: winner and loser are the same item/);
    expect(err).toMatch(/bad-pairs\.csv line 4: winner: empty winner/);
    expect(err).toMatch(/bad-pairs\.csv line 5: tie: tie must be 1, 0, true, false or empty/);
    expect(err).toMatch(/bad-pairs\.csv line 6: expected 4 fields/);
    await expect(readFile(path('never.csv'))).rejects.toThrow();
  });

  it('names a missing header and rejects bad flags with exit code 2', async () => {
    await writeFile(path('no-header.csv'), 'a,b,c\n1,2,3\n');
    const cap = captureIo();
    expect(await runAggregateCli(['--type', 'pairwise', '--votes', path('no-header.csv'), '--out', path('x.csv')], cap.io)).toBe(
      1,
    );
    expect(cap.stderr()).toMatch(/missing header: the first line must name the columns worker,winner,loser/);
    const usage = captureIo();
    expect(
      await runAggregateCli(
        ['--type', 'pairwise', '--votes', path('pairs.csv'), '--out', path('x.csv'), '--method', 'glad'],
        usage.io,
      ),
    ).toBe(2);
    expect(usage.stderr()).toMatch(/unknown method "glad" \(use crowd-bt, bt\)/);
    const wrongType = captureIo();
    expect(await runAggregateCli(['--type', 'stars', '--votes', path('pairs.csv'), '--out', path('x.csv')], wrongType.io)).toBe(
      2,
    );
    expect(wrongType.stderr()).toMatch(/unknown --type "stars"/);
  });
});

describe('chorus aggregate --type rating', () => {
  it('recovers the hand-worked bias and scale of two raters and writes each clip with its spread', async () => {
    const cap = captureIo();
    const code = await runAggregateCli(
      ['--type', 'valence_arousal', '--votes', path('va.csv'), '--out', path('va-out.csv'), '--workers-out', path('va-w.csv')],
      cap.io,
    );
    expect(cap.stderr()).toMatch(/read 6 ratings on 3 items by 2 workers/);
    expect(code).toBe(0);
    const rows = await csv('va-out.csv');
    expect(Object.keys(rows[0])).toEqual(['item', 'valence', 'arousal', 'valence_sd', 'arousal_sd', 'ratings']);
    expect(rows.map((r) => r.item)).toEqual(['c1', 'c2', 'c3']);
    // Order and spacing follow the raters (priors are on, so values are close to, not exactly, the
    // noise-free √2 (x_A + 0.2/3) = −0.613, 0.094, 0.801 of the unit test).
    const valence = rows.map((r) => Number(r.valence));
    expect(valence[0]).toBeLessThan(valence[1]);
    expect(valence[1]).toBeLessThan(valence[2]);
    expect(valence[1]).toBeCloseTo(0.094, 1);
    for (const r of rows) expect(Number(r.valence_sd)).toBeGreaterThan(0);
    const workers = await csv('va-w.csv');
    expect(Object.keys(workers[0])).toEqual([
      'worker',
      'valence_bias',
      'valence_scale',
      'valence_noise',
      'arousal_bias',
      'arousal_scale',
      'arousal_noise',
      'ratings',
    ]);
    // B uses twice A's range: identified scales 1/√2 and √2 (ridge priors pull them slightly toward 1).
    expect(Number(workers[1].valence_scale) / Number(workers[0].valence_scale)).toBeGreaterThan(1.7);
    expect(Number(workers[0].valence_bias)).toBeLessThan(Number(workers[1].valence_bias));
    // Identical arousal ratings: equal bias and scale for both.
    expect(Number(workers[0].arousal_scale)).toBeCloseTo(1, 3);
    expect(Number(workers[0].arousal_bias)).toBeCloseTo(0, 3);
  });

  it('reports out-of-range, non-numeric and duplicate ratings by line', async () => {
    await writeFile(
      path('bad-va.csv'),
      ['item,worker,valence,arousal', 'c1,A,0.5,0.2', 'c1,B,1.5,0', 'c2,A,abc,0', 'c3,A,0.1,', 'c4,A,0,0'].join('\n'),
    );
    const cap = captureIo();
    expect(await runAggregateCli(['--type', 'rating', '--votes', path('bad-va.csv'), '--out', path('never.csv')], cap.io)).toBe(
      1,
    );
    const err = cap.stderr();
    expect(err).toMatch(/3 malformed row\(s\)/);
    expect(err).toMatch(/line 3: valence: outside \[-1, 1\]/);
    expect(err).toMatch(/line 4: valence: not a number/);
    expect(err).toMatch(/line 5: arousal: empty/);
    await writeFile(path('dup-va.csv'), ['item,worker,valence,arousal', 'c1,A,0.5,0.2', 'c2,A,0,0', 'c1,A,0.4,0.1'].join('\n'));
    const dup = captureIo();
    expect(await runAggregateCli(['--type', 'rating', '--votes', path('dup-va.csv'), '--out', path('never.csv')], dup.io)).toBe(
      1,
    );
    expect(dup.stderr()).toMatch(/dup-va\.csv line 4: a second rating of "c1" by "A" \(first on line 2\)/);
  });

  it('leaves the tags contract alone: --type tags is the default categorical path', async () => {
    await writeFile(path('tags.csv'), 'item,worker,label\nc1,a,happy\nc1,b,happy\nc1,c,sad\n');
    const cap = captureIo();
    expect(
      await runAggregateCli(
        ['--type', 'tags', '--votes', path('tags.csv'), '--method', 'mv', '--out', path('tags-out.csv')],
        cap.io,
      ),
    ).toBe(0);
    const rows = await csv('tags-out.csv');
    expect(rows).toEqual([{ item: 'c1', label: 'happy', confidence: expect.any(String) }]);
  });
});

describe('the chorus binary', () => {
  it('runs aggregate --type rating and --type pairwise end to end (bin/chorus.mjs → jobs/cli.ts)', async () => {
    const bin = join(process.cwd(), 'bin', 'chorus.mjs');
    const rating = spawnSync(
      process.execPath,
      [bin, 'aggregate', '--type', 'rating', '--votes', path('va.csv'), '--out', path('bin-va.jsonl')],
      {
        encoding: 'utf8',
      },
    );
    expect(rating.stderr).toMatch(/aggregated 6 ratings on 3 items/);
    expect(rating.status).toBe(0);
    const lines = (await readFile(path('bin-va.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).item)).toEqual(['c1', 'c2', 'c3']);
    const bad = spawnSync(
      process.execPath,
      [bin, 'aggregate', '--type', 'pairwise', '--votes', path('va.csv'), '--out', path('x.csv')],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/missing header: the first line must name the columns worker,winner,loser/);
  }, 60_000);
});
