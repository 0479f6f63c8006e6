/**
 * The approximate-nearest-neighbour seam. Two back-ends implement it:
 * pgvector's HNSW inside PostgreSQL/PGlite (`PgVectorIndex`,
 * ./pgvector-index.ts) and hnswlib in process (`InProcessHnswIndex`,
 * ./hnsw-index.ts) for servers without the extension. `IndexRegistry`
 * (./index-registry.ts) swaps versions atomically over either.
 *
 * Distances are cosine distances, 1 − cos(q, x) ∈ [0, 2], ascending — what
 * both hnswlib's `cosine` space and pgvector's `<=>` return.
 */

export type AnnBackend = 'pgvector' | 'hnswlib';

export interface AnnSearchOptions {
  /**
   * Ids to leave out (already played, the seed clip). Both back-ends
   * over-fetch k + |excludeIds| and drop them, which stays exact with
   * respect to the index's own ranking and needs no per-node callbacks.
   */
  excludeIds?: readonly string[];
  /** Also return each hit's embedding (for session similarity and MMR). */
  withVectors?: boolean;
}

export interface AnnResult {
  ids: string[];
  distances: number[];
  /** Present when `withVectors` was asked for; hnswlib returns unit vectors. */
  vectors?: Float32Array[];
}

/** One row of an embedding set, as read from `clip_embeddings`. */
export interface EmbeddingRow {
  id: string;
  embedding: ArrayLike<number>;
}

/** Embeddings arrive in batches so a million rows never sit in memory as JS objects at once. */
export type EmbeddingBatches = AsyncIterable<readonly EmbeddingRow[]> | Iterable<readonly EmbeddingRow[]>;

/**
 * An immutable ANN index over one embedding version. `search` is async
 * because the pgvector back-end is a database round-trip; the hnswlib
 * back-end resolves synchronously-computed results.
 */
export interface AnnIndex {
  readonly backend: AnnBackend;
  readonly dim: number;
  readonly size: number;
  readonly versionId: number;
  search(query: Float32Array, k: number, options?: AnnSearchOptions): Promise<AnnResult>;
  /** The stored embedding of one clip (for "similar to this clip"), or null. */
  getVector(id: string): Promise<Float32Array | null>;
}

/** A search answer stamped with the version that served it. */
export interface VersionedAnnResult extends AnnResult {
  versionId: number;
  backend: AnnBackend;
}

export function assertVersionId(versionId: number): void {
  // Version ids are spliced into index names and partial-index predicates
  // (the planner only matches a partial index against a literal).
  if (!Number.isSafeInteger(versionId) || versionId < 0) {
    throw new RangeError(`versionId must be a non-negative integer, got ${versionId}`);
  }
}

export function assertDim(dim: number): void {
  // pgvector's HNSW indexes up to 2,000 dimensions of type vector.
  if (!Number.isInteger(dim) || dim < 1 || dim > 2000) throw new RangeError(`dim must be an integer in [1, 2000], got ${dim}`);
}
