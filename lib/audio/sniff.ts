/**
 * Format detection from the bytes (magic numbers), never from the file name,
 * plus the few container facts the decoder wrapper needs to tell a truncated
 * file from a complete one (FLAC STREAMINFO total, MP3 Xing frame count, the
 * Ogg end-of-stream page).
 */

/** Formats Chorus decodes. */
export const SUPPORTED_FORMATS = ['wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus', 'ogg-flac'] as const;
export type AudioFormat = (typeof SUPPORTED_FORMATS)[number];

export type SniffResult =
  | { supported: true; format: AudioFormat; /** byte offset past leading ID3v2 tags */ offset: number }
  | { supported: false; format: string; description: string };

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** Length of the ID3v2 tag at `at` (header + body + footer), or 0. */
export function id3v2Length(b: Uint8Array, at = 0): number {
  if (!ascii(b, at, 'ID3') || b.length < at + 10) return 0;
  const size = ((b[at + 6] & 0x7f) << 21) | ((b[at + 7] & 0x7f) << 14) | ((b[at + 8] & 0x7f) << 7) | (b[at + 9] & 0x7f);
  const footer = b[at + 5] & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

const MP3_BITRATES: Record<string, number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

export interface Mp3FrameHeader {
  /** 1 for MPEG-1, 2 for MPEG-2 and 2.5 (bit-rate table family). */
  version: 1 | 2;
  mpeg25: boolean;
  layer: 1 | 2 | 3;
  sampleRate: number;
  bitrateKbps: number;
  channels: 1 | 2;
  frameLength: number;
  samplesPerFrame: number;
}

/** Parse and validate an MPEG audio frame header at `at`; null when invalid. */
export function parseMp3FrameHeader(b: Uint8Array, at: number): Mp3FrameHeader | null {
  if (at + 4 > b.length) return null;
  if (b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return null;
  const versionBits = (b[at + 1] >> 3) & 3;
  const layerBits = (b[at + 1] >> 1) & 3;
  if (versionBits === 1 || layerBits === 0) return null;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrateIndex = b[at + 2] >> 4;
  const rateIndex = (b[at + 2] >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null; // free format not supported
  const version = versionBits === 3 ? 1 : 2;
  const sampleRate = MP3_RATES[versionBits][rateIndex];
  const bitrateKbps = MP3_BITRATES[`${version}-${layer}`][bitrateIndex];
  const padding = (b[at + 2] >> 1) & 1;
  const channels = ((b[at + 3] >> 6) & 3) === 3 ? 1 : 2;
  let frameLength: number;
  let samplesPerFrame: number;
  if (layer === 1) {
    frameLength = (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4;
    samplesPerFrame = 384;
  } else if (layer === 2 || version === 1) {
    frameLength = Math.floor((144 * bitrateKbps * 1000) / sampleRate) + padding;
    samplesPerFrame = 1152;
  } else {
    frameLength = Math.floor((72 * bitrateKbps * 1000) / sampleRate) + padding;
    samplesPerFrame = 576;
  }
  return { version, mpeg25: versionBits === 0, layer, sampleRate, bitrateKbps, channels, frameLength, samplesPerFrame };
}

/**
 * First offset ≥ `from` where two consecutive, mutually consistent MPEG
 * frames start (one valid-looking header is too weak: 0xFFE… occurs in
 * random data every few KB).
 */
export function findMp3Sync(b: Uint8Array, from: number, maxScan = 64 * 1024): number {
  const end = Math.min(b.length - 4, from + maxScan);
  for (let i = from; i < end; i++) {
    if (b[i] !== 0xff) continue;
    const h = parseMp3FrameHeader(b, i);
    if (!h) continue;
    const next = i + h.frameLength;
    if (next + 4 > b.length) {
      // A single frame that exactly fills a tiny file still counts.
      if (next === b.length) return i;
      continue;
    }
    const h2 = parseMp3FrameHeader(b, next);
    if (h2 && h2.sampleRate === h.sampleRate && h2.layer === h.layer) return i;
  }
  return -1;
}

const NON_AUDIO: Array<[string, number, string]> = [
  ['%PDF', 0, 'a PDF document'],
  ['\x89PNG', 0, 'a PNG image'],
  ['GIF8', 0, 'a GIF image'],
  ['PK\x03\x04', 0, 'a ZIP archive (or an Office document)'],
  ['{', 0, 'JSON or text'],
  ['<', 0, 'HTML/XML or text'],
  ['\x7fELF', 0, 'an executable'],
];

/**
 * Identify the audio format of a file from its first bytes (a 64 KiB prefix
 * is plenty; MP3 after a large ID3 tag may need more, so pass more if you
 * have it).
 *
 * Returns `{supported: true, format}` for formats Chorus decodes,
 * `{supported: false, format, description}` for recognised but unsupported
 * containers and for recognisable non-audio files, or null when nothing
 * matches. Complexity: O(prefix length) worst case (MP3 sync scan).
 */
export function sniffAudioFormat(b: Uint8Array): SniffResult | null {
  if ((ascii(b, 0, 'RIFF') || ascii(b, 0, 'RF64')) && ascii(b, 8, 'WAVE')) return { supported: true, format: 'wav', offset: 0 };
  if (ascii(b, 0, 'RIFX') && ascii(b, 8, 'WAVE')) return { supported: false, format: 'wav-big-endian', description: 'a big-endian (RIFX) WAV file' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'AVI ')) return { supported: false, format: 'avi', description: 'an AVI video' };
  if (ascii(b, 0, 'OggS')) {
    // The first page carries exactly the codec identification packet.
    const nsegs = b.length > 26 ? b[26] : 0;
    const p = 27 + nsegs;
    if (ascii(b, p, '\x01vorbis')) return { supported: true, format: 'ogg-vorbis', offset: 0 };
    if (ascii(b, p, 'OpusHead')) return { supported: true, format: 'ogg-opus', offset: 0 };
    if (ascii(b, p, '\x7fFLAC')) return { supported: true, format: 'ogg-flac', offset: 0 };
    if (ascii(b, p, 'Speex   ')) return { supported: false, format: 'ogg-speex', description: 'an Ogg Speex file' };
    if (ascii(b, p, '\x80theora')) return { supported: false, format: 'ogg-theora', description: 'an Ogg Theora video' };
    return { supported: false, format: 'ogg', description: 'an Ogg file with an unrecognised codec' };
  }
  if (ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC'))) return { supported: false, format: 'aiff', description: 'an AIFF file' };
  if (ascii(b, 4, 'ftyp')) return { supported: false, format: 'mp4', description: 'an MP4/M4A (AAC or ALAC) file' };
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return { supported: false, format: 'matroska', description: 'a WebM/Matroska file' };
  if (b.length >= 4 && b[0] === 0x30 && b[1] === 0x26 && b[2] === 0xb2 && b[3] === 0x75) return { supported: false, format: 'asf', description: 'a WMA/ASF file' };
  if (ascii(b, 0, '#!AMR')) return { supported: false, format: 'amr', description: 'an AMR file' };
  if (ascii(b, 0, 'caff')) return { supported: false, format: 'caf', description: 'a Core Audio (CAF) file' };
  if (ascii(b, 0, 'MThd')) return { supported: false, format: 'midi', description: 'a MIDI file (notes, not audio)' };

  let offset = 0;
  for (let guard = 0; guard < 4; guard++) {
    const n = id3v2Length(b, offset);
    if (!n) break;
    offset += n;
  }
  if (ascii(b, offset, 'fLaC')) return { supported: true, format: 'flac', offset };
  if (offset >= b.length && offset > 0) {
    // The tag runs past the prefix we were given: MP3 is by far the likeliest.
    return { supported: true, format: 'mp3', offset };
  }
  if (b.length - offset >= 2 && b[offset] === 0xff && (b[offset + 1] & 0xf6) === 0xf0) {
    return { supported: false, format: 'aac', description: 'a raw AAC (ADTS) stream' };
  }
  const sync = findMp3Sync(b, offset, offset > 0 ? 64 * 1024 : 4096);
  if (sync >= 0) return { supported: true, format: 'mp3', offset: sync };

  for (const [magic, at, what] of NON_AUDIO) {
    if (ascii(b, at, magic)) return { supported: false, format: 'not-audio', description: what };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { supported: false, format: 'not-audio', description: 'a JPEG image' };
  return null;
}

/** Facts from a FLAC STREAMINFO block (at `offset`, i.e. after any ID3 tag). */
export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 means "unknown" per the FLAC spec. */
  totalSamples: number;
}

/** Parse STREAMINFO, the mandatory first metadata block of a FLAC stream; null when absent. O(1). */
export function readFlacStreamInfo(b: Uint8Array, offset = 0): FlacStreamInfo | null {
  const s = offset + 8; // 'fLaC' + 4-byte metadata block header
  if (!ascii(b, offset, 'fLaC') || b.length < s + 18 || (b[offset + 4] & 0x7f) !== 0) return null;
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const bitsPerSample = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const totalSamples = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) | (b[s + 15] << 16) | (b[s + 16] << 8) | b[s + 17]) >>> 0;
  return { sampleRate, channels, bitsPerSample, totalSamples };
}

/**
 * Number of audio samples per channel announced by an MP3 Xing/Info header
 * in the first frame at `sync`, or null when the file has none (CBR files
 * from some encoders).
 */
export function readMp3DeclaredSamples(b: Uint8Array, sync: number): number | null {
  const h = parseMp3FrameHeader(b, sync);
  if (!h || h.layer !== 3) return null;
  const side = h.version === 1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const at = sync + 4 + side;
  if (!(ascii(b, at, 'Xing') || ascii(b, at, 'Info')) || b.length < at + 12) return null;
  const flags = ((b[at + 4] << 24) | (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7]) >>> 0;
  if (!(flags & 1)) return null;
  const frames = ((b[at + 8] << 24) | (b[at + 9] << 16) | (b[at + 10] << 8) | b[at + 11]) >>> 0;
  return frames * h.samplesPerFrame;
}

/**
 * Inspect the end of an Ogg file (`tail` = its last bytes, e.g. 64 KiB).
 * 'complete' when the last page is whole and flagged end-of-stream;
 * 'truncated' when the last page is cut or no end-of-stream page ends the
 * file; 'unknown' when no page header is found in the tail.
 */
export function oggTailState(tail: Uint8Array): 'complete' | 'truncated' | 'unknown' {
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] !== 0x4f || !ascii(tail, i, 'OggS')) continue;
    const nsegs = tail[i + 26];
    if (i + 27 + nsegs > tail.length) return 'truncated';
    let body = 0;
    for (let k = 0; k < nsegs; k++) body += tail[i + 27 + k];
    const end = i + 27 + nsegs + body;
    if (end > tail.length) return 'truncated';
    if (end < tail.length) return 'truncated'; // trailing garbage or a cut capture pattern
    return tail[i + 5] & 0x04 ? 'complete' : 'truncated';
  }
  return 'unknown';
}
