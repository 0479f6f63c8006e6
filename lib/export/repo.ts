import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { datasetSnapshots, jobRuns, tagMappings, tags } from '@/db/schema';
import { AppError } from '@/lib/errors';
import type { Split } from './row';
import { dateBounds, type SnapshotFilters } from './schemas';
import type { TagMappingRow } from './taxonomy-map';
import { cursorClient } from '@/db/cursor';
import { streamExportRecords, streamSplitCandidates } from './stream';

/**
 * Database access of dataset snapshots: the snapshot rows, the split registry, and the cursors
 * that feed `writeSnapshot`. On PostgreSQL each pass is one server-side cursor (./stream.ts); on
 * PGlite the clip queries page by id (keyset, never OFFSET). Either way a snapshot of a million
 * clips holds one page of rows at a time.
 */

export type SnapshotRow = typeof datasetSnapshots.$inferSelect;

/** What a snapshot's clip queries need: the filters, resolved (taxonomy version set). */
export interface ClipSelection {
  filters: SnapshotFilters & { taxonomyVersion: number };
  /** Taxonomy versions whose labels may be read; null: any (to count what would be left out). */
  labelVersions: readonly number[] | null;
  /**
   * Every label is known to be of this version (only one taxonomy version exists): skips the
   * per-clip lookup of the version in votes and expert decisions.
   */
  fixedVersion?: number;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint_name?: string; constraint?: string; cause?: unknown } | null;
  const inner = (e?.cause ?? null) as { code?: string; constraint_name?: string; constraint?: string } | null;
  const code = e?.code ?? inner?.code;
  if (code !== '23505') return false;
  if (!constraint) return true;
  const name = e?.constraint_name ?? e?.constraint ?? inner?.constraint_name ?? inner?.constraint;
  return name === undefined || name === constraint;
}

const list = (values: readonly (string | number)[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

/** Conditions on the clip row alone: cheap, checked while walking the primary key. */
export function clipConditions(sel: ClipSelection): SQL[] {
  const f = sel.filters;
  const conditions: SQL[] = [sql`c.label_state in (${list(f.states)})`];
  if (f.licences) conditions.push(sql`c.licence in (${list(f.licences)})`);
  if (f.sources) conditions.push(sql`c.source in (${list(f.sources)})`);
  if (f.dateField === 'created') {
    const { from, to } = dateBounds(f);
    if (from) conditions.push(sql`c.created_at >= ${from.toISOString()}::timestamptz`);
    if (to) conditions.push(sql`c.created_at < ${to.toISOString()}::timestamptz`);
  }
  return conditions;
}

/**
 * `from … where …` of the clips a snapshot selects, with two laterals per clip:
 * `lv.version`, the taxonomy version its labels were given under (the latest first expert
 * decision for expert-resolved clips, otherwise the latest vote's version), and `ag`, its
 * aggregates restricted to the tags of that version (hard labels, posteriors, the weakest tag's
 * confidence). A clip without aggregates of its version has no labels and is never selected.
 */
export function selectionSql(sel: ClipSelection): SQL {
  const f = sel.filters;
  const conditions: SQL[] = [
    ...clipConditions(sel),
    sql`ag.n > 0`,
    // Compare as real, the column's type, so a threshold of 0.7 admits a stored 0.7.
    sql`ag.min_confidence >= ${f.minConfidence}::real`,
  ];
  if (sel.labelVersions) {
    if (sel.labelVersions.length === 0) conditions.push(sql`false`);
    else conditions.push(sql`lv.version in (${list(sel.labelVersions)})`);
  }
  if (f.dateField === 'labelled') {
    const { from, to } = dateBounds(f);
    const labelled = sql`coalesce(c.state_changed_at, ag.labelled_at)`;
    if (from) conditions.push(sql`${labelled} >= ${from.toISOString()}::timestamptz`);
    if (to) conditions.push(sql`${labelled} < ${to.toISOString()}::timestamptz`);
  }
  // `offset 0` keeps the planner from inlining `lv` into each use (it would run the version
  // subqueries twice per clip).
  const version =
    sel.fixedVersion !== undefined
      ? sql`(select ${sel.fixedVersion}::int as version) lv`
      : sql`lateral (
      select coalesce(
        case when c.label_state = 'expert_resolved' then
          (select d.taxonomy_version from expert_decisions d
            where d.clip_id = c.id and not d.is_second_opinion order by d.created_at desc limit 1)
        end,
        (select max(v.taxonomy_version) from votes v where v.clip_id = c.id and v.kind in ('vote', 'targeted')),
        ${f.taxonomyVersion}::int
      ) as version
      offset 0
    ) lv`;
  return sql`from clips c
    cross join ${version}
    cross join lateral (
      select count(*)::int as n,
             coalesce(array_agg(a.tag order by a.tag) filter (where a.label), '{}') as labels,
             jsonb_object_agg(a.tag, a.posterior) as posteriors,
             min(a.confidence) as min_confidence,
             max(a.updated_at) as labelled_at,
             mode() within group (order by a.method) as method
      from aggregates a join tags t on t.taxonomy_version = lv.version and t.key = a.tag
      where a.clip_id = c.id
    ) ag
    where ${sql.join(conditions, sql` and `)}`;
}


/**
 * Keyset pages over the clips table: each page is the next `pageSize` clips by id that pass the
 * clip-row filters, found by a walk of the primary key; the laterals then run for that id range
 * only. (Filtering on the laterals in the same query as `order by id limit n` lets the planner
 * compute them for every clip and sort, for every page: quadratic.) Yields the inclusive upper
 * bound of each range.
 */
async function* idRanges(db: DbOrTx, sel: ClipSelection, pageSize: number): AsyncGenerator<{ after: string; last: string }> {
  const conditions = sql.join(clipConditions(sel), sql` and `);
  let after = ZERO_UUID;
  for (;;) {
    const [row] = await execRows<{ last: string | null; n: number }>(
      db,
      sql`select p.id::text as last, count(*) over ()::int as n
          from (select c.id from clips c where c.id > ${after}::uuid and ${conditions} order by c.id limit ${pageSize}) p
          order by p.id desc limit 1`,
    );
    if (!row?.last) return;
    yield { after, last: row.last };
    if (Number(row.n) < pageSize) return;
    after = row.last;
  }
}

/** Pass 1 of a build: what stratification needs, one page at a time. */
export interface SplitCandidate {
  id: string;
  labelVersion: number;
  labels: string[];
  voteCount: number;
  /** The aggregation method of most of its tags (`ds`, `mv`, `expert` …). */
  method: string | null;
  existingSplit: Split | null;
  /** Contributors who voted on it (for the datasheet's annotator count). */
  voters: string[];
}

/**
 * The clip's voters, looked up per clip through `votes_clip_idx` inside the pass's one statement.
 * (A query per page with the page's ids in an array read the votes' heap pages of every clip on
 * the page, scattered over the whole table: every page re-read the table, 0.4 s a page at 100k
 * clips and quadratic in the catalog.)
 */
export const votersColumn = sql`(select coalesce(array_agg(v.user_id), '{}') from votes v where v.clip_id = c.id and v.kind in ('vote', 'targeted'))`;

/** One shape for both readers of pass 1. */
export function splitCandidateFromSql(r: {
  id: string;
  version: number;
  labels: string[] | null;
  vote_count: number;
  method: string | null;
  split: Split | null;
  voters: string[] | null;
}): SplitCandidate {
  return {
    id: r.id,
    labelVersion: Number(r.version),
    labels: r.labels ?? [],
    voteCount: Number(r.vote_count),
    method: r.method,
    existingSplit: r.split,
    voters: r.voters ?? [],
  };
}

/** A uuid[] literal as one parameter (ids come from the database, so they are well-formed). */
const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

export async function* iterateSplitCandidates(db: DbOrTx, sel: ClipSelection, pageSize = 5000): AsyncGenerator<SplitCandidate[]> {
  const client = cursorClient(db);
  if (client) return yield* streamSplitCandidates(client, sel, pageSize);
  const from = selectionSql(sel);
  for await (const { after, last } of idRanges(db, sel, pageSize)) {
    const rows = await execRows<Parameters<typeof splitCandidateFromSql>[0]>(
      db,
      sql`select c.id, lv.version, ag.labels, c.vote_count, ag.method,
                 (select ds.split from dataset_splits ds where ds.clip_id = c.id) as split, ${votersColumn} as voters
          ${from} and c.id > ${after}::uuid and c.id <= ${last}::uuid
          order by c.id`,
    );
    yield rows.map(splitCandidateFromSql);
  }
}

/** Pass 2 of a build: everything a row of the files holds. */
export interface ClipExportRecord {
  id: string;
  sha256: string;
  title: string;
  artist: string;
  licence: string;
  provenance: string;
  source: string;
  durationS: number | null;
  labelState: string;
  voteCount: number;
  labelVersion: number;
  labels: string[];
  posteriors: Record<string, number>;
  /** From the split registry; null for a clip that qualified after the splits were planned. */
  split: Split | null;
  features: number[] | null;
  embedding: number[] | null;
}

export interface VectorSources {
  /** Read `clip_features.vector` of this extractor version; omit for no features column. */
  extractorVersion?: string | null;
  /** Read `clip_embeddings` of this embedding version; omit for no embedding column. */
  embeddingVersionId?: number | null;
}

export async function* iterateExportRecords(
  db: DbOrTx,
  sel: ClipSelection,
  vectors: VectorSources,
  pageSize = 1000,
): AsyncGenerator<ClipExportRecord[]> {
  const client = cursorClient(db);
  if (client) return yield* streamExportRecords(client, sel, vectors, pageSize);
  const withFeatures = vectors.extractorVersion != null;
  const withEmbedding = vectors.embeddingVersionId != null;
  const featureCol = withFeatures
    ? sql`(select f.vector from clip_features f where f.clip_id = c.id and f.extractor_version = ${vectors.extractorVersion})`
    : sql`null::real[]`;
  const embeddingCol = withEmbedding
    ? sql`(select e.embedding from clip_embeddings e where e.clip_id = c.id and e.version_id = ${vectors.embeddingVersionId}::int)`
    : sql`null::real[]`;
  const from = selectionSql(sel);
  for await (const { after, last } of idRanges(db, sel, pageSize)) {
    const rows = await execRows<ExportSqlRow>(
      db,
      sql`select c.id, c.sha256, c.title, c.artist, c.licence, c.provenance::text as provenance, c.source, c.duration_s,
                 c.label_state, c.vote_count, lv.version, ag.labels, ag.posteriors,
                 (select ds.split from dataset_splits ds where ds.clip_id = c.id) as split,
                 ${featureCol} as features, ${embeddingCol} as embedding
          ${from} and c.id > ${after}::uuid and c.id <= ${last}::uuid
          order by c.id`,
    );
    yield rows.map(exportRecordFromSql);
  }
}

/**
 * Adds new assignments to the registry with `on conflict do nothing`, so a split, once recorded,
 * never changes. Returns the ids whose insert lost to a concurrent build (their recorded split
 * may differ; rows read their split from the registry, so the recorded one is what files get).
 */
export async function recordSplits(db: DbOrTx, entries: readonly { clipId: string; split: Split }[]): Promise<string[]> {
  const lost: string[] = [];
  for (let i = 0; i < entries.length; i += 10_000) {
    const batch = entries.slice(i, i + 10_000);
    // Two array parameters instead of two parameters a row: one statement per 10,000 clips.
    const inserted = await execRows<{ clip_id: string }>(
      db,
      sql`insert into dataset_splits (clip_id, split)
          select * from unnest(${uuidArray(batch.map((e) => e.clipId))}, ${`{${batch.map((e) => e.split).join(',')}}`}::text[])
          on conflict (clip_id) do nothing
          returning clip_id`,
    );
    const won = new Set(inserted.map((r) => r.clip_id));
    for (const e of batch) if (!won.has(e.clipId)) lost.push(e.clipId);
  }
  return lost;
}

// ── taxonomy, model and quality context ─────────────────────────────────────────────────────

export interface TaxonomyTagInfo {
  key: string;
  label: string;
  description: string;
}

/** Tags of every taxonomy version (in position order) and every mapping row. A few hundred rows. */
export async function taxonomyContext(db: DbOrTx): Promise<{ tagsByVersion: Map<number, TaxonomyTagInfo[]>; mappings: TagMappingRow[] }> {
  const rows = await db
    .select({ version: tags.taxonomyVersion, key: tags.key, label: tags.label, description: tags.description })
    .from(tags)
    .orderBy(tags.taxonomyVersion, tags.position);
  const tagsByVersion = new Map<number, TaxonomyTagInfo[]>();
  for (const r of rows) {
    if (!tagsByVersion.has(r.version)) tagsByVersion.set(r.version, []);
    tagsByVersion.get(r.version)!.push({ key: r.key, label: r.label, description: r.description });
  }
  const mappings = await db
    .select({ fromVersion: tagMappings.fromVersion, fromKey: tagMappings.fromKey, toVersion: tagMappings.toVersion, toKey: tagMappings.toKey })
    .from(tagMappings);
  return { tagsByVersion, mappings };
}

export async function activeModel(db: DbOrTx): Promise<{ id: number; kind: string; featureVersion: string; taxonomyVersion: number } | null> {
  const [row] = await execRows<{ id: number; kind: string; feature_version: string; taxonomy_version: number }>(
    db,
    sql`select id, kind, feature_version, taxonomy_version from models where status = 'active'
        order by promoted_at desc nulls last, id desc limit 1`,
  );
  return row ? { id: Number(row.id), kind: row.kind, featureVersion: row.feature_version, taxonomyVersion: Number(row.taxonomy_version) } : null;
}

/** The latest agreement figures: one row per tag and the latest overall row. */
export async function latestAgreement(
  db: DbOrTx,
): Promise<{ overall: { alpha: number | null; kappa: number | null; items: number; computedAt: string } | null; perTag: Map<string, { alpha: number | null; kappa: number | null }> }> {
  const rows = await execRows<{ scope: string; tag: string | null; alpha: number | null; kappa: number | null; items: number; computed_at: string }>(
    db,
    sql`select distinct on (scope, coalesce(tag, '')) scope, tag, alpha, kappa, items, computed_at::text as computed_at
        from agreement_stats where scope in ('tag', 'overall')
        order by scope, coalesce(tag, ''), computed_at desc, id desc`,
  );
  const num = (x: number | null) => (x === null ? null : Number(x));
  const overallRow = rows.find((r) => r.scope === 'overall');
  return {
    overall: overallRow
      ? { alpha: num(overallRow.alpha), kappa: num(overallRow.kappa), items: Number(overallRow.items), computedAt: overallRow.computed_at }
      : null,
    perTag: new Map(rows.filter((r) => r.scope === 'tag' && r.tag).map((r) => [r.tag!, { alpha: num(r.alpha), kappa: num(r.kappa) }])),
  };
}

// ── snapshot rows ───────────────────────────────────────────────────────────────────────────

/** A build is interrupted when its job ended without finishing it, or went silent for this long. */
const STALE_BUILD_MINUTES = 15;

/**
 * Marks builds of `name` that can no longer finish as failed: their job failed or completed
 * without marking the snapshot, or has not reported progress for 15 minutes (a killed worker
 * or CLI). Queued jobs are left alone: they are waiting, not dead.
 */
export async function failInterruptedBuilds(db: DbOrTx, name: string): Promise<number> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`update dataset_snapshots s
        set status = 'failed', error = 'The build was interrupted (its job stopped); create the snapshot again.', finished_at = now()
        where s.name = ${name} and s.status = 'building'
          and (
            exists (select 1 from job_runs j where j.job_id = s.job_id and (
              j.state in ('failed', 'completed')
              or (j.state = 'active' and j.updated_at < now() - make_interval(mins => ${STALE_BUILD_MINUTES}))))
            or (not exists (select 1 from job_runs j where j.job_id = s.job_id)
                and s.created_at < now() - make_interval(mins => ${STALE_BUILD_MINUTES}))
          )
        returning s.id`,
  );
  return rows.length;
}

/**
 * Inserts a `building` snapshot with the next version of its name in one statement. Two
 * concurrent creates of one name collide on the one-build-per-name index (or on name+version):
 * the loser gets a 409.
 */
export async function insertSnapshot(
  db: DbOrTx,
  input: {
    name: string;
    filters: Record<string, unknown>;
    formats: string[];
    includeFeatures: boolean;
    includeEmbeddings: boolean;
    createdBy: string | null;
    /** The directory of a version, e.g. `<root>/<name>/v<version>`. */
    pathFor: (version: number) => string;
  },
): Promise<SnapshotRow> {
  const [{ next }] = await execRows<{ next: number }>(
    db,
    sql`select coalesce(max(version), 0)::int + 1 as next from dataset_snapshots where name = ${input.name}`,
  );
  const version = Number(next);
  try {
    const [row] = await db
      .insert(datasetSnapshots)
      .values({
        name: input.name,
        version,
        status: 'building',
        filters: input.filters,
        formats: input.formats,
        includeFeatures: input.includeFeatures,
        includeEmbeddings: input.includeEmbeddings,
        path: input.pathFor(version),
        createdBy: input.createdBy,
      })
      .returning();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('CONFLICT', `A snapshot named "${input.name}" is being built; wait for it to finish`);
    }
    throw err;
  }
}

export async function getSnapshotRow(db: DbOrTx, id: string): Promise<SnapshotRow> {
  const [row] = await db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, id)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such snapshot');
  return row;
}

export async function setSnapshotJob(db: DbOrTx, id: string, jobId: string): Promise<void> {
  await db.update(datasetSnapshots).set({ jobId }).where(eq(datasetSnapshots.id, id));
}

export async function markSnapshotReady(db: DbOrTx, id: string, manifest: Record<string, unknown>): Promise<void> {
  await db
    .update(datasetSnapshots)
    .set({ status: 'ready', manifest, error: null, finishedAt: new Date() })
    .where(eq(datasetSnapshots.id, id));
}

export async function markSnapshotFailed(db: DbOrTx, id: string, error: string): Promise<void> {
  await db
    .update(datasetSnapshots)
    .set({ status: 'failed', error: error.slice(0, 2000), finishedAt: new Date() })
    .where(and(eq(datasetSnapshots.id, id), sql`${datasetSnapshots.status} <> 'ready'`));
}

/**
 * A failed build being retried by its job goes back to `building`; false when another build of
 * the name started meanwhile (the one-build-per-name index), in which case this one stays failed.
 */
export async function reopenSnapshot(db: DbOrTx, id: string): Promise<boolean> {
  try {
    const rows = await db
      .update(datasetSnapshots)
      .set({ status: 'building', error: null, finishedAt: null })
      .where(and(eq(datasetSnapshots.id, id), eq(datasetSnapshots.status, 'failed')))
      .returning({ id: datasetSnapshots.id });
    return rows.length > 0;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export interface SnapshotWithJob {
  row: SnapshotRow;
  job: { id: string; state: string; progress: number; message: string; error: string | null } | null;
}

export async function listSnapshotRows(db: DbOrTx, opts: { name?: string; limit: number }): Promise<SnapshotWithJob[]> {
  const rows = await db
    .select({ row: datasetSnapshots, job: jobRuns })
    .from(datasetSnapshots)
    .leftJoin(jobRuns, eq(jobRuns.jobId, datasetSnapshots.jobId))
    .where(opts.name ? eq(datasetSnapshots.name, opts.name) : undefined)
    .orderBy(desc(datasetSnapshots.createdAt), desc(datasetSnapshots.version))
    .limit(opts.limit);
  return rows.map((r) => ({ row: r.row, job: jobView(r.job) }));
}

export async function getSnapshotWithJob(db: DbOrTx, id: string): Promise<SnapshotWithJob> {
  const [r] = await db
    .select({ row: datasetSnapshots, job: jobRuns })
    .from(datasetSnapshots)
    .leftJoin(jobRuns, eq(jobRuns.jobId, datasetSnapshots.jobId))
    .where(eq(datasetSnapshots.id, id))
    .limit(1);
  if (!r) throw new AppError('NOT_FOUND', 'No such snapshot');
  return { row: r.row, job: jobView(r.job) };
}

function jobView(job: typeof jobRuns.$inferSelect | null): SnapshotWithJob['job'] {
  return job ? { id: job.jobId, state: job.state, progress: job.progress, message: job.message, error: job.error } : null;
}

// ── progress of builds run outside the job engine (the CLI) ─────────────────────────────────

/** A `job_runs` row for an inline build, so the jobs panel and the snapshot list show its progress. */
export async function startInlineRun(db: DbOrTx, jobId: string, name: string): Promise<void> {
  await db.insert(jobRuns).values({ jobId, name, state: 'active', attempts: 1 });
}

export async function updateRun(db: DbOrTx, jobId: string, patch: Partial<typeof jobRuns.$inferInsert>): Promise<void> {
  await db
    .update(jobRuns)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(jobRuns.jobId, jobId));
}

// ── choices for the snapshot form ───────────────────────────────────────────────────────────

export interface SnapshotFilterOptions {
  taxonomyVersions: { version: number; active: boolean; note: string; tags: number }[];
  /** The most common licences and sources of the catalog (at most 100 each), with clip counts. */
  licences: { value: string; clips: number }[];
  sources: { value: string; clips: number }[];
}

export async function snapshotFilterOptions(db: DbOrTx): Promise<SnapshotFilterOptions> {
  const versions = await execRows<{ version: number; is_active: boolean; note: string; tags: number }>(
    db,
    sql`select v.version, v.is_active, v.note, (select count(*)::int from tags t where t.taxonomy_version = v.version) as tags
        from taxonomy_versions v order by v.version desc`,
  );
  const counted = (column: SQL) =>
    execRows<{ value: string; clips: number }>(
      db,
      sql`select ${column} as value, count(*)::int as clips from clips group by 1 order by 2 desc, 1 limit 100`,
    );
  const [licences, sources] = await Promise.all([counted(sql`licence`), counted(sql`source`)]);
  const num = (rows: { value: string; clips: number }[]) => rows.map((r) => ({ value: r.value, clips: Number(r.clips) }));
  return {
    taxonomyVersions: versions.map((v) => ({ version: Number(v.version), active: v.is_active, note: v.note, tags: Number(v.tags) })),
    licences: num(licences),
    sources: num(sources),
  };
}

/** Labelled clips grouped by their label version and by which of the snapshot filters each passes. */
export interface FunnelGroup {
  version: number;
  state: boolean;
  confidence: boolean;
  licence: boolean;
  source: boolean;
  date: boolean;
  clips: number;
}

/**
 * Every clip with labels (votes or an expert decision), counted by label version and by which
 * filter it passes: enough to say how many rows a snapshot would hold and which filter emptied
 * it, in one pass (the same laterals and conditions as {@link selectionSql}).
 */
export async function selectionFunnel(db: DbOrTx, sel: ClipSelection): Promise<FunnelGroup[]> {
  const f = sel.filters;
  // The same laterals with every filter opened up (any state, any confidence, any version): the
  // conditions are then evaluated per clip in the select list instead of the where clause.
  const everyLabelled: ClipSelection = {
    filters: { ...f, states: ['open', 'consensus', 'disputed', 'expert_resolved'], minConfidence: 0, licences: undefined, sources: undefined, from: undefined, to: undefined },
    labelVersions: null,
    fixedVersion: sel.fixedVersion,
  };
  const all = (conditions: SQL[]) => (conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `));
  const { from, to } = dateBounds(f);
  const at = f.dateField === 'created' ? sql`c.created_at` : sql`coalesce(c.state_changed_at, ag.labelled_at)`;
  const dates: SQL[] = [];
  if (from) dates.push(sql`${at} >= ${from.toISOString()}::timestamptz`);
  if (to) dates.push(sql`${at} < ${to.toISOString()}::timestamptz`);
  const rows = await execRows<{ version: number; state: boolean; confidence: boolean; licence: boolean; source: boolean; date: boolean; clips: number }>(
    db,
    sql`select lv.version,
               c.label_state in (${list(f.states)}) as state,
               coalesce(ag.min_confidence >= ${f.minConfidence}::real, false) as confidence,
               ${f.licences ? sql`coalesce(c.licence in (${list(f.licences)}), false)` : sql`true`} as licence,
               ${f.sources ? sql`coalesce(c.source in (${list(f.sources)}), false)` : sql`true`} as source,
               coalesce(${all(dates)}, false) as date,
               count(*)::int as clips
        ${selectionSql(everyLabelled)}
        group by 1, 2, 3, 4, 5, 6`,
  );
  return rows.map((r) => ({ ...r, version: Number(r.version), clips: Number(r.clips) }));
}

/** A snapshot row as the export queries select it (keyset pages here, the cursor in ./stream). */
export interface ExportSqlRow {
  id: string;
  sha256: string;
  title: string;
  artist: string;
  licence: string;
  provenance: string;
  source: string;
  duration_s: number | null;
  label_state: string;
  vote_count: number;
  version: number;
  labels: string[] | null;
  posteriors: Record<string, number> | string | null;
  split: Split | null;
  features: number[] | null;
  embedding: number[] | null;
}

/** One shape for both readers: numbers from numeric columns, posteriors parsed where a driver hands back text. */
export function exportRecordFromSql(r: ExportSqlRow): ClipExportRecord {
  return {
    id: r.id,
    sha256: r.sha256,
    title: r.title,
    artist: r.artist,
    licence: r.licence,
    provenance: r.provenance,
    source: r.source,
    durationS: r.duration_s === null ? null : Number(r.duration_s),
    labelState: r.label_state,
    voteCount: Number(r.vote_count),
    labelVersion: Number(r.version),
    labels: r.labels ?? [],
    posteriors: (typeof r.posteriors === 'string' ? JSON.parse(r.posteriors) : r.posteriors) ?? {},
    split: r.split,
    features: r.features ? r.features.map(Number) : null,
    embedding: r.embedding ? r.embedding.map(Number) : null,
  };
}
