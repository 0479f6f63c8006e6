import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { insertClip } from '@/lib/catalog/repo';
import { parseTaxonomyFile } from '@/lib/taxonomy/file';
import { createTestDb, type TestDb } from '../helpers/db';
import { runCli } from '../helpers/cli';

// A CLI-only team (CHORUS_DEMO=0): the database starts without a taxonomy.
let t: TestDb;
let dir: string;

beforeAll(async () => {
  t = await createTestDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-taxonomy-'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

describe('chorus taxonomy', () => {
  it('show on a database without a taxonomy says how to create one', async () => {
    const { code, stderr, stdout } = await runCli(['taxonomy', 'show']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('chorus taxonomy init');
  });

  it('a bad action or file type is a usage error (exit 2)', async () => {
    expect((await runCli(['taxonomy', 'frob'])).code).toBe(2);
    expect((await runCli(['taxonomy', 'init', '--from', path.join(dir, 'tags.txt')])).code).toBe(2);
    expect((await runCli(['taxonomy', 'init', '--from', path.join(dir, 'missing.csv')])).code).toBe(2);
  });

  it('init --from a CSV with bad rows names each problem by line and creates nothing', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, ['key,label,description', 'dreamy,Dreamy,', 'Bad Key,Bad,', 'dreamy,Again,', 'angry,,'].join('\n'));
    const { code, stderr } = await runCli(['taxonomy', 'init', '--from', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('nothing was created');
    expect(stderr).toMatch(/line 3: key: tag keys are lower-case/);
    expect(stderr).toContain('line 4: tag key "dreamy" already used by line 2');
    expect(stderr).toMatch(/line 5: label/);
    expect((await runCli(['taxonomy', 'show'])).code).toBe(1);
  });

  it('init --from a CSV creates that taxonomy; show prints it; a second init is refused', async () => {
    const file = path.join(dir, 'tags.csv');
    fs.writeFileSync(file, ['key,label,description', 'dreamy,Dreamy,Hazy and floating', 'angry,Angry,', 'playful,Playful,Light and bouncy'].join('\n'));
    const init = await runCli(['taxonomy', 'init', '--from', file]);
    expect(init.stderr).toContain('created taxonomy v1 with 3 tags');
    expect(init.code).toBe(0);
    const show = await runCli(['taxonomy', 'show']);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { version: number; tags: { key: string; label: string; description: string }[] };
    expect(shown.version).toBe(1);
    expect(shown.tags).toEqual([
      { key: 'dreamy', label: 'Dreamy', description: 'Hazy and floating' },
      { key: 'angry', label: 'Angry', description: '' },
      { key: 'playful', label: 'Playful', description: 'Light and bouncy' },
    ]);
    // What `show` prints, `init --from x.json` reads back.
    expect(parseTaxonomyFile(show.stdout, 'json')).toEqual({ tags: shown.tags, problems: [] });

    const again = await runCli(['taxonomy', 'init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists (v1, 3 tags)');
    expect(JSON.parse((await runCli(['taxonomy', 'show'])).stdout)).toEqual(shown);
  });

  it('import-votes uses the taxonomy from the file, creating no default one', async () => {
    const sha = randomBytes(32).toString('hex');
    await insertClip(t.handle.db, { sha256: sha, title: 'one', status: 'ready', durationS: 3 });
    const file = path.join(dir, 'votes.csv');
    fs.writeFileSync(file, ['item,worker,label', `${sha},w1,dreamy|playful`, `${sha},w2,happy`].join('\n'));
    const { code, stdout, stderr } = await runCli(['import-votes', file, '--no-aggregate']);
    expect(stderr).not.toContain('created the default one');
    expect(stderr).toContain('batch 1/1');
    const summary = JSON.parse(stdout) as { imported: number; rejected: { line: number; error: string }[] };
    expect(summary.imported).toBe(1);
    expect(summary.rejected).toEqual([{ line: 3, error: 'unknown tag happy (taxonomy v1)' }]);
    expect(code).toBe(1);
  });
});

describe('parseTaxonomyFile (JSON)', () => {
  it('reads an array or { tags }, and names invalid entries', () => {
    expect(parseTaxonomyFile('[{"key":"a","label":"A"}]', 'json')).toEqual({ tags: [{ key: 'a', label: 'A', description: '' }], problems: [] });
    expect(parseTaxonomyFile('{"tags":[{"key":"a","label":"A"},{"key":"A b"}]}', 'json').problems[0]).toMatch(/^tag 2: /);
    expect(parseTaxonomyFile('{"tags":[]}', 'json').problems).toEqual(['the file names no tag']);
    expect(parseTaxonomyFile('nope', 'json').problems[0]).toMatch(/^not valid JSON/);
  });
});
