/**
 * # lib/audio — decoding, features, embeddings
 *
 * ## What to call
 *
 * | need | call | notes |
 * |---|---|---|
 * | analyse an upload / stored file (the extract job) | `analyzeAudioSource(source, { maxDurationS })` | `source` is a `ByteSource` (`size`, `read(offset, length)`, `close()`); streams block by block, so memory does not grow with the file. `analyzeAudioFile(path)` and `analyzeAudioBytes(bytes)` are shorthands. Returns `FileAnalysis` (below). |
 * | sniff an upload before storing it | `sniffAudioFormat(first64KiB)` | magic numbers only, never the extension; `{supported, format}` or null |
 * | decode only | `decodeAudioSource(source, onBlock)` / `decodeAudio(bytes)` | blocks of float PCM at the file's own rate and channels |
 * | features of audio already in memory | `extractFeatures(mono, sampleRate)` / `extractFeaturesFromChannels(channels, sampleRate)` | any rate 8–192 kHz |
 * | features from a chunked source of your own | `createFeatureAccumulator({ sampleRate })` → `push(block)`… → `finish()` | identical results to the in-memory call, whatever the block sizes |
 * | learned embedding | `createOnnxEncoder(spec)` → `embed(samples, sampleRate)` → `close()` | `spec` validated by `embeddingSpecSchema` (zod); embed the excerpt of long files |
 * | the `chorus extract` command | `runExtractCli(argv, { stdout, stderr })` → exit code | JSON Lines per DESIGN.md |
 *
 * `FileAnalysis` / `AudioFeatures` carry: `extractorVersion`, `durationS`,
 * `sampleRate`, `channels`, `format`; `tempo` {bpm, confidence, beatsS,
 * candidates}; `key` {key: 'A', tonic, mode: 'major'|'minor', confidence,
 * scores}; `loudness` {integratedLufs, loudnessRangeLu, maxShortTermLufs,
 * samplePeakDbfs, crestFactorDb}; `hpss` {harmonicRatio, …}; `excerpt`
 * {startS, durationS} for playback; `features` (name → number) and `vector`
 * (numbers in `FEATURE_NAMES` order).
 *
 * **Store `extractorVersion` with every vector** and compare only vectors of
 * the same version; `EXTRACTOR_VERSION` changes whenever the settings, the
 * algorithms or `FEATURE_NAMES` change.
 *
 * ## Failures
 *
 * Everything unusable throws `AudioDecodeError` with a stable `reason` and
 * a sentence for people (`isAudioDecodeError(e)`): `empty`, `unknown_format`
 * (not audio, e.g. a PDF named .mp3), `unsupported_format` (AIFF, AAC, µ-law
 * WAV…), `truncated` (incl. a WAV header claiming more data than the file
 * has), `corrupt`, `no_audio`, `too_short` (< one 93 ms analysis frame),
 * `too_long` (over `maxDurationS`), `silent` (peak < −80 dBFS),
 * `unsupported_sample_rate` (outside 8–192 kHz), `io_error`. Suggested HTTP
 * mapping: `too_long` → 413, `io_error` → 500, all others → 422 with
 * `{error: {code: reason, message}}`. A failed clip keeps `reason` and
 * message; nothing else is lost. `EmbeddingError` covers a bad encoder spec
 * or model.
 *
 * ## How it works (details and citations in each module)
 *
 * decode (WAV: own RIFF/RF64 reader; MP3/FLAC/Ogg Vorbis/Opus: audio-decode
 * WASM, fed 256 KiB at a time) → BS.1770-4 meter on the source channels →
 * equal-gain mono mix → windowed-sinc resampler to 22 050 Hz (70 dB stop
 * band from the Nyquist frequency down; applied at every source rate so all
 * files get the same analysis band) → 2048-sample Hann frames, hop 512 →
 * one FFT per frame → Meyda extractors (centroid, spread, flatness, rolloff,
 * loudness) and Meyda-defined MFCC/chroma → per-clip mean/std/percentiles;
 * tempo by comb-filtered onset autocorrelation with octave correction and
 * Ellis (2007) DP beat tracking; key by the Albrecht & Shanahan (2013)
 * corpus profiles against mean-removed, square-rooted chroma frames (see
 * estimateKeyFromFrames for how they were chosen); HPSS balance by median
 * filtering (Fitzgerald 2010); excerpt by self-similarity of ~1 s blocks.
 *
 * Kept per analysis frame: 21 floats (≈ 13 MB per hour of audio), never the
 * audio. Measured ≥ 100× real time per core including decoding
 * (bench/results/extract.md).
 *
 * ## Deployment notes
 *
 * `audio-decode` and `onnxruntime-node` are loaded with dynamic `import()`
 * on first use; under Next.js list `audio-decode`, `@audio/decode` and
 * `onnxruntime-node` in `serverExternalPackages`. This barrel re-exports the
 * file-reading modules too (`decode`, `analyze-file`, `extract-cli`): import
 * it from server code, jobs and the CLI only; browser code should import
 * the pure modules (`./schemas`, `./extract` constants) directly.
 */
export { AUDIO_DECODE_REASONS, AudioDecodeError, isAudioDecodeError, type AudioDecodeReason } from './errors';
export {
  SUPPORTED_FORMATS,
  sniffAudioFormat,
  type AudioFormat,
  type SniffResult,
} from './sniff';
export {
  bytesSource,
  decodeAudio,
  decodeAudioFile,
  decodeAudioSource,
  fileSource,
  MAX_SOURCE_SAMPLE_RATE,
  MIN_SOURCE_SAMPLE_RATE,
  type AudioBlock,
  type ByteSource,
  type DecodedAudio,
  type DecodeOptions,
  type DecodeSummary,
} from './decode';
export { analyzeAudioBytes, analyzeAudioFile, analyzeAudioSource, type AnalyzeOptions, type FileAnalysis } from './analyze-file';
export {
  ANALYSIS_SETTINGS,
  createFeatureAccumulator,
  EXTRACTOR_VERSION,
  extractFeatures,
  extractFeaturesFromChannels,
  FEATURE_NAMES,
  type AudioFeatures,
  type FeatureAccumulator,
  type FeatureAccumulatorOptions,
} from './extract';
export { ANALYSIS_SAMPLE_RATE, FRAME_SIZE, FrameAnalyzer, frameTimeS, HOP_SIZE, PITCH_CLASSES, type FrameFeatures } from './frame-features';
export { estimateTempo, pulseContrast, trackBeats, type TempoOptions, type TempoResult } from './tempo';
export { ALBRECHT_SHANAHAN, estimateKey, estimateKeyFromFrames, KRUMHANSL_KESSLER, TEMPERLEY, TEMPERLEY_KOSTKA_PAYNE, type KeyOptions, type KeyResult, type Mode } from './key';
export { integratedLoudness, kWeightingFilters, LoudnessMeter, type LoudnessResult } from './loudness';
export { StreamingHpss, type HpssResult } from './hpss';
export { selectExcerpt, type ExcerptResult } from './excerpt';
export { createResampler, mixToMono, resample, type Resampler, type ResamplerOptions } from './resample';
export { createOnnxEncoder, EmbeddingError, logMelWindow, melFilters, windowStarts, type AudioEncoder } from './embedding';
export {
  embeddingSpecSchema,
  extractErrorRecordSchema,
  extractRecordSchema,
  type EmbeddingSpec,
  type EmbeddingSpecInput,
  type ExtractErrorRecord,
  type ExtractRecord,
} from './schemas';
export { runExtractCli, toExtractRecord, type CliIo } from './extract-cli';
