/**
 * Per-frame spectral features at the fixed analysis settings.
 *
 * One FFT per frame feeds everything. Every feature follows Meyda's exact
 * definition (the same operations in the same order, so the same float
 * results) in flat loops over that one spectrum: Meyda's `mfcc` and `chroma`
 * extractors allocate 26 spectra per call and reduce through closures
 * (~150 µs and ~95 µs per frame measured here, vs ~5 µs), and its centroid,
 * spread, flatness, rolloff and loudness extractors each walk the spectrum
 * again (five passes, three of them with Math.pow per bin, and loudness
 * allocates and rebuilds its Bark band limits on every call); here they share
 * one pass. The parity tests in tests/unit/audio/spectral.test.ts check every
 * feature against `Meyda.extract` frame by frame.
 */
import { createBarkScale, createChromaFilterBank, createMelFilterBank } from 'meyda/dist/node/utilities.js';
import { hannWindow, RealFft } from './fft';

/**
 * Analysis settings. One rate and one frame size for everything, so Meyda's
 * filter banks are built once and every file is analysed identically
 * whatever its source rate: 22 050 Hz keeps the musically relevant band
 * (to ~9 kHz flat after the resampler) at half the cost of 44.1 kHz; 2048
 * samples (93 ms) resolve semitones down to ~130 Hz for chroma; hop 512
 * (23 ms, 43 frames/s) is fine enough for onset/beat tracking.
 */
export const ANALYSIS_SAMPLE_RATE = 22050;
export const FRAME_SIZE = 2048;
export const HOP_SIZE = 512;
/** Meyda's default mel band count, used for MFCC and onset strength. */
export const N_MEL_BANDS = 26;
export const N_MFCC = 13;
export const N_CHROMA = 12;
export const N_BARK_BANDS = 24;
/** Bins handed to Meyda (it ignores the Nyquist bin). */
export const N_BINS = FRAME_SIZE / 2;
export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/** Frame times are reported at the frame centre. */
export function frameTimeS(frameIndex: number): number {
  return (frameIndex * HOP_SIZE + FRAME_SIZE / 2) / ANALYSIS_SAMPLE_RATE;
}

/** Feature values of one frame (a reused object: copy what you keep). */
export interface FrameFeatures {
  /** RMS of the unwindowed frame (a full-scale sine reads 0.707). */
  rms: number;
  /** Zero crossings per sample of the unwindowed frame, in [0, 1]. */
  zcr: number;
  /** Meyda spectralCentroid converted from bins to Hz. */
  centroidHz: number;
  /** Meyda spectralSpread converted from bins to Hz. */
  spreadHz: number;
  /** Meyda spectralFlatness (geometric / arithmetic mean of the magnitude spectrum). */
  flatness: number;
  /** Meyda spectralRolloff: frequency below which 99 % of the magnitude sum lies, Hz. */
  rolloffHz: number;
  /** Meyda loudness.total (sum of Bark-band specific loudness, arbitrary units). */
  loudness: number;
  /** Half-wave rectified L1 difference of L1-normalised magnitude spectra, in [0, 1]. */
  flux: number;
  /** Onset strength: Σ over mel bands of the rectified rise in log power. */
  onset: number;
  /**
   * Linear spectral flux: Σ over mel bands of the rectified rise in band
   * magnitude (√ mel power). Unlike `onset` it keeps loudness differences,
   * so a faint hi-hat counts little next to a drum hit or a chord.
   */
  magFlux: number;
  /**
   * The per-band terms of `magFlux`: rectified rise of each mel band's
   * magnitude (√ mel power) since the previous frame, bands 0..N_MEL_BANDS-1.
   */
  melRise: Float64Array;
  /** MFCC 0..12, Meyda's definition (DCT-II ×2 of ln(1 + mel power)). */
  mfcc: Float64Array;
  /** Chroma C..B, Meyda's definition (normalised to max 1). */
  chroma: Float64Array;
  /** Chroma C..B before normalisation (magnitude-weighted), for key finding. */
  chromaRaw: Float64Array;
  /** Magnitude spectrum, bins 0..N_BINS-1 (Meyda's ampSpectrum). */
  amp: Float32Array;
  /** True when the frame is digital silence (all-zero spectrum). */
  silent: boolean;
}

interface SparseFilter {
  start: number;
  weights: Float64Array;
}

/** Filter banks and tables, built once per process from Meyda's builders. */
interface Banks {
  mel: SparseFilter[];
  /** Per chroma class: the bins it reads and their weights. */
  chroma: Array<{ bins: Int32Array; weights: Float64Array }>;
  /** Meyda `loudness`'s Bark band limits (bins), which depend only on the settings. */
  barkLimits: Int32Array;
  dct: Float64Array; // N_MFCC × N_MEL_BANDS
  window: Float64Array;
}

let banks: Banks | null = null;

function getBanks(): Banks {
  if (banks) return banks;
  const melDense = createMelFilterBank(Math.max(N_MEL_BANDS, N_MFCC), ANALYSIS_SAMPLE_RATE, FRAME_SIZE);
  const mel: SparseFilter[] = melDense.map((row) => {
    let s = 0;
    while (s < N_BINS && row[s] === 0) s++;
    let e = N_BINS;
    while (e > s && row[e - 1] === 0) e--;
    return { start: s, weights: Float64Array.from(row.slice(s, e)) };
  });
  const chromaDense = createChromaFilterBank(N_CHROMA, ANALYSIS_SAMPLE_RATE, FRAME_SIZE);
  // Meyda's chroma bank is 80 % exact zeros (Gaussian underflow) and most
  // of the rest is below 1e-9 of its bin's largest weight: keeping only the
  // weights above that cuts 12 288 multiply-adds per frame to ~1 250 and
  // changes no chroma value by more than 1e-9 relative.
  const colMax = new Float64Array(N_BINS);
  for (let k = 0; k < N_BINS; k++) for (let c = 0; c < N_CHROMA; c++) colMax[k] = Math.max(colMax[k], chromaDense[c][k]);
  const chroma = chromaDense.map((row) => {
    const bins: number[] = [];
    const weights: number[] = [];
    for (let k = 0; k < N_BINS; k++) {
      if (row[k] > 1e-9 * colMax[k]) {
        bins.push(k);
        weights.push(row[k]);
      }
    }
    return { bins: Int32Array.from(bins), weights: Float64Array.from(weights) };
  });
  // The `dct` package Meyda uses: X_k = 2 Σ_n x_n cos(π/N (n + ½) k).
  const dct = new Float64Array(N_MFCC * N_MEL_BANDS);
  for (let k = 0; k < N_MFCC; k++) {
    for (let n = 0; n < N_MEL_BANDS; n++) dct[k * N_MEL_BANDS + n] = 2 * Math.cos((Math.PI / N_MEL_BANDS) * (n + 0.5) * k);
  }
  banks = {
    mel,
    chroma,
    barkLimits: barkBandLimits(createBarkScale(FRAME_SIZE, ANALYSIS_SAMPLE_RATE, FRAME_SIZE)),
    dct,
    window: hannWindow(FRAME_SIZE),
  };
  return banks;
}

/** Meyda's mel filter bank as dense rows (for tests and the embedding front end). */
export function melFilterBank(): number[][] {
  return createMelFilterBank(Math.max(N_MEL_BANDS, N_MFCC), ANALYSIS_SAMPLE_RATE, FRAME_SIZE);
}

/**
 * The band limits Meyda's `loudness` computes on every call, as it computes
 * them: N_BARK_BANDS equal slices of the Bark value of the last bin it reads
 * (bin N_BINS − 1), the last band ending at that bin, exclusive.
 */
function barkBandLimits(barkScale: Float32Array): Int32Array {
  const limits = new Int32Array(N_BARK_BANDS + 1);
  const top = barkScale[N_BINS - 1];
  let bandEnd = top / N_BARK_BANDS;
  let band = 1;
  for (let i = 0; i < N_BINS; i++) {
    while (barkScale[i] > bandEnd) {
      limits[band++] = i;
      bandEnd = (band * top) / N_BARK_BANDS;
    }
  }
  limits[N_BARK_BANDS] = N_BINS - 1;
  return limits;
}

/** Meyda's spectralRolloff reads the Nyquist bin as sampleRate / (2·(bins − 1)) Hz per bin. */
const ROLLOFF_HZ_PER_BIN = ANALYSIS_SAMPLE_RATE / (2 * (N_BINS - 1));

// log(p + ONSET_FLOOR): −80 dB below a full-scale sine's peak bin power
// (Hann, unnormalised FFT: (N/4)²), so quiet music still has onsets but the
// noise floor of digital silence does not.
const ONSET_FLOOR = (FRAME_SIZE / 4) ** 2 * 1e-8;

/**
 * Computes {@link FrameFeatures} for consecutive frames (it keeps the
 * previous spectrum for flux and onset strength, so feed frames in order).
 *
 * Method: symmetric Hann window, real FFT (N = 2048), magnitude spectrum of
 * bins 0..1023 (Meyda's convention). Centroid, spread, flatness, rolloff
 * and loudness are Meyda's extractors' arithmetic on that spectrum (Peeters
 * 2004 definitions); MFCC (Davis & Mermelstein 1980, Meyda's HTK-style 26-band
 * mel bank, ln(1 + ·), DCT-II), chroma (Ellis' chroma filter bank as in
 * Meyda/librosa); onset strength is log-mel spectral flux (Böck & Widmer 2013,
 * without the max filter).
 *
 * Complexity per frame: O(N log N) for the FFT + O(N) for the rest (sparse
 * mel and chroma banks); about 40 µs on one core here.
 */
export class FrameAnalyzer {
  private readonly fft = new RealFft(FRAME_SIZE);
  private readonly windowed = new Float64Array(FRAME_SIZE);
  private readonly re = new Float64Array(N_BINS + 1);
  private readonly im = new Float64Array(N_BINS + 1);
  private readonly prevNorm = new Float64Array(N_BINS);
  private readonly melPower = new Float64Array(N_MEL_BANDS);
  private readonly logMel = new Float64Array(N_MEL_BANDS);
  private readonly prevLogMel = new Float64Array(N_MEL_BANDS);
  private readonly prevMelMag = new Float64Array(N_MEL_BANDS);
  private first = true;
  readonly out: FrameFeatures;

  constructor() {
    getBanks();
    this.out = {
      rms: 0,
      zcr: 0,
      centroidHz: 0,
      spreadHz: 0,
      flatness: 0,
      rolloffHz: 0,
      loudness: 0,
      flux: 0,
      onset: 0,
      magFlux: 0,
      melRise: new Float64Array(N_MEL_BANDS),
      mfcc: new Float64Array(N_MFCC),
      chroma: new Float64Array(N_CHROMA),
      chromaRaw: new Float64Array(N_CHROMA),
      amp: new Float32Array(N_BINS),
      silent: false,
    };
  }

  /** Analyse one frame of FRAME_SIZE samples at ANALYSIS_SAMPLE_RATE. */
  analyze(frame: ArrayLike<number>): FrameFeatures {
    const b = getBanks();
    const o = this.out;
    const n = FRAME_SIZE;
    let sumSq = 0;
    let crossings = 0;
    let prevNeg = frame[0] < 0;
    for (let i = 0; i < n; i++) {
      const v = frame[i];
      sumSq += v * v;
      const neg = v < 0;
      if (neg !== prevNeg) crossings++;
      prevNeg = neg;
      this.windowed[i] = v * b.window[i];
    }
    o.rms = Math.sqrt(sumSq / n);
    o.zcr = crossings / (n - 1);

    this.fft.forward(this.windowed, this.re, this.im);
    const amp = o.amp;
    // Meyda's moments and flatness, in its order: Σ a, Σ k·a, Σ k²·a, Σ ln a
    // over the float32 spectrum it would be handed.
    let ampSum = 0;
    let moment1 = 0;
    let moment2 = 0;
    let logSum = 0;
    for (let k = 0; k < N_BINS; k++) {
      const a = Math.fround(Math.sqrt(this.re[k] * this.re[k] + this.im[k] * this.im[k]));
      amp[k] = a;
      ampSum += a;
      moment1 += k * a;
      moment2 += k * k * a;
      logSum += Math.log(a);
    }
    o.silent = ampSum === 0;

    // Mel power → MFCC and onset strength.
    for (let f = 0; f < N_MEL_BANDS; f++) {
      const { start, weights } = b.mel[f];
      let s = 0;
      for (let j = 0; j < weights.length; j++) {
        const a = amp[start + j];
        s += weights[j] * a * a;
      }
      this.melPower[f] = s;
      this.logMel[f] = Math.log(s + 1);
    }
    for (let k = 0; k < N_MFCC; k++) {
      let s = 0;
      const off = k * N_MEL_BANDS;
      for (let f = 0; f < N_MEL_BANDS; f++) s += b.dct[off + f] * this.logMel[f];
      o.mfcc[k] = s;
    }
    let onset = 0;
    let magFlux = 0;
    for (let f = 0; f < N_MEL_BANDS; f++) {
      const l = Math.log(this.melPower[f] + ONSET_FLOOR);
      const d = l - this.prevLogMel[f];
      if (!this.first && d > 0) onset += d;
      this.prevLogMel[f] = l;
      const m = Math.sqrt(this.melPower[f]);
      const dm = m - this.prevMelMag[f];
      const rise = !this.first && dm > 0 ? dm : 0;
      magFlux += rise;
      o.melRise[f] = rise;
      this.prevMelMag[f] = m;
    }
    o.onset = onset;
    o.magFlux = magFlux;

    // Chroma (Meyda's bank), raw and max-normalised.
    let cmax = 0;
    for (let c = 0; c < N_CHROMA; c++) {
      let s = 0;
      const { bins, weights } = b.chroma[c];
      for (let j = 0; j < bins.length; j++) s += weights[j] * amp[bins[j]];
      o.chromaRaw[c] = s;
      if (s > cmax) cmax = s;
    }
    for (let c = 0; c < N_CHROMA; c++) o.chroma[c] = cmax ? o.chromaRaw[c] / cmax : 0;

    // Flux on L1-normalised magnitudes: level-independent spectral change.
    let flux = 0;
    const inv = ampSum > 0 ? 1 / ampSum : 0;
    for (let k = 0; k < N_BINS; k++) {
      const v = amp[k] * inv;
      const d = v - this.prevNorm[k];
      if (d > 0) flux += d;
      this.prevNorm[k] = v;
    }
    o.flux = this.first ? 0 : flux;
    this.first = false;

    if (o.silent) {
      o.centroidHz = 0;
      o.spreadHz = 0;
      o.flatness = 0;
      o.rolloffHz = 0;
      o.loudness = 0;
    } else {
      const binHz = ANALYSIS_SAMPLE_RATE / FRAME_SIZE;
      const mu1 = moment1 / ampSum;
      o.centroidHz = mu1 * binHz;
      o.spreadHz = Math.sqrt(moment2 / ampSum - Math.pow(mu1, 2)) * binHz;
      const flat = (Math.exp(logSum / N_BINS) * N_BINS) / ampSum;
      o.flatness = Number.isFinite(flat) ? flat : 0;
      let ec = ampSum;
      const threshold = 0.99 * ec;
      let top = N_BINS - 1;
      while (ec > threshold && top >= 0) ec -= amp[top--];
      o.rolloffHz = (top + 1) * ROLLOFF_HZ_PER_BIN;
      // Meyda keeps each band's specific loudness in a Float32Array.
      const lim = b.barkLimits;
      let loudness = 0;
      for (let band = 0; band < N_BARK_BANDS; band++) {
        let sum = 0;
        for (let j = lim[band]; j < lim[band + 1]; j++) sum += amp[j];
        loudness += Math.fround(Math.pow(sum, 0.23));
      }
      o.loudness = loudness;
    }
    return o;
  }
}
