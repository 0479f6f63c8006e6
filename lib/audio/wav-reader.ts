/**
 * WAV (RIFF/RF64) header parser and block-wise PCM → float conversion.
 *
 * Why not the generic decoder: we want to validate the declared data length
 * against the real file size *before* allocating anything (a header claiming
 * 4 GB must be a clear error, not a 4 GB allocation), and to convert the data
 * in bounded blocks straight from disk.
 */
import { AudioDecodeError, describeBytes, describeSeconds } from './errors';

export interface WavInfo {
  encoding: 'pcm' | 'float';
  /** Bytes per sample in the container (1, 2, 3, 4 or 8). */
  bytesPerSample: number;
  /** Declared significant bits (may be less than the container, e.g. 20 in 24). */
  bitsPerSample: number;
  channels: number;
  sampleRate: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Absolute byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data actually present and usable (whole frames). */
  dataBytes: number;
  /** Sample frames (per channel) that will be decoded. */
  frames: number;
  /** True when the header carried the "unknown length" placeholder of a streamed WAV. */
  streamed: boolean;
}

const WAVE_FORMATS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0161: 'WMA',
};

const tag = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/** Thrown (internally) when the header does not fit in the bytes given. */
export class NeedMoreBytes extends Error {
  constructor(readonly bytes: number) {
    super(`WAV header needs at least ${bytes} bytes`);
  }
}

/**
 * Parse a WAV header from `prefix` (the first bytes of a file whose total size
 * is `fileSize`) and check it against the file size.
 *
 * Accepts RIFF and RF64, PCM 8/16/24/32-bit integer (8-bit unsigned), IEEE
 * float 32/64 and WAVE_FORMAT_EXTENSIBLE of those. A header whose data chunk
 * claims more bytes than the file holds is rejected as `truncated`, except
 * the "streamed" placeholder (RIFF and data sizes both 0xFFFFFFFF, as written
 * by ffmpeg and sox to a pipe), which means "read to end of file".
 *
 * Throws {@link NeedMoreBytes} when the chunks before `data` do not fit in
 * `prefix`, {@link AudioDecodeError} for everything wrong with the file.
 * Complexity: O(number of chunks before `data`).
 */
export function parseWavHeader(prefix: Uint8Array, fileSize: number): WavInfo {
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (prefix.length < 12) throw new AudioDecodeError('truncated', `The WAV file is only ${describeBytes(fileSize)} long: the header is cut off.`, { format: 'wav' });
  const rf64 = tag(prefix, 0) === 'RF64';
  const riffSize = dv.getUint32(4, true);
  let pos = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames' | 'streamed'> | null = null;
  let ds64DataSize: number | null = null;
  for (;;) {
    if (pos + 8 > fileSize) {
      throw new AudioDecodeError(
        fmt ? 'truncated' : 'corrupt',
        fmt
          ? `The WAV file ends (${describeBytes(fileSize)}) before its 'data' chunk: it is truncated or holds no audio.`
          : `The WAV file has no 'fmt ' chunk before its end: the header is corrupt or cut off.`,
        { format: 'wav' },
      );
    }
    if (pos + 8 > prefix.length) throw new NeedMoreBytes(pos + 8);
    const id = tag(prefix, pos);
    const size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'data') {
      if (!fmt) throw new AudioDecodeError('corrupt', `The WAV 'data' chunk comes before any 'fmt ' chunk, so the sample format is unknown.`, { format: 'wav' });
      const available = Math.max(0, fileSize - body);
      let declared = size;
      if (rf64 && size === 0xffffffff && ds64DataSize !== null) declared = ds64DataSize;
      const streamed = !rf64 && size === 0xffffffff && riffSize === 0xffffffff;
      let usable: number;
      if (streamed) {
        usable = available;
      } else if (declared > available) {
        // Up to one partial frame missing is a sloppy writer, not a truncation.
        if (declared - available < fmt.blockAlign) usable = available;
        else {
          const seconds = declared / fmt.blockAlign / fmt.sampleRate;
          throw new AudioDecodeError(
            'truncated',
            `The WAV header declares ${describeBytes(declared)} of audio (${describeSeconds(seconds)} at ${fmt.sampleRate} Hz, ` +
              `${fmt.channels} channel${fmt.channels === 1 ? '' : 's'}) but only ${describeBytes(available)} follow: ` +
              `the file is truncated or its header is corrupt.`,
            { format: 'wav' },
          );
        }
      } else {
        usable = declared;
      }
      const frames = Math.floor(usable / fmt.blockAlign);
      return { ...fmt, dataOffset: body, dataBytes: frames * fmt.blockAlign, frames, streamed };
    }
    if (id === 'fmt ') {
      if (body + Math.min(size, 40) > prefix.length) throw new NeedMoreBytes(body + Math.min(size, 40));
      if (size < 16) throw new AudioDecodeError('corrupt', `The WAV 'fmt ' chunk is ${size} bytes; at least 16 are required.`, { format: 'wav' });
      let formatTag = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const sampleRate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      const bitsPerSample = dv.getUint16(body + 14, true);
      if (formatTag === 0xfffe) {
        if (size < 40) throw new AudioDecodeError('corrupt', `The WAV 'fmt ' chunk says WAVE_FORMAT_EXTENSIBLE but is only ${size} bytes.`, { format: 'wav' });
        formatTag = dv.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      if (formatTag !== 1 && formatTag !== 3) {
        const name = WAVE_FORMATS[formatTag] ?? `format code 0x${formatTag.toString(16).padStart(4, '0')}`;
        throw new AudioDecodeError('unsupported_format', `This WAV file is encoded as ${name}; only PCM integer and IEEE float WAV are supported.`, { format: 'wav' });
      }
      if (channels === 0) throw new AudioDecodeError('corrupt', 'The WAV header declares 0 channels.', { format: 'wav' });
      if (sampleRate === 0) throw new AudioDecodeError('corrupt', 'The WAV header declares a sample rate of 0 Hz.', { format: 'wav' });
      if (blockAlign === 0 || blockAlign % channels !== 0) {
        throw new AudioDecodeError('corrupt', `The WAV header's block size (${blockAlign} bytes) does not fit ${channels} channels.`, { format: 'wav' });
      }
      const bytesPerSample = blockAlign / channels;
      const encoding = formatTag === 3 ? 'float' : 'pcm';
      const okInt = encoding === 'pcm' && [1, 2, 3, 4].includes(bytesPerSample) && bitsPerSample <= bytesPerSample * 8 && bitsPerSample > 0;
      const okFloat = encoding === 'float' && ((bytesPerSample === 4 && bitsPerSample === 32) || (bytesPerSample === 8 && bitsPerSample === 64));
      if (!okInt && !okFloat) {
        throw new AudioDecodeError(
          'unsupported_format',
          `This WAV file uses ${bitsPerSample}-bit ${encoding === 'float' ? 'float' : 'integer'} samples in ${bytesPerSample}-byte containers, which is not supported (8/16/24/32-bit integer or 32/64-bit float).`,
          { format: 'wav' },
        );
      }
      fmt = { encoding, bytesPerSample, bitsPerSample, channels, sampleRate, blockAlign };
    } else if (id === 'ds64' && rf64) {
      if (body + 16 > prefix.length) throw new NeedMoreBytes(body + 16);
      ds64DataSize = Number(dv.getBigUint64(body + 8, true));
    }
    pos = body + size + (size & 1);
  }
}

/**
 * Convert whole frames of interleaved little-endian WAV samples to one
 * Float32Array per channel in [-1, 1): u8 → (v−128)/128, s16 → v/2^15,
 * s24 → v/2^23, s32 → v/2^31, floats as stored (NaN/∞, and doubles beyond the float32
 * range, → 0).
 * Complexity: O(bytes).
 */
export function convertWavBlock(bytes: Uint8Array, info: Pick<WavInfo, 'encoding' | 'bytesPerSample' | 'channels' | 'blockAlign'>): Float32Array[] {
  const frames = Math.floor(bytes.length / info.blockAlign);
  const ch = info.channels;
  const out: Float32Array[] = [];
  for (let c = 0; c < ch; c++) out.push(new Float32Array(frames));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bps = info.bytesPerSample;
  for (let c = 0; c < ch; c++) {
    const o = out[c];
    let p = c * bps;
    const step = info.blockAlign;
    if (info.encoding === 'float') {
      if (bps === 4) {
        for (let i = 0; i < frames; i++, p += step) {
          const v = dv.getFloat32(p, true);
          o[i] = Number.isFinite(v) ? v : 0;
        }
      } else {
        for (let i = 0; i < frames; i++, p += step) {
          // Judge finiteness after narrowing: a finite double beyond ±3.4e38 becomes ±∞ as a float32.
          const v = Math.fround(dv.getFloat64(p, true));
          o[i] = Number.isFinite(v) ? v : 0;
        }
      }
    } else if (bps === 1) {
      for (let i = 0; i < frames; i++, p += step) o[i] = (bytes[p] - 128) / 128;
    } else if (bps === 2) {
      for (let i = 0; i < frames; i++, p += step) o[i] = dv.getInt16(p, true) / 32768;
    } else if (bps === 3) {
      for (let i = 0; i < frames; i++, p += step) {
        const v = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8; // sign-extend via the top byte
        o[i] = (v >> 8) / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, p += step) o[i] = dv.getInt32(p, true) / 2147483648;
    }
  }
  return out;
}
