import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAggregateCli } from '@/lib/crowd/aggregate-cli';

/* `chorus aggregate --method crowdlab --predictions <csv>`: the model decides a split item, and every bad input is named. */

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    stderr: () => err.join(''),
  };
}

describe('chorus aggregate --method crowdlab', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  const run = async (args: string[]) => {
    const cap = captureIo();
    const code = await runAggregateCli(args, cap.io);
    return { code, stderr: cap.stderr() };
  };
  // Six settled items (three unanimous votes each) and one split 1–1 between two equally good workers.
  const settled = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
  const truth = (item: string) => (Number(item.slice(1)) % 2 ? 'happy' : 'sad');
  const predictionRows = (x: string) => [
    'item,p_happy,p_sad',
    ...settled.map((r) => (truth(r) === 'happy' ? `${r},0.9,0.1` : `${r},0.1,0.9`)),
    x,
    'ghost,0.5,0.5',
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-crowdlab-'));
    const votes = [
      'item,worker,label',
      ...settled.flatMap((r) => ['ann', 'bob', 'cat'].map((w) => `${r},${w},${truth(r)}`)),
      'x,ann,happy',
      'x,bob,sad',
    ];
    await writeFile(path('votes.csv'), votes.join('\n') + '\n');
    await writeFile(path('says-sad.csv'), predictionRows('x,0.2,0.8').join('\n') + '\n');
    await writeFile(path('says-happy.csv'), predictionRows('x,0.8,0.2').join('\n') + '\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lets the model decide an item the crowd splits on, and reports its weight and the unknown items', async () => {
    for (const [file, expected] of [
      ['says-sad.csv', 'sad'],
      ['says-happy.csv', 'happy'],
    ]) {
      const { code, stderr } = await run([
        '--votes',
        path('votes.csv'),
        '--method',
        'crowdlab',
        '--predictions',
        path(file),
        '--out',
        path('out.csv'),
      ]);
      expect(code).toBe(0);
      expect(stderr).toMatch(/model weight 1\.000 \(agrees with the crowd on \d+\.\d % of 7 items with ≥ 2 votes\)/);
      expect(stderr).toMatch(/1 row\(s\) name items with no votes, ignored: "ghost"/);
      expect(stderr).toMatch(/with crowdlab/);
      const rows: Record<string, string>[] = parse(await readFile(path('out.csv'), 'utf8'), { columns: true });
      expect(rows.find((r) => r.item === 'x')!.label).toBe(expected);
      for (const r of settled) expect(rows.find((row) => row.item === r)!.label).toBe(truth(r));
    }
  });

  it('refuses crowdlab without predictions, and predictions without crowdlab (exit 2)', async () => {
    const without = await run(['--votes', path('votes.csv'), '--method', 'crowdlab', '--out', path('o.csv')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--method crowdlab needs --predictions <csv>/);
    const stray = await run([
      '--votes',
      path('votes.csv'),
      '--method',
      'ds',
      '--predictions',
      path('says-sad.csv'),
      '--out',
      path('o.csv'),
    ]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--predictions is only read by --method crowdlab/);
  });

  it.each([
    ['missing file', null, /missing\.csv: cannot read \(ENOENT\)/],
    ['no header', 'x,0.2,0.8\n', /missing header: the first line must name an item column and one p_<label> column/],
    ['not a number', 'item,p_happy,p_sad\nx,high,0.8\n', /line 2: p_happy must be a probability in \[0, 1\], found "high"/],
    ['above 1', 'item,p_happy,p_sad\nx,0.2,1.5\n', /line 2: p_sad must be a probability in \[0, 1\], found "1.5"/],
    ['a second row', 'item,p_happy,p_sad\nx,0.2,0.8\nx,0.3,0.7\n', /line 3: item "x" has a second row/],
    ['all zero', 'clip,p_happy,p_sad\nx,0,0\n', /line 2: every probability of "x" is 0/],
    ['a voted label without a column', 'item,p_happy\nx,0.2\n', /no p_<label> column for the voted label\(s\) "sad"/],
    ['a short row', 'item,p_happy,p_sad\nx,0.2\n', /line 2: expected 3 fields/],
  ])('a malformed predictions file (%s) is exit 1 with the file and line', async (name, text, message) => {
    const file = path(text === null ? 'missing.csv' : `bad-${name.replace(/ /g, '-')}.csv`);
    if (text !== null) await writeFile(file, text);
    const { code, stderr } = await run([
      '--votes',
      path('votes.csv'),
      '--method',
      'crowdlab',
      '--predictions',
      file,
      '--out',
      path('o.csv'),
    ]);
    expect(stderr).toMatch(message);
    expect(code).toBe(1);
  });
});
