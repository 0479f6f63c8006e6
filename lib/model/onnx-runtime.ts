/**
 * The ONNX session wrapper: every inference in Chorus (scoring jobs, the
 * recommender's embeddings, the bench) goes through here, so the checks that
 * a file is intact and has the expected interface happen in one place.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { EMBEDDING_NAME, INPUT_NAME, OnnxModelError, PROBS_NAME, inspectOnnx } from './onnx-export';
import { parseThresholds } from './thresholds';

export { OnnxModelError } from './onnx-export';

/** Shapes the caller requires; a model that differs is refused at load. */
export interface ScorerExpectations {
  inputDim?: number;
  tagCount?: number;
  embeddingDim?: number;
  /** Tag names in column order (compared with the model's `chorus.tags`). */
  tags?: string[];
}

export interface ScoreResult {
  /** n×t calibrated probabilities. */
  probs: Float32Array;
  /** n×h embedding (MLP hidden layer, or calibrated logits for logistic). */
  embedding: Float32Array;
}

export interface OnnxScorer {
  readonly inputDim: number;
  readonly tagCount: number;
  readonly embeddingDim: number;
  readonly metadata: Record<string, string>;
  /** Tag names from the model's metadata, when it carries them. */
  readonly tags: string[] | null;
  /** Per-tag decision thresholds from the model's `chorus.thresholds` (null for a model exported before them). */
  readonly thresholds: Float64Array | null;
  /** Scores an n×d row-major matrix in batches of `batchSize` rows (default 4096). */
  score(features: Float32Array, n: number, d: number, options?: { batchSize?: number }): Promise<ScoreResult>;
  release(): Promise<void>;
}

export interface LoadOptions {
  expect?: ScorerExpectations;
  /** onnxruntime intra-op threads. Default 1: workers share few cores and scale out by process. */
  threads?: number;
}

const DEFAULT_BATCH = 4096;

/**
 * Loads an ONNX mood model from bytes or a file path and validates it:
 * the protobuf must parse and match its checksum, onnxruntime must accept
 * it, it must have exactly one float32 input `features` [N, D] and float32
 * outputs `probs` [N, T] and `embedding` [N, H], and D/T/H/tags must equal
 * `expect` where given. Throws {@link OnnxModelError} with the reason.
 */
export async function loadScorer(source: Uint8Array | string, options: LoadOptions = {}): Promise<OnnxScorer> {
  const label = typeof source === 'string' ? `ONNX file ${source}` : 'ONNX model bytes';
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (cause) {
      throw new OnnxModelError(`${label} cannot be read: ${(cause as Error).message}`, { cause });
    }
  } else {
    bytes = source;
  }
  const info = inspectOnnx(bytes, label);

  let session: ort.InferenceSession;
  try {
    const threads = options.threads ?? 1;
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new OnnxModelError(`${label} was refused by onnxruntime: ${(cause as Error).message}`, { cause });
  }

  try {
    const shapes = checkInterface(session, label);
    const tags = parseTags(info.metadata['chorus.tags'], label);
    checkExpectations(shapes, tags, options.expect ?? {}, label);
    const raw = info.metadata['chorus.thresholds'];
    let thresholds: Float64Array | null = null;
    if (raw !== undefined) {
      try {
        thresholds = parseThresholds(JSON.parse(raw), shapes.tagCount, label);
      } catch (cause) {
        throw new OnnxModelError(`${label} has unreadable chorus.thresholds: ${(cause as Error).message}`, { cause });
      }
    }
    return createScorer(session, shapes, info.metadata, tags, thresholds);
  } catch (error) {
    await session.release();
    throw error;
  }
}

interface Shapes {
  inputDim: number;
  tagCount: number;
  embeddingDim: number;
}

function checkInterface(session: ort.InferenceSession, label: string): Shapes {
  if (session.inputNames.length !== 1 || session.inputNames[0] !== INPUT_NAME) {
    throw new OnnxModelError(`${label} has inputs [${session.inputNames.join(', ')}], expected exactly [${INPUT_NAME}]`);
  }
  for (const name of [PROBS_NAME, EMBEDDING_NAME]) {
    if (!session.outputNames.includes(name)) {
      throw new OnnxModelError(`${label} has outputs [${session.outputNames.join(', ')}], missing "${name}"`);
    }
  }
  const width = (meta: readonly ort.InferenceSession.ValueMetadata[], name: string): number => {
    const m = meta.find((v) => v.name === name);
    if (!m || !m.isTensor || m.type !== 'float32' || m.shape.length !== 2 || typeof m.shape[1] !== 'number') {
      const found = m && m.isTensor ? `${m.type} [${m.shape.join(', ')}]` : 'a non-tensor';
      throw new OnnxModelError(`${label}: "${name}" must be a float32 tensor [N, fixed width], found ${found}`);
    }
    return m.shape[1];
  };
  return {
    inputDim: width(session.inputMetadata, INPUT_NAME),
    tagCount: width(session.outputMetadata, PROBS_NAME),
    embeddingDim: width(session.outputMetadata, EMBEDDING_NAME),
  };
}

function parseTags(raw: string | undefined, label: string): string[] | null {
  if (raw === undefined) return null;
  try {
    const tags: unknown = JSON.parse(raw);
    if (Array.isArray(tags) && tags.every((x) => typeof x === 'string')) return tags;
  } catch {
    // reported below with the same message as a wrong type
  }
  throw new OnnxModelError(`${label}: metadata chorus.tags is not a JSON list of strings`);
}

function checkExpectations(shapes: Shapes, tags: string[] | null, expect: ScorerExpectations, label: string): void {
  const pairs: [string, number, number | undefined][] = [
    ['input width (features)', shapes.inputDim, expect.inputDim],
    ['tag count (probs)', shapes.tagCount, expect.tagCount],
    ['embedding width', shapes.embeddingDim, expect.embeddingDim],
  ];
  for (const [what, actual, wanted] of pairs) {
    if (wanted !== undefined && actual !== wanted) {
      throw new OnnxModelError(`${label} does not match: ${what} is ${actual}, expected ${wanted}`);
    }
  }
  if (tags && tags.length !== shapes.tagCount) {
    throw new OnnxModelError(`${label}: metadata names ${tags.length} tags but probs has ${shapes.tagCount} columns`);
  }
  if (expect.tags) {
    if (!tags) throw new OnnxModelError(`${label} carries no tag names, expected [${expect.tags.join(', ')}]`);
    if (tags.join('\u0000') !== expect.tags.join('\u0000')) {
      throw new OnnxModelError(`${label} was trained for tags [${tags.join(', ')}], expected [${expect.tags.join(', ')}]`);
    }
  }
}

function createScorer(
  session: ort.InferenceSession,
  shapes: Shapes,
  metadata: Record<string, string>,
  tags: string[] | null,
  thresholds: Float64Array | null,
): OnnxScorer {
  const { inputDim, tagCount, embeddingDim } = shapes;
  return {
    ...shapes,
    metadata,
    tags,
    thresholds,
    async score(features, n, d, options = {}) {
      if (d !== inputDim) throw new OnnxModelError(`score: features have ${d} columns, the model expects ${inputDim}`);
      if (!Number.isInteger(n) || n < 0 || features.length !== n * d) {
        throw new Error(`score: ${features.length} values is not ${n} rows × ${d} columns`);
      }
      for (let i = 0; i < features.length; i++) {
        if (!Number.isFinite(features[i])) {
          throw new Error(`score: feature ${i % d} of row ${Math.floor(i / d)} is ${features[i]}`);
        }
      }
      const batchSize = options.batchSize ?? DEFAULT_BATCH;
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`score: batchSize must be a positive integer`);
      const probs = new Float32Array(n * tagCount);
      const embedding = new Float32Array(n * embeddingDim);
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const input = new ort.Tensor('float32', features.subarray(start * d, (start + count) * d), [count, d]);
        const out = await session.run({ [INPUT_NAME]: input }, [PROBS_NAME, EMBEDDING_NAME]);
        probs.set(out[PROBS_NAME].data as Float32Array, start * tagCount);
        embedding.set(out[EMBEDDING_NAME].data as Float32Array, start * embeddingDim);
      }
      return { probs, embedding };
    },
    release: () => session.release(),
  };
}
