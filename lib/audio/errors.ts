/**
 * Typed decode/extraction failure. Every way a file can be unusable maps to
 * one stable `reason` code (for the database and the UI) plus a sentence a
 * person can act on (for the log and the admin page).
 */

export const AUDIO_DECODE_REASONS = [
  /** The file has no bytes at all. */
  'empty',
  /** The bytes match no audio format we know (e.g. a PDF renamed to .mp3). */
  'unknown_format',
  /** A known container or codec that Chorus does not decode (e.g. AAC, µ-law WAV). */
  'unsupported_format',
  /** The file ends before the audio its header announces. */
  'truncated',
  /** The header or stream is malformed in a way the decoder cannot get past. */
  'corrupt',
  /** The container is valid but holds zero audio samples. */
  'no_audio',
  /** Fewer samples than one analysis frame. */
  'too_short',
  /** Longer than the caller's limit. */
  'too_long',
  /** Every sample is (near) zero: nothing to analyse. */
  'silent',
  /** Sample rate outside the supported range. */
  'unsupported_sample_rate',
  /** The file could not be read (missing, permissions, I/O). */
  'io_error',
] as const;

export type AudioDecodeReason = (typeof AUDIO_DECODE_REASONS)[number];

/**
 * Thrown by the decoder wrapper and by feature extraction when the input
 * cannot be analysed. `reason` is stable and machine-readable; `message` is
 * a complete human sentence; `cause` keeps the underlying library error.
 */
export class AudioDecodeError extends Error {
  readonly reason: AudioDecodeReason;
  /** Format sniffed from the bytes, when known. */
  readonly format?: string;

  constructor(reason: AudioDecodeReason, message: string, options: { cause?: unknown; format?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AudioDecodeError';
    this.reason = reason;
    if (options.format) this.format = options.format;
  }
}

/** Type guard for {@link AudioDecodeError} (also across module copies: checks the class). */
export function isAudioDecodeError(e: unknown): e is AudioDecodeError {
  return e instanceof AudioDecodeError;
}

/** Human-readable size, for error messages. */
export function describeBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Human-readable duration, for error messages. */
export function describeSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)} ms`;
  if (s < 120) return `${s.toFixed(2)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
