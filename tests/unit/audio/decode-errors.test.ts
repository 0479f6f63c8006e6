/**
 * Bad input: every way a file can be unusable gives an AudioDecodeError with
 * a stable reason and a sentence a person can act on — never a raw library
 * exception, never a giant allocation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeAudioBytes, analyzeAudioFile } from '@/lib/audio/analyze-file';
import { decodeAudio } from '@/lib/audio/decode';
import { AudioDecodeError, type AudioDecodeReason } from '@/lib/audio/errors';
import { extractFeatures } from '@/lib/audio/extract';
import { sine, writeWav } from './helpers';

const FIXTURES = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));
const fixture = (f: string) => new Uint8Array(readFileSync(join(FIXTURES, f)));

async function failure(p: Promise<unknown>): Promise<AudioDecodeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AudioDecodeError);
    const err = e as AudioDecodeError;
    // A sentence, not a stack-trace fragment.
    expect(err.message).toMatch(/^[A-Z].{15,}[.)]$/);
    expect(err.message).not.toMatch(/TypeError|undefined|NaN|\[object/);
    return err;
  }
  throw new Error('expected an AudioDecodeError');
}

const expectReason = async (p: Promise<unknown>, reason: AudioDecodeReason, msg?: RegExp) => {
  const err = await failure(p);
  expect(err.reason).toBe(reason);
  if (msg) expect(err.message).toMatch(msg);
  return err;
};

describe('bad input gives a clear, typed error', () => {
  it('zero-length file', async () => {
    await expectReason(decodeAudio(new Uint8Array(0)), 'empty', /empty/);
  });

  it('non-audio bytes with an audio extension', async () => {
    const text = new TextEncoder().encode('this is a text file pretending to be an mp3\n'.repeat(20));
    await expectReason(decodeAudio(text), 'unknown_format', /not a recognised audio format/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(100).fill(0)]);
    await expectReason(decodeAudio(png), 'unknown_format', /PNG image/);
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    await expectReason(decodeAudio(noise), 'unknown_format');
  });

  it('a known but unsupported container names itself', async () => {
    const aiff = new Uint8Array(64);
    aiff.set([...'FORM'].map((c) => c.charCodeAt(0)), 0);
    aiff.set([...'AIFF'].map((c) => c.charCodeAt(0)), 8);
    await expectReason(decodeAudio(aiff), 'unsupported_format', /AIFF/);
    const mulaw = writeWav([sine(440, 8000, 0.5, 0.5)], 8000, 'u8');
    new DataView(mulaw.buffer).setUint16(20, 7, true); // format tag 7 = µ-law
    await expectReason(decodeAudio(mulaw), 'unsupported_format', /µ-law/);
  });

  it('truncated WAV', async () => {
    const wav = writeWav([sine(440, 16000, 1, 0.5)], 16000, 's16');
    await expectReason(decodeAudio(wav.subarray(0, 20)), 'truncated');
    await expectReason(decodeAudio(wav.subarray(0, 40)), 'truncated');
    await expectReason(decodeAudio(wav.subarray(0, wav.length >> 1)), 'truncated', /declares 31\.3 KiB .* only 15\.6 KiB follow/);
  });

  it('a WAV header claiming 4 GB of data: rejected from the header, nothing allocated', async () => {
    const x = sine(440, 44100, 0.1, 0.5);
    const wav = writeWav([x, x], 44100, 's16', { declaredDataBytes: 4_000_000_000, declaredRiffBytes: 4_000_000_036 });
    const before = process.memoryUsage().arrayBuffers;
    const err = await expectReason(decodeAudio(wav), 'truncated', /declares 3\.73 GiB of audio \(6\.3 h at 44100 Hz, 2 channels\)/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect(err.format).toBe('wav');
  });

  it('truncated FLAC at any cut point (the raw decoder throws TypeError or silently stops)', async () => {
    const flac = fixture('stereo440l660r_44k.flac');
    for (const cut of [5, 10, 42, 60, 100, 1000, flac.length >> 2, flac.length >> 1, flac.length - 100, flac.length - 1]) {
      const err = await failure(decodeAudio(flac.subarray(0, cut)));
      expect(['truncated', 'corrupt']).toContain(err.reason);
      if (cut > 60) expect(err.reason).toBe('truncated');
    }
  });

  it('truncated MP3, Ogg Vorbis and Opus', async () => {
    const mp3 = fixture('sine440_44k.mp3');
    await expectReason(decodeAudio(mp3.subarray(0, mp3.length >> 1)), 'truncated', /MP3 header announces 1\.0\d s .* ends after/);
    for (const f of ['sine440_22k.ogg', 'sine440_48k.opus', 'sine440_cover.ogg']) {
      const b = fixture(f);
      for (const cut of [100, b.length >> 1, b.length - 1]) {
        await expectReason(decodeAudio(b.subarray(0, cut)), 'truncated', /end-of-stream page/);
      }
    }
  });

  it('garbage after a valid magic number', async () => {
    const fake = new Uint8Array(2000).map((_, i) => (i * 7919) & 0xff);
    fake.set([0x66, 0x4c, 0x61, 0x43], 0); // 'fLaC' but no STREAMINFO
    await expectReason(decodeAudio(fake), 'corrupt');
  });

  it('header-only WAV (no samples)', async () => {
    await expectReason(decodeAudio(writeWav([new Float32Array(0)], 44100, 's16')), 'no_audio', /no audio samples/);
  });

  it('1-sample file', async () => {
    const wav = writeWav([new Float32Array([0.5])], 44100, 's16');
    await expectReason(analyzeAudioBytes(wav), 'too_short', /1 sample\b.*at least 92\.9 ms/);
  });

  it('too short for one analysis frame', async () => {
    await expectReason(analyzeAudioBytes(writeWav([sine(440, 44100, 0.05, 0.5)], 44100, 's16')), 'too_short');
    expect(() => extractFeatures(sine(440, 22050, 0.09, 0.5), 22050)).toThrow(AudioDecodeError);
  });

  it('all-silent file', async () => {
    const z = new Float32Array(44100 * 2);
    await expectReason(analyzeAudioBytes(writeWav([z, z], 44100, 's16')), 'silent', /digital silence/);
    // Near-silence (dither at −96 dBFS) is still nothing to analyse.
    const dither = new Float32Array(44100).map((_, i) => (i % 2 ? 1 : -1) / 65536);
    await expectReason(analyzeAudioBytes(writeWav([dither], 44100, 'f32')), 'silent', /peak -96\.3 dBFS, below -80 dBFS/);
  });

  it('sample rate outside 8–192 kHz', async () => {
    await expectReason(decodeAudio(writeWav([sine(440, 4000, 0.5, 0.5)], 4000, 's16')), 'unsupported_sample_rate', /4000 Hz/);
  });

  it('longer than the caller allows', async () => {
    await expectReason(decodeAudio(fixture('sine440_8k_u8.wav'), { maxDurationS: 0.5 }), 'too_long');
    await expectReason(decodeAudio(fixture('sine440_44k.mp3'), { maxDurationS: 0.5 }), 'too_long');
  });

  it('missing file', async () => {
    await expectReason(analyzeAudioFile('/nonexistent/chorus/clip.wav'), 'io_error', /no such file/);
  });
});
