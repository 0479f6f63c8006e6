import { createRng, gaussian, type Rng } from '@/lib/util/random';
import type { EmbeddingRow } from '@/lib/recommend/ann-index';

/** Deterministic uuid for row i (clip_id is a uuid column). */
export function clipUuid(i: number, version = 0): string {
  return `00000000-0000-4000-8${version.toString(16).padStart(3, '0')}-${i.toString(16).padStart(12, '0')}`;
}

/** n×dim standard-normal matrix, row-major. */
export function gaussianMatrix(n: number, dim: number, rng: Rng): Float32Array {
  const m = new Float32Array(n * dim);
  for (let i = 0; i < m.length; i++) m[i] = gaussian(rng);
  return m;
}

export function randomVector(dim: number, rng: Rng): Float32Array {
  return gaussianMatrix(1, dim, rng);
}

export function row(matrix: Float32Array, dim: number, i: number): Float32Array {
  return matrix.subarray(i * dim, (i + 1) * dim);
}

/** The matrix as batches of {id, embedding}, as the table reader yields them. */
export function* batchesOf(matrix: Float32Array, dim: number, ids: string[], batchSize = 500): Generator<EmbeddingRow[]> {
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch: EmbeddingRow[] = [];
    for (let i = start; i < Math.min(ids.length, start + batchSize); i++) batch.push({ id: ids[i], embedding: row(matrix, dim, i) });
    yield batch;
  }
}

/** Tab-separated COPY text for clip_embeddings(version_id, clip_id, embedding). */
export function copyText(matrix: Float32Array, dim: number, ids: string[], versionId: number): string {
  const lines: string[] = [];
  for (let i = 0; i < ids.length; i++) lines.push(`${versionId}\t${ids[i]}\t{${Array.from(row(matrix, dim, i)).join(',')}}`);
  return lines.join('\n') + '\n';
}

export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS clip_embeddings (
  version_id integer NOT NULL,
  clip_id uuid NOT NULL,
  embedding real[] NOT NULL,
  PRIMARY KEY (version_id, clip_id))`;

export { createRng };
