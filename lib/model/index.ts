/**
 * lib/model — the mood classifier: training, calibration, metrics, ONNX.
 *
 * Pure modules (typed arrays in, plain objects out; no database, Next or fs):
 * everything below except `onnx-runtime.ts`, which owns onnxruntime-node and
 * file reads. Matrices are row-major typed arrays with their shape passed
 * alongside (n rows × d features, n × t tags, n × h embedding).
 * Deterministic under a seed (lib/util/random).
 *
 * ## Training
 *   computeStandardization(x, n, d) → { mean, std }           the extractor version's stats
 *   concatColumns(features, d1, learned, d2, n) → Float32Array [features ‖ learned embedding]
 *   trainClassifier(data: TrainingData, options: TrainOptions) → TrainedModel
 *     data    = { x: n×d raw features, n, d, y: n×t soft labels in [0,1] (NaN = unknown), t,
 *                 weights?: n per-example confidence }
 *     options = { kind: 'logistic' | 'mlp', standardization: { mean, std }, seed, tags?,
 *                 hidden = 64, epochs = 50, batchSize = 256, learningRate (0.01 | 0.003),
 *                 l2 = 1e-4, classWeighting = 'balanced', maxClassWeight = 10,
 *                 validationFraction = 0.2 | validationIndices, patience = 5,
 *                 calibration = 'platt' | 'temperature' | 'none', onEpoch?(stat) }
 *     model   = { kind, d, t, h, tags, standardization, params, calibration, classWeights,
 *                 report: { epochs[{epoch, trainLoss, validationLoss}], bestEpoch, stoppedEarly,
 *                           trainSize, validationIndices }, hyperparameters }
 *   predict(model, x, n) → { probs (calibrated), logits (raw), embedding }   reference forward pass
 *   trainBootstrapCommittee(data, options, members) → TrainedModel[]      for query-by-committee
 *   predictCommittee(models, x, n) → Float64Array[]                       members' n×t probs
 *   fitPlatt / fitTemperature (z, y, w?) → { a, b };  fitCalibration(method, logits, y, w, n, t)
 *
 * ## Metrics (evaluate on the held-out split; truth ≥ 0.5 counts as positive)
 *   evaluateMultiLabel(truth, probs, n, t, { threshold = 0.5, tags?, bins = 15 }) → MultiLabelMetrics
 *     { microPrecision, microRecall, microF1, macroF1, meanAveragePrecision, ece, hammingLoss,
 *       subsetAccuracy, perTag[{ tag, support, predicted, precision, recall, f1,
 *       averagePrecision, ece }], reliability[{ lower, upper, count, meanPredicted, observedRate }] }
 *   averagePrecision(scores, labels), expectedCalibrationError(p, y, bins), reliabilityBins(p, y, bins), prf(tp, fp, fn)
 *   isBetter(candidate, active) → boolean;  comparePromotion(candidate, active) → { better, deltaMacroF1, deltaEce, reason }
 *     Rule: macro-F1 at least +0.005 and ECE no worse than +0.02 (same held-out split);
 *     no active model ⇒ promote.
 *
 * ## ONNX
 *   exportOnnx(model, { metadata?, opset = 13 }) → Uint8Array
 *     input  features  float32 [N, D]  (standardisation baked in as Sub/Div)
 *     output probs     float32 [N, T]  calibrated: Mul/Add per tag, then Sigmoid
 *     output embedding float32 [N, H]  MLP: the tanh hidden layer (H = hidden);
 *                                      logistic: the calibrated logits (H = T)
 *     metadata chorus.kind, chorus.tags (JSON), chorus.input_dim, chorus.tag_count,
 *              chorus.embedding_dim, chorus.calibration, chorus.graph_crc32, + yours
 *   inspectOnnx(bytes) → { opset, metadata, inputs, outputs, checksumVerified }  (throws OnnxModelError)
 *   (onnx-runtime.ts, not re-exported here so pure callers never load the native addon:)
 *   loadScorer(bytesOrPath, { expect?: { inputDim, tagCount, embeddingDim, tags }, threads = 1 })
 *     → OnnxScorer { inputDim, tagCount, embeddingDim, tags, metadata,
 *                    score(features: Float32Array, n, d, { batchSize = 4096 }) → { probs, embedding },
 *                    release() }
 *     Refuses a corrupted or mismatched file with OnnxModelError (code 'onnx_model_invalid').
 */
export * from './standardize';
export { sigmoid, type ModelKind, type LogisticParams, type MlpParams, type NetworkParams } from './network';
export * from './calibration';
export * from './train';
export * from './ensemble';
export * from './metrics';
export * from './onnx-export';
