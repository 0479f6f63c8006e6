import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';
import { LocalAudioStore, setAudioStore } from '@/lib/storage';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { runCli } from '../helpers/cli';

let t: TestDb;
let dir: string;


beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-cli-'));
  setAudioStore(new LocalAudioStore(path.join(dir, 'store')));
  fs.mkdirSync(path.join(dir, 'catalog', 'audio'), { recursive: true });
  const specs = demoCatalog(3, 9);
  specs.forEach((spec, i) => {
    const samples = renderClip({ ...spec, recipe: { ...spec.recipe, durationS: 3 } }, 22050);
    fs.writeFileSync(path.join(dir, 'catalog', 'audio', `track-${i}.wav`), encodeWav([samples], 22050));
  });
  fs.writeFileSync(path.join(dir, 'secret.wav'), encodeWav([new Float32Array(22050).fill(0.1)], 22050));
});
afterAll(async () => {
  setAudioStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('chorus CLI', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['seed', 'worker', 'import']) expect(stdout).toContain(command);
  });

  it('an unknown command exits 2 with the help', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "frobnicate"');
  });

  it('imports a catalog CSV: good rows land, a path outside the catalog and a malformed row are reported by line', async () => {
    const csv = [
      'path,title,artist,licence,provenance',
      'audio/track-0.wav,Zero,Band A,CC-BY-4.0,field recording',
      'audio/track-1.wav,One,Band B,CC0-1.0,',
      '../secret.wav,Escape,Evil,CC0-1.0,',
      ',No path,Nobody,CC0-1.0,',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'catalog', 'catalog.csv'), csv);
    const { code, stdout } = await runCli(['import', path.join(dir, 'catalog', 'catalog.csv')]);
    const summary = JSON.parse(stdout) as {
      created: number;
      problems: { line: number; error: string }[];
      extraction: { extracted: number };
    };
    expect(summary.created).toBe(2);
    expect(summary.extraction.extracted).toBe(2);
    expect(summary.problems.map((p) => p.line).sort()).toEqual([4, 5]);
    expect(summary.problems.find((p) => p.line === 4)!.error).toMatch(/outside the catalog folder/);
    expect(code).toBe(1);
    const rows = await t.handle.query<{ title: string; licence: string; provenance: { note?: string } }>(
      'select title, licence, provenance from clips order by title',
    );
    expect(rows.map((r) => r.title)).toEqual(['One', 'Zero']);
    expect(rows[1].licence).toBe('CC-BY-4.0');
    expect(rows[1].provenance.note).toBe('field recording');
  });

  it('importing the folder again recognises the same audio', async () => {
    const { code, stdout } = await runCli(['import', path.join(dir, 'catalog', 'audio'), '--no-extract']);
    const summary = JSON.parse(stdout) as { created: number; duplicates: number };
    expect(summary).toMatchObject({ created: 1, duplicates: 2 });
    expect(code).toBe(0);
  });
});
