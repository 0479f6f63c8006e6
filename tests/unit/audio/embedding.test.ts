/**
 * The pluggable ONNX encoder, end to end with tiny models this test builds
 * itself with onnx-proto (MatMul + ReduceMean graphs): the tensor the model
 * sees must be exactly the spec's front end, in the spec's layout, and the
 * clip embedding the mean over windows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxEncoder, EmbeddingError, logMelWindow, melFilters, windowStarts } from '@/lib/audio/embedding';
import { resample } from '@/lib/audio/resample';
import { embeddingSpecSchema } from '@/lib/audio/schemas';
import { createRng } from '@/lib/util/random';
import { concat, sine } from './helpers';

const { onnx } = onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'chorus-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Dim = number | string;
const valueInfo = (name: string, dims: Dim[]) => ({
  name,
  type: {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

/** Write an ONNX model file: `nodes` over input `x`, output `y`, float initializers. */
function writeModel(file: string, input: Dim[], output: Dim[], nodes: object[], initializers: Record<string, { dims: number[]; data: Float32Array }>): string {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'chorus-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-encoder',
      node: nodes,
      initializer: Object.entries(initializers).map(([name, t]) => ({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: t.dims, floatData: Array.from(t.data) })),
      input: [valueInfo('x', input)],
      output: [valueInfo('y', output)],
    },
  });
  const path = join(dir, file);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

const INTS = onnx.AttributeProto.AttributeType.INTS;
const INT = onnx.AttributeProto.AttributeType.INT;
const reduceMean = (input: string, output: string, axis: number) => ({
  opType: 'ReduceMean',
  input: [input],
  output: [output],
  attribute: [
    { name: 'axes', type: INTS, ints: [axis] },
    { name: 'keepdims', type: INT, i: 0 },
  ],
});

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * cols }, () => rng() * 2 - 1);
}

/** v (length rows) · W (rows × cols). */
function vecMat(v: ArrayLike<number>, w: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += v[r] * w[r * cols + c];
  return out;
}

// 3 s of music-ish test signal at 44.1 kHz: two tones then noise.
const rng = createRng(1);
const clip = concat(sine(440, 44100, 1, 0.4), sine(1250, 44100, 1, 0.4), new Float32Array(44100).map(() => 0.2 * (rng() - 0.5)));

describe('log-mel encoder', () => {
  const M = 16;
  const T = 32;
  const D = 5;
  const W = randomMatrix(M, D, 2);
  // y = mean over frames of (x · W): x is [N, T, M] ('ntm').
  const path = writeModel('logmel-ntm.onnx', ['N', T, M], ['N', D], [{ opType: 'MatMul', input: ['x', 'W'], output: ['h'] }, reduceMean('h', 'y', 1)], { W: { dims: [M, D], data: W } });
  const spec = embeddingSpecSchema.parse({ path, sampleRate: 16000, input: 'log-mel', frames: T, melBands: M, fftSize: 512, windowLength: 400, hopLength: 160, maxWindows: 6, batchSize: 4, dimension: D });

  it('feeds the spec’s log-mel windows and mean-pools the outputs', async () => {
    const enc = await createOnnxEncoder(spec);
    try {
      const got = await enc.embed(clip, 44100);
      // Independent path: resample, window, log-mel, mean over frames, × W, mean over windows.
      const x16 = resample(clip, 44100, 16000);
      const starts = windowStarts(x16.length, spec);
      expect(starts.length).toBe(6); // 3 s hold 9 windows of 0.33 s: thinned to maxWindows
      const expected = new Float64Array(D);
      for (const s of starts) {
        const lm = logMelWindow(x16, s, spec);
        const meanFrame = new Float64Array(M);
        for (let t = 0; t < T; t++) for (let m = 0; m < M; m++) meanFrame[m] += lm[t * M + m] / T;
        vecMat(meanFrame, W, M, D).forEach((v, d) => (expected[d] += v / starts.length));
      }
      expect(got).toHaveLength(D);
      got.forEach((v, d) => expect(v).toBeCloseTo(expected[d], 3));
    } finally {
      await enc.close();
    }
  });

  it('the log-mel front end puts a 1 kHz tone in the mel band around 1 kHz', () => {
    const x = sine(1000, 16000, 0.5, 0.5);
    const lm = logMelWindow(x, 0, spec);
    const filters = melFilters(16000, 512, M);
    const peakBand = Array.from(lm.subarray(5 * M, 6 * M)).reduce((b, v, i, a) => (v > a[b] ? i : b), 0);
    const bin = Math.round((1000 * 512) / 16000);
    const bestFilter = filters.reduce((b, f, i) => (f[bin] > filters[b][bin] ? i : b), 0);
    expect(peakBand).toBe(bestFilter);
  });

  it('a clip shorter than one window is zero-padded into one window', async () => {
    const enc = await createOnnxEncoder(spec);
    try {
      const v = await enc.embed(sine(440, 16000, 0.1, 0.5), 16000);
      expect(v).toHaveLength(D);
      expect(Array.from(v).every(Number.isFinite)).toBe(true);
    } finally {
      await enc.close();
    }
  });
});

describe('other layouts', () => {
  it("'nmt' layout: [N, mel, frames]", async () => {
    const M = 8;
    const T = 20;
    const D = 3;
    const W = randomMatrix(M, D, 3);
    // Mean over frames first (axis 2), then × W.
    const path = writeModel('logmel-nmt.onnx', ['N', M, T], ['N', D], [reduceMean('x', 'm', 2), { opType: 'MatMul', input: ['m', 'W'], output: ['y'] }], { W: { dims: [M, D], data: W } });
    const spec = embeddingSpecSchema.parse({ path, sampleRate: 22050, input: 'log-mel', frames: T, melBands: M, layout: 'nmt', fftSize: 1024, hopLength: 512, maxWindows: 3 });
    const enc = await createOnnxEncoder(spec);
    try {
      const got = await enc.embed(resample(clip, 44100, 22050), 22050);
      const x = resample(clip, 44100, 22050);
      const starts = windowStarts(x.length, spec);
      const expected = new Float64Array(D);
      for (const s of starts) {
        const lm = logMelWindow(x, s, spec); // [T][M]
        const meanFrame = new Float64Array(M);
        for (let t = 0; t < T; t++) for (let m = 0; m < M; m++) meanFrame[m] += lm[t * M + m] / T;
        vecMat(meanFrame, W, M, D).forEach((v, d) => (expected[d] += v / starts.length));
      }
      got.forEach((v, d) => expect(v).toBeCloseTo(expected[d], 3));
    } finally {
      await enc.close();
    }
  });

  it("waveform input, 'nt' layout", async () => {
    const S = 400;
    const D = 4;
    const W = randomMatrix(S, D, 4);
    const path = writeModel('wave.onnx', ['N', S], ['N', D], [{ opType: 'MatMul', input: ['x', 'W'], output: ['y'] }], { W: { dims: [S, D], data: W } });
    const spec = embeddingSpecSchema.parse({ path, sampleRate: 8000, input: 'waveform', frames: S, maxWindows: 5, batchSize: 2 });
    const enc = await createOnnxEncoder(spec);
    try {
      const got = await enc.embed(clip, 44100);
      const x = resample(clip, 44100, 8000);
      const starts = windowStarts(x.length, spec);
      expect(starts.length).toBe(5);
      const expected = new Float64Array(D);
      for (const s of starts) vecMat(x.subarray(s, s + S), W, S, D).forEach((v, d) => (expected[d] += v / starts.length));
      got.forEach((v, d) => expect(v).toBeCloseTo(expected[d], 4));
    } finally {
      await enc.close();
    }
  });
});

describe('contract errors are clear', () => {
  it('rejects an invalid spec with the offending fields named', async () => {
    await expect(createOnnxEncoder({ path: '', sampleRate: 100, input: 'mfcc', frames: 0 })).rejects.toThrow(EmbeddingError);
    await expect(createOnnxEncoder({ path: 'x.onnx', sampleRate: 16000, input: 'log-mel', frames: 10, fftSize: 500 })).rejects.toThrow(/fftSize: fftSize must be a power of two/);
    await expect(createOnnxEncoder({ path: 'x.onnx', sampleRate: 16000, input: 'waveform', frames: 10, layout: 'ntm' })).rejects.toThrow(/layout/);
  });

  it('names a missing model file', async () => {
    await expect(createOnnxEncoder({ path: join(dir, 'missing.onnx'), sampleRate: 16000, input: 'waveform', frames: 10 })).rejects.toThrow(/Cannot load ONNX model .*missing\.onnx/);
  });

  it('explains a shape mismatch between spec and model', async () => {
    const path = writeModel('fixed.onnx', ['N', 100], ['N', 2], [{ opType: 'MatMul', input: ['x', 'W'], output: ['y'] }], { W: { dims: [100, 2], data: randomMatrix(100, 2, 5) } });
    const enc = await createOnnxEncoder({ path, sampleRate: 8000, input: 'waveform', frames: 120 });
    try {
      await expect(enc.embed(sine(440, 8000, 1, 0.5), 8000)).rejects.toThrow(/rejected input of shape \[\d+, 120\].*Check the spec/);
    } finally {
      await enc.close();
    }
    const enc2 = await createOnnxEncoder({ path, sampleRate: 8000, input: 'waveform', frames: 100, dimension: 3 });
    try {
      await expect(enc2.embed(sine(440, 8000, 1, 0.5), 8000)).rejects.toThrow(/returns 2-dimensional embeddings; the spec says 3/);
    } finally {
      await enc2.close();
    }
  });
});
