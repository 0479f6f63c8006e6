import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { decodeAudio } from '@/lib/audio/decode';
import { AudioDecodeError } from '@/lib/audio/errors';
import { encodeWav } from '@/lib/audio/wav';

/**
 * Decompression-bomb-like inputs: small files whose headers announce enormous amounts of
 * audio. Each must end quickly in a clear error (or decode only what is really there) without
 * allocating what the header claims; long audio must stop at the duration cap.
 */
const FIXTURES = path.join(process.cwd(), 'tests', 'fixtures', 'audio');
const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));

function tone(seconds: number, sampleRate: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
}

/**
 * Runs `decode`, expecting a typed error; checks it allocated little memory. A decoder that
 * loops on the header's claim is caught by the test timeout (no wall-clock bound here: it
 * flakes on a loaded machine and proves nothing the timeout does not).
 */
async function expectCheapFailure(bytes: Uint8Array, reasons: string[], options: { maxDurationS?: number } = {}) {
  const before = process.memoryUsage();
  const err = await decodeAudio(bytes, options).then(
    () => null,
    (e: unknown) => e,
  );
  const after = process.memoryUsage();
  expect(err).toBeInstanceOf(AudioDecodeError);
  expect(reasons).toContain((err as AudioDecodeError).reason);
  expect((err as AudioDecodeError).message.length).toBeGreaterThan(20);
  expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  expect(after.heapUsed - before.heapUsed).toBeLessThan(128 * 1024 * 1024);
  return err as AudioDecodeError;
}

describe('decompression-bomb-like inputs', () => {
  it('a WAV whose data chunk claims 4 GiB but holds 1 KiB: truncated, nothing allocated for the claim', async () => {
    const wav = encodeWav([tone(0.05, 8000)], 8000);
    new DataView(wav.buffer).setUint32(40, 0xfffffff0, true);
    new DataView(wav.buffer).setUint32(4, 0xfffffff8, true);
    const err = await expectCheapFailure(wav, ['truncated']);
    expect(err.message).toMatch(/declares .* but only/);
  });

  it('an RF64 WAV whose ds64 chunk claims 2^50 bytes: truncated', async () => {
    const pcm = encodeWav([tone(0.05, 8000)], 8000).subarray(44);
    const bytes = new Uint8Array(12 + 36 + 24 + 8 + pcm.length);
    const dv = new DataView(bytes.buffer);
    const put = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
    put(0, 'RF64');
    dv.setUint32(4, 0xffffffff, true);
    put(8, 'WAVE');
    put(12, 'ds64');
    dv.setUint32(16, 28, true);
    dv.setBigUint64(28, 2n ** 50n, true); // data size
    put(48, 'fmt ');
    dv.setUint32(52, 16, true);
    dv.setUint16(56, 1, true);
    dv.setUint16(58, 1, true);
    dv.setUint32(60, 8000, true);
    dv.setUint32(64, 16000, true);
    dv.setUint16(68, 2, true);
    dv.setUint16(70, 16, true);
    put(72, 'data');
    dv.setUint32(76, 0xffffffff, true);
    bytes.set(pcm, 80);
    await expectCheapFailure(bytes, ['truncated', 'corrupt']);
  });

  it('a streamed WAV (sizes 0xFFFFFFFF) decodes only the bytes really present', async () => {
    const wav = encodeWav([tone(0.1, 8000)], 8000);
    new DataView(wav.buffer).setUint32(4, 0xffffffff, true);
    new DataView(wav.buffer).setUint32(40, 0xffffffff, true);
    const decoded = await decodeAudio(wav);
    expect(decoded.frames).toBe(800);
  });

  it('a WAV longer than the duration cap is refused from its header, before decoding', async () => {
    const wav = encodeWav([tone(2, 8000)], 8000);
    const err = await expectCheapFailure(wav, ['too_long'], { maxDurationS: 1 });
    expect(err.message).toMatch(/longer than the 1\.00 s limit/);
  });

  it('a FLAC whose STREAMINFO claims 2^36 samples but holds 0.3 s: a clear error, fast', async () => {
    const flac = fixture('stereo440l660r_44k.flac');
    const si = 8;
    flac[si + 13] = (flac[si + 13] & 0xf0) | 0x0f;
    flac.set([0xff, 0xff, 0xff, 0xff], si + 14);
    await expectCheapFailure(flac, ['truncated', 'corrupt']);
  });

  it('an MP3 whose Xing header claims 2^32 frames: truncated, fast', async () => {
    const mp3 = fixture('sine440_44k.mp3');
    const text = Buffer.from(mp3).toString('latin1');
    const at = Math.max(text.indexOf('Xing'), text.indexOf('Info'));
    expect(at).toBeGreaterThan(0);
    mp3[at + 7] |= 1; // the "frames" flag
    mp3.set([0xff, 0xff, 0xff, 0xff], at + 8);
    const err = await expectCheapFailure(mp3, ['truncated']);
    expect(err.message).toMatch(/announces .* but the file ends/);
  });

  it('compressed audio stops at the duration cap instead of decoding on', async () => {
    await expectCheapFailure(fixture('sine440_44k.mp3'), ['too_long'], { maxDurationS: 0.2 });
    await expectCheapFailure(fixture('sine440_22k.ogg'), ['too_long'], { maxDurationS: 0.2 });
    await expectCheapFailure(fixture('stereo440l660r_44k.flac'), ['too_long'], { maxDurationS: 0.1 });
  });

  it('random bytes behind an audio magic number are a typed error', async () => {
    const junk = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7919) & 0xff);
    for (const magic of ['fLaC', 'OggS', 'RIFF\0\0\0\0WAVE', 'ID3\x04\0\0\0\0\0\0']) {
      const b = new Uint8Array(magic.length + junk.length);
      b.set(Uint8Array.from(magic, (c) => c.charCodeAt(0)));
      b.set(junk, magic.length);
      await expectCheapFailure(b, ['truncated', 'corrupt', 'unknown_format', 'unsupported_format', 'no_audio', 'unsupported_sample_rate']);
    }
  });
});
