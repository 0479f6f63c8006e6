/**
 * Zod schemas for the audio area: the learned-embedding encoder spec and
 * the `chorus extract` output record (shared by the CLI, jobs and API).
 */
import { z } from 'zod';

const powerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * A configured ONNX audio encoder. The model sees fixed-size windows of the
 * clip, either as a log-mel spectrogram or as raw waveform, and returns one
 * vector per window; Chorus mean-pools the windows into one clip embedding.
 *
 * Tensor layouts (N = windows in the batch):
 * - log-mel: `ntm` [N, frames, melBands] (default), `nmt` [N, melBands, frames],
 *   `n1mt` [N, 1, melBands, frames];
 * - waveform: `nt` [N, frames] (default), `n1t` [N, 1, frames].
 * For waveform input `frames` is the window length in samples.
 */
export const embeddingSpecSchema = z
  .object({
    /** Human/provenance name of the model, stored next to every embedding. */
    name: z.string().min(1).default('onnx-audio-encoder'),
    /** Path to the .onnx file. */
    path: z.string().min(1),
    /** Sample rate the model expects, Hz. */
    sampleRate: z.number().int().min(8000).max(192000),
    input: z.enum(['log-mel', 'waveform']),
    /** Spectrogram frames (log-mel) or samples (waveform) per window. */
    frames: z.number().int().positive().max(10_000_000),
    layout: z.enum(['ntm', 'nmt', 'n1mt', 'nt', 'n1t']).optional(),
    /** Log-mel front end (ignored for waveform input). */
    melBands: z.number().int().min(1).max(512).default(64),
    fftSize: z.number().int().min(8).max(65536).refine(powerOfTwo, 'fftSize must be a power of two').default(512),
    /** Analysis window length in samples (≤ fftSize; zero-padded to fftSize). */
    windowLength: z.number().int().positive().optional(),
    hopLength: z.number().int().positive().default(160),
    fMin: z.number().min(0).default(0),
    /** Upper mel edge, Hz; default Nyquist. */
    fMax: z.number().positive().optional(),
    /** log(mel power + logOffset). */
    logOffset: z.number().positive().default(1e-6),
    /** Hop between windows, in frames/samples; default `frames` (no overlap). */
    windowHop: z.number().int().positive().optional(),
    /** At most this many windows per clip, evenly spread (bounds run time). */
    maxWindows: z.number().int().positive().max(4096).default(32),
    /** Windows per inference call (1 for models with a fixed batch size). */
    batchSize: z.number().int().positive().max(1024).default(8),
    inputName: z.string().optional(),
    outputName: z.string().optional(),
    /** Expected embedding size; checked against the model's output. */
    dimension: z.number().int().positive().optional(),
  })
  .superRefine((spec, ctx) => {
    const layout = spec.layout;
    if (layout) {
      const ok = spec.input === 'waveform' ? layout === 'nt' || layout === 'n1t' : layout !== 'nt' && layout !== 'n1t';
      if (!ok) ctx.addIssue({ code: 'custom', path: ['layout'], message: `layout '${layout}' does not fit ${spec.input} input` });
    }
    if (spec.windowLength !== undefined && spec.windowLength > spec.fftSize) {
      ctx.addIssue({ code: 'custom', path: ['windowLength'], message: 'windowLength must not exceed fftSize' });
    }
    if (spec.fMax !== undefined && spec.fMax > spec.sampleRate / 2) {
      ctx.addIssue({ code: 'custom', path: ['fMax'], message: 'fMax must not exceed the Nyquist frequency' });
    }
    if (spec.fMax !== undefined && spec.fMax <= spec.fMin) {
      ctx.addIssue({ code: 'custom', path: ['fMax'], message: 'fMax must be above fMin' });
    }
  });

export type EmbeddingSpecInput = z.input<typeof embeddingSpecSchema>;
export type EmbeddingSpec = z.output<typeof embeddingSpecSchema>;

/** One line of `chorus extract` output for a file that was analysed. */
export const extractRecordSchema = z.object({
  file: z.string(),
  duration_s: z.number().nonnegative(),
  sample_rate: z.number().int().positive(),
  channels: z.number().int().positive(),
  format: z.string(),
  tempo_bpm: z.number().nonnegative(),
  tempo_confidence: z.number().min(0).max(1),
  key: z.string(),
  mode: z.enum(['major', 'minor']),
  key_confidence: z.number().min(0).max(1),
  loudness_lufs: z.number(),
  excerpt_start_s: z.number().nonnegative(),
  excerpt_duration_s: z.number().nonnegative(),
  features: z.record(z.string(), z.number()),
  vector: z.array(z.number()),
  extractor_version: z.string(),
  /**
   * The other plausible metrical level (issue 17): the strongest tempo
   * candidate at ×2, ×½, ×3 or ×⅓ of tempo_bpm, with its comb salience
   * relative to the chosen one's (1 = as strong). Absent when none was found.
   * A UI can show "96 BPM (or 48)" instead of a number that may be an octave off.
   */
  tempo_alternative: z.object({ bpm: z.number().positive(), relative_salience: z.number().min(0) }).optional(),
  /**
   * The runner-up key and how it relates to the winner ('relative',
   * 'fifth' (either direction), 'parallel' or 'other'), with its template
   * correlation; key_confidence already says how far behind it is.
   */
  key_alternative: z
    .object({ key: z.string(), mode: z.enum(['major', 'minor']), relation: z.enum(['relative', 'fifth', 'parallel', 'other']), correlation: z.number() })
    .optional(),
});

/** One line of `chorus extract` output for a file that failed. */
export const extractErrorRecordSchema = z.object({
  file: z.string(),
  error: z.string(),
  reason: z.string(),
});

export type ExtractRecord = z.infer<typeof extractRecordSchema>;
export type ExtractErrorRecord = z.infer<typeof extractErrorRecordSchema>;
