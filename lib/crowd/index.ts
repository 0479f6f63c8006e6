/**
 * # lib/crowd — turning crowd votes into labels (pure math)
 *
 * No database, no file system, no Next: arrays in, plain objects and typed
 * arrays out. Randomness only in the simulator, from `lib/util/random`.
 * Settings (what a caller tunes, `DEFAULT_*` + `Partial<…>` overrides) are
 * kept apart from learned state (the `*Result` / `BinaryRelevanceModel`
 * objects). All EM loops run over Int32Array / Float64Array columns in log
 * space; the cost of each call is in its TSDoc.
 *
 * ## Multi-label mood votes (what the app uses)
 *
 * ```ts
 * const encoded = encodeMultiLabelVotes(votes, taxonomyTags);                 // votes: {item, worker, tags}[]
 * const fit = binaryRelevance(encoded, settingsOverrides, { gold, workerWeights, onIteration });
 * //   fit.posterior[i*T+t], fit.label, fit.confidence      per clip × tag
 * //   fit.sensitivity[w*T+t] ± fit.sensitivityStd, fit.specificity…, fit.reliability[w] ± fit.reliabilityStd
 * clipTagRows(fit); workerTagRows(fit);                                     // rows to persist
 * const model = binaryRelevanceModel(fit);  // or build one from stored rows: { tags, prevalence, workers: Map }
 * // on each new vote — O(votes on the clip × tags):
 * const posteriors = updateClipPosterior(clipVotes, model, clipGold);       // aligned with model.tags
 * const agreement = clipAgreement(clipVotes, model.tags, model.prevalence);
 * const { state, votesWanted } = decideClipState(posteriors, clipVotes.length, clipSettings, { agreement, expertResolved });
 * ```
 * Gold: `MultiLabelGold = Map<clipId, { [tag]: boolean }>`; tags left out are
 * tolerated either way. A worker's spam multiplier goes in as
 * `workerWeights` (full EM) or `ClipVote.weight` (incremental).
 *
 * ## Categorical votes (`chorus aggregate`, method comparisons)
 *
 * ```ts
 * const result = aggregateVotes(votes, { method: 'ds', gold });               // votes: {item, worker, label}[]
 * itemRows(result);   // [{ item, label, confidence }]
 * workerRows(result); // [{ worker, reliability, reliabilityStd, votes }]
 * ```
 * or, on already encoded columns, `majorityVote`, `weightedMajorityVote`, `wawa`,
 * `dawidSkene` (confusion matrices), `glad` (abilities × difficulties) and `mace`
 * (spamming probabilities and strategies).
 * `runAggregateCli(argv, io)` in `./aggregate-cli` (imports node:fs, so not
 * re-exported here) is the `chorus aggregate` command.
 *
 * ## Agreement
 *
 * `krippendorffAlphaNominal(units)`, `fleissKappa(counts)`; on votes:
 * `nominalAgreement(votes)` (call per batch), `tagAgreement(votes, tags)`,
 * `tagAgreementByBatch(votes, tags, batchOf)`, `annotatorAgreement` /
 * `annotatorTagAgreement` (each annotator against the consensus).
 *
 * ## Contributor quality
 *
 * `assessContributor({ votes: ListenEvent[], reliability, gold }, settings)`
 * → `{ weight, pause, flags }`; `isTooFast`, `goldAccuracy`,
 * `goldAccuracyMultiLabel`.
 *
 * ## Simulation
 *
 * `simulateCategoricalVotes`, `simulateMultiLabelVotes`: planted truth and
 * workers of mixed reliability (tests, benches, `chorus seed --simulate-votes`).
 */
export * from './types';
export { encodeVotes, encodeWorkerWeights, itemRows, workerRows, sortedUnique } from './encode';
export { LOG_EPSILON, pearson, spearman } from './numeric';
export { majorityVote, wawa, weightedMajorityVote, leaveOneOutAgreement } from './majority';
export type { MajorityOptions, WeightedMajorityOptions } from './majority';
export { dawidSkene, workerConfusion, DEFAULT_DAWID_SKENE_SETTINGS } from './dawid-skene';
export type { DawidSkeneOptions, DawidSkeneResult, DawidSkeneSettings } from './dawid-skene';
export { glad, DEFAULT_GLAD_SETTINGS } from './glad';
export type { GladOptions, GladResult, GladSettings } from './glad';
export { mace, DEFAULT_MACE_SETTINGS } from './mace';
export type { MaceOptions, MaceResult, MaceSettings } from './mace';
export { aggregateVotes, CATEGORICAL_METHODS } from './aggregate';
export type { AggregateOptions } from './aggregate';
export {
  binaryRelevance,
  binaryRelevanceModel,
  clipTagRows,
  encodeMultiLabelVotes,
  updateClipPosterior,
  workerTagRows,
  DEFAULT_BINARY_RELEVANCE_SETTINGS,
} from './binary-relevance';
export type {
  BinaryRelevanceModel,
  BinaryRelevanceOptions,
  BinaryRelevanceResult,
  BinaryRelevanceSettings,
  ClipTagRow,
  ClipVote,
  EncodedMultiLabelVotes,
  MultiLabelGold,
  MultiLabelVote,
  RatePrior,
  TagGold,
  WorkerTagReliability,
  WorkerTagRow,
} from './binary-relevance';
export {
  annotatorAgreement,
  annotatorTagAgreement,
  clipAgreement,
  fleissKappa,
  krippendorffAlphaNominal,
  nominalAgreement,
  tagAgreement,
  tagAgreementByBatch,
  unitsFromCoderRows,
} from './agreement';
export type { AlphaResult, AnnotatorAgreement, KappaResult, NominalAgreement, NominalValue, TagAgreement } from './agreement';
export { decideClipState, DEFAULT_CLIP_STATE_SETTINGS } from './clip-state';
export type { ClipDecision, ClipFacts, ClipState, ClipStateSettings } from './clip-state';
export { assessContributor, goldAccuracy, goldAccuracyMultiLabel, isTooFast, DEFAULT_QUALITY_SETTINGS } from './quality';
export type { ContributorAssessment, Estimate, GoldAccuracy, ListenEvent, QualityFlag, QualitySettings } from './quality';
export { simulateCategoricalVotes, simulateMultiLabelVotes } from './simulate';
export type {
  CategoricalSimulation,
  CategoricalSimulationSettings,
  MultiLabelSimulation,
  MultiLabelSimulationSettings,
  WorkerKind,
  WorkerMix,
} from './simulate';
