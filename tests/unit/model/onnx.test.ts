import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKSUM_KEY, crc32, exportOnnx, inspectOnnx } from '@/lib/model/onnx-export';
import { loadScorer, OnnxModelError } from '@/lib/model/onnx-runtime';
import { computeStandardization } from '@/lib/model/standardize';
import { predict, trainClassifier, type TrainedModel } from '@/lib/model/train';
import { createRng, gaussian } from '@/lib/util/random';

const n = 150;
const d = 12;
const t = 4;
const rng = createRng(21);
// Features with a non-trivial scale and offset so the baked-in Sub/Div matter.
const x = new Float32Array(n * d).map((_, i) => 5 + (1 + (i % d)) * gaussian(rng));
const y = new Float32Array(n * t).map((_, i) => (x[Math.floor(i / t) * d + (i % t)] > 5 + (i % t) ? 0.9 : 0.1));
const standardization = computeStandardization(x, n, d);
const tags = ['calm', 'happy', 'sad', 'tense'];

const models: Record<'logistic' | 'mlp', TrainedModel> = {
  logistic: trainClassifier({ x, n, d, y, t }, { kind: 'logistic', seed: 1, standardization, tags, epochs: 30 }),
  mlp: trainClassifier({ x, n, d, y, t }, { kind: 'mlp', hidden: 6, seed: 1, standardization, tags, epochs: 30 }),
};

const tmp = mkdtempSync(join(tmpdir(), 'chorus-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['logistic', 'mlp'] as const)('ONNX export of the %s model', (kind) => {
  const model = models[kind];

  it('reproduces the training code forward pass to 1e-5, in batches', async () => {
    const scorer = await loadScorer(exportOnnx(model), { expect: { inputDim: d, tagCount: t, tags } });
    try {
      expect(scorer.embeddingDim).toBe(kind === 'mlp' ? 6 : t);
      expect(scorer.tags).toEqual(tags);
      // 150 rows in batches of 64 exercises a partial last batch.
      const out = await scorer.score(x, n, d, { batchSize: 64 });
      const ref = predict(model, x, n);
      expect(maxAbsDiff(out.probs, ref.probs)).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.embedding, ref.embedding)).toBeLessThan(1e-5);
      // Calibration is not the identity, so the test would catch a graph without it.
      expect(Array.from(model.calibration.scale).some((a) => Math.abs(a - 1) > 0.01)).toBe(true);
      // The decision thresholds travel in the metadata, exactly, and are not all 0.5.
      expect(Array.from(scorer.thresholds ?? [])).toEqual(Array.from(model.thresholds));
      expect(Array.from(model.thresholds).some((v) => v !== 0.5)).toBe(true);
    } finally {
      await scorer.release();
    }
  });

  it('bakes standardisation and calibration into the graph', () => {
    const info = inspectOnnx(exportOnnx(model, { metadata: { 'chorus.model_id': 'm1' } }));
    expect(info.opset).toBe(13);
    expect(info.checksumVerified).toBe(true);
    expect(info.inputs).toEqual([{ name: 'features', shape: ['N', d] }]);
    expect(info.outputs).toEqual([
      { name: 'probs', shape: ['N', t] },
      { name: 'embedding', shape: ['N', kind === 'mlp' ? 6 : t] },
    ]);
    expect(info.metadata['chorus.model_id']).toBe('m1');
    expect(info.metadata['chorus.kind']).toBe(kind);
    const graph = onnxProto.onnx.ModelProto.decode(exportOnnx(model)).graph;
    const ops = (graph?.node ?? []).map((node) => node.opType);
    expect(ops.slice(0, 2)).toEqual(['Sub', 'Div']);
    expect(ops.slice(-3)).toEqual(['Mul', 'Add', 'Sigmoid']);
  });
});

describe('ONNX loading', () => {
  const good = exportOnnx(models.mlp);

  it('loads from a file path and accepts opset 17', async () => {
    const file = join(tmp, 'model.onnx');
    writeFileSync(file, exportOnnx(models.logistic, { opset: 17 }));
    const scorer = await loadScorer(file);
    const out = await scorer.score(x.subarray(0, 2 * d), 2, d);
    expect(out.probs.length).toBe(2 * t);
    await scorer.release();
  });

  it('refuses truncated, garbage, empty and bit-flipped bytes with a clear error', async () => {
    await expect(loadScorer(good.subarray(0, Math.floor(good.length / 2)))).rejects.toThrow(/corrupted or not an ONNX model/);
    const garbage = new Uint8Array(512).map((_, i) => (i * 37 + 11) & 0xff);
    await expect(loadScorer(garbage)).rejects.toThrow(OnnxModelError);
    await expect(loadScorer(new Uint8Array(0))).rejects.toThrow(/empty/);
    // A flipped byte deep inside the weights still parses: only the checksum catches it.
    const flipped = good.slice();
    const weightsAt = findBytes(flipped, models.mlp.params.kind === 'mlp' ? float32Bytes(models.mlp.params.w1[3]) : new Uint8Array());
    expect(weightsAt).toBeGreaterThan(0);
    flipped[weightsAt] ^= 0x40;
    await expect(loadScorer(flipped)).rejects.toThrow(/checksum/);
  });

  it('refuses thresholds in the metadata that are not t numbers in (0, 1)', async () => {
    const bytes = exportOnnx(models.logistic, { metadata: {} });
    const proto = onnxProto.onnx.ModelProto.decode(bytes);
    for (const entry of proto.metadataProps) if (entry.key === 'chorus.thresholds') entry.value = '[0.5]';
    const broken = new Uint8Array(onnxProto.onnx.ModelProto.encode(proto).finish());
    await expect(loadScorer(broken)).rejects.toThrow(/unreadable chorus.thresholds: .*thresholds must be \d+ numbers in \(0, 1\)/);
  });

  it('refuses a file that does not match what the caller expects', async () => {
    await expect(loadScorer(good, { expect: { inputDim: d + 1 } })).rejects.toThrow(/input width \(features\) is 12, expected 13/);
    await expect(loadScorer(good, { expect: { tagCount: 5 } })).rejects.toThrow(/tag count/);
    await expect(loadScorer(good, { expect: { tags: ['calm', 'happy', 'sad', 'angry'] } })).rejects.toThrow(/trained for tags/);
    await expect(loadScorer(join(tmp, 'missing.onnx'))).rejects.toThrow(/cannot be read/);
  });

  it('refuses a valid ONNX graph with the wrong interface', async () => {
    const { onnx } = onnxProto;
    const proto = onnx.ModelProto.decode(good);
    const graph = proto.graph as InstanceType<typeof onnx.GraphProto>;
    graph.output = graph.output.filter((o) => o.name !== 'embedding');
    proto.metadataProps = proto.metadataProps.filter((p) => p.key !== CHECKSUM_KEY);
    await expect(loadScorer(onnx.ModelProto.encode(proto).finish())).rejects.toThrow(/missing "embedding"/);
  });

  it('checks the features passed to score', async () => {
    const scorer = await loadScorer(good);
    await expect(scorer.score(x, n, d - 1)).rejects.toThrow(/expects 12/);
    await expect(scorer.score(x.subarray(0, 10), 1, d)).rejects.toThrow(/not 1 rows/);
    const bad = x.slice(0, d);
    bad[3] = NaN;
    await expect(scorer.score(bad, 1, d)).rejects.toThrow(/feature 3 of row 0 is NaN/);
    await scorer.release();
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

function float32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return b;
}

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
