/**
 * Loudness against the EBU reference signals (Tech 3341 for BS.1770-4
 * integrated loudness and gating, Tech 3342 for loudness range), plus an
 * ffmpeg `ebur128` cross-check when ffmpeg is installed.
 *
 * About the brief's "−20 dBFS stereo sine reads −23 LUFS": per BS.1770-4 a
 * 0 dBFS 1 kHz sine in ONE channel reads −3.01 LKFS, so −20 dBFS in one
 * channel (or a mono file) reads −23.0, while the same sine in BOTH channels
 * sums two channel powers and reads −20.0. The EBU's stereo reference for
 * −23 LUFS is a −23 dBFS sine in both channels (Tech 3341 case 1). All three
 * facts are asserted below.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFeatures, extractFeaturesFromChannels } from '@/lib/audio/extract';
import { integratedLoudness, kWeightingFilters } from '@/lib/audio/loudness';
import { cadence, concat, drumPattern, hasBinary, writeWav } from './helpers';

/** 1 kHz sine at `dbfs` (peak), built by tiling one exact period. */
function tone(dbfs: number, seconds: number, sampleRate = 48000, freq = 1000): Float32Array {
  const a = 10 ** (dbfs / 20);
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  const period = sampleRate / freq;
  if (Number.isInteger(period)) {
    const one = Float32Array.from({ length: period }, (_, i) => a * Math.sin((2 * Math.PI * i) / period));
    for (let i = 0; i < n; i += period) x.set(one.subarray(0, Math.min(period, n - i)), i);
  } else {
    for (let i = 0; i < n; i++) x[i] = a * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  }
  return x;
}
const stereo = (x: Float32Array) => [x, x];
/** Within ±tol (BS.1770 compliance tests use ±0.1 LU). */
const near = (value: number, target: number, tol = 0.1) => expect(Math.abs(value - target), `${value} vs ${target}`).toBeLessThanOrEqual(tol);
const lufs = (chs: Float32Array[], sr = 48000) => integratedLoudness(chs, sr).integratedLufs;

describe('BS.1770-4 integrated loudness: EBU Tech 3341', () => {
  it('case 1: −23 dBFS stereo sine reads −23.0 LUFS', () => {
    near(lufs(stereo(tone(-23, 20))), -23);
  });
  it('case 2: −33 dBFS stereo sine reads −33.0 LUFS', () => {
    near(lufs(stereo(tone(-33, 20))), -33);
  });
  it('case 3: −36 / −23 / −36 dBFS (relative gate) reads −23.0', () => {
    near(lufs(stereo(concat(tone(-36, 10), tone(-23, 60), tone(-36, 10)))), -23);
  });
  it('case 4: −72 / −36 / −23 / −36 / −72 dBFS (absolute and relative gates) reads −23.0', () => {
    const x = concat(tone(-72, 10), tone(-36, 10), tone(-23, 60), tone(-36, 10), tone(-72, 10));
    near(lufs(stereo(x)), -23);
  });
  it('case 5: −26 / −20 / −26 dBFS reads −23.0', () => {
    near(lufs(stereo(concat(tone(-26, 20), tone(-20, 20.1), tone(-26, 20)))), -23);
  });
});

describe('channel summation and the −20 dBFS sine', () => {
  it('−20 dBFS in one channel (mono) reads −23.0 LUFS; in both channels −20.0', () => {
    const x = tone(-20, 10);
    near(lufs([x]), -23);
    near(lufs([x, new Float32Array(x.length)]), -23);
    near(lufs(stereo(x)), -20);
  });

  it('5.1: surround channels weigh +1.5 dB, LFE is excluded', () => {
    const x = tone(-23, 10);
    const z = new Float32Array(x.length);
    near(lufs([z, z, z, z, x, z]), -23 - 3.01 + 10 * Math.log10(1.41));
    expect(lufs([z, z, z, x, z, z])).toBe(-70); // LFE only: nothing passes the gate
  });

  it('does not depend on the sample rate (K-weighting designed per rate)', () => {
    for (const sr of [8000, 16000, 22050, 44100, 96000]) near(lufs(stereo(tone(-23, 10, sr, 997)), sr), -23);
  });

  it('reproduces the BS.1770-4 48 kHz filter coefficients', () => {
    const [shelf, hp] = kWeightingFilters(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 8);
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 8);
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 8);
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 8);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 8);
    expect(hp.a1).toBeCloseTo(-1.99004745483398, 8);
    expect(hp.a2).toBeCloseTo(0.99007225036621, 8);
  });
});

describe('gating with silent gaps', () => {
  it('silence between notes does not lower the integrated loudness', () => {
    const gap = new Float32Array(48000 * 10);
    const x = concat(tone(-23, 10), gap, tone(-23, 10), gap, tone(-23, 10));
    const r = integratedLoudness(stereo(x), 48000);
    // Only the few 400 ms blocks straddling a tone edge (within 10 LU of
    // the mean, so kept by the relative gate) pull it below −23.0.
    near(r.integratedLufs, -23);
    // Ungated, the power mean over 50 s would read 10·log10(30/50) ≈ 2.2 dB lower.
    expect(r.gatedBlocks).toBeLessThan(((50 - 0.4) / 0.1) * 0.65);
  });

  it('the extractor reports it for mono input', () => {
    const gap = new Float32Array(22050 * 3);
    const x = concat(tone(-20, 4, 22050, 1000.5), gap, tone(-20, 4, 22050, 1000.5));
    const alone = extractFeatures(tone(-20, 4, 22050, 1000.5), 22050).features.loudness_lufs;
    near(alone, -23);
    // The tone alone, less the few blocks straddling its edges; ungated it would read −24.4.
    near(extractFeatures(x, 22050).features.loudness_lufs, alone, 0.2);
  });
});

describe('loudness range: EBU Tech 3342', () => {
  for (const [a, b, lra] of [
    [-20, -30, 10],
    [-20, -15, 5],
    [-40, -20, 20],
  ] as const) {
    it(`${a} dBFS then ${b} dBFS, 20 s each: LRA ${lra} ± 1 LU`, () => {
      expect(integratedLoudness(stereo(concat(tone(a, 20), tone(b, 20))), 48000).loudnessRangeLu).toBeCloseTo(lra, 0);
    });
  }
  it('−50 / −35 / −20 / −35 / −50 dBFS: LRA 15 ± 1 LU', () => {
    const x = concat(tone(-50, 20), tone(-35, 20), tone(-20, 20), tone(-35, 20), tone(-50, 20));
    expect(Math.abs(integratedLoudness(stereo(x), 48000).loudnessRangeLu - 15)).toBeLessThan(1);
  });
});

const haveFfmpeg = hasBinary('ffmpeg');
describe.skipIf(!haveFfmpeg)(`cross-check with ffmpeg ebur128${haveFfmpeg ? '' : ' (SKIPPED: ffmpeg is not on PATH)'}`, () => {
  it('agrees on integrated loudness (±0.2 LU) and loudness range (±1 LU) of a stereo music-like mix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chorus-lufs-'));
    try {
      const sr = 44100;
      const drums = drumPattern(118, 12, sr);
      const chords = concat(cadence(7, 'major', sr, 1, 3), new Float32Array(drums.length - 12 * sr));
      // Decorrelated channels, and a quieter second half for some loudness range.
      const left = drums.map((v, i) => (0.7 * v + 0.5 * chords[i]) * (i > sr * 6 ? 0.4 : 1));
      const right = drums.map((v, i) => (0.4 * v + 0.8 * chords[i]) * (i > sr * 6 ? 0.4 : 1));
      const file = join(dir, 'mix.wav');
      writeFileSync(file, writeWav([left, right], sr, 'f32'));
      const run = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
      const summary = run.stderr.slice(run.stderr.lastIndexOf('Summary:'));
      const ffI = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
      const ffLra = Number(/LRA:\s+(-?[\d.]+) LU/.exec(summary)?.[1]);
      expect(Number.isFinite(ffI)).toBe(true);
      const ours = integratedLoudness([left, right], sr);
      expect(Math.abs(ours.integratedLufs - ffI)).toBeLessThan(0.2);
      expect(Math.abs(ours.loudnessRangeLu - ffLra)).toBeLessThan(1);
      // The extractor measures the source channels, not the mono mix.
      expect(Math.abs(extractFeaturesFromChannels([left, right], sr).features.loudness_lufs - ffI)).toBeLessThan(0.2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
