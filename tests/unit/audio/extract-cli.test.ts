/**
 * `chorus extract` as DESIGN.md specifies it: one JSON object per file on
 * stdout, bad files as {file, error}, non-zero exit at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXTRACTOR_VERSION, FEATURE_NAMES } from '@/lib/audio/extract';
import { runExtractCli } from '@/lib/audio/extract-cli';
import { extractErrorRecordSchema, extractRecordSchema } from '@/lib/audio/schemas';
import { cadence, drumPattern, writeWav } from './helpers';

const FIXTURES = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chorus-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; lines: unknown[]; stderr: string; stdout: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runExtractCli(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  const lines = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { code, lines, stderr, stdout };
}

describe('chorus extract', () => {
  // 10 s: E minor cadence over a 120 BPM beat, one chord per bar, stereo 44.1 kHz.
  const sr = 44100;
  const drums = drumPattern(120, 10, sr);
  const chords = cadence(4, 'minor', sr, 2, 1);
  const mix = drums.map((v, i) => 0.7 * v + 0.5 * (chords[i] ?? 0));
  const song = join(dir, 'song.wav');
  writeFileSync(song, writeWav([mix, mix], sr, 's16'));
  const notAudio = join(dir, 'notes.mp3');
  writeFileSync(notAudio, 'these are liner notes, not an mp3\n');
  const empty = join(dir, 'empty.flac');
  writeFileSync(empty, '');

  it('adds the runner-up metrical level and key next to the confidences (issue 17)', async () => {
    const { lines } = await run([song]);
    const a = extractRecordSchema.parse(lines[0]);
    expect(a.tempo_confidence).toBeGreaterThan(0);
    expect(a.key_confidence).toBeGreaterThan(0);
    // The alternative tempo is another metrical level of the chosen one, never the same.
    if (a.tempo_alternative) {
      const r = a.tempo_alternative.bpm / a.tempo_bpm;
      expect([2, 0.5, 3, 1 / 3].some((f) => Math.abs(r / f - 1) < 0.04)).toBe(true);
    }
    // The runner-up key is another key than the winner.
    const alt = a.key_alternative!;
    expect(`${alt.key} ${alt.mode}`).not.toBe(`${a.key} ${a.mode}`);
    expect(['relative', 'fifth', 'parallel', 'other']).toContain(alt.relation);
    expect(Math.abs(alt.correlation)).toBeLessThanOrEqual(1);
  });

  it('prints one contract object per file, in order', async () => {
    const { code, lines, stderr } = await run([song, join(FIXTURES, 'sine440_44k.mp3'), join(FIXTURES, 'wav_named_as.mp3')]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(lines).toHaveLength(3);
    const [a, b, c] = lines.map((l) => extractRecordSchema.parse(l));
    expect(a.file).toBe(song);
    expect(a.duration_s).toBeCloseTo(10, 3);
    expect(a.sample_rate).toBe(44100);
    expect(a.channels).toBe(2);
    expect(Math.abs(a.tempo_bpm - 120)).toBeLessThan(2.4);
    expect(a.key).toBe('E');
    expect(a.mode).toBe('minor');
    expect(a.extractor_version).toBe(EXTRACTOR_VERSION);
    expect(a.vector).toHaveLength(FEATURE_NAMES.length);
    expect(Object.keys(a.features)).toEqual([...FEATURE_NAMES]);
    FEATURE_NAMES.forEach((n, i) => expect(a.vector[i]).toBe(a.features[n]));
    expect(b.format).toBe('mp3');
    expect(c.format).toBe('wav'); // named .mp3, sniffed as WAV
    expect(c.key).toBe('A');
  });

  it('reports bad files as {file, error} and exits non-zero after processing all', async () => {
    const { code, lines, stderr } = await run([notAudio, song, empty, join(dir, 'missing.ogg')]);
    expect(code).toBe(1);
    expect(lines).toHaveLength(4);
    const bad = extractErrorRecordSchema.parse(lines[0]);
    expect(bad).toMatchObject({ file: notAudio, reason: 'unknown_format' });
    expect(bad.error).toMatch(/not a recognised audio format/);
    expect(extractRecordSchema.safeParse(lines[1]).success).toBe(true);
    expect(extractErrorRecordSchema.parse(lines[2])).toMatchObject({ file: empty, reason: 'empty' });
    expect(extractErrorRecordSchema.parse(lines[3])).toMatchObject({ reason: 'io_error' });
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--bogus', song])).code).toBe(2);
    expect((await run(['--excerpt-seconds', 'x', song])).code).toBe(2);
    let out = '';
    expect(await runExtractCli(['--help'], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => {} } })).toBe(0);
    expect(out).toMatch(/usage: chorus extract/);
  });

  it('honours --excerpt-seconds and --max-duration', async () => {
    const short = await run(['--excerpt-seconds', '4', song]);
    expect(extractRecordSchema.parse(short.lines[0]).excerpt_duration_s).toBeCloseTo(4, 0);
    const limited = await run(['--max-duration', '5', song]);
    expect(limited.code).toBe(1);
    expect(limited.lines[0]).toMatchObject({ reason: 'too_long' });
  });
});
