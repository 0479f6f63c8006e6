/**
 * The recommender inside a running process: which ANN back-end this database supports, the
 * {@link IndexRegistry} that serves the active embedding version, and short-lived caches of
 * what every request would otherwise re-read (mood source and directions, loudness
 * quantiles, play counts).
 *
 * One instance per database handle per process, kept on globalThis (Next.js may load this
 * module in several bundles). In a multi-process deployment each process notices a version
 * switch on its own: every request looks at the active `embedding_versions` row at most once
 * per `checkIntervalMs` (a one-row indexed read), and when it changed, builds the new index
 * in the background while requests keep being served — start to finish — by the old one
 * (`IndexRegistry.switchTo` swaps one reference after a complete build). Only the very first
 * request of a process waits for a build.
 *
 * Back-end: pgvector when the database has (or can install) the extension — PGlite always
 * does — else hnswlib in process, built from `clip_embeddings` in batches.
 */
import type { Db, DbHandle } from '@/db/client';
import { AppError } from '@/lib/errors';
import { TokenBucketLimiter, type BucketSpec } from '@/lib/http/rate-limit';
import { logger } from '@/lib/observability/log';
import type { AnnBackend, AnnIndex } from './ann-index';
import { InProcessHnswIndex } from './hnsw-index';
import { IndexRegistry } from './index-registry';
import { detectPgVector, PgVectorIndex, readEmbeddingBatches } from './pgvector-index';
import { runningCanary, sessionInCanary, type Canary } from './canary';
import { experimentRankingFor, experimentVersionFor } from './experiments';
import { EXPLORATION_ARM_KEYS } from './exploration';
import type { RankParams } from './rank';
import type { ArmPosterior } from '@/lib/experiments/bandit';
import { banditCounts, runningExperiment, type Experiment } from '@/lib/experiments/repo';
import { activeEmbeddingVersion, embeddingVersionById, type EmbeddingVersionRow } from '@/lib/embeddings/repo';
import { ensureFeatureEmbeddings } from '@/lib/embeddings/features-repo';
import { lufsQuantiles, moodDirections, moodSource, playCounts, type MoodSource } from './repo';

export interface RecommenderOptions {
  /** How stale the view of the active embedding version may be (default 1 s). */
  checkIntervalMs?: number;
  /** How often to re-run {@link ensureFeatureEmbeddings} while serving (default 5 s; its check is two one-row reads). */
  ensureIntervalMs?: number;
  /** Versions kept in memory for instant rollback, the active one included (default 3). */
  keep?: number;
  /** After a failed build, wait this long before trying that version again (default 30 s). */
  retryBuildMs?: number;
  /** Token buckets of the public listener API; a rate of 0 switches one off. */
  limits?: Partial<Record<ListenLimit, BucketSpec>>;
  /** Force a back-end (tests); default: detect. */
  backend?: AnnBackend;
}

/** Public endpoints a script could hammer: creating sessions (per IP), events (per session), reads (per IP). */
export type ListenLimit = 'sessions' | 'events' | 'reads';

const DEFAULT_LIMITS: Record<ListenLimit, BucketSpec> = {
  sessions: { ratePerSecond: 0.2, burst: 30 },
  events: { ratePerSecond: 5, burst: 30 },
  reads: { ratePerSecond: 20, burst: 120 },
};

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export interface RecommenderStatus {
  backend: AnnBackend | null;
  /** The version this process serves (null before the first recommend/listen request). */
  servingVersion: number | null;
  /** The version the database marks active (served within `checkIntervalMs` once built). */
  activeVersion: { id: number; source: string; dim: number; count: number } | null;
  keptVersions: number[];
  building: number | null;
  lastError: string | null;
}

export class Recommender {
  /** The handle's drizzle database: every query of the recommender goes through it. */
  readonly db: Db;
  readonly registry: IndexRegistry;
  private readonly opts: Required<Omit<RecommenderOptions, 'limits' | 'backend'>>;
  private backendPromise: Promise<AnnBackend> | null = null;
  private resolvedBackend: AnnBackend | null = null;
  private lastCheck = 0;
  private lastEnsure = 0;
  private checking: Promise<void> | null = null;
  private pending: { versionId: number; promise: Promise<AnnIndex> } | null = null;
  private readonly failedAt = new Map<number, number>();
  private lastError: string | null = null;
  private readonly caches = new Map<string, Cached<unknown>>();
  private readonly limiters = new Map<ListenLimit, TokenBucketLimiter>();

  constructor(
    readonly handle: DbHandle,
    private readonly options: RecommenderOptions = {},
  ) {
    this.db = handle.db;
    this.opts = {
      checkIntervalMs: options.checkIntervalMs ?? 1000,
      ensureIntervalMs: options.ensureIntervalMs ?? 5_000,
      keep: options.keep ?? 3,
      retryBuildMs: options.retryBuildMs ?? 30_000,
    };
    this.registry = new IndexRegistry({ keep: this.opts.keep });
    if (options.backend) this.resolvedBackend = options.backend;
  }

  /** pgvector if the database has it (detected once per process), else hnswlib. */
  backend(): Promise<AnnBackend> {
    if (this.resolvedBackend) return Promise.resolve(this.resolvedBackend);
    this.backendPromise ??= detectPgVector(this.db).then((has) => {
      this.resolvedBackend = has ? 'pgvector' : 'hnswlib';
      logger().info({ backend: this.resolvedBackend }, 'recommender back-end');
      return this.resolvedBackend;
    });
    return this.backendPromise;
  }

  /**
   * The index to serve this request with — pin it and use it for every step of the request.
   * Null only when no embedding version exists at all (no model and no features yet).
   */
  async index(): Promise<AnnIndex | null> {
    if (!this.registry.active || Date.now() - this.lastCheck >= this.opts.checkIntervalMs) {
      this.checking ??= this.check().finally(() => {
        this.checking = null;
      });
      if (!this.registry.active) await this.checking;
      else this.checking.catch(() => {});
    }
    return this.registry.active;
  }

  /**
   * The index to serve one listener session with: the running canary's version when the session
   * is in its arm (sticky: see {@link sessionInCanary}), or the version of its arm of a running
   * embedding A/B experiment (./experiments), else the active one. Canary and experiment are
   * re-read at most once per `checkIntervalMs`; once they end, their sessions fall back to the
   * active version (after a promotion that is the canary's). A version that cannot be built is
   * logged and its sessions are served by the active version.
   */
  async indexFor(session: { id: string; createdAt: Date }): Promise<AnnIndex | null> {
    const active = await this.index();
    const canary = await this.cached('canary', this.opts.checkIntervalMs, () => runningCanary(this.db));
    const experiment = canary ? null : await this.runningExperiment();
    const served = canary
      ? [canary.canaryVersion]
      : experiment?.kind === 'embedding'
        ? [experiment.control.embeddingVersion, experiment.treatment.embeddingVersion]
        : [];
    if (this.registry.heldVersions().some((v) => !served.includes(v))) await this.registry.release(served);
    const wanted = canary
      ? sessionInCanary(canary, session)
        ? canary.canaryVersion
        : null
      : experimentVersionFor(experiment, session);
    if (wanted === null || active?.versionId === wanted) return active;
    try {
      return await this.registry.hold(wanted, async () => {
        const version = await embeddingVersionById(this.db, wanted);
        if (!version) throw new Error(`embedding version ${wanted} is gone`);
        return this.build(version);
      });
    } catch (err) {
      this.fail(`building ${canary ? 'canary' : 'experiment'} embedding version ${wanted}`, err);
      return active;
    }
  }

  /** The ranking overrides of the session's arm of a running ranking A/B experiment ({} otherwise). */
  async rankingFor(session: { id: string; createdAt: Date }): Promise<Partial<RankParams>> {
    return experimentRankingFor(await this.runningExperiment(), session);
  }

  private runningExperiment() {
    return this.cached('experiment', this.opts.checkIntervalMs, () => runningExperiment(this.db));
  }

  /** The running canary and A/B experiment, re-read at most once per `checkIntervalMs` (the exploration bandit defers to them). */
  async rollouts(): Promise<{ canary: Canary | null; experiment: Experiment | null }> {
    const canary = await this.cached('canary', this.opts.checkIntervalMs, () => runningCanary(this.db));
    return { canary, experiment: await this.runningExperiment() };
  }

  /** The exploration bandit's counts per arm (./exploration), re-read at most once per `checkIntervalMs`. */
  banditCounts(): Promise<ArmPosterior[]> {
    return this.cached('bandit', this.opts.checkIntervalMs, () => banditCounts(this.db, EXPLORATION_ARM_KEYS));
  }

  /** Looks at the database now and waits until its active version is served (tests, health). */
  async sync(): Promise<AnnIndex | null> {
    if (this.checking) await this.checking.catch(() => {});
    this.lastCheck = 0;
    await this.check();
    if (this.pending) await this.pending.promise.catch(() => {});
    return this.registry.active;
  }

  async status(): Promise<RecommenderStatus> {
    const backend = await this.backend().catch(() => null);
    const active = await activeEmbeddingVersion(this.db);
    return {
      backend,
      servingVersion: this.registry.activeVersion,
      activeVersion: active ? { id: active.id, source: active.source, dim: active.dim, count: active.count } : null,
      keptVersions: this.registry.keptVersions(),
      building: this.pending?.versionId ?? null,
      lastError: this.lastError,
    };
  }

  private async check(): Promise<void> {
    this.lastCheck = Date.now();
    let active = await activeEmbeddingVersion(this.db);
    if (!active || Date.now() - this.lastEnsure >= this.opts.ensureIntervalMs) {
      this.lastEnsure = Date.now();
      try {
        const ensured = await ensureFeatureEmbeddings(this.db);
        if (ensured && ensured.versionId !== active?.id) active = await activeEmbeddingVersion(this.db);
      } catch (err) {
        this.fail('feature embeddings', err);
      }
    }
    if (!active || active.id === this.registry.activeVersion) return;
    if (this.pending?.versionId !== active.id) {
      const failed = this.failedAt.get(active.id);
      if (failed !== undefined && Date.now() - failed < this.opts.retryBuildMs) return;
      this.startSwitch(active);
    }
    // Only a process with nothing to serve waits; everyone else keeps the old version meanwhile.
    if (!this.registry.active) await this.pending?.promise.catch(() => {});
  }

  private startSwitch(version: EmbeddingVersionRow): void {
    const started = performance.now();
    const promise = this.registry.switchTo(version.id, () => this.build(version));
    const pending = { versionId: version.id, promise };
    this.pending = pending;
    promise.then(
      (index) => {
        this.failedAt.delete(version.id);
        this.lastError = null;
        logger().info(
          { versionId: version.id, backend: index.backend, size: index.size, ms: Math.round(performance.now() - started) },
          'recommender serves embedding version',
        );
      },
      (err) => {
        this.failedAt.set(version.id, Date.now());
        this.fail(`building embedding version ${version.id}`, err);
      },
    );
    void promise
      .catch(() => {})
      .finally(() => {
        if (this.pending === pending) this.pending = null;
      });
  }

  private async build(version: EmbeddingVersionRow): Promise<AnnIndex> {
    const backend = await this.backend();
    return backend === 'pgvector'
      ? PgVectorIndex.open(this.db, version.id, version.dim)
      : InProcessHnswIndex.build(version.id, version.dim, readEmbeddingBatches(this.db, version.id), { expectedSize: version.count });
  }

  private fail(what: string, err: unknown): void {
    this.lastError = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    logger().error({ err }, `recommender: ${what} failed`);
  }

  /** A value cached for `ttlMs` under `key` (a failed load is forgotten at once). */
  cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = this.caches.get(key) as Cached<T> | undefined;
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = load();
    this.caches.set(key, { at: Date.now(), value });
    value.catch(() => this.caches.delete(key));
    return value;
  }

  /** Forgets cached reads (mood source and directions, quantiles, play counts), e.g. right after a model push in tests. */
  clearCaches(): void {
    this.caches.clear();
  }

  moodSource(): Promise<MoodSource | null> {
    return this.cached('mood-source', 5_000, () => moodSource(this.db));
  }

  /** Mood directions per tag for one version and source; cached 10 min (model) or 2 min (crowd labels move). */
  async moodDirections(versionId: number, source: MoodSource, tags: readonly string[], versionSize = 0): Promise<Record<string, number[]>> {
    const sourceKey = source.kind === 'model' ? `model:${source.modelId}` : 'crowd';
    const ttl = source.kind === 'model' ? 600_000 : 120_000;
    const parts = await Promise.all(
      [...tags].sort().map((tag) =>
        this.cached(`mood:${versionId}:${sourceKey}:${tag}`, ttl, () => moodDirections(this.db, versionId, source, [tag], versionSize)),
      ),
    );
    return Object.assign({}, ...parts) as Record<string, number[]>;
  }

  lufsQuantiles(): Promise<number[]> {
    return this.cached('lufs-quantiles', 60_000, () => lufsQuantiles(this.db));
  }

  playCounts(): Promise<Map<string, number>> {
    return this.cached('play-counts', 30_000, () => playCounts(this.db));
  }

  /** Takes a token from a listener-API bucket or throws RATE_LIMITED (429, Retry-After). */
  limit(name: ListenLimit, key: string): void {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new TokenBucketLimiter(this.options.limits?.[name] ?? DEFAULT_LIMITS[name]);
      this.limiters.set(name, limiter);
    }
    const result = limiter.take(key);
    if (result.allowed) return;
    const retryAfter = Math.max(1, Math.ceil(result.retryAfterS));
    throw new AppError('RATE_LIMITED', `Too many requests; try again in ${retryAfter} s`, { retryAfterS: retryAfter }, { retryAfterS: retryAfter });
  }
}

const holder = globalThis as unknown as { __chorusRecommenders?: WeakMap<DbHandle, Recommender> };

/** This process's recommender for a database handle (created on first use). */
export function recommenderFor(handle: DbHandle, options?: RecommenderOptions): Recommender {
  holder.__chorusRecommenders ??= new WeakMap();
  let rec = holder.__chorusRecommenders.get(handle);
  if (!rec) {
    rec = new Recommender(handle, options);
    holder.__chorusRecommenders.set(handle, rec);
  }
  return rec;
}

/** Tests: start over with other options (intervals, limits, a forced back-end). */
export function resetRecommender(handle: DbHandle, options?: RecommenderOptions): Recommender {
  holder.__chorusRecommenders ??= new WeakMap();
  const rec = new Recommender(handle, options);
  holder.__chorusRecommenders.set(handle, rec);
  return rec;
}

/** The process's recommender on the app's database. */
export async function getRecommender(): Promise<Recommender> {
  const { getDbHandle } = await import('@/db');
  return recommenderFor(await getDbHandle());
}


/** Engineers and admins get scores and signal values (see `Audience` in ./service); everyone else the plain answer. */
export function audienceOf(user: { role: string }): { detail: boolean } {
  return { detail: user.role === 'engineer' || user.role === 'admin' };
}

/** JSON with the serving embedding version also in a header (`x-chorus-embedding-version`), never cached. */
export function versionedJson(body: { embeddingVersion: number | null }, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('x-chorus-embedding-version', body.embeddingVersion === null ? 'none' : String(body.embeddingVersion));
  headers.set('cache-control', 'no-store');
  return Response.json(body, { ...init, headers });
}
