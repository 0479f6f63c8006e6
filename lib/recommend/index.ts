/**
 * Recommender: mood-embedding nearest neighbours blended with listener
 * feedback, with a "why" on every answer.
 *
 * ## Pieces
 *
 * | module | what | pure? |
 * |---|---|---|
 * | vector-math | `dot`, `norm`, `normalize`, `cosine`, `exactKnn` (brute-force reference), `recallAtK` | yes |
 * | session | `createSession`, `updateSessionVector`, `sessionDirection`, `replaySession`, `eventWeight`, `parseSessionState` | yes |
 * | rank | `rankCandidates`, `retrievalQuery`, `moodTarget`, `moodMatch`, `cooccurrenceScores` | yes |
 * | ann-index | `AnnIndex`, result/option types | — |
 * | hnsw-index | `InProcessHnswIndex` (hnswlib-node, in process) | no |
 * | pgvector-index | `PgVectorIndex`, `detectPgVector`, `readEmbeddingBatches`, `dropPgVectorIndex` | no (SQL) |
 * | index-registry | `IndexRegistry`: atomic version switch, rollback, version-stamped answers | no |
 *
 * ## Signatures
 *
 * ```ts
 * // ANN back-ends (cosine distance 1 − cos, ascending)
 * interface AnnIndex {
 *   backend: 'pgvector' | 'hnswlib'; dim: number; size: number; versionId: number;
 *   search(query: Float32Array, k: number, options?: { excludeIds?: readonly string[]; withVectors?: boolean })
 *     : Promise<{ ids: string[]; distances: number[]; vectors?: Float32Array[] }>;
 *   getVector(id: string): Promise<Float32Array | null>;
 * }
 * // db: the drizzle `Db` or an open transaction (`DbOrTx`, db/client.ts)
 * detectPgVector(db): Promise<boolean>
 * PgVectorIndex.open(db, versionId, dim, params?: Partial<PgVectorParams>): Promise<PgVectorIndex>
 * readEmbeddingBatches(db, versionId, batchSize = 2000): AsyncGenerator<{ id, embedding }[]>
 * dropPgVectorIndex(db, versionId): Promise<void>
 * InProcessHnswIndex.build(versionId, dim, batches: (Async)Iterable<{ id, embedding }[]>,
 *                          { params?, expectedSize?, onProgress? }): Promise<InProcessHnswIndex>
 *
 * // Versions
 * new IndexRegistry({ keep = 3, onEvict? })
 *   .switchTo(versionId, build: () => Promise<AnnIndex>): Promise<AnnIndex>  // build fully, then swap one reference
 *   .rollback(versionId?): Promise<AnnIndex>                                  // kept versions only, no rebuild
 *   .search(query, k, options?): Promise<AnnResult & { versionId; backend }>
 *   .pin(): AnnIndex   // one version for a multi-call request
 *   .active / .activeVersion / .keptVersions()
 *
 * // Session (JSON-serialisable state, store it as jsonb)
 * createSession(dim, embeddingVersion = null): SessionState
 * updateSessionVector(state, event: { type: 'play'|'skip'|'like'|'dislike'; clipId; at; positionS?; durationS?; tempoBpm? },
 *                     embedding | null, params = DEFAULT_SESSION_PARAMS): SessionState
 * sessionDirection(state, embeddingVersion?): Float32Array | null   // null if built in another version
 * replaySession(events, embeddingOf: (clipId) => Vec | null, dim, embeddingVersion, params?): SessionState
 *
 * // Ranking
 * retrievalQuery({ personalization, session?, embeddingVersion?, seed?, moodBlend? }, moodCentroids?, weights?): Float32Array | null
 * rankCandidates(candidates: Candidate[], context: RankContext, params = DEFAULT_RANK_PARAMS)
 *   : { clipId; score; why; components: { session; seed; mood; cooccurrence; novelty; redundancy } }[]
 * ```
 *
 * ## Wiring (what the app does per request)
 *
 * At start: `backend = (await detectPgVector(db)) ? 'pgvector' : 'hnswlib'` —
 * report it in /api/health together with `registry.activeVersion`. Then
 * `registry.switchTo(v, () => backend === 'pgvector'
 *    ? PgVectorIndex.open(db, v, dim)
 *    : InProcessHnswIndex.build(v, dim, readEmbeddingBatches(db, v), { expectedSize }))`
 * for the active embedding version, and again on every version switch or
 * rollback. In a multi-process deployment each process does this when it
 * sees the active version change in the database.
 *
 * Per "next tracks" request:
 * 1. `index = registry.pin()`; if a seed clip is given, `seed = await index.getVector(clipId)`.
 * 2. `q = retrievalQuery(ctx, moodCentroids)` (null → fall back to a mood-probability SQL query).
 * 3. `res = await index.search(q, 200, { excludeIds: ctx.personalization ? session.seen : [seedId], withVectors: true })`.
 * 4. Join metadata for `res.ids` (artist, per-tag probabilities, tempo, energy, popularity) and
 *    co-occurrence (`cooccurrenceScores` or SQL), build `Candidate[]`.
 * 5. `rankCandidates(candidates, { ...ctx, embeddingVersion: index.versionId })`; answer with
 *    `index.versionId` so the client knows which embedding version served it.
 * Feedback event: load the session, `updateSessionVector(state, event, embedding)`, store it. When
 * `state.embeddingVersion` is not the active version, rebuild it first with `replaySession` from the
 * stored events (a session vector from another model's space is ignored by ranking until then).
 *
 * `personalization: false` → pass it through unchanged: `retrievalQuery` and `rankCandidates` then
 * read neither the session nor co-occurrence, so the answer depends on the request only.
 *
 * Next.js: hnswlib-node is a native addon — list it in `serverExternalPackages`.
 */
export * from './vector-math';
export * from './session';
export * from './rank';
export type {
  AnnBackend,
  AnnIndex,
  AnnResult,
  AnnSearchOptions,
  EmbeddingBatches,
  EmbeddingRow,
  VersionedAnnResult,
} from './ann-index';
export { InProcessHnswIndex, DEFAULT_HNSW_PARAMS, type HnswParams, type HnswBuildOptions } from './hnsw-index';
export {
  PgVectorIndex,
  DEFAULT_PGVECTOR_PARAMS,
  type PgVectorParams,
  detectPgVector,
  readEmbeddingBatches,
  dropPgVectorIndex,
  pgVectorIndexName,
} from './pgvector-index';
export { IndexRegistry, type IndexRegistryOptions } from './index-registry';
