/**
 * Pluggable learned audio embedding: a configured ONNX encoder run with
 * onnxruntime-node. The spec (see `embeddingSpecSchema`) says what the model
 * eats; this module builds exactly that tensor, runs the model on evenly
 * spread windows of the clip, and mean-pools the outputs.
 */
import { hannWindow, RealFft } from './fft';
import { createResampler } from './resample';
import { embeddingSpecSchema, type EmbeddingSpec, type EmbeddingSpecInput } from './schemas';

/** HTK mel scale: m = 2595·log10(1 + f/700). */
const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/**
 * Triangular mel filter bank on FFT bin frequencies (HTK mel scale, no area
 * normalisation; librosa's `mel(htk=True, norm=None)`): melBands rows of
 * fftSize/2 + 1 weights. O(melBands·bins).
 */
export function melFilters(sampleRate: number, fftSize: number, melBands: number, fMin = 0, fMax = sampleRate / 2): Float64Array[] {
  const bins = fftSize / 2 + 1;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = Array.from({ length: melBands + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (melBands + 1)));
  const rows: Float64Array[] = [];
  for (let m = 0; m < melBands; m++) {
    const row = new Float64Array(bins);
    const [f0, f1, f2] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      const up = (f - f0) / (f1 - f0);
      const down = (f2 - f) / (f2 - f1);
      row[k] = Math.max(0, Math.min(up, down));
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Log-mel spectrogram of `frames` frames starting at sample `start`
 * (samples beyond the signal read as zero), as the spec's front end
 * defines it: symmetric Hann window of `windowLength` samples centred in
 * a zero-padded `fftSize` frame, power spectrum, mel filters, ln(· + logOffset).
 * Returns row-major [frames][melBands]. O(frames·fftSize·log fftSize).
 */
export function logMelWindow(samples: Float32Array, start: number, spec: EmbeddingSpec, filters = melFilters(spec.sampleRate, spec.fftSize, spec.melBands, spec.fMin, spec.fMax ?? spec.sampleRate / 2)): Float32Array {
  const nfft = spec.fftSize;
  const wlen = spec.windowLength ?? nfft;
  const window = hannWindow(wlen);
  const fft = new RealFft(nfft);
  const buf = new Float64Array(nfft);
  const re = new Float64Array(nfft / 2 + 1);
  const im = new Float64Array(nfft / 2 + 1);
  const out = new Float32Array(spec.frames * spec.melBands);
  const pad = (nfft - wlen) >> 1;
  for (let t = 0; t < spec.frames; t++) {
    buf.fill(0);
    const s0 = start + t * spec.hopLength;
    for (let i = 0; i < wlen; i++) {
      const j = s0 + i;
      buf[pad + i] = j >= 0 && j < samples.length ? samples[j] * window[i] : 0;
    }
    fft.forward(buf, re, im);
    for (let m = 0; m < spec.melBands; m++) {
      const row = filters[m];
      let s = 0;
      for (let k = 0; k < row.length; k++) if (row[k] !== 0) s += row[k] * (re[k] * re[k] + im[k] * im[k]);
      out[t * spec.melBands + m] = Math.log(s + spec.logOffset);
    }
  }
  return out;
}

/** Samples one window spans. */
export function windowSpan(spec: EmbeddingSpec): number {
  if (spec.input === 'waveform') return spec.frames;
  return (spec.frames - 1) * spec.hopLength + (spec.windowLength ?? spec.fftSize);
}

/**
 * Start offsets (in samples at the model rate) of the windows fed to the
 * model: consecutive windows every `windowHop` frames, thinned evenly to at
 * most `maxWindows`. A clip shorter than one window gets one zero-padded
 * window. O(windows).
 */
export function windowStarts(length: number, spec: EmbeddingSpec): number[] {
  const span = windowSpan(spec);
  const hopFrames = spec.windowHop ?? spec.frames;
  const hop = spec.input === 'waveform' ? hopFrames : hopFrames * spec.hopLength;
  const starts: number[] = [];
  for (let s = 0; s + span <= length; s += hop) starts.push(s);
  if (!starts.length) return [0];
  if (starts.length <= spec.maxWindows) return starts;
  const picked: number[] = [];
  for (let i = 0; i < spec.maxWindows; i++) picked.push(starts[Math.round((i * (starts.length - 1)) / Math.max(1, spec.maxWindows - 1))]);
  return picked;
}

/** Shape of one batch for the spec's layout. */
function tensorShape(spec: EmbeddingSpec, n: number): number[] {
  const layout = spec.layout ?? (spec.input === 'waveform' ? 'nt' : 'ntm');
  switch (layout) {
    case 'nt':
      return [n, spec.frames];
    case 'n1t':
      return [n, 1, spec.frames];
    case 'ntm':
      return [n, spec.frames, spec.melBands];
    case 'nmt':
      return [n, spec.melBands, spec.frames];
    case 'n1mt':
      return [n, 1, spec.melBands, spec.frames];
  }
}

/** Model input for one window, in the spec's layout (without batch axis). */
export function buildWindowInput(samples: Float32Array, start: number, spec: EmbeddingSpec, filters?: Float64Array[]): Float32Array {
  if (spec.input === 'waveform') {
    const out = new Float32Array(spec.frames);
    const end = Math.min(samples.length, start + spec.frames);
    if (end > start) out.set(samples.subarray(start, end));
    return out;
  }
  const tm = logMelWindow(samples, start, spec, filters);
  const layout = spec.layout ?? 'ntm';
  if (layout === 'ntm') return tm;
  // Transpose to [mel][time].
  const mt = new Float32Array(tm.length);
  for (let t = 0; t < spec.frames; t++) for (let m = 0; m < spec.melBands; m++) mt[m * spec.frames + t] = tm[t * spec.melBands + m];
  return mt;
}

export interface AudioEncoder {
  readonly spec: EmbeddingSpec;
  /** Embedding of a mono clip at any rate (resampled to the model's rate). */
  embed(samples: Float32Array, sampleRate: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** onnxruntime's messages span lines; log lines and API errors want one. */
const oneLine = (e: unknown): string => String((e as Error)?.message ?? e).replace(/\s+/g, ' ').trim();

/** A spec or model that cannot be used, with a message naming what is wrong. */
export class EmbeddingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddingError';
  }
}

/**
 * Load the ONNX model named by `specInput` (validated with
 * `embeddingSpecSchema`) and return an encoder.
 *
 * Method: resample to `spec.sampleRate` (windowed-sinc), cut windows
 * ({@link windowStarts}), build each window's input tensor
 * ({@link buildWindowInput}), run the session in batches of `batchSize`,
 * flatten each window's output and mean-pool across windows.
 * Cost: O(windows × model) — bounded by `maxWindows`; for long files embed
 * the representative excerpt rather than the whole clip.
 *
 * @example
 * const enc = await createOnnxEncoder({ path: 'models/enc.onnx', sampleRate: 16000, input: 'log-mel', frames: 96 });
 * const v = await enc.embed(samples, 44100);
 */
export async function createOnnxEncoder(specInput: EmbeddingSpecInput | unknown): Promise<AudioEncoder> {
  const parsed = embeddingSpecSchema.safeParse(specInput);
  if (!parsed.success) {
    throw new EmbeddingError(`Invalid embedding spec: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const spec = parsed.data;
  // Loaded on first use: the native binding is large and only needed here.
  const ort = await import('onnxruntime-node');
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(spec.path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new EmbeddingError(`Cannot load ONNX model ${spec.path}: ${oneLine(e)}`, { cause: e });
  }
  const inputName = spec.inputName ?? session.inputNames[0];
  const outputName = spec.outputName ?? session.outputNames[0];
  if (!session.inputNames.includes(inputName)) {
    throw new EmbeddingError(`The model has no input '${inputName}' (inputs: ${session.inputNames.join(', ')}).`);
  }
  if (!session.outputNames.includes(outputName)) {
    throw new EmbeddingError(`The model has no output '${outputName}' (outputs: ${session.outputNames.join(', ')}).`);
  }
  const filters = spec.input === 'log-mel' ? melFilters(spec.sampleRate, spec.fftSize, spec.melBands, spec.fMin, spec.fMax ?? spec.sampleRate / 2) : undefined;

  return {
    spec,
    async embed(samples: Float32Array, sampleRate: number): Promise<Float32Array> {
      let x = samples;
      if (sampleRate !== spec.sampleRate) {
        const r = createResampler(sampleRate, spec.sampleRate);
        const a = r.process(samples);
        const b = r.flush();
        x = new Float32Array(a.length + b.length);
        x.set(a);
        x.set(b, a.length);
      }
      const starts = windowStarts(x.length, spec);
      let sum: Float64Array | null = null;
      for (let i = 0; i < starts.length; i += spec.batchSize) {
        const batch = starts.slice(i, i + spec.batchSize);
        const per = spec.input === 'waveform' ? spec.frames : spec.frames * spec.melBands;
        const data = new Float32Array(per * batch.length);
        batch.forEach((s, j) => data.set(buildWindowInput(x, s, spec, filters), j * per));
        const tensor = new ort.Tensor('float32', data, tensorShape(spec, batch.length));
        let out;
        try {
          out = await session.run({ [inputName]: tensor });
        } catch (e) {
          throw new EmbeddingError(
            `The ONNX model rejected input of shape [${tensorShape(spec, batch.length).join(', ')}]: ${oneLine(e)}. Check the spec's frames/melBands/layout/batchSize.`,
            { cause: e },
          );
        }
        const y = out[outputName];
        const values = y.data as Float32Array;
        if (!(values instanceof Float32Array)) throw new EmbeddingError(`The model's output '${outputName}' is ${y.type}, expected float32.`);
        const dim = values.length / batch.length;
        if (!Number.isInteger(dim) || dim === 0) throw new EmbeddingError(`The model's output has ${values.length} values for a batch of ${batch.length}.`);
        if (spec.dimension !== undefined && dim !== spec.dimension) {
          throw new EmbeddingError(`The model returns ${dim}-dimensional embeddings; the spec says ${spec.dimension}.`);
        }
        if (!sum) sum = new Float64Array(dim);
        for (let j = 0; j < batch.length; j++) for (let d = 0; d < dim; d++) sum[d] += values[j * dim + d];
      }
      const result = new Float32Array(sum!.length);
      for (let d = 0; d < result.length; d++) result[d] = sum![d] / starts.length;
      return result;
    },
    async close() {
      await session.release();
    },
  };
}
