/**
 * Minimal RIFF/WAVE writer for 16-bit PCM. Pure: returns bytes, never touches
 * the file system, so the seed, the export and the tests can all use it.
 */

const HEADER_BYTES = 44;
const BITS_PER_SAMPLE = 16;

/**
 * Encode planar float samples as a 16-bit little-endian PCM WAV file.
 *
 * Samples are clipped to [-1, 1] and scaled asymmetrically (×32768 below zero,
 * ×32767 above) so both full-scale values map exactly onto the int16 range;
 * NaN becomes silence rather than a click. Channels are interleaved frame by
 * frame, as the format requires. O(channels × frames).
 *
 * @param channels one Float32Array per channel, all the same length (mono: `[samples]`)
 * @param sampleRate frames per second, a positive integer
 * @returns the complete file: 44-byte header followed by the data chunk
 * @example
 * const bytes = encodeWav([renderClip(spec)], 22050); // mono
 */
export function encodeWav(channels: Float32Array[], sampleRate: number): Uint8Array {
  if (channels.length === 0) throw new RangeError('encodeWav: at least one channel is required');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`encodeWav: sampleRate must be a positive integer, got ${sampleRate}`);
  }
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) {
    throw new RangeError('encodeWav: all channels must have the same length');
  }

  const channelCount = channels.length;
  const blockAlign = channelCount * (BITS_PER_SAMPLE / 8);
  const dataBytes = frames * blockAlign;
  // RIFF sizes are unsigned 32-bit; beyond that the file cannot be described.
  if (HEADER_BYTES - 8 + dataBytes > 0xffffffff) throw new RangeError('encodeWav: audio too long for RIFF');

  const bytes = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(bytes.buffer);
  writeAscii(bytes, 0, 'RIFF');
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  writeAscii(bytes, 8, 'WAVE');
  writeAscii(bytes, 12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size for plain PCM
  view.setUint16(20, 1, true); // format tag 1 = integer PCM
  view.setUint16(22, channelCount, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true); // byte rate
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, BITS_PER_SAMPLE, true);
  writeAscii(bytes, 36, 'data');
  view.setUint32(40, dataBytes, true);

  let offset = HEADER_BYTES;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channelCount; c++) {
      view.setInt16(offset, toInt16(channels[c][i]), true);
      offset += 2;
    }
  }
  return bytes;
}

function toInt16(x: number): number {
  if (!(x === x)) return 0; // NaN
  const clipped = x > 1 ? 1 : x < -1 ? -1 : x;
  return clipped < 0 ? Math.round(clipped * 32768) : Math.round(clipped * 32767);
}

function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
}
