/**
 * In-process HNSW index (hnswlib-node) for servers whose PostgreSQL lacks
 * pgvector. Built from the `clip_embeddings` rows of one version, streamed
 * in batches; immutable once built (a new version builds a new index and the
 * registry swaps the reference).
 */
import hnswlib from 'hnswlib-node';
import { normalize } from './vector-math';
import { assertDim, assertVersionId, type AnnIndex, type AnnResult, type AnnSearchOptions, type EmbeddingBatches } from './ann-index';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface HnswParams {
  /** Max out-links per node per layer (layer 0 gets 2M): ≈ 8M bytes of links per node. */
  m: number;
  /** Candidate-list size while inserting; higher = better graph, slower build. */
  efConstruction: number;
  /** Candidate-list size while searching (raised to k when k is larger). */
  efSearch: number;
  randomSeed: number;
}

/**
 * Tuned with bench/recommend.ts (128-d embeddings on a 32-d latent
 * manifold; bench/results/recommend.md): with M = 16 and efConstruction =
 * 200, efSearch = 100 gives recall@10 = 0.990 at 10⁶ tracks (0.924 at 40)
 * for 0.36 ms per top-10 search. efConstruction = 100 would build ≈ 30 %
 * faster; 200 keeps the margin at 10⁶. "next tracks" asks for k = 200, which
 * raises ef to 200 (recall 0.999).
 */
export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 200, efSearch: 100, randomSeed: 100 };

export interface HnswBuildOptions {
  params?: Partial<HnswParams>;
  /** Rows expected; pre-sizes the graph (it still grows by doubling if exceeded). */
  expectedSize?: number;
  /** Called after each batch with the number of rows indexed so far. */
  onProgress?: (indexed: number) => void;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Longest stretch the build holds the event loop (hnswlib's addPoint is synchronous). */
const BUILD_SLICE_MS = 10;

/**
 * HNSW graph (Malkov & Yashunin, "Efficient and robust approximate nearest
 * neighbor search using Hierarchical Navigable Small World graphs", IEEE
 * TPAMI 2020) in hnswlib's cosine space. Clip ids (uuid strings) map to
 * dense integer labels 0…n−1 in insertion order.
 *
 * A JS-side copy of the unit vectors backs `withVectors` and `getVector`:
 * hnswlib's `getPoint` builds a JS array through one N-API call per point
 * (≈ 10 µs each, 2 ms for a 200-candidate answer), the copy is a memcpy.
 *
 * Build O(n·log n·efConstruction·d); search O(log n·ef·d); memory
 * ≈ n·(8d + 8M) bytes (hnswlib's vectors and links plus the copy) plus the
 * id maps — about 1.2 GB for 10⁶ × 128-d.
 */
export class InProcessHnswIndex implements AnnIndex {
  readonly backend = 'hnswlib' as const;

  private constructor(
    private readonly index: Hnsw,
    private readonly ids: string[],
    private readonly labels: Map<string, number>,
    private readonly units: Float32Array,
    readonly versionId: number,
    readonly dim: number,
    private readonly efSearch: number,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  /**
   * Build the index for one version from batches of rows. It yields to the
   * event loop every ~10 ms of inserting, so a web process keeps serving the
   * active version while the next one is built (requests wait at most one
   * slice). Rejects on a wrong dimension, a
   * zero vector (no cosine direction) or a duplicate id — a bad embedding
   * set must fail the switch, not be served half-indexed.
   */
  static async build(
    versionId: number,
    dim: number,
    batches: EmbeddingBatches,
    options: HnswBuildOptions = {},
  ): Promise<InProcessHnswIndex> {
    assertVersionId(versionId);
    assertDim(dim);
    const p = { ...DEFAULT_HNSW_PARAMS, ...options.params };
    let capacity = Math.max(1024, options.expectedSize ?? 0);
    const index = new HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: capacity, m: p.m, efConstruction: p.efConstruction, randomSeed: p.randomSeed });
    const ids: string[] = [];
    const labels = new Map<string, number>();
    let sliceStart = performance.now();
    let units = new Float32Array(capacity * dim);
    for await (const batch of batches) {
      for (const row of batch) {
        if (row.embedding.length !== dim) {
          throw new RangeError(`clip ${row.id}: embedding has ${row.embedding.length} dims, expected ${dim}`);
        }
        if (labels.has(row.id)) throw new Error(`clip ${row.id} appears twice in version ${versionId}`);
        const point = Array.isArray(row.embedding) ? (row.embedding as number[]) : Array.from(row.embedding);
        const unit = normalize(point);
        if (!point.every(Number.isFinite) || !unit.some((x) => x !== 0)) {
          throw new RangeError(`clip ${row.id}: embedding is zero or not finite`);
        }
        if (ids.length === capacity) {
          capacity *= 2;
          index.resizeIndex(capacity);
          const grown = new Float32Array(capacity * dim);
          grown.set(units);
          units = grown;
        }
        index.addPoint(point, ids.length);
        units.set(unit, ids.length * dim);
        labels.set(row.id, ids.length);
        ids.push(row.id);
        if (performance.now() - sliceStart > BUILD_SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      options.onProgress?.(ids.length);
    }
    // Trim spare capacity (a subarray would keep the whole buffer alive).
    const used = ids.length === capacity ? units : units.slice(0, ids.length * dim);
    return new InProcessHnswIndex(index, ids, labels, used, versionId, dim, p.efSearch);
  }

  /** The same graph searched with another efSearch (for tuning; no rebuild, shares memory). */
  withEfSearch(efSearch: number): InProcessHnswIndex {
    return new InProcessHnswIndex(this.index, this.ids, this.labels, this.units, this.versionId, this.dim, efSearch);
  }

  /**
   * k nearest by cosine distance, nearest first. Over-fetches k + |excludeIds|
   * and drops the excluded ids. ef is raised to the fetch size, since HNSW
   * cannot return more than ef results.
   */
  async search(query: Float32Array, k: number, options: AnnSearchOptions = {}): Promise<AnnResult> {
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} dims, index has ${this.dim}`);
    const excluded = new Set(options.excludeIds ?? []);
    const fetch = Math.min(this.size, Math.max(0, k) + excluded.size);
    const result: AnnResult = { ids: [], distances: [] };
    if (options.withVectors) result.vectors = [];
    if (fetch === 0) return result;
    this.index.setEf(Math.max(this.efSearch, fetch));
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), fetch);
    for (let i = 0; i < neighbors.length && result.ids.length < k; i++) {
      const id = this.ids[neighbors[i]];
      if (excluded.has(id)) continue;
      result.ids.push(id);
      result.distances.push(distances[i]);
      result.vectors?.push(this.unitVector(neighbors[i]));
    }
    return result;
  }

  /** The clip's embedding, unit-normalised as hnswlib's cosine space stores it. */
  async getVector(id: string): Promise<Float32Array | null> {
    const label = this.labels.get(id);
    return label === undefined ? null : this.unitVector(label);
  }

  private unitVector(label: number): Float32Array {
    return this.units.slice(label * this.dim, (label + 1) * this.dim);
  }
}
