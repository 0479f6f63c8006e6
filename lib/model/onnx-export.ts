/**
 * ONNX serialisation of a trained model, and the structural checks the
 * runtime applies before trusting a file. Pure: bytes in, bytes out (the
 * file system and onnxruntime live in onnx-runtime.ts).
 *
 * Graph (opset 13, IR 8), all float32, N symbolic:
 *   features [N,D] → Sub(mean) → Div(std) → standardized
 *   logistic: standardized → MatMul(W) → Add(b) → logits
 *   mlp:      standardized → MatMul(W1) → Add(b1) → Tanh → embedding [N,H]
 *             embedding → MatMul(W2) → Add(b2) → logits
 *   logits → Mul(scale) → Add(bias) → calibrated logits → Sigmoid → probs [N,T]
 * For the logistic model `embedding` is the calibrated logits [N,T] (the
 * per-tag log-odds after Platt/temperature scaling): mood-space coordinates
 * in comparable units across tags, unlike the raw standardised input, whose
 * distances are dominated by whatever the extractor measures most of.
 */
import onnxProto from 'onnx-proto';
import type { TrainedModel } from './train';

const { onnx } = onnxProto;

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 8;
export const INPUT_NAME = 'features';
export const PROBS_NAME = 'probs';
export const EMBEDDING_NAME = 'embedding';
/** Metadata key holding the CRC-32 of the serialised GraphProto (corruption check). */
export const CHECKSUM_KEY = 'chorus.graph_crc32';

/** A model file that cannot be used: corrupted, not ONNX, or the wrong shape. */
export class OnnxModelError extends Error {
  readonly code = 'onnx_model_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxModelError';
  }
}

export interface ExportOptions {
  /** Free-form key/values for the registry (model id, feature version, label set…). */
  metadata?: Record<string, string>;
  /** Opset to declare, 13–17 (every operator used is unchanged across them). Default 13. */
  opset?: number;
}

/**
 * Serialises a trained model to an ONNX ModelProto (see the module comment
 * for the graph). Weights are stored as little-endian float32 raw data;
 * metadata records kind, tag names, shapes, calibration and a CRC-32 of the
 * graph so a damaged file is refused at load time. O(parameters).
 *
 * @example const bytes = exportOnnx(model, { metadata: { 'chorus.model_id': '42' } });
 */
export function exportOnnx(model: TrainedModel, options: ExportOptions = {}): Uint8Array {
  const opset = options.opset ?? ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 17) throw new Error(`exportOnnx: opset ${opset} is outside 13–17`);
  const { d, t, h, params, calibration, standardization } = model;
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const constant = (name: string, dims: number[], values: ArrayLike<number>) => {
    initializers.push(floatTensor(name, dims, values));
    return name;
  };
  const node = (opType: string, inputs: string[], output: string) => {
    nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [output], name: `${opType.toLowerCase()}_${output}` }));
    return output;
  };

  const centered = node('Sub', [INPUT_NAME, constant('mean', [d], standardization.mean)], 'centered');
  const standardized = node('Div', [centered, constant('std', [d], standardization.std)], 'standardized');
  let logits: string;
  if (params.kind === 'logistic') {
    const linear = node('MatMul', [standardized, constant('W', [d, t], params.weights)], 'linear');
    logits = node('Add', [linear, constant('b', [t], params.bias)], 'logits');
  } else {
    const hl = node('MatMul', [standardized, constant('W1', [d, h], params.w1)], 'hidden_linear');
    const hp = node('Add', [hl, constant('b1', [h], params.b1)], 'hidden_preactivation');
    const hidden = node('Tanh', [hp], EMBEDDING_NAME);
    const ol = node('MatMul', [hidden, constant('W2', [h, t], params.w2)], 'output_linear');
    logits = node('Add', [ol, constant('b2', [t], params.b2)], 'logits');
  }
  const scaled = node('Mul', [logits, constant('calibration_scale', [t], calibration.scale)], 'scaled_logits');
  const calibrated = node(
    'Add',
    [scaled, constant('calibration_bias', [t], calibration.bias)],
    params.kind === 'logistic' ? EMBEDDING_NAME : 'calibrated_logits',
  );
  node('Sigmoid', [calibrated], PROBS_NAME);

  const graph = onnx.GraphProto.create({
    name: `chorus_${model.kind}`,
    node: nodes,
    initializer: initializers,
    input: [valueInfo(INPUT_NAME, d)],
    output: [valueInfo(PROBS_NAME, t), valueInfo(EMBEDDING_NAME, h)],
  });
  const metadata: Record<string, string> = {
    ...options.metadata,
    'chorus.kind': model.kind,
    'chorus.tags': JSON.stringify(model.tags),
    'chorus.input_dim': String(d),
    'chorus.tag_count': String(t),
    'chorus.embedding_dim': String(h),
    'chorus.embedding': params.kind === 'mlp' ? 'hidden_tanh' : 'calibrated_logits',
    'chorus.calibration': calibration.method,
    // Decision thresholds are not part of the graph (probs stay calibrated probabilities):
    // the scorer reads them from here (onnx-runtime's `thresholds`).
    'chorus.thresholds': JSON.stringify(Array.from(model.thresholds)),
    [CHECKSUM_KEY]: crc32(onnx.GraphProto.encode(graph).finish()).toString(16).padStart(8, '0'),
  };
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'chorus',
    producerVersion: '1',
    docString: `Chorus mood classifier (${model.kind}): ${PROBS_NAME} are calibrated per-tag probabilities`,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  // A copy: protobufjs hands back a Node Buffer, possibly a slice of a shared
  // pool, whose slice() aliases instead of copying.
  return new Uint8Array(onnx.ModelProto.encode(proto).finish());
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>) {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
}

function valueInfo(name: string, width: number) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] },
      },
    },
  });
}

/** What {@link inspectOnnx} reads from a model file without running it. */
export interface OnnxModelInfo {
  opset: number;
  producer: string;
  metadata: Record<string, string>;
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  /** True when the file carried a Chorus checksum and it matched. */
  checksumVerified: boolean;
}

/**
 * Decodes an ONNX file's protobuf and checks it structurally: it must parse,
 * contain a graph, and, when it carries a Chorus checksum, the graph must
 * re-serialise to the recorded CRC-32 (catches flipped bytes inside weights,
 * which parse fine and would silently change predictions).
 * Throws {@link OnnxModelError}. O(file size).
 *
 * @example inspectOnnx(exportOnnx(model)).metadata['chorus.kind'] // → 'mlp'
 */
export function inspectOnnx(bytes: Uint8Array, source = 'model'): OnnxModelInfo {
  if (bytes.length === 0) throw new OnnxModelError(`${source} is empty (0 bytes), not an ONNX model`);
  let proto: InstanceType<typeof onnx.ModelProto>;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new OnnxModelError(
      `${source} is corrupted or not an ONNX model: protobuf decoding failed (${(cause as Error).message})`,
      { cause },
    );
  }
  if (!proto.graph || !proto.graph.node?.length) {
    throw new OnnxModelError(`${source} is corrupted or not an ONNX model: it has no graph`);
  }
  const metadata: Record<string, string> = {};
  for (const { key, value } of proto.metadataProps ?? []) if (key) metadata[key] = value ?? '';
  let checksumVerified = false;
  if (metadata[CHECKSUM_KEY] !== undefined) {
    const actual = crc32(onnx.GraphProto.encode(proto.graph).finish()).toString(16).padStart(8, '0');
    if (actual !== metadata[CHECKSUM_KEY]) {
      throw new OnnxModelError(
        `${source} is corrupted: graph checksum ${actual} does not match the recorded ${metadata[CHECKSUM_KEY]}`,
      );
    }
    checksumVerified = true;
  }
  const shapeOf = (v: onnxProto.onnx.IValueInfoProto) =>
    (v.type?.tensorType?.shape?.dim ?? []).map((dim) => (dim.dimParam ? dim.dimParam : Number(dim.dimValue ?? 0)));
  const defaultOpset = proto.opsetImport.find((o) => !o.domain);
  return {
    opset: Number(defaultOpset?.version ?? 0),
    producer: proto.producerName ?? '',
    metadata,
    inputs: (proto.graph.input ?? []).map((v) => ({ name: v.name ?? '', shape: shapeOf(v) })),
    outputs: (proto.graph.output ?? []).map((v) => ({ name: v.name ?? '', shape: shapeOf(v) })),
    checksumVerified,
  };
}

let crcTable: Uint32Array | null = null;

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zip
 * and PNG. Detects every burst error up to 32 bits; not a defence against
 * deliberate tampering. O(bytes).
 *
 * @example crc32(new TextEncoder().encode('123456789')) // → 0xcbf43926
 */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
