/**
 * lib/active — query strategies and the offline simulation (pure: arrays in,
 * plain objects out; randomness only from a passed `Rng`).
 *
 * ## Per-clip scores (all in [0,1], 1 = most worth asking about)
 *   uncertaintyScores(probs, n, t, 'least-confidence' | 'margin' | 'entropy', 'mean' | 'max', thresholds?) → Float64Array
 *   committeeDisagreement(members: n×t probs[], n, t, 'vote-entropy' | 'mean-kl', aggregate) → Float64Array
 *   crowdDisagreement(posteriors, n, t, aggregate) → Float64Array           (aggregator's posteriors)
 *   noveltyScores(embeddings, h, candidates, labeled) → Float64Array          (distance to labelled set)
 *   kCenterGreedy(embeddings, h, candidates, k, { reference?, groups?, maxPerGroup? }) → number[]
 *
 * ## Queue priority
 *   blendPriority({ uncertainty?, disagreement?, diversity?, votesNeeded? }, weights?)
 *     → { priority, terms[{ name, score, weight, contribution }], reason }
 *     priority = Σ w·s / Σ w over the signals present; default weights
 *     uncertainty 0.4, disagreement 0.3, diversity 0.2, votesNeeded 0.1.
 *
 * ## Selection (a project stores a StrategyConfig)
 *   StrategyConfig = { strategy: 'random' | 'least-confidence' | 'margin' | 'entropy' | 'committee'
 *                               | 'crowd' | 'hybrid' | 'cold-start',
 *                      aggregate = 'mean', hybridUncertainty = 'entropy', committeeMeasure = 'mean-kl',
 *                      thresholds?, weights?, diversity (λ: 0.3 hybrid, else 0), poolFactor = 10,
 *                      maxGroupFraction = 1 }
 *   SelectionPool = { n, t, candidates?, labeled?, probs?, committee?, posteriors?,
 *                     embeddings?, embeddingDim?, groups? (artist per clip), votesNeeded? }
 *   scoreCandidates(pool, config, rng) → [{ index, priority, terms, reason }]   (queue priority column)
 *   selectBatch(pool, config, batchSize, rng) → { items: [{ index, priority, terms, reason }], shortfall }
 *     strategy score → diversity re-ranking (k-center distances, λ) → artist quota
 *     (≤ max(1, ⌊fraction·B⌋) per artist) → never the same embedding twice.
 *     'cold-start' = k-center greedy over embeddings (standardised features before any model).
 *
 * ## The queue policy (./policy — ONE implementation for rescoring and `chorus simulate`)
 *   strategyConfigFor('random' | 'uncertainty' | 'margin' | 'entropy' | 'disagreement' | 'hybrid', weights, { committee?, thresholds? })
 *     uncertainty = least confidence, max over tags; margin (to the model's per-tag thresholds,
 *     state.thresholds; 0.5 without), entropy = mean over tags;
 *     disagreement = committee mean-KL when a committee exists, else crowd posterior entropy;
 *     hybrid = blend(entropy, disagreement, novelty, votesNeeded) + batch diversity λ = 0.3
 *   queuePriorities({ n, t, candidates, labelled, probs, embedding?, h?, posteriors?, hasVotes?,
 *                     votesNeeded?, committee? }, strategy, weights, rng) → { rows, priority, terms, order }
 *     the live queue serves `order` (priority desc, id); simulate labels order[0, batch)
 *
 * ## Simulation (`chorus simulate`)
 *   simulateLoop({ x, n, d, y (0/1), t }, { strategy: 'random' | 'uncertainty' | 'margin' |
 *                'disagreement' | 'hybrid', seed = 1, initial = 20, batch = 20, rounds = 10,
 *                annotators = 1, annotatorAccuracy = 1, testFraction = 0.25, committeeSize = 5, model? })
 *     → { curve: [{ labels_used, micro_f1, macro_f1, subset_accuracy, hamming_loss }], labeledOrder, testIndices }
 *     Each round labels simulationPicks(): the live queue's order (queuePriorities) over the pool,
 *     with the model's probabilities and embeddings; 'disagreement' trains a 5-member bootstrap
 *     committee (the live queue keeps none yet, so live it is the crowd's disagreement).
 *   runSimulateCli(argv, { stdout, stderr }) → exit code (simulate-cli.ts; reads/writes files)
 *   parseSimulationCsv(text, labelColumns) → { data, features }
 *   makeSyntheticMoodData({ n, d, t, seed, prevalence?, separation?, noise? }) → { x, y, n, d, t, tags }
 */
export * from './uncertainty';
export * from './disagreement';
export * from './diversity';
export * from './priority';
export * from './select';
export * from './policy';
export * from './simulate';
export * from './synthetic';
