import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CATEGORICAL_METHODS } from '@/lib/crowd';
import { runAggregateCli } from '@/lib/crowd/aggregate-cli';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('chorus aggregate', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-aggregate-'));
    await writeFile(
      path('votes.csv'),
      [
        'item,worker,label',
        'c1,ann,happy',
        'c1,bob,happy',
        'c1,cat,sad',
        'c2,ann,sad',
        'c2,bob,sad',
        'c2,cat,sad',
        '"c3",ann,"calm, quiet"',
        'c3,bob,"calm, quiet"',
        'c3,cat,happy',
        'g1,ann,angry',
        'g1,bob,tender',
        '',
      ].join('\n'),
    );
    await writeFile(path('gold.csv'), 'item,label\ng1,calm\ng1,tender\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(CATEGORICAL_METHODS)('round-trips a small CSV with --method %s', async (method) => {
    const cap = captureIo();
    const code = await runAggregateCli(
      ['--votes', path('votes.csv'), '--method', method, '--gold', path('gold.csv'), '--out', path(`out-${method}.csv`), `--workers-out=${path(`w-${method}.csv`)}`],
      cap.io,
    );
    expect(cap.stderr()).toMatch(new RegExp(`aggregated 11 votes on 4 items by 3 workers with ${method}`));
    expect(code).toBe(0);
    const text = await readFile(path(`out-${method}.csv`), 'utf8');
    expect(text.split('\n')[0]).toBe('item,label,confidence');
    const rows: Record<string, string>[] = parse(text, { columns: true });
    expect(rows.map((r) => [r.item, r.label])).toEqual([
      ['c1', 'happy'],
      ['c2', 'sad'],
      ['c3', 'calm, quiet'],
      ['g1', 'tender'],
    ]);
    for (const r of rows) {
      expect(Number(r.confidence)).toBeGreaterThan(0);
      expect(Number(r.confidence)).toBeLessThanOrEqual(1);
    }
    const workers: Record<string, string>[] = parse(await readFile(path(`w-${method}.csv`), 'utf8'), { columns: true });
    expect(workers.map((w) => w.worker)).toEqual(['ann', 'bob', 'cat']);
    expect(Object.keys(workers[0])).toEqual(['worker', 'reliability', 'reliability_std', 'votes']);
    expect(workers.map((w) => w.votes)).toEqual(['4', '4', '3']);
  });

  it('defaults to Dawid–Skene', async () => {
    const cap = captureIo();
    expect(await runAggregateCli(['--votes', path('votes.csv'), '--out', path('default.csv')], cap.io)).toBe(0);
    expect(cap.stderr()).toMatch(/with ds \(converged after \d+ iterations\)/);
  });

  it('names the line of a malformed row', async () => {
    await writeFile(path('short.csv'), 'item,worker,label\nc1,ann,happy\nc1,bob\nc2,ann,sad\n');
    const cap = captureIo();
    expect(await runAggregateCli(['--votes', path('short.csv'), '--out', path('x.csv')], cap.io)).toBe(1);
    expect(cap.stderr()).toContain('short.csv line 3: expected 3 fields (item,worker,label), found 2');

    await writeFile(path('empty-field.csv'), 'item,worker,label\nc1,ann,happy\n\nc1,,sad\n');
    const cap2 = captureIo();
    expect(await runAggregateCli(['--votes', path('empty-field.csv'), '--out', path('x.csv')], cap2.io)).toBe(1);
    expect(cap2.stderr()).toContain('empty-field.csv line 4: empty worker');

    await writeFile(path('quote.csv'), 'item,worker,label\nc1,ann,"happy\n');
    const cap3 = captureIo();
    expect(await runAggregateCli(['--votes', path('quote.csv'), '--out', path('x.csv')], cap3.io)).toBe(1);
    expect(cap3.stderr()).toMatch(/quote\.csv line 2: .*Quote Not Closed/);
  });

  it('rejects a missing header', async () => {
    await writeFile(path('noheader.csv'), 'c1,ann,happy\nc1,bob,sad\n');
    const cap = captureIo();
    expect(await runAggregateCli(['--votes', path('noheader.csv'), '--out', path('x.csv')], cap.io)).toBe(1);
    expect(cap.stderr()).toContain('missing header: the first line must name the columns item,worker,label (found "c1,ann,happy")');
  });

  it('rejects an unknown method and other command-line mistakes with exit code 2 and the usage', async () => {
    const cap = captureIo();
    expect(await runAggregateCli(['--votes', path('votes.csv'), '--method', 'em', '--out', path('x.csv')], cap.io)).toBe(2);
    expect(cap.stderr()).toContain('unknown method "em" (use mv, wmv, wawa, ds, glad, mace, crowdlab)');
    expect(cap.stderr()).toContain('usage: chorus aggregate');
    for (const argv of [['--out', path('x.csv')], ['--votes', path('votes.csv')], ['--votes'], ['--frobnicate', '1']]) {
      expect(await runAggregateCli(argv, captureIo().io)).toBe(2);
    }
  });

  it('reports an unreadable file and prints help on --help', async () => {
    const cap = captureIo();
    expect(await runAggregateCli(['--votes', path('nope.csv'), '--out', path('x.csv')], cap.io)).toBe(1);
    expect(cap.stderr()).toMatch(/nope\.csv: cannot read \(ENOENT\)/);
    const help = captureIo();
    expect(await runAggregateCli(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('--workers-out <csv>');
  });
});
