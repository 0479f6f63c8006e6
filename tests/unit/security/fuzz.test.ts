import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeAudio } from '@/lib/audio/decode';
import { AudioDecodeError } from '@/lib/audio/errors';
import { decoderCases, importerCases, runFuzz, type FuzzOutcome } from './fuzz-inputs';

/**
 * Fuzz of the decoders (lib/audio/decode.ts on mutated real files) and the catalog importer
 * (lib/catalog/importer.ts on malformed CSV/JSONL), fixed seed, bounded count, each case under
 * a 2 s limit in a worker thread. Every input must end in a decoded file with a sane shape or a
 * typed error — never an untyped exception, a hang, or a dead worker. `npm run test:security`
 * runs more cases (CHORUS_FUZZ_COUNT).
 */
const COUNT = Number(process.env.CHORUS_FUZZ_COUNT ?? 300);

function describeFailures(outcomes: FuzzOutcome[]): string {
  return outcomes.map((o) => `${o.id}: ${o.result} — ${o.detail}`).join('\n');
}

describe('decoder fuzz', () => {
  it(`${COUNT} mutated files: decoded sanely or a typed AudioDecodeError, none hangs`, async () => {
    const outcomes = await runFuzz(decoderCases(COUNT));
    const bad = outcomes.filter(
      (o) => !(o.result === 'decoded' || o.result === 'typed-error') || (o.result === 'decoded' && (!o.shapeOk || (o.nonFinite ?? 0) > 0)),
    );
    expect(bad, describeFailures(bad)).toEqual([]);
    // The mutations must reach both outcomes, or the fuzz is not exercising the decoders.
    expect(outcomes.filter((o) => o.result === 'decoded').length).toBeGreaterThan(COUNT / 10);
    expect(outcomes.filter((o) => o.result === 'typed-error').length).toBeGreaterThan(COUNT / 10);
    // Every typed error says which kind of problem it is and a sentence a person can act on.
    for (const o of outcomes.filter((x) => x.result === 'typed-error')) expect(o.detail).toMatch(/^[a-z_]+: \S.{10,}/);
  }, 120_000);
});

describe('catalog importer fuzz', () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-fuzz-'));
    root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'ok.wav'), 'x');
    fs.writeFileSync(path.join(root, 'sub', 'ok.wav'), 'x');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`${COUNT} malformed CSV/JSONL catalogs: per-row problems, never a throw, never a path outside the folder`, async () => {
    const outcomes = await runFuzz(importerCases(COUNT, dir, root));
    const bad = outcomes.filter((o) => o.result !== 'imported');
    expect(bad, describeFailures(bad)).toEqual([]);
    const realRoot = fs.realpathSync(root);
    for (const o of outcomes) {
      for (const e of o.entries ?? []) {
        const rel = path.relative(realRoot, e.file);
        expect(rel.startsWith('..') || path.isAbsolute(rel) || rel === '', `${o.id}: entry ${e.file} escapes ${root}`).toBe(false);
      }
      for (const p of o.problems ?? []) {
        expect(p.line, o.id).toBeGreaterThanOrEqual(0);
        expect(p.error.length, o.id).toBeGreaterThan(5);
      }
    }
    // Hostile rows were generated: some must have been refused, some accepted.
    expect(outcomes.some((o) => (o.problems ?? []).some((p) => /outside the catalog folder|only local paths/.test(p.error)))).toBe(true);
    expect(outcomes.some((o) => (o.entries ?? []).length > 0)).toBe(true);
  }, 120_000);
});

describe('regressions found by the fuzz', () => {
  const tone = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 5));

  it('a WAV cut off inside its fmt chunk is a truncated error at once (it used to re-read its header forever)', async () => {
    const { encodeWav } = await import('@/lib/audio/wav');
    const wav = encodeWav([tone], 8000);
    // A decoder that re-reads its header forever is caught by the test timeout.
    for (const cut of [20, 24, 30, 39]) {
      const err = await decodeAudio(wav.slice(0, cut)).catch((e: unknown) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(AudioDecodeError);
      expect((err as AudioDecodeError).reason).toBe('truncated');
    }
  });

  it('a 64-bit float WAV with values beyond the float32 range decodes to finite samples', async () => {
    const frames = 400;
    const bytes = new Uint8Array(44 + frames * 8);
    const dv = new DataView(bytes.buffer);
    const put = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
    put(0, 'RIFF');
    dv.setUint32(4, bytes.length - 8, true);
    put(8, 'WAVE');
    put(12, 'fmt ');
    dv.setUint32(16, 16, true);
    dv.setUint16(20, 3, true); // IEEE float
    dv.setUint16(22, 1, true);
    dv.setUint32(24, 8000, true);
    dv.setUint32(28, 8000 * 8, true);
    dv.setUint16(32, 8, true);
    dv.setUint16(34, 64, true);
    put(36, 'data');
    dv.setUint32(40, frames * 8, true);
    for (let i = 0; i < frames; i++) dv.setFloat64(44 + i * 8, i % 7 === 0 ? 1e300 * (i % 2 ? 1 : -1) : Math.sin(i / 5), true);
    const decoded = await decodeAudio(bytes);
    expect(decoded.frames).toBe(frames);
    expect(decoded.channelData[0].every((v) => Number.isFinite(v))).toBe(true);
    expect(decoded.channelData[0][0]).toBe(0);
  });
});
