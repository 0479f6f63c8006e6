/**
 * Every decoder path on real encoded files: the committed fixtures (always)
 * and files made here with ffmpeg/sox from a known signal (when installed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeAudioFile } from '@/lib/audio/analyze-file';
import { decodeAudio, decodeAudioFile, decodeAudioSource, type ByteSource } from '@/lib/audio/decode';
import { sniffAudioFormat } from '@/lib/audio/sniff';
import { cadence, firstDifference, goertzelPower, hasBinary, writeWav } from './helpers';

const FIXTURES = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));

/** Ratio of the power at `f` to the strongest of a few frequencies 15–40 % away. */
function toneDominance(x: Float32Array, sr: number, f: number): number {
  const at = goertzelPower(x, sr, f);
  const others = [0.6, 0.85, 1.15, 1.4].map((r) => goertzelPower(x, sr, f * r));
  return at / Math.max(...others);
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

/** Middle part of a signal (codec delay and fades stay out of the checks). */
const mid = (x: Float32Array): Float32Array => x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));

interface FixtureCase {
  file: string;
  format: string;
  sampleRate: number;
  channels: number;
  durationS: number;
  /** Expected dominant frequency per channel. */
  tones: number[];
  lossy?: boolean;
}

const CASES: FixtureCase[] = [
  { file: 'sine440_8k_u8.wav', format: 'wav', sampleRate: 8000, channels: 1, durationS: 1, tones: [440] },
  { file: 'sine440_16k_s16.wav', format: 'wav', sampleRate: 16000, channels: 1, durationS: 0.5, tones: [440] },
  { file: 'sine440_16k_s24.wav', format: 'wav', sampleRate: 16000, channels: 1, durationS: 0.5, tones: [440] },
  { file: 'sine440_16k_s32.wav', format: 'wav', sampleRate: 16000, channels: 1, durationS: 0.5, tones: [440] },
  { file: 'sine440_16k_f32.wav', format: 'wav', sampleRate: 16000, channels: 1, durationS: 0.5, tones: [440] },
  { file: 'sine440_8k_f64.wav', format: 'wav', sampleRate: 8000, channels: 1, durationS: 0.4, tones: [440] },
  { file: 'sine440_96k_s16.wav', format: 'wav', sampleRate: 96000, channels: 1, durationS: 0.2, tones: [440] },
  { file: 'stereo440l660r_22k_s16.wav', format: 'wav', sampleRate: 22050, channels: 2, durationS: 0.5, tones: [440, 660] },
  { file: 'surround51_8k_s16.wav', format: 'wav', sampleRate: 8000, channels: 6, durationS: 0.4, tones: [440, 440, 440, 55, 440, 440] },
  { file: 'sine440_96k_s24.flac', format: 'flac', sampleRate: 96000, channels: 1, durationS: 0.2, tones: [440] },
  { file: 'stereo440l660r_44k.flac', format: 'flac', sampleRate: 44100, channels: 2, durationS: 0.3, tones: [440, 660] },
  { file: 'sine440_44k_flac.oga', format: 'ogg-flac', sampleRate: 44100, channels: 1, durationS: 0.5, tones: [440] },
  { file: 'sine440_44k.mp3', format: 'mp3', sampleRate: 44100, channels: 1, durationS: 1, tones: [440], lossy: true },
  { file: 'sine440_8k.mp3', format: 'mp3', sampleRate: 8000, channels: 1, durationS: 1, tones: [440], lossy: true },
  { file: 'sine440_22k.ogg', format: 'ogg-vorbis', sampleRate: 22050, channels: 1, durationS: 1, tones: [440], lossy: true },
  { file: 'sine440_cover.ogg', format: 'ogg-vorbis', sampleRate: 22050, channels: 1, durationS: 1, tones: [440], lossy: true },
  { file: 'sine440_48k.opus', format: 'ogg-opus', sampleRate: 48000, channels: 1, durationS: 1, tones: [440], lossy: true },
  // The name says MP3, the bytes say WAV: the bytes win.
  { file: 'wav_named_as.mp3', format: 'wav', sampleRate: 16000, channels: 1, durationS: 0.5, tones: [440] },
];

describe('decoder on committed fixtures', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.format}, ${c.sampleRate} Hz, ${c.channels} ch`, async () => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, c.file)));
      expect(bytes.length).toBeLessThan(50 * 1024);
      const d = await decodeAudio(bytes);
      expect(d.format).toBe(c.format);
      expect(d.sampleRate).toBe(c.sampleRate);
      expect(d.channels).toBe(c.channels);
      expect(d.channelData).toHaveLength(c.channels);
      // Lossless: exact length; lossy: codec framing may add/trim a little.
      expect(Math.abs(d.durationS - c.durationS)).toBeLessThan(c.lossy ? 0.03 : 1e-9);
      c.tones.forEach((f, ch) => {
        const x = mid(d.channelData[ch]);
        expect(toneDominance(x, d.sampleRate, f)).toBeGreaterThan(100);
        // 0.5-amplitude sine: RMS 0.354 (8-bit and lossy codecs within a few %).
        expect(rms(x)).toBeGreaterThan(0.354 * 0.93);
        expect(rms(x)).toBeLessThan(0.354 * 1.07);
      });
    });
  }

  it('streams a file block by block with the same samples as the whole-file decode', async () => {
    const whole = await decodeAudioFile(join(FIXTURES, 'stereo440l660r_22k_s16.wav'));
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'stereo440l660r_22k_s16.wav')));
    const blocks: Float32Array[][] = [];
    const src: ByteSource = { size: bytes.length, read: async (o, n) => bytes.subarray(o, o + n), close: async () => {} };
    await decodeAudioSource(src, (b) => blocks.push(b.channels), { blockFrames: 1000 });
    expect(blocks.length).toBe(Math.ceil(whole.frames / 1000));
    const left = new Float32Array(whole.frames);
    let o = 0;
    for (const b of blocks) {
      expect(b[0].length).toBeLessThanOrEqual(1000);
      left.set(b[0], o);
      o += b[0].length;
    }
    expect(firstDifference(left, whole.channelData[0])).toBe(-1);
  });

  it('looks past a large ID3v2 tag (cover art) in front of FLAC and MP3', async () => {
    const id3 = (bodyBytes: number) => {
      const tag = new Uint8Array(10 + bodyBytes); // body of padding: valid ID3v2.4
      tag.set([0x49, 0x44, 0x33, 4, 0, 0]);
      tag.set([(bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f], 6);
      return tag;
    };
    for (const [file, format] of [
      ['stereo440l660r_44k.flac', 'flac'],
      ['sine440_44k.mp3', 'mp3'],
    ] as const) {
      const body = new Uint8Array(readFileSync(join(FIXTURES, file)));
      const tagged = new Uint8Array([...id3(100_000), ...body]);
      const d = await decodeAudio(tagged);
      expect(d.format).toBe(format);
      expect(toneDominance(mid(d.channelData[0]), d.sampleRate, 440)).toBeGreaterThan(100);
      // The truncation checks still find the codec header behind the tag.
      await expect(decodeAudio(tagged.subarray(0, 100_010 + (body.length >> 1)))).rejects.toMatchObject({ reason: 'truncated' });
    }
  });

  it('sniffs formats from magic numbers regardless of the name', () => {
    const head = (f: string) => new Uint8Array(readFileSync(join(FIXTURES, f))).subarray(0, 65536);
    expect(sniffAudioFormat(head('wav_named_as.mp3'))).toMatchObject({ supported: true, format: 'wav' });
    expect(sniffAudioFormat(head('sine440_44k.mp3'))).toMatchObject({ supported: true, format: 'mp3' });
    expect(sniffAudioFormat(head('sine440_48k.opus'))).toMatchObject({ supported: true, format: 'ogg-opus' });
    expect(sniffAudioFormat(head('sine440_44k_flac.oga'))).toMatchObject({ supported: true, format: 'ogg-flac' });
  });

  it('analyses every fixture end to end (mono mix, resampling to 22 050 Hz)', async () => {
    for (const c of CASES) {
      const a = await analyzeAudioFile(join(FIXTURES, c.file));
      expect(a.format).toBe(c.format);
      expect(a.channels).toBe(c.channels);
      expect(a.vector.every(Number.isFinite)).toBe(true);
      // All fixtures are A4 on the analysed channels (the 5.1 LFE at 55 Hz is also an A).
      const chroma = ['c', 'cs', 'd', 'ds', 'e', 'f', 'fs', 'g', 'gs', 'a', 'as', 'b'].map((n) => a.features[`chroma_${n}_mean`]);
      if (c.tones.every((t) => t === 440 || t === 55)) expect(chroma.indexOf(Math.max(...chroma))).toBe(9);
    }
  });
});

const haveFfmpeg = hasBinary('ffmpeg');
const haveSox = hasBinary('sox');

describe.skipIf(!haveFfmpeg)(`decoder on files encoded here by ffmpeg/sox from a known cadence${haveFfmpeg ? '' : ' (SKIPPED: ffmpeg is not on PATH; the committed fixtures above still cover every decoder)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-decode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // D major cadence at 44.1 kHz, 4 s, duplicated to stereo.
  const sr = 44100;
  const signal = cadence(2, 'major', sr, 1, 1);
  const src = join(dir, 'src.wav');
  writeFileSync(src, writeWav([signal, signal], sr, 'f32'));

  const ff = (out: string, args: string[]) => {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', src, ...args, join(dir, out)]);
    return join(dir, out);
  };
  const variants: Array<{ name: string; make: () => string; format: string; rate: number; channels: number; lossy: boolean }> = [
    { name: 'wav u8', make: () => ff('u8.wav', ['-c:a', 'pcm_u8']), format: 'wav', rate: sr, channels: 2, lossy: false },
    { name: 'wav s16', make: () => ff('s16.wav', ['-c:a', 'pcm_s16le']), format: 'wav', rate: sr, channels: 2, lossy: false },
    { name: 'wav s24', make: () => ff('s24.wav', ['-c:a', 'pcm_s24le']), format: 'wav', rate: sr, channels: 2, lossy: false },
    { name: 'wav s32', make: () => ff('s32.wav', ['-c:a', 'pcm_s32le']), format: 'wav', rate: sr, channels: 2, lossy: false },
    { name: 'wav f32', make: () => ff('f32.wav', ['-c:a', 'pcm_f32le']), format: 'wav', rate: sr, channels: 2, lossy: false },
    {
      name: 'wav RF64 (64-bit sizes)',
      make: () => {
        const out = ff('rf64.wav', ['-c:a', 'pcm_s16le', '-rf64', 'always']);
        expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('RF64');
        return out;
      },
      format: 'wav',
      rate: sr,
      channels: 2,
      lossy: false,
    },
    { name: 'wav 8 kHz mono', make: () => ff('8k.wav', ['-ac', '1', '-ar', '8000', '-c:a', 'pcm_s16le']), format: 'wav', rate: 8000, channels: 1, lossy: false },
    { name: 'wav 96 kHz 24-bit', make: () => ff('96k.wav', ['-ar', '96000', '-c:a', 'pcm_s24le']), format: 'wav', rate: 96000, channels: 2, lossy: false },
    {
      // Written to a pipe, ffmpeg cannot seek back: RIFF and data sizes stay 0xFFFFFFFF.
      name: 'wav streamed to a pipe (unknown length)',
      make: () => {
        const bytes = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', src, '-c:a', 'pcm_s16le', '-f', 'wav', 'pipe:1'], { maxBuffer: 64 << 20 });
        expect(bytes.readUInt32LE(4)).toBe(0xffffffff);
        const out = join(dir, 'pipe.wav');
        writeFileSync(out, bytes);
        return out;
      },
      format: 'wav',
      rate: sr,
      channels: 2,
      lossy: false,
    },
    { name: 'flac', make: () => ff('x.flac', ['-c:a', 'flac']), format: 'flac', rate: sr, channels: 2, lossy: false },
    { name: 'mp3', make: () => ff('x.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']), format: 'mp3', rate: sr, channels: 2, lossy: true },
    { name: 'ogg vorbis', make: () => ff('x.ogg', ['-c:a', 'libvorbis', '-q:a', '3']), format: 'ogg-vorbis', rate: sr, channels: 2, lossy: true },
    { name: 'opus', make: () => ff('x.opus', ['-c:a', 'libopus', '-b:a', '96k']), format: 'ogg-opus', rate: 48000, channels: 2, lossy: true },
    { name: '4-channel wav', make: () => ff('quad.wav', ['-af', 'pan=quad|FL=c0|FR=c1|BL=c0|BR=c1', '-c:a', 'pcm_s16le']), format: 'wav', rate: sr, channels: 4, lossy: false },
  ];
  // sox variants run only when sox is installed (ffmpeg covers the same formats).
  if (haveSox) {
    variants.push({
      name: 'sox: 24-bit 96 kHz wav',
      make: () => {
        const out = join(dir, 'sox96.wav');
        execFileSync('sox', [src, '-b', '24', '-r', '96000', out]);
        return out;
      },
      format: 'wav',
      rate: 96000,
      channels: 2,
      lossy: false,
    });
    variants.push({
      name: 'sox: 8-bit 8 kHz wav',
      make: () => {
        const out = join(dir, 'sox8.wav');
        execFileSync('sox', [src, '-b', '8', '-r', '8000', '-c', '1', out]);
        return out;
      },
      format: 'wav',
      rate: 8000,
      channels: 1,
      lossy: false,
    });
  }

  for (const v of variants) {
    it(`${v.name}: decodes and keeps the key (D major)`, async () => {
      const file = v.make();
      const d = await decodeAudioFile(file);
      expect(d.format).toBe(v.format);
      expect(d.sampleRate).toBe(v.rate);
      expect(d.channels).toBe(v.channels);
      expect(Math.abs(d.durationS - 4)).toBeLessThan(v.lossy ? 0.06 : 0.001);
      const a = await analyzeAudioFile(file);
      expect(a.key.key).toBe('D');
      expect(a.key.mode).toBe('major');
    });
  }
});
