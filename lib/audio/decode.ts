/**
 * Decoder wrapper: bytes or a file on disk → blocks of float PCM at the
 * file's own rate and channel count, with every failure turned into an
 * {@link AudioDecodeError}. This and `extract-cli.ts` are the only modules
 * in `lib/audio` that touch the file system.
 *
 * Memory is bounded by the block size, not the file length: WAV is read and
 * converted block by block; MP3/FLAC/Ogg are fed to audio-decode's
 * incremental decoders 256 KiB at a time.
 */
import { open } from 'node:fs/promises';
import { AudioDecodeError, describeBytes, describeSeconds } from './errors';
import {
  findMp3Sync,
  oggTailState,
  parseMp3FrameHeader,
  readFlacStreamInfo,
  readMp3DeclaredSamples,
  sniffAudioFormat,
  type AudioFormat,
} from './sniff';
import { convertWavBlock, NeedMoreBytes, parseWavHeader } from './wav-reader';

/** Lowest and highest source sample rates accepted. */
export const MIN_SOURCE_SAMPLE_RATE = 8000;
export const MAX_SOURCE_SAMPLE_RATE = 192000;

/** Random-access byte source (a file, or bytes already in memory). */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Bytes already in memory as a {@link ByteSource} (reads are zero-copy views). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    close: async () => {},
  };
}

/** Open a file as a {@link ByteSource}; I/O failures become `io_error`. */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String((e as Error).message);
    throw new AudioDecodeError('io_error', `Cannot open ${path}: ${why}.`, { cause: e });
  }
  const h = handle;
  const stat = await h.stat();
  if (stat.isDirectory()) {
    await h.close();
    throw new AudioDecodeError('io_error', `Cannot read ${path}: it is a directory.`);
  }
  return {
    size: stat.size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, stat.size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await h.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
    close: () => h.close(),
  };
}

export interface DecodeOptions {
  /** Sample frames per WAV block handed to `onBlock`. Default 65536. */
  blockFrames?: number;
  /** Reject files longer than this many seconds with reason `too_long`. */
  maxDurationS?: number;
}

/** A block of decoded audio: one Float32Array per channel, same length. */
export interface AudioBlock {
  channels: Float32Array[];
  sampleRate: number;
}

export interface DecodeSummary {
  format: AudioFormat;
  sampleRate: number;
  /** Channel count of the source. */
  channels: number;
  /** Sample frames decoded (per channel). */
  frames: number;
  durationS: number;
}

const FORMAT_LABEL: Record<AudioFormat, string> = {
  wav: 'WAV',
  mp3: 'MP3',
  flac: 'FLAC',
  'ogg-vorbis': 'Ogg Vorbis',
  'ogg-opus': 'Ogg Opus',
  'ogg-flac': 'Ogg FLAC',
};

const COMPRESSED_CHUNK = 256 * 1024;
const PREFIX_BYTES = 64 * 1024;

function checkRate(sampleRate: number, format: AudioFormat): void {
  if (!(sampleRate >= MIN_SOURCE_SAMPLE_RATE && sampleRate <= MAX_SOURCE_SAMPLE_RATE)) {
    throw new AudioDecodeError(
      'unsupported_sample_rate',
      `The ${FORMAT_LABEL[format]} file has a sample rate of ${sampleRate} Hz; supported rates are ${MIN_SOURCE_SAMPLE_RATE}–${MAX_SOURCE_SAMPLE_RATE} Hz.`,
      { format },
    );
  }
}

/**
 * Decode `source` block by block, calling `onBlock` for each block in order.
 * The format is sniffed from the bytes; the file name plays no part.
 *
 * Errors (all {@link AudioDecodeError}): `empty`, `unknown_format`,
 * `unsupported_format`, `truncated` (WAV data shorter than declared, FLAC
 * shorter than STREAMINFO, MP3 shorter than its Xing/Info frame count, Ogg
 * without a complete end-of-stream page), `corrupt` (decoder failure),
 * `no_audio`, `unsupported_sample_rate`, `too_long`. Silence and minimum
 * length are judged by feature extraction, not here.
 *
 * Complexity: O(file size) time; memory O(block size).
 */
export async function decodeAudioSource(
  source: ByteSource,
  onBlock: (block: AudioBlock) => void,
  options: DecodeOptions = {},
): Promise<DecodeSummary> {
  if (source.size === 0) throw new AudioDecodeError('empty', 'The file is empty (0 bytes).');
  const prefix = await source.read(0, PREFIX_BYTES);
  const sniff = sniffAudioFormat(prefix);
  if (!sniff) {
    throw new AudioDecodeError(
      'unknown_format',
      `The file (${describeBytes(source.size)}) is not a recognised audio format: its bytes match none of WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus (the file name extension is not trusted).`,
    );
  }
  if (!sniff.supported) {
    if (sniff.format === 'not-audio') {
      throw new AudioDecodeError('unknown_format', `This is not an audio file: its contents look like ${sniff.description}.`, { format: sniff.format });
    }
    throw new AudioDecodeError(
      'unsupported_format',
      `The file is ${sniff.description}; Chorus decodes WAV, MP3, FLAC, Ogg Vorbis and Ogg Opus.`,
      { format: sniff.format },
    );
  }
  let format = sniff.format;
  let offset = sniff.offset;
  if (format === 'mp3' && offset >= prefix.length && offset < source.size) {
    // An ID3v2 tag (cover art) longer than the prefix: look past it, since
    // FLAC files carry such tags too.
    const inner = sniffAudioFormat(await source.read(offset, PREFIX_BYTES));
    if (inner?.supported && inner.format === 'flac') {
      format = 'flac';
      offset += inner.offset;
    }
  }
  if (format === 'wav') return decodeWav(source, prefix, onBlock, options);
  return decodeCompressed(source, prefix, format, offset, onBlock, options);
}

async function decodeWav(
  source: ByteSource,
  prefix: Uint8Array,
  onBlock: (block: AudioBlock) => void,
  options: DecodeOptions,
): Promise<DecodeSummary> {
  let header = prefix;
  let info;
  for (;;) {
    try {
      info = parseWavHeader(header, source.size);
      break;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      if (header.length >= source.size) {
        // The whole file is already here: a header that still wants more is cut off. (Without this
        // check a WAV truncated inside its 'fmt ' chunk re-read the same bytes forever.)
        throw new AudioDecodeError('truncated', `The WAV file is only ${describeBytes(source.size)} long: it ends inside its header.`, { format: 'wav' });
      }
      if (e.bytes > 16 * 1024 * 1024) {
        throw new AudioDecodeError('corrupt', `The WAV file has more than 16 MiB of chunks before its audio data; refusing to read further.`, { format: 'wav' });
      }
      header = await source.read(0, Math.max(e.bytes, header.length * 2));
    }
  }
  checkRate(info.sampleRate, 'wav');
  if (info.frames === 0) {
    throw new AudioDecodeError('no_audio', `The WAV file is valid but holds no audio samples (its 'data' chunk is empty).`, { format: 'wav' });
  }
  const durationS = info.frames / info.sampleRate;
  if (options.maxDurationS !== undefined && durationS > options.maxDurationS) {
    throw new AudioDecodeError('too_long', `The audio lasts ${describeSeconds(durationS)}, longer than the ${describeSeconds(options.maxDurationS)} limit.`, { format: 'wav' });
  }
  const blockFrames = Math.max(1, options.blockFrames ?? 65536);
  const blockBytes = blockFrames * info.blockAlign;
  for (let off = 0; off < info.dataBytes; off += blockBytes) {
    const want = Math.min(blockBytes, info.dataBytes - off);
    const bytes = await source.read(info.dataOffset + off, want);
    if (bytes.length < want) {
      throw new AudioDecodeError('truncated', `The WAV file shrank while being read (expected ${describeBytes(info.dataOffset + info.dataBytes)}).`, { format: 'wav' });
    }
    onBlock({ channels: convertWavBlock(bytes, info), sampleRate: info.sampleRate });
  }
  return { format: 'wav', sampleRate: info.sampleRate, channels: info.channels, frames: info.frames, durationS };
}

type StreamDecoder = ((chunk?: Uint8Array) => Promise<{ channelData: Float32Array[]; sampleRate: number }>) & { free(): void };

async function loadDecoder(format: Exclude<AudioFormat, 'wav'>): Promise<StreamDecoder> {
  // audio-decode is ESM-only and pulls its codecs in lazily; importing it on
  // first use keeps `lib/audio` importable where it is not installed/bundled.
  const mod = (await import('audio-decode')) as unknown as { default: Record<string, () => Promise<StreamDecoder>> };
  const decode = mod.default;
  const key = format === 'mp3' ? 'mp3' : format === 'ogg-vorbis' ? 'oga' : format === 'ogg-opus' ? 'opus' : 'flac';
  return decode[key]();
}

async function decodeCompressed(
  source: ByteSource,
  prefix: Uint8Array,
  format: Exclude<AudioFormat, 'wav'>,
  offset: number,
  onBlock: (block: AudioBlock) => void,
  options: DecodeOptions,
): Promise<DecodeSummary> {
  const label = FORMAT_LABEL[format];
  let expectedFrames: number | null = null;
  let mp3Channels: number | null = null;
  // The codec's first bytes, wherever leading ID3 tags put them.
  const head = offset === 0 ? prefix : await source.read(offset, PREFIX_BYTES);
  if (format === 'flac') {
    const si = readFlacStreamInfo(head, 0);
    if (!si) {
      throw new AudioDecodeError(
        source.size < offset + 42 ? 'truncated' : 'corrupt',
        source.size < offset + 42
          ? `The FLAC file is only ${describeBytes(source.size)}: it ends inside its header.`
          : 'The FLAC file has no valid STREAMINFO block.',
        { format },
      );
    }
    if (si.totalSamples > 0) expectedFrames = si.totalSamples;
  } else if (format === 'mp3') {
    const sync = findMp3Sync(head, 0);
    if (sync >= 0) {
      expectedFrames = readMp3DeclaredSamples(head, sync);
      mp3Channels = parseMp3FrameHeader(head, sync)?.channels ?? null;
    }
  } else {
    const tailLen = Math.min(source.size, PREFIX_BYTES);
    const tail = await source.read(source.size - tailLen, tailLen);
    if (oggTailState(tail) !== 'complete') {
      throw new AudioDecodeError(
        'truncated',
        `The ${label} file (${describeBytes(source.size)}) does not end with a complete end-of-stream page: it is truncated.`,
        { format },
      );
    }
  }

  let dec: StreamDecoder;
  try {
    dec = await loadDecoder(format);
  } catch (e) {
    throw new AudioDecodeError('unsupported_format', `The ${label} decoder could not be loaded: ${(e as Error).message}.`, { cause: e, format });
  }
  let sampleRate = 0;
  let channels = 0;
  let frames = 0;
  const maxFrames = (sr: number): number => (options.maxDurationS === undefined ? Number.POSITIVE_INFINITY : options.maxDurationS * sr);
  const deliver = (r: { channelData: Float32Array[]; sampleRate: number }): void => {
    if (!r.channelData.length || !r.channelData[0].length) return;
    if (mp3Channels !== null && r.channelData.length !== mp3Channels) {
      // audio-decode collapses identical stereo channels to one (its MP3
      // decoder upmixes mono to dual mono). Restore the channel count the
      // frame header declares: BS.1770 sums channel powers, so a stereo file
      // must stay two channels even when both carry the same signal.
      r = { ...r, channelData: mp3Channels === 2 ? [r.channelData[0], r.channelData[0]] : [r.channelData[0]] };
    }
    if (!sampleRate) {
      sampleRate = r.sampleRate;
      checkRate(sampleRate, format);
    } else if (r.sampleRate !== sampleRate) {
      throw new AudioDecodeError('unsupported_format', `The ${label} stream changes sample rate mid-file (${sampleRate} → ${r.sampleRate} Hz).`, { format });
    }
    channels = Math.max(channels, r.channelData.length);
    frames += r.channelData[0].length;
    if (frames > maxFrames(sampleRate)) {
      throw new AudioDecodeError('too_long', `The audio is longer than the ${describeSeconds(options.maxDurationS!)} limit.`, { format });
    }
    onBlock({ channels: r.channelData, sampleRate: r.sampleRate });
  };
  let failed = false;
  try {
    for (let off = 0; off < source.size; off += COMPRESSED_CHUNK) {
      const chunk = await source.read(off, COMPRESSED_CHUNK);
      // The decoders may keep a reference into the chunk; hand them a copy
      // they own rather than a view of a reused buffer.
      deliver(await dec(chunk.byteOffset === 0 && chunk.length === chunk.buffer.byteLength ? chunk : chunk.slice()));
    }
    deliver(await dec());
  } catch (e) {
    failed = true;
    if (e instanceof AudioDecodeError) throw e;
    const truncatedHint = expectedFrames !== null && frames < expectedFrames;
    throw new AudioDecodeError(
      truncatedHint ? 'truncated' : 'corrupt',
      truncatedHint
        ? `The ${label} stream breaks off after ${describeSeconds(frames / (sampleRate || 1))} (the decoder failed: ${(e as Error).message}); the file is truncated or damaged.`
        : `The ${label} stream could not be decoded (${(e as Error).message}); the file is damaged.`,
      { cause: e, format },
    );
  } finally {
    if (failed) {
      try {
        dec.free();
      } catch {
        /* already freed by the failing call */
      }
    }
  }

  if (expectedFrames !== null && sampleRate > 0) {
    // MP3 decoders trim encoder delay/padding; allow two frames of slack there.
    const slack = format === 'mp3' ? 2 * 1152 : 0;
    if (frames + slack < expectedFrames) {
      throw new AudioDecodeError(
        'truncated',
        `The ${label} header announces ${describeSeconds(expectedFrames / sampleRate)} of audio but the file ends after ${describeSeconds(frames / sampleRate)}: it is truncated.`,
        { format },
      );
    }
  } else if (expectedFrames !== null && frames === 0 && expectedFrames > 0) {
    throw new AudioDecodeError('truncated', `The ${label} header announces audio but the file (${describeBytes(source.size)}) ends before the first decodable frame: it is truncated.`, { format });
  }
  if (frames === 0) {
    throw new AudioDecodeError('no_audio', `The ${label} file (${describeBytes(source.size)}) contains no decodable audio.`, { format });
  }
  return { format, sampleRate, channels, frames, durationS: frames / sampleRate };
}

export interface DecodedAudio extends DecodeSummary {
  /** One Float32Array per channel, at the source rate. */
  channelData: Float32Array[];
}

async function collect(source: ByteSource, options: DecodeOptions): Promise<DecodedAudio> {
  const blocks: Float32Array[][] = [];
  const summary = await decodeAudioSource(source, (b) => blocks.push(b.channels), options);
  const channelData: Float32Array[] = [];
  for (let c = 0; c < summary.channels; c++) {
    const out = new Float32Array(summary.frames);
    let o = 0;
    for (const block of blocks) {
      // A block with fewer channels (never seen in practice) repeats its last one.
      const ch = block[Math.min(c, block.length - 1)];
      out.set(ch, o);
      o += ch.length;
    }
    channelData.push(out);
  }
  return { ...summary, channelData };
}

/**
 * Decode a whole file held in memory (convenience for small inputs and
 * tests; long files should go through {@link decodeAudioSource} with a
 * callback so that only one block is in memory at a time).
 */
export async function decodeAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedAudio> {
  return collect(bytesSource(bytes), options);
}

/** Decode a file from disk into memory (see {@link decodeAudio}). */
export async function decodeAudioFile(path: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const src = await fileSource(path);
  try {
    return await collect(src, options);
  } finally {
    await src.close();
  }
}
