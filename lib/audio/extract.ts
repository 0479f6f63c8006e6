/**
 * Clip-level feature extraction: a block-wise accumulator (bounded memory)
 * and the named, versioned feature vector.
 */
import { AudioDecodeError, describeSeconds } from './errors';
import { selectExcerpt, type ExcerptResult } from './excerpt';
import {
  ANALYSIS_SAMPLE_RATE,
  FRAME_SIZE,
  FrameAnalyzer,
  frameTimeS,
  HOP_SIZE,
  N_CHROMA,
  N_MEL_BANDS,
  N_MFCC,
} from './frame-features';
import { StreamingHpss, type HpssResult } from './hpss';
import { estimateKeyFromFrames, type KeyResult } from './key';
import { LoudnessMeter, type LoudnessResult } from './loudness';
import { createResampler, mixToMono, type Resampler } from './resample';
import { Float32Column, percentiles, RunningMoments } from './stats';
import { estimateTempo, type TempoResult } from './tempo';

/**
 * Version of the extractor. Any change to the analysis settings, the
 * algorithms or FEATURE_NAMES must bump it: stored vectors from different
 * versions are not comparable.
 */
export const EXTRACTOR_VERSION = 'chorus-audio-1.4.0';

const CHROMA_NAMES = ['c', 'cs', 'd', 'ds', 'e', 'f', 'fs', 'g', 'gs', 'a', 'as', 'b'] as const;
const FRAME_SCALARS = [
  'spectral_centroid',
  'spectral_spread',
  'spectral_flatness',
  'spectral_rolloff',
  'spectral_flux',
  'rms',
  'loudness',
  'zcr',
] as const;
const SCALAR_STATS = ['mean', 'std', 'p10', 'p50', 'p90'] as const;
const PERCENTILES = [10, 50, 90] as const;

function buildFeatureNames(): string[] {
  const names: string[] = [];
  for (let i = 0; i < N_MFCC; i++) names.push(`mfcc_${i}_mean`);
  for (let i = 0; i < N_MFCC; i++) names.push(`mfcc_${i}_std`);
  for (const c of CHROMA_NAMES) names.push(`chroma_${c}_mean`);
  for (const c of CHROMA_NAMES) names.push(`chroma_${c}_std`);
  for (const f of FRAME_SCALARS) for (const s of SCALAR_STATS) names.push(`${f}_${s}`);
  names.push('tempo_bpm', 'tempo_confidence', 'beat_strength', 'onset_rate');
  names.push('key_fifths_sin', 'key_fifths_cos', 'key_is_major', 'key_confidence');
  names.push(
    'loudness_lufs',
    'loudness_range_lu',
    'loudness_max_short_term_lufs',
    'peak_dbfs',
    'crest_factor_db',
    'rms_dynamic_range_db',
  );
  names.push('harmonic_ratio', 'harmonic_percussive_db');
  return names;
}

/**
 * Names of the feature vector, in vector order. Units: spectral centroid,
 * spread and rolloff in Hz; flux, flatness and ZCR unitless in [0, 1]; RMS
 * linear full-scale; loudness (Meyda) in Bark-band sone-like units; tempo in
 * BPM; onset_rate per second; LUFS/LU/dB as named. `*_p10/_p50/_p90` are
 * percentiles over frames.
 */
export const FEATURE_NAMES: readonly string[] = Object.freeze(buildFeatureNames());

/** Per-frame analysis settings, for documentation and consumers. */
export const ANALYSIS_SETTINGS = Object.freeze({
  sampleRate: ANALYSIS_SAMPLE_RATE,
  frameSize: FRAME_SIZE,
  hopSize: HOP_SIZE,
  window: 'hann (symmetric)',
  mfccCoefficients: N_MFCC,
  melBands: N_MEL_BANDS,
  chromaBins: N_CHROMA,
});

export interface FeatureAccumulatorOptions {
  /** Sample rate of the blocks that will be pushed. */
  sampleRate: number;
  /** Length of the representative excerpt, seconds. Default 30. */
  excerptSeconds?: number;
  /** Peak below which the clip counts as silent (linear). Default 1e-4 (−80 dBFS). */
  silencePeak?: number;
}

export interface AudioFeatures {
  extractorVersion: string;
  /** Duration of the input, seconds. */
  durationS: number;
  /** Sample rate of the input, Hz. */
  sampleRate: number;
  /** Channels of the input (the largest count pushed). */
  channels: number;
  analysisSampleRate: number;
  /** Analysis frames computed. */
  frames: number;
  tempo: TempoResult;
  key: KeyResult;
  loudness: LoudnessResult;
  hpss: HpssResult;
  excerpt: ExcerptResult;
  /** Every named feature (FEATURE_NAMES) with its value. */
  features: Record<string, number>;
  /** The features in FEATURE_NAMES order. */
  vector: number[];
}

export interface FeatureAccumulator {
  readonly sampleRate: number;
  /**
   * Feed the next block: a mono Float32Array or one Float32Array per channel
   * (all the same length), at `sampleRate`.
   */
  push(block: Float32Array | readonly Float32Array[]): void;
  /**
   * Finish and summarise. Throws {@link AudioDecodeError} `too_short` (less
   * than one analysis frame) or `silent` (peak below −80 dBFS).
   */
  finish(): AudioFeatures;
}

/** Frames per excerpt block (~1 s). */
const BLOCK_FRAMES = Math.round(ANALYSIS_SAMPLE_RATE / HOP_SIZE);
const BLOCK_DIM = N_MFCC + N_CHROMA + 1;

/**
 * Mel bands whose per-band rises the tempo octave decision reads
 * (bandPeriodicity in ./tempo): bands 2..19, centres ~255 Hz – 5 kHz, where a
 * chord's notes and partials are; below are the bass and kick fundamentals,
 * above the hi-hats.
 */
const TEMPO_BAND_LO = 2;
const TEMPO_BAND_HI = 20;
const TEMPO_BANDS = TEMPO_BAND_HI - TEMPO_BAND_LO;

/**
 * Create a block-wise feature accumulator: a decoder that yields chunks can
 * feed it as they come, and memory stays bounded.
 *
 * Pipeline per pushed block: BS.1770 meter on the source channels →
 * equal-gain mono mix → streaming windowed-sinc resampler to 22 050 Hz →
 * framing (2048 Hann, hop 512) → per-frame features ({@link FrameAnalyzer}),
 * streaming HPSS, running moments. Kept per frame: 8 scalar features, onset
 * strength, linear flux, 12 chroma values and 18 mid-band rises for the tempo
 * octave decision (40 floats = 160 bytes per 23 ms, ~25 MB per hour); per ~1 s block: a 26-value excerpt vector. The audio itself is
 * never kept beyond one frame.
 *
 * Complexity: O(samples) over the whole clip; finish() is O(F·lag) for the
 * tempo autocorrelation with F frames.
 */
export function createFeatureAccumulator(options: FeatureAccumulatorOptions): FeatureAccumulator {
  const sampleRate = options.sampleRate;
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`invalid sample rate ${sampleRate}`);
  const excerptSeconds = options.excerptSeconds ?? 30;
  const silencePeak = options.silencePeak ?? 1e-4;
  const meter = new LoudnessMeter(sampleRate);
  const resampler: Resampler = createResampler(sampleRate, ANALYSIS_SAMPLE_RATE);
  const analyzer = new FrameAnalyzer();
  const hpss = new StreamingHpss();

  const scalarCols = FRAME_SCALARS.map(() => new Float32Column(4096));
  const scalarMoments = FRAME_SCALARS.map(() => new RunningMoments());
  const mfccMoments = Array.from({ length: N_MFCC }, () => new RunningMoments());
  const chromaMoments = Array.from({ length: N_CHROMA }, () => new RunningMoments());
  const onsetCol = new Float32Column(4096);
  const magFluxCol = new Float32Column(4096);
  const tempoBandCol = new Float32Column(4096 * TEMPO_BANDS);
  const chromaRawCol = new Float32Column(4096 * N_CHROMA);
  const blockCol = new Float32Column(256 * BLOCK_DIM);
  const blockEnergy = new Float32Column(256);
  const blockAcc = new Float64Array(BLOCK_DIM);
  let blockFill = 0;
  let frames = 0;
  let channels = 0;
  let samplesIn = 0;
  let finished = false;

  let pending = new Float32Array(FRAME_SIZE * 8);
  let pendingLen = 0;
  let mixScratch = new Float32Array(0);

  const scalar = (i: number, v: number): void => {
    scalarCols[i].push(v);
    scalarMoments[i].push(v);
  };

  const analyzeFrame = (frame: Float32Array): void => {
    const f = analyzer.analyze(frame);
    // Same order as FRAME_SCALARS.
    scalar(0, f.centroidHz);
    scalar(1, f.spreadHz);
    scalar(2, f.flatness);
    scalar(3, f.rolloffHz);
    scalar(4, f.flux);
    scalar(5, f.rms);
    scalar(6, f.loudness);
    scalar(7, f.zcr);
    for (let i = 0; i < N_MFCC; i++) mfccMoments[i].push(f.mfcc[i]);
    for (let i = 0; i < N_CHROMA; i++) {
      chromaMoments[i].push(f.chroma[i]);
      chromaRawCol.push(f.chromaRaw[i]);
    }
    onsetCol.push(f.onset);
    magFluxCol.push(f.magFlux);
    for (let b = TEMPO_BAND_LO; b < TEMPO_BAND_HI; b++) tempoBandCol.push(f.melRise[b]);
    hpss.push(f.amp);
    for (let i = 0; i < N_MFCC; i++) blockAcc[i] += f.mfcc[i];
    for (let i = 0; i < N_CHROMA; i++) blockAcc[N_MFCC + i] += f.chroma[i];
    blockAcc[BLOCK_DIM - 1] += f.rms;
    if (++blockFill === BLOCK_FRAMES) flushBlock();
    frames++;
  };

  const flushBlock = (): void => {
    if (!blockFill) return;
    const rms = blockAcc[BLOCK_DIM - 1] / blockFill;
    for (let i = 0; i < BLOCK_DIM - 1; i++) blockCol.push(blockAcc[i] / blockFill);
    blockCol.push(20 * Math.log10(rms + 1e-9));
    blockEnergy.push(rms);
    blockAcc.fill(0);
    blockFill = 0;
  };

  const appendAnalysis = (x: Float32Array): void => {
    if (pendingLen + x.length > pending.length) {
      const next = new Float32Array(Math.max(pending.length * 2, pendingLen + x.length));
      next.set(pending.subarray(0, pendingLen));
      pending = next;
    }
    pending.set(x, pendingLen);
    pendingLen += x.length;
    let pos = 0;
    while (pendingLen - pos >= FRAME_SIZE) {
      analyzeFrame(pending.subarray(pos, pos + FRAME_SIZE));
      pos += HOP_SIZE;
    }
    if (pos > 0) {
      pending.copyWithin(0, pos, pendingLen);
      pendingLen -= pos;
    }
  };

  return {
    sampleRate,
    push(block) {
      if (finished) throw new Error('feature accumulator already finished');
      const chans = block instanceof Float32Array ? [block] : block;
      if (!chans.length || !chans[0].length) return;
      channels = Math.max(channels, chans.length);
      samplesIn += chans[0].length;
      meter.push(chans);
      let mono: Float32Array;
      if (chans.length === 1) mono = chans[0];
      else {
        if (mixScratch.length < chans[0].length) mixScratch = new Float32Array(chans[0].length);
        mono = mixToMono(chans, mixScratch);
      }
      appendAnalysis(resampler.process(mono));
    },
    finish() {
      if (finished) throw new Error('feature accumulator already finished');
      finished = true;
      appendAnalysis(resampler.flush());
      flushBlock();
      const durationS = samplesIn / sampleRate;
      if (frames === 0) {
        throw new AudioDecodeError(
          'too_short',
          `The audio lasts ${describeSeconds(durationS)} (${samplesIn} sample${samplesIn === 1 ? '' : 's'}); at least ` +
            `${describeSeconds(FRAME_SIZE / ANALYSIS_SAMPLE_RATE)} (one ${FRAME_SIZE}-sample analysis frame at ${ANALYSIS_SAMPLE_RATE} Hz) is needed.`,
        );
      }
      if (meter.peakLinear < silencePeak) {
        throw new AudioDecodeError(
          'silent',
          meter.peakLinear > 0
            ? `The audio is silent (peak ${(20 * Math.log10(meter.peakLinear)).toFixed(1)} dBFS, below ${(20 * Math.log10(silencePeak)).toFixed(0)} dBFS): there is nothing to analyse.`
            : 'The audio is digital silence (every sample is zero): there is nothing to analyse.',
        );
      }
      return summarise({
        durationS,
        sampleRate,
        channels,
        frames,
        excerptSeconds,
        scalarCols,
        scalarMoments,
        mfccMoments,
        chromaMoments,
        onset: onsetCol.view(),
        magFlux: magFluxCol.view(),
        tempoBands: tempoBandCol.view(),
        chromaRaw: chromaRawCol.view(),
        blocks: blockCol.view(),
        blockEnergy: blockEnergy.view(),
        loudness: meter.result(),
        hpss: hpss.finish(),
      });
    },
  };
}

interface SummaryInput {
  durationS: number;
  sampleRate: number;
  channels: number;
  frames: number;
  excerptSeconds: number;
  scalarCols: Float32Column[];
  scalarMoments: RunningMoments[];
  mfccMoments: RunningMoments[];
  chromaMoments: RunningMoments[];
  onset: Float32Array;
  magFlux: Float32Array;
  tempoBands: Float32Array;
  chromaRaw: Float32Array;
  blocks: Float32Array;
  blockEnergy: Float32Array;
  loudness: LoudnessResult;
  hpss: HpssResult;
}

const FRAME_RATE = ANALYSIS_SAMPLE_RATE / HOP_SIZE;

function onsetStats(onset: Float32Array, beatFrames: number[]): { beatStrength: number; onsetRate: number } {
  const n = onset.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += onset[i];
  mean /= n || 1;
  let v = 0;
  for (let i = 0; i < n; i++) v += (onset[i] - mean) ** 2;
  const sd = Math.sqrt(v / (n || 1));
  // Onsets: local maxima (±3 frames, ~70 ms) above mean + std of the envelope.
  let count = 0;
  const thr = mean + sd;
  for (let i = 0; i < n; i++) {
    const x = onset[i];
    if (x <= thr) continue;
    let isMax = true;
    for (let j = Math.max(0, i - 3); j <= Math.min(n - 1, i + 3) && isMax; j++) {
      if (onset[j] > x || (onset[j] === x && j < i)) isMax = false;
    }
    if (isMax) count++;
  }
  let atBeats = 0;
  for (const b of beatFrames) {
    // Beats land within a frame of the onset peak.
    let m = 0;
    for (let j = Math.max(0, b - 1); j <= Math.min(n - 1, b + 1); j++) m = Math.max(m, onset[j]);
    atBeats += m;
  }
  const beatStrength = beatFrames.length && mean > 0 ? atBeats / beatFrames.length / mean : 0;
  return { beatStrength, onsetRate: count / (n / FRAME_RATE) };
}

function summarise(s: SummaryInput): AudioFeatures {
  const features: Record<string, number> = {};
  for (let i = 0; i < N_MFCC; i++) features[`mfcc_${i}_mean`] = s.mfccMoments[i].mean;
  for (let i = 0; i < N_MFCC; i++) features[`mfcc_${i}_std`] = s.mfccMoments[i].std;
  CHROMA_NAMES.forEach((c, i) => (features[`chroma_${c}_mean`] = s.chromaMoments[i].mean));
  CHROMA_NAMES.forEach((c, i) => (features[`chroma_${c}_std`] = s.chromaMoments[i].std));
  let rmsView: Float32Array | null = null;
  FRAME_SCALARS.forEach((name, i) => {
    const col = s.scalarCols[i].view();
    if (name === 'rms') rmsView = col;
    const [p10, p50, p90] = percentiles(col, PERCENTILES);
    features[`${name}_mean`] = s.scalarMoments[i].mean;
    features[`${name}_std`] = s.scalarMoments[i].std;
    features[`${name}_p10`] = p10;
    features[`${name}_p50`] = p50;
    features[`${name}_p90`] = p90;
  });

  // Accent for the octave decision: rectified rise of the linear frame RMS.
  const rms = rmsView ?? new Float32Array(0);
  const accent = new Float32Array(rms.length);
  for (let i = 1; i < rms.length; i++) accent[i] = Math.max(0, rms[i] - rms[i - 1]);
  // onsetScale 10: ln-power rises summed over 26 mel bands; a drum hit or
  // chord change exceeds it, noise and steady tones stay far below.
  const tempo = estimateTempo(s.onset, FRAME_RATE, { onsetScale: 10 }, frameTimeS, accent, s.magFlux, {
    data: s.tempoBands,
    count: TEMPO_BANDS,
  });
  const { beatStrength, onsetRate } = onsetStats(s.onset, tempo.beatFrames);
  features.tempo_bpm = tempo.bpm;
  features.tempo_confidence = tempo.confidence;
  features.beat_strength = beatStrength;
  features.onset_rate = onsetRate;

  const key = estimateKeyFromFrames(s.chromaRaw, s.frames);
  const fifths = (key.tonic * 7) % 12;
  features.key_fifths_sin = Math.sin((2 * Math.PI * fifths) / 12);
  features.key_fifths_cos = Math.cos((2 * Math.PI * fifths) / 12);
  features.key_is_major = key.mode === 'major' ? 1 : 0;
  features.key_confidence = key.confidence;

  features.loudness_lufs = s.loudness.integratedLufs;
  features.loudness_range_lu = s.loudness.loudnessRangeLu;
  features.loudness_max_short_term_lufs = s.loudness.maxShortTermLufs;
  features.peak_dbfs = s.loudness.samplePeakDbfs;
  features.crest_factor_db = s.loudness.crestFactorDb;
  // Dynamic range of the frame level, ignoring digital silence.
  const rmsDb: number[] = [];
  for (const v of rmsView ?? []) if (v > 1e-6) rmsDb.push(20 * Math.log10(v));
  const [lo, hi] = rmsDb.length ? percentiles(rmsDb, [10, 95]) : [0, 0];
  features.rms_dynamic_range_db = hi - lo;

  features.harmonic_ratio = s.hpss.harmonicRatio;
  features.harmonic_percussive_db = s.hpss.harmonicPercussiveDb;

  const blockCount = s.blockEnergy.length;
  const blockSeconds = (BLOCK_FRAMES * HOP_SIZE) / ANALYSIS_SAMPLE_RATE;
  const excerpt = selectExcerpt(s.blocks, blockCount, BLOCK_DIM, s.blockEnergy, blockSeconds, s.excerptSeconds);
  if (excerpt.startS + excerpt.durationS > s.durationS) excerpt.durationS = Math.max(0, s.durationS - excerpt.startS);

  const vector = FEATURE_NAMES.map((n) => {
    const v = features[n];
    return Number.isFinite(v) ? v : 0;
  });
  for (const n of FEATURE_NAMES) if (!Number.isFinite(features[n])) features[n] = 0;
  return {
    extractorVersion: EXTRACTOR_VERSION,
    durationS: s.durationS,
    sampleRate: s.sampleRate,
    channels: s.channels,
    analysisSampleRate: ANALYSIS_SAMPLE_RATE,
    frames: s.frames,
    tempo,
    key,
    loudness: s.loudness,
    hpss: s.hpss,
    excerpt,
    features,
    vector,
  };
}

/** Push in-memory audio through an accumulator in 64 Ki-sample blocks. */
function runBlocks(
  channels: readonly Float32Array[],
  sampleRate: number,
  options: Omit<FeatureAccumulatorOptions, 'sampleRate'>,
): AudioFeatures {
  const acc = createFeatureAccumulator({ ...options, sampleRate });
  const n = channels[0]?.length ?? 0;
  const B = 65536;
  for (let off = 0; off < n; off += B) acc.push(channels.map((c) => c.subarray(off, Math.min(n, off + B))));
  return acc.finish();
}

/**
 * Extract the full feature set from mono audio in memory (any rate in
 * 8–192 kHz; it is resampled to 22 050 Hz). Uses
 * {@link createFeatureAccumulator} internally, so results are identical to
 * feeding the same samples block by block.
 *
 * @example
 * const f = extractFeatures(samples, 44100);
 * f.tempo.bpm; f.key.key; f.features.loudness_lufs; f.vector.length === FEATURE_NAMES.length
 */
export function extractFeatures(
  samples: Float32Array,
  sampleRate: number,
  options: Omit<FeatureAccumulatorOptions, 'sampleRate'> = {},
): AudioFeatures {
  return runBlocks([samples], sampleRate, options);
}

/**
 * As {@link extractFeatures} for multichannel audio: loudness is measured
 * per BS.1770 on the channels, everything else on the equal-gain mono mix.
 */
export function extractFeaturesFromChannels(
  channels: readonly Float32Array[],
  sampleRate: number,
  options: Omit<FeatureAccumulatorOptions, 'sampleRate'> = {},
): AudioFeatures {
  if (!channels.length) throw new AudioDecodeError('no_audio', 'No audio channels were given.');
  return runBlocks(channels, sampleRate, options);
}
