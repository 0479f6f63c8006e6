/**
 * Which embedding version serves recommendations, switched atomically.
 */
import type { AnnIndex, AnnSearchOptions, VersionedAnnResult } from './ann-index';

export interface IndexRegistryOptions {
  /** Versions kept in memory, the active one included, for instant rollback (default 3). */
  keep?: number;
  /** Called with each version that falls out of the kept set (e.g. to drop its pgvector index). */
  onEvict?: (index: AnnIndex) => void | Promise<void>;
}

/**
 * Holds the active ANN index and the last `keep` versions.
 *
 * Atomicity: `switchTo` builds the new index completely, then replaces one
 * reference. `search` reads that reference once, synchronously, before its
 * first await, so a request is served start to finish by a single index —
 * readers in flight keep the old object (it is garbage-collected after them)
 * and every answer carries the version that produced it. Switches are
 * serialised so two concurrent pushes cannot land out of order.
 */
export class IndexRegistry {
  private current: AnnIndex | null = null;
  /** Kept versions in activation order, most recent last. */
  private readonly kept = new Map<number, AnnIndex>();
  /** Versions served beside the active one (canaries), never active. */
  private readonly held = new Map<number, AnnIndex>();
  private readonly holding = new Map<number, Promise<AnnIndex>>();
  private switching: Promise<unknown> = Promise.resolve();
  private readonly keep: number;
  private readonly onEvict?: (index: AnnIndex) => void | Promise<void>;

  constructor(options: IndexRegistryOptions = {}) {
    this.keep = options.keep ?? 3;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new RangeError('keep must be a positive integer');
    this.onEvict = options.onEvict;
  }

  get active(): AnnIndex | null {
    return this.current;
  }

  get activeVersion(): number | null {
    return this.current?.versionId ?? null;
  }

  /** Kept version ids, oldest activation first. */
  keptVersions(): number[] {
    return [...this.kept.keys()];
  }

  /**
   * Make `versionId` active. A kept version is reused as is; otherwise
   * `build` runs to completion first and the swap happens only if it
   * succeeds — a failed build leaves the previous version serving.
   */
  switchTo(versionId: number, build: () => Promise<AnnIndex>): Promise<AnnIndex> {
    const next = this.switching.then(async () => {
      const index = this.kept.get(versionId) ?? this.held.get(versionId) ?? (await build());
      this.held.delete(versionId);
      if (index.versionId !== versionId) {
        throw new Error(`built index reports version ${index.versionId}, expected ${versionId}`);
      }
      await this.activate(index);
      return index;
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  /**
   * A version served beside the active one without becoming active (a canary): built once, kept
   * until {@link release}; a later `switchTo` it (promotion) reuses it. A failed build is not
   * kept, so the next call tries again.
   */
  hold(versionId: number, build: () => Promise<AnnIndex>): Promise<AnnIndex> {
    const ready = this.held.get(versionId) ?? (this.current?.versionId === versionId ? this.current : undefined);
    if (ready) return Promise.resolve(ready);
    let pending = this.holding.get(versionId);
    if (!pending) {
      pending = build().then(
        (index) => {
          if (index.versionId !== versionId) throw new Error(`built index reports version ${index.versionId}, expected ${versionId}`);
          this.held.set(versionId, index);
          return index;
        },
      ).finally(() => this.holding.delete(versionId));
      this.holding.set(versionId, pending);
    }
    return pending;
  }

  /** Versions held beside the active one. */
  heldVersions(): number[] {
    return [...this.held.keys()];
  }

  /** Drops held versions other than `keep` (a canary that ended). */
  async release(keep: readonly number[] = []): Promise<void> {
    for (const [version, index] of this.held) {
      if (keep.includes(version)) continue;
      this.held.delete(version);
      await this.onEvict?.(index);
    }
  }

  /** Re-activate a kept version without rebuilding (default: the one before the active). */
  rollback(versionId?: number): Promise<AnnIndex> {
    const versions = this.keptVersions();
    const target = versionId ?? versions[versions.length - 2];
    if (target === undefined || !this.kept.has(target)) {
      return Promise.reject(new Error(`version ${target ?? '(none)'} is not kept; kept: ${versions.join(', ')}`));
    }
    return this.switchTo(target, () => Promise.reject(new Error('unreachable: kept version')));
  }

  /**
   * The active index, for a request that makes several calls (e.g.
   * `getVector(seed)` then `search`): use the pinned object for all of them
   * so they hit one version even if a switch lands in between.
   */
  pin(): AnnIndex {
    if (!this.current) throw new Error('no embedding version is active');
    return this.current;
  }

  /** Search the active version; rejects when no version is active yet. */
  async search(query: Float32Array, k: number, options?: AnnSearchOptions): Promise<VersionedAnnResult> {
    const index = this.pin();
    const result = await index.search(query, k, options);
    return { ...result, versionId: index.versionId, backend: index.backend };
  }

  private async activate(index: AnnIndex): Promise<void> {
    this.kept.delete(index.versionId);
    this.kept.set(index.versionId, index);
    this.current = index;
    const evicted: AnnIndex[] = [];
    for (const [version, old] of this.kept) {
      if (this.kept.size <= this.keep) break;
      this.kept.delete(version);
      evicted.push(old);
    }
    for (const old of evicted) await this.onEvict?.(old);
  }
}
