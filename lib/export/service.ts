import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Db, DbOrTx } from '@/db/client';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { env } from '@/lib/env';
import { AppError, badRequest, notFound, unprocessable } from '@/lib/errors';
import { activeEmbeddingVersion } from '@/lib/embeddings/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import type { AgreementFigure } from './datasheet';
import { MANIFEST_FILE, manifestSchema, type SnapshotManifest } from './layout';
import {
  activeModel,
  failInterruptedBuilds,
  getSnapshotRow,
  getSnapshotWithJob,
  insertSnapshot,
  iterateExportRecords,
  iterateSplitCandidates,
  latestAgreement,
  listSnapshotRows,
  markSnapshotFailed,
  markSnapshotReady,
  recordSplits,
  reopenSnapshot,
  setSnapshotJob,
  startInlineRun,
  taxonomyContext,
  updateRun,
  type ClipSelection,
  type SnapshotRow,
  type SnapshotWithJob,
} from './repo';
import { SPLITS, type ExportFormat, type ExportRow, type Split } from './row';
import {
  CreateSnapshotSchema,
  SnapshotFiltersSchema,
  type CreateSnapshot,
  type CreateSnapshotInput,
  type SnapshotView,
} from './schemas';
import { readManifest, SnapshotExistsError, writeSnapshot } from './snapshot';
import { assignStableSplitsFlat, DEFAULT_SPLIT_PROPORTIONS } from './splits';
import { readUuidBytes, writeUuidBytes } from '@/lib/util/uuid-bytes';
import { mapClipLabels, planTagMapping, type TagPlan } from './taxonomy-map';
import { dict } from '@/lib/util/dict';

/**
 * Dataset snapshots end to end: define (filters, formats, columns) → a `building` row with the
 * next version of its name → a build that streams the selected clips from the database into
 * `writeSnapshot` → `ready` with its manifest, or `failed` with the reason. Used by the export
 * job, the API and `chorus export`.
 */

/** Seed of the stratifier's tie-breaking for new clips (recorded in the card). */
export const SPLIT_SEED = 1;

/** `<CHORUS_DATA_DIR>/snapshots`; `./.data/snapshots` when the database lives in memory. */
export function snapshotsRoot(): string {
  const dataDir = env().dataDir;
  return dataDir.startsWith('memory://') ? path.resolve('.data', 'snapshots') : path.join(dataDir, 'snapshots');
}

export type ResolvedFilters = ClipSelection['filters'];

/** Fills in the taxonomy version (the active one by default) and checks that it exists. */
export async function resolveFilters(db: DbOrTx, raw: unknown): Promise<ResolvedFilters> {
  const filters = SnapshotFiltersSchema.parse(raw ?? {});
  const version = filters.taxonomyVersion ?? (await getActiveTaxonomy(db)).version;
  const { tagsByVersion } = await taxonomyContext(db);
  if (!tagsByVersion.has(version)) throw unprocessable(`Taxonomy version ${version} does not exist`);
  return { ...filters, taxonomyVersion: version };
}

export interface CreateOptions {
  userId: string | null;
  /** Queues the build; returns the job id. */
  enqueue: (snapshotId: string) => Promise<string | null>;
  root?: string;
}

/**
 * Registers a snapshot (next version of its name, `building`) and queues its build. 409 when a
 * build of the same name is running; a build whose job died is marked failed first.
 */
export async function createSnapshot(
  db: Db,
  input: CreateSnapshotInput,
  options: CreateOptions,
): Promise<{ snapshot: SnapshotView; jobId: string | null }> {
  const def = CreateSnapshotSchema.parse(input);
  const filters = await resolveFilters(db, def.filters);
  const root = options.root ?? snapshotsRoot();
  await failInterruptedBuilds(db, def.name);
  const row = await insertSnapshot(db, {
    ...definition(def, filters),
    createdBy: options.userId,
    pathFor: (version) => path.join(root, def.name, `v${version}`),
  });
  let jobId: string | null;
  try {
    jobId = await options.enqueue(row.id);
  } catch (err) {
    await markSnapshotFailed(db, row.id, `Could not queue the build: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  if (jobId) await setSnapshotJob(db, row.id, jobId);
  return { snapshot: await getSnapshot(db, row.id), jobId };
}

function definition(def: CreateSnapshot, filters: ResolvedFilters) {
  return {
    name: def.name,
    filters: filters as Record<string, unknown>,
    formats: def.formats,
    includeFeatures: def.includeFeatures,
    includeEmbeddings: def.includeEmbeddings,
  };
}

export interface BuildOptions {
  /** Progress in [0, 1] with a message; awaited in order, never concurrently. */
  progress?: (fraction: number, message: string) => Promise<void>;
  signal?: AbortSignal;
  /** Clips per page of the row cursor (default 1,000). */
  pageSize?: number;
  /** Rows per shard file (default: `writeSnapshot`'s 500,000). */
  maxRowsPerFile?: number;
}

/**
 * Builds a registered snapshot. Safe to run twice (a retried job): a ready snapshot is returned
 * as is, a directory completed by an attempt that died before recording it is adopted, and a
 * failed one is reopened unless another build of its name has started since.
 */
export async function buildSnapshot(db: Db, snapshotId: string, options: BuildOptions = {}): Promise<SnapshotManifest> {
  const row = await getSnapshotRow(db, snapshotId);
  if (row.status === 'ready' && row.manifest) return manifestSchema.parse(row.manifest);
  if (row.status === 'failed' && !(await reopenSnapshot(db, snapshotId))) {
    throw new AppError(
      'CONFLICT',
      `Snapshot ${row.name} v${row.version} failed and another build of "${row.name}" has started since`,
    );
  }
  const dir = row.path;
  if (!dir) throw new Error(`snapshot ${snapshotId} has no directory`);
  try {
    const finished = await adoptFinished(row, dir);
    if (finished) {
      await markSnapshotReady(db, snapshotId, finished as unknown as Record<string, unknown>);
      return finished;
    }
    await removeStaging(dir);
    const manifest = await writeRows(db, row, dir, options);
    await markSnapshotReady(db, snapshotId, manifest as unknown as Record<string, unknown>);
    return manifest;
  } catch (err) {
    await markSnapshotFailed(db, snapshotId, err instanceof Error ? err.message : String(err)).catch(() => undefined);
    throw err;
  }
}

async function adoptFinished(row: SnapshotRow, dir: string): Promise<SnapshotManifest | null> {
  if (!(await exists(path.join(dir, MANIFEST_FILE)))) return null;
  const manifest = await readManifest(dir);
  if (manifest.name !== row.name || manifest.version !== row.version) throw new SnapshotExistsError(dir);
  return manifest;
}

/** Staging directories of earlier attempts at this version (`writeSnapshot` names them `.<dir>.partial-*`). */
async function removeStaging(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.partial-`;
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(prefix)) await rm(path.join(parent, name), { recursive: true, force: true });
}

const IDENTITY = 'identity' as const;
type Plan = typeof IDENTITY | TagPlan | null;

async function writeRows(db: Db, row: SnapshotRow, dir: string, options: BuildOptions): Promise<SnapshotManifest> {
  const started = new Date();
  let chain = Promise.resolve();
  const report = (fraction: number, message: string) => {
    if (!options.progress) return;
    chain = chain.then(() => options.progress!(fraction, message)).catch(() => undefined);
  };

  const filters = {
    ...SnapshotFiltersSchema.parse(row.filters),
    taxonomyVersion: Number(row.filters.taxonomyVersion),
  } as ResolvedFilters;
  if (!Number.isInteger(filters.taxonomyVersion)) throw new Error('snapshot filters carry no taxonomy version');
  const labels = labelPlanner(filters, await taxonomyContext(db));

  // Pass 1: ids and hard labels (in the target taxonomy) of every selected clip, for stratified splits.
  report(0.01, 'selecting clips');
  // With a single taxonomy version every label is of that version: no per-clip version lookup.
  const fixedVersion = labels.keysByVersion.size === 1 && labels.keysByVersion.has(labels.target) ? labels.target : undefined;
  const selected = await selectClips(db, { filters, labelVersions: null, fixedVersion }, labels, options.signal, report);
  const expectedRows = selected.count;
  const newAssignments = await assignNewSplits(db, selected, report);

  report(0.09, 'reading the model, agreement and labelling figures');
  const labelVersions = [...selected.includedByVersion.keys()].sort((a, b) => a - b);
  const selection: ClipSelection = { filters, labelVersions, fixedVersion };
  const [model, embeddingVersion, agreement, settings] = await Promise.all([
    activeModel(db),
    row.includeEmbeddings ? activeEmbeddingVersion(db) : Promise.resolve(null),
    latestAgreement(db),
    getProjectSettings(db),
  ]);
  const mapped = labelVersions.filter((v) => v !== labels.target);

  const withFeatures = row.includeFeatures;
  const withEmbedding = row.includeEmbeddings;
  const vectors = {
    extractorVersion: withFeatures ? EXTRACTOR_VERSION : null,
    embeddingVersionId: withEmbedding ? (embeddingVersion?.id ?? null) : null,
  };
  const rows = exportRows(db, selection, vectors, labels, { withFeatures, withEmbedding, pageSize: options.pageSize ?? 1000 });

  const build: Record<string, unknown> = {
    snapshot_id: row.id,
    label_versions: Object.fromEntries(
      [...selected.includedByVersion].sort((a, b) => a[0] - b[0]).map(([v, n]) => [String(v), n]),
    ),
    tag_mapping: Object.fromEntries(
      mapped.map((v) => [String(v), Object.fromEntries([...(labels.planFor(v) as TagPlan)].map(([k, to]) => [k, [...to]]))]),
    ),
    excluded_other_taxonomy: Object.fromEntries([...selected.excludedByVersion].map(([v, n]) => [String(v), n])),
    model: model
      ? { id: model.id, kind: model.kind, feature_version: model.featureVersion, taxonomy_version: model.taxonomyVersion }
      : null,
    embedding_version:
      withEmbedding && embeddingVersion
        ? {
            id: embeddingVersion.id,
            source: embeddingVersion.source,
            dim: embeddingVersion.dim,
            model_id: embeddingVersion.modelId,
          }
        : null,
    features_extractor_version: withFeatures ? EXTRACTOR_VERSION : null,
    splits: {
      seed: SPLIT_SEED,
      proportions: DEFAULT_SPLIT_PROPORTIONS,
      new_assignments: newAssignments,
      kept_from_earlier_snapshots: expectedRows - newAssignments,
    },
    agreement_computed_at: agreement.overall?.computedAt ?? null,
  };

  report(0.1, 'writing files');
  const formats = row.formats as ExportFormat[];
  const manifest = await writeSnapshot({
    dir,
    name: row.name,
    version: row.version,
    formats,
    filters: row.filters,
    columns: { tags: labels.targetKeys, features: withFeatures, embedding: withEmbedding },
    rows: rows.generate,
    expectedRows,
    progressEvery: Math.max(200, Math.ceil(expectedRows / 50)),
    maxRowsPerFile: options.maxRowsPerFile,
    signal: options.signal,
    onProgress: (p) => {
      if (p.phase === 'rows')
        report(
          0.1 + 0.85 * (p.rows / Math.max(1, expectedRows)),
          `wrote ${p.rows.toLocaleString('en-US')} of ${expectedRows.toLocaleString('en-US')} rows`,
        );
      else if (p.phase === 'finalize') report(0.96, `checksums and datasheet (${p.rows.toLocaleString('en-US')} rows)`);
    },
    meta: {
      taxonomy_version: labels.target,
      model_version: model ? String(model.id) : null,
      extractor_version: EXTRACTOR_VERSION,
      created_at: started,
      build,
      datasheet: {
        tag_info: dict(labels.targetTags.map((t) => [t.key, { label: t.label, description: t.description }])),
        label_process: {
          aggregation: describeMethods(Object.fromEntries([...selected.methods].sort((a, b) => b[1] - a[1]))),
          votes: selected.votes,
          annotators: selected.voters.size,
          overlap: settings.overlap,
          gold_rate: settings.goldRate,
          expert_review:
            'Disputed clips and the clips the model was least sure of were reviewed by experts; a share of expert decisions got an independent second opinion.',
        },
        agreement: agreementFiguresOf(agreement),
        splits: { seed: SPLIT_SEED, proportions: { ...DEFAULT_SPLIT_PROPORTIONS } },
        known_limits: knownLimitsOf({
          selected,
          mapped,
          target: labels.target,
          applyMapping: filters.applyMapping,
          withFeatures,
          withEmbedding,
          embeddingVersion,
        }),
      },
    },
  });
  if (rows.dropped() > 0) {
    // Rare (a vector with NaN would have failed validation): say so in the job log rather than fail the snapshot.
    report(0.99, `${rows.dropped()} vectors with non-finite values were written as null`);
  }
  report(1, `${manifest.counts.rows.toLocaleString('en-US')} rows`);
  await chain;
  return manifest;
}

/** How a clip's labels reach the snapshot's taxonomy version: as they are, through a mapping, or not at all. */
function labelPlanner(filters: ResolvedFilters, { tagsByVersion, mappings }: Awaited<ReturnType<typeof taxonomyContext>>) {
  const target = filters.taxonomyVersion;
  const targetTags = tagsByVersion.get(target);
  if (!targetTags) throw unprocessable(`Taxonomy version ${target} does not exist`);
  const targetKeys = targetTags.map((t) => t.key);
  const keysByVersion = new Map([...tagsByVersion].map(([v, list]) => [v, list.map((t) => t.key)]));
  const plans = new Map<number, Plan>();
  const planFor = (version: number): Plan => {
    if (!plans.has(version)) {
      let plan: Plan = null;
      if (version === target) plan = IDENTITY;
      else if (filters.applyMapping && keysByVersion.has(version))
        plan = planTagMapping(version, target, keysByVersion, mappings);
      plans.set(version, plan);
    }
    return plans.get(version)!;
  };
  const mapLabels = (plan: Exclude<Plan, null>, labels: readonly string[], posteriors: Record<string, number>) =>
    plan === IDENTITY
      ? { tags: targetKeys.filter((t) => labels.includes(t)), soft: posteriors }
      : mapClipLabels(plan, targetKeys, labels, posteriors);
  return { target, targetTags, targetKeys, keysByVersion, planFor, mapLabels };
}

type LabelPlanner = ReturnType<typeof labelPlanner>;

/** What pass 1 learns of the selection. */
interface SelectedClips {
  /** Selected clips so far; the arrays below hold `count` entries (and spare capacity). */
  count: number;
  /** 16 bytes a clip (lib/util/uuid-bytes.ts), the label set index and the kept split index (−1: new). */
  ids: Uint8Array;
  labelSetOf: Int32Array;
  kept: Int8Array;
  /** Distinct label sets (in the target taxonomy): most clips share a few dozen. */
  labelSets: string[][];
  labelSetIndex: Map<string, number>;
  includedByVersion: Map<number, number>;
  excludedByVersion: Map<number, number>;
  methods: Map<string, number>;
  voters: Set<string>;
  votes: number;
}

/** A copy of `a` with room for at least `needed` entries (doubling), or `a` when it has room. */
function withRoom<T extends Uint8Array | Int32Array | Int8Array>(a: T, needed: number, make: (length: number) => T): T {
  if (needed <= a.length) return a;
  const grown = make(Math.max(needed, a.length * 2));
  grown.set(a);
  return grown;
}

/**
 * Pass 1: the id and hard labels (in the target taxonomy) of every selected clip, its split if
 * it has one, and the counts the datasheet reports. Flat arrays, about 21 bytes a clip (16 of
 * uuid, a label set index, a split index): objects and id strings per clip cost ~375 bytes.
 */
async function selectClips(
  db: Db,
  selectAny: ClipSelection,
  labels: LabelPlanner,
  signal: AbortSignal | undefined,
  report: (fraction: number, message: string) => void,
): Promise<SelectedClips> {
  const s: SelectedClips = {
    count: 0,
    ids: new Uint8Array(16 * 4096),
    labelSetOf: new Int32Array(4096),
    kept: new Int8Array(4096),
    labelSets: [],
    labelSetIndex: new Map(),
    includedByVersion: new Map(),
    excludedByVersion: new Map(),
    methods: new Map(),
    voters: new Set(),
    votes: 0,
  };
  for await (const page of iterateSplitCandidates(db, selectAny)) {
    signal?.throwIfAborted();
    const needed = s.count + page.length;
    s.ids = withRoom(s.ids, needed * 16, (n) => new Uint8Array(n));
    s.labelSetOf = withRoom(s.labelSetOf, needed, (n) => new Int32Array(n));
    s.kept = withRoom(s.kept, needed, (n) => new Int8Array(n));
    for (const c of page) {
      const plan = labels.planFor(c.labelVersion);
      if (plan === null) {
        s.excludedByVersion.set(c.labelVersion, (s.excludedByVersion.get(c.labelVersion) ?? 0) + 1);
        continue;
      }
      s.includedByVersion.set(c.labelVersion, (s.includedByVersion.get(c.labelVersion) ?? 0) + 1);
      const tags = plan === IDENTITY ? c.labels : labels.mapLabels(plan, c.labels, {}).tags;
      const key = tags.join('\u0000');
      let set = s.labelSetIndex.get(key);
      if (set === undefined) {
        set = s.labelSets.push(tags) - 1;
        s.labelSetIndex.set(key, set);
      }
      writeUuidBytes(c.id, s.ids, s.count * 16);
      s.labelSetOf[s.count] = set;
      s.kept[s.count] = c.existingSplit ? SPLITS.indexOf(c.existingSplit) : -1;
      s.count++;
      for (const v of c.voters) s.voters.add(v);
      s.votes += c.voteCount;
      if (c.method) s.methods.set(c.method, (s.methods.get(c.method) ?? 0) + 1);
    }
    report(0.05, `selected ${s.count.toLocaleString('en-US')} clips`);
  }
  return s;
}

/**
 * Stratified splits for the clips that have none yet, recorded in the split registry; returns how
 * many this build recorded. The planning state is dropped before the rows stream: pass 2 holds
 * one page, not the selection.
 */
async function assignNewSplits(
  db: Db,
  selected: SelectedClips,
  report: (fraction: number, message: string) => void,
): Promise<number> {
  const n = selected.count;
  const kept = selected.kept.subarray(0, n);
  const splits = assignStableSplitsFlat(
    { ids: selected.ids.subarray(0, n * 16), labelSetOf: selected.labelSetOf.subarray(0, n), labelSets: selected.labelSets, kept },
    { seed: SPLIT_SEED, proportions: DEFAULT_SPLIT_PROPORTIONS },
  );
  let fresh = 0;
  for (let i = 0; i < n; i++) if (kept[i] < 0) fresh++;
  report(0.08, `recording ${fresh.toLocaleString('en-US')} new split assignments`);
  // A concurrent build may have recorded some first; rows read the registry, so its split stands.
  // Written 10,000 at a time, so only one batch of id strings exists at once.
  let lost = 0;
  let batch: { clipId: string; split: Split }[] = [];
  for (let i = 0; i < n; i++) {
    if (kept[i] >= 0) continue;
    batch.push({ clipId: readUuidBytes(selected.ids, i * 16), split: SPLITS[splits[i]] });
    if (batch.length === 10_000) {
      lost += (await recordSplits(db, batch)).length;
      batch = [];
    }
  }
  if (batch.length > 0) lost += (await recordSplits(db, batch)).length;
  // The planning state is dropped before the rows stream: pass 2 holds one page, not the selection.
  selected.ids = new Uint8Array(0);
  selected.labelSetOf = new Int32Array(0);
  selected.kept = new Int8Array(0);
  selected.labelSetIndex.clear();
  return fresh - lost;
}

/** The datasheet's "known limits": mapped and excluded clips, missing feature and embedding cells. */
function knownLimitsOf(c: {
  selected: SelectedClips;
  mapped: number[];
  target: number;
  applyMapping: boolean | undefined;
  withFeatures: boolean;
  withEmbedding: boolean;
  embeddingVersion: { id: number } | null;
}): string[] {
  const { includedByVersion, excludedByVersion } = c.selected;
  const knownLimits: string[] = [];
  for (const v of c.mapped) {
    knownLimits.push(
      `${(includedByVersion.get(v) ?? 0).toLocaleString('en-US')} clips were labelled under taxonomy version ${v} and mapped to version ${c.target} through the tag mappings (merged tags take the largest posterior, split tags copy it); their posteriors were not re-estimated, and target tags nothing maps onto are null for them.`,
    );
  }
  const excluded = [...excludedByVersion].reduce((a, [, n]) => a + n, 0);
  if (excluded > 0) {
    knownLimits.push(
      `${excluded.toLocaleString('en-US')} clips matching the filters were left out because they were labelled under another taxonomy version (${[...excludedByVersion.keys()].sort((a, b) => a - b).join(', ')})${c.applyMapping ? ' with no mapping to this one' : ' and mapping was not requested'}.`,
    );
  }
  if (c.withFeatures) knownLimits.push(`Clips without features of extractor ${EXTRACTOR_VERSION} have a null \`features\` cell.`);
  if (c.withEmbedding) {
    knownLimits.push(
      c.embeddingVersion
        ? `Clips without an embedding in embedding version ${c.embeddingVersion.id} have a null \`embedding\` cell.`
        : 'No embedding version was active when this snapshot was made: the `embedding` column is null throughout.',
    );
  }
  return knownLimits;
}

/** The latest agreement figures as the datasheet states them (none before the first aggregation). */
function agreementFiguresOf(agreement: Awaited<ReturnType<typeof latestAgreement>>): AgreementFigure[] {
  return agreement.overall || agreement.perTag.size > 0
    ? [
        {
          metric: "Krippendorff's alpha",
          overall: agreement.overall?.alpha ?? null,
          per_tag: dict([...agreement.perTag].map(([t, a]) => [t, a.alpha])),
        },
        {
          metric: "Fleiss' kappa",
          overall: agreement.overall?.kappa ?? null,
          per_tag: dict([...agreement.perTag].map(([t, a]) => [t, a.kappa])),
        },
      ]
    : [];
}

/**
 * Pass 2: the snapshot's rows, a page at a time, labels in the target taxonomy. A clip that
 * qualified after planning has no split yet and waits for the next version; a vector with a
 * non-finite value is left out of its row and counted (`dropped`).
 */
function exportRows(
  db: Db,
  selection: ClipSelection,
  vectors: { extractorVersion: string | null; embeddingVersionId: number | null },
  labels: LabelPlanner,
  c: { withFeatures: boolean; withEmbedding: boolean; pageSize: number },
): { generate: () => AsyncGenerator<ExportRow>; dropped: () => number } {
  let droppedVectors = 0;
  const clean = (v: number[] | null) => {
    if (!v) return undefined;
    if (v.every(Number.isFinite)) return v;
    droppedVectors++;
    return undefined;
  };
  async function* generate(): AsyncGenerator<ExportRow> {
    for await (const page of iterateExportRecords(db, selection, vectors, c.pageSize)) {
      for (const r of page) {
        const split = r.split;
        const plan = labels.planFor(r.labelVersion);
        if (!split || plan === null) continue;
        const { tags, soft } = labels.mapLabels(plan, r.labels, r.posteriors);
        const softLabels = dict<number>();
        for (const [t, p] of Object.entries(soft)) softLabels[t] = Math.min(1, Math.max(0, p));
        const out: ExportRow = {
          clip_id: r.id,
          sha256: r.sha256,
          title: r.title,
          artist: r.artist,
          licence: r.licence || 'unknown',
          provenance: r.provenance,
          source: r.source,
          duration_s: r.durationS,
          tags,
          soft_labels: softLabels,
          vote_count: r.voteCount,
          expert_resolved: r.labelState === 'expert_resolved',
          split,
          taxonomy_version: labels.target,
        };
        if (c.withFeatures) {
          const v = clean(r.features);
          if (v) out.features = v;
        }
        if (c.withEmbedding) {
          const v = clean(r.embedding);
          if (v) out.embedding = v;
        }
        yield out;
      }
    }
  }
  return { generate, dropped: () => droppedVectors };
}

const METHOD_NAMES: Record<string, string> = {
  mv: 'majority vote',
  wmv: 'reliability-weighted majority vote',
  ds: 'Dawid–Skene',
  glad: 'GLAD',
  br: 'Dawid–Skene binary relevance',
  expert: 'expert decision',
};

function describeMethods(methods: Record<string, number>): string | undefined {
  const entries = Object.entries(methods);
  if (entries.length === 0) return undefined;
  if (entries.length === 1) return METHOD_NAMES[entries[0][0]] ?? entries[0][0];
  return entries.map(([m, n]) => `${METHOD_NAMES[m] ?? m} (${n.toLocaleString('en-US')} clips)`).join(', ');
}

// ── inline builds (the CLI) ─────────────────────────────────────────────────────────────────

/**
 * Creates and builds a snapshot in this process (no job), writing it to `dir`, which must not
 * exist or be empty. Progress also goes to a `job_runs` row so the web UI can follow it.
 */
export async function exportSnapshotInline(
  db: Db,
  input: CreateSnapshotInput,
  options: { dir: string; userId?: string | null; progress?: (fraction: number, message: string) => void; pageSize?: number },
): Promise<{ manifest: SnapshotManifest; snapshotId: string; dir: string }> {
  const def = CreateSnapshotSchema.parse(input);
  const dir = path.resolve(options.dir);
  const present = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (present && present.length > 0) {
    throw new AppError('CONFLICT', `${dir} is not empty: snapshots are immutable, so give a new or empty directory`);
  }
  const filters = await resolveFilters(db, def.filters);
  await failInterruptedBuilds(db, def.name);
  const row = await insertSnapshot(db, { ...definition(def, filters), createdBy: options.userId ?? null, pathFor: () => dir });
  const jobId = `cli-${randomUUID()}`;
  await startInlineRun(db, jobId, 'export-snapshot');
  await setSnapshotJob(db, row.id, jobId);
  if (present) await rmdir(dir);
  try {
    const manifest = await buildSnapshot(db, row.id, {
      pageSize: options.pageSize,
      progress: async (fraction, message) => {
        options.progress?.(fraction, message);
        await updateRun(db, jobId, { progress: fraction, message });
      },
    });
    await updateRun(db, jobId, { state: 'completed', progress: 1, result: { snapshotId: row.id, rows: manifest.counts.rows } });
    return { manifest, snapshotId: row.id, dir };
  } catch (err) {
    await updateRun(db, jobId, { state: 'failed', error: err instanceof Error ? err.message : String(err) }).catch(
      () => undefined,
    );
    throw err;
  }
}

// ── reading ─────────────────────────────────────────────────────────────────────────────────

export function toSnapshotView(s: SnapshotWithJob, withManifest = false): SnapshotView {
  const { row, job } = s;
  const parsed = row.manifest ? manifestSchema.safeParse(row.manifest) : null;
  const manifest = parsed?.success ? parsed.data : null;
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status,
    formats: row.formats as ExportFormat[],
    filters: row.filters,
    includeFeatures: row.includeFeatures,
    includeEmbeddings: row.includeEmbeddings,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt ? row.finishedAt.toISOString() : null,
    createdBy: row.createdBy,
    job,
    counts: manifest
      ? {
          rows: manifest.counts.rows,
          per_split: manifest.counts.per_split,
          per_tag: manifest.counts.per_tag,
          expert_resolved: manifest.counts.expert_resolved,
        }
      : null,
    taxonomyVersion: manifest?.taxonomy_version ?? (Number(row.filters.taxonomyVersion) || null),
    contentSha256: manifest?.content_sha256 ?? null,
    files: manifest
      ? manifest.files.map((f) => ({
          path: f.path,
          bytes: f.bytes,
          rows: f.rows,
          format: f.format,
          split: f.split,
          sha256: f.sha256,
        }))
      : [],
    ...(withManifest ? { manifest: (row.manifest as Record<string, unknown> | null) ?? null } : {}),
  };
}

export async function listSnapshots(db: DbOrTx, opts: { name?: string; limit: number }): Promise<SnapshotView[]> {
  return (await listSnapshotRows(db, opts)).map((s) => toSnapshotView(s));
}

export async function getSnapshot(db: DbOrTx, id: string, withManifest = false): Promise<SnapshotView> {
  return toSnapshotView(await getSnapshotWithJob(db, id), withManifest);
}

const CONTENT_TYPES: Record<string, string> = {
  parquet: 'application/vnd.apache.parquet',
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface SnapshotFile {
  absolutePath: string;
  relativePath: string;
  bytes: number;
  sha256: string | null;
  contentType: string;
  /** Download name: `<name>-v<version>-<file>`, so files of several snapshots do not collide. */
  filename: string;
}

/**
 * The file of a ready snapshot at `segments` (e.g. ['data', 'train-00000-of-00001.parquet']).
 * Only paths the manifest lists (and manifest.json) are served: anything else, including any
 * `..` or absolute path, is refused before the file system is touched.
 */
export async function resolveSnapshotFile(
  db: DbOrTx,
  id: string,
  segments: readonly string[] | undefined,
): Promise<SnapshotFile> {
  if (!segments || segments.length === 0) throw notFound('Name a file of the snapshot, e.g. manifest.json');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\\/\0]/.test(s))) {
    throw badRequest('File paths are relative paths from the manifest; "..", "." and separators inside a segment are refused');
  }
  const relative = segments.join('/');
  const { row } = await getSnapshotWithJob(db, id);
  if (row.status !== 'ready' || !row.manifest || !row.path) {
    throw new AppError(
      'CONFLICT',
      row.status === 'failed' ? `The snapshot failed: ${row.error ?? 'unknown error'}` : 'The snapshot is still being built',
    );
  }
  const manifest = manifestSchema.parse(row.manifest);
  const entry = manifest.files.find((f) => f.path === relative);
  if (!entry && relative !== MANIFEST_FILE) throw notFound(`${relative} is not a file of ${row.name} v${row.version}`);
  const root = path.resolve(row.path);
  const absolutePath = path.resolve(root, relative);
  if (!absolutePath.startsWith(root + path.sep)) throw badRequest('Path escapes the snapshot');
  const info = await stat(absolutePath).catch(() => null);
  if (!info?.isFile()) throw notFound(`${relative} is not on this server (the snapshot was written to ${row.path})`);
  if (entry && info.size !== entry.bytes) {
    throw new AppError(
      'CONFLICT',
      `${relative} on disk no longer matches the manifest (${info.size} bytes, manifest ${entry.bytes})`,
    );
  }
  const format = entry ? entry.format : 'json';
  return {
    absolutePath,
    relativePath: relative,
    bytes: info.size,
    sha256: entry?.sha256 ?? null,
    contentType: CONTENT_TYPES[format] ?? 'application/octet-stream',
    filename: `${row.name}-v${row.version}-${path.basename(relative)}`,
  };
}

/** A web stream of the file, for a Response body. */
export function fileStream(file: SnapshotFile): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(file.absolutePath)) as unknown as ReadableStream<Uint8Array>;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
