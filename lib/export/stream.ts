import { sql, type SQL } from 'drizzle-orm';
import { copyBatches, cursorBatches, type CursorClient } from '@/db/cursor';
import { dateBounds } from './schemas';
import {
  clipConditions,
  exportRecordFromSql,
  selectionSql,
  splitCandidateFromSql,
  votersColumn,
  type ClipExportRecord,
  type ClipSelection,
  type ExportSqlRow,
  type SplitCandidate,
  type VectorSources,
} from './repo';

/**
 * Snapshot reads from PostgreSQL in one statement per pass (db/cursor.ts): pass 1 as a
 * `COPY … TO STDOUT`, pass 2 through a server-side cursor (its rows carry jsonb and real[] that
 * postgres.js parses; one batch ahead so the database computes while the writers write). Memory
 * holds one batch and the database runs one plan, not one query per page.
 *
 * With a single taxonomy version (`fixedVersion`, the common case) the selection is set-based:
 * the aggregates are grouped per clip once (no per-clip lateral) and joined to the clips, the
 * split registry, features and embeddings by merge or hash joins. With several versions the
 * per-clip version lookup stays (`selectionSql`), still in one cursor.
 *
 * PGlite has no cursors over its single connection: `cursorClient` (db/cursor.ts) is null there
 * and the keyset pages of ./repo.ts serve the same interface.
 */

/**
 * Plan settings for the rows pass (pass 2), local to its transaction. A merge join along the primary
 * keys streams rows in id order from the first one, so the database computes while the writers
 * write; the planner's default here (hash joins, then a sort of the whole selection, spilled to
 * disk at 1M clips) produces nothing until it has done everything. Parallel workers would each
 * rebuild the grouped aggregates on the inner side of the join.
 */
const STREAM_SETTINGS =
  "set local enable_hashjoin = off; set local enable_sort = off; set local max_parallel_workers_per_gather = 0; set local jit = off";

/**
 * No nested loops in the set-based plans (both passes): every join there is an equi-join along
 * the clip id, which a merge (or hash) join does in one pass. Statistics are often stale at export
 * time (the catalog analysed before its votes and aggregates existed, or before the EM moved clips
 * out of `open`); the planner then expects one clip in the selected states and picks a nested loop
 * that rescans one side for every row of the other: quadratic (bench/parity.ts, 100k clips, 19,706
 * rows: 153–182 s on PostgreSQL, where an earlier run had 10.2 s embedded; EXPLAIN in bench/RESULTS.md). The tags
 * filter is an `= any(array(…))` (an init plan, not a join) so it does not need one either.
 */
const NO_NESTED_LOOPS = 'set local enable_nestloop = off';

/**
 * Set-based (group every clip's aggregates once, merge-join along the ids) when every label is of
 * one version and the clip filters keep most of the catalog; with a licence, source or date
 * filter, which may keep a small share, the per-clip laterals of `selectionSql` only touch the
 * aggregates of the clips that pass.
 */
function setBased(sel: ClipSelection): boolean {
  const f = sel.filters;
  return sel.fixedVersion !== undefined && !f.licences && !f.sources && !f.from && !f.to;
}

/** `from … where …` of the selected clips with `lv.version` and `ag.*` as in `selectionSql`. */
function streamSelection(sel: ClipSelection, joins: SQL = sql``): SQL {
  if (!setBased(sel) || sel.fixedVersion === undefined) return selectionSql(sel);
  const f = sel.filters;
  const version = sel.fixedVersion;
  const conditions: SQL[] = [...clipConditions(sel), sql`ag.min_confidence >= ${f.minConfidence}::real`];
  if (sel.labelVersions && !sel.labelVersions.includes(version)) conditions.push(sql`false`);
  if (f.dateField === 'labelled') {
    const { from, to } = dateBounds(f);
    const labelled = sql`coalesce(c.state_changed_at, ag.labelled_at)`;
    if (from) conditions.push(sql`${labelled} >= ${from.toISOString()}::timestamptz`);
    if (to) conditions.push(sql`${labelled} < ${to.toISOString()}::timestamptz`);
  }
  return sql`from clips c
    join (
      select a.clip_id,
             count(*)::int as n,
             coalesce(array_agg(a.tag order by a.tag) filter (where a.label), '{}') as labels,
             jsonb_object_agg(a.tag, a.posterior) as posteriors,
             min(a.confidence) as min_confidence,
             max(a.updated_at) as labelled_at,
             mode() within group (order by a.method) as method
      from aggregates a
      where a.tag = any(array(select t.key from tags t where t.taxonomy_version = ${version}::int))
      group by a.clip_id
    ) ag on ag.clip_id = c.id
    cross join (select ${version}::int as version) lv
    left join dataset_splits ds on ds.clip_id = c.id
    ${joins}
    where ${sql.join(conditions, sql` and `)}`;
}

/** The split column: a join in the set-based selection, a lookup per clip otherwise. */
const splitColumn = (sel: ClipSelection) =>
  !setBased(sel) ? sql`(select ds.split from dataset_splits ds where ds.clip_id = c.id)` : sql`ds.split`;

/**
 * Pass 1 as one `COPY (…) TO STDOUT`, in no particular order. COPY over a server-side cursor: no
 * round trip per batch, and the plan is made for the whole result (a cursor's plan favours its
 * first rows); on the 1M-clip bench database pass 1 read in 35.3 / 19.8 s against 47.5 / 27.6 s
 * through the cursor, same query, interleaved (bench/RESULTS.md). Only the text is parsed here:
 * arrays arrive as PostgreSQL array literals; the two in this query hold tag keys and uuids,
 * which PostgreSQL never quotes. No `order by`: the stratifier sorts by id itself
 * (lib/export/splits.ts), and an order made the database sort the whole selection (spilled to
 * disk at 100k clips) before the first row.
 */
export async function* streamSplitCandidates(client: CursorClient, sel: ClipSelection, batch: number): AsyncGenerator<SplitCandidate[]> {
  const query = sql`select c.id, lv.version, ag.labels, c.vote_count, ag.method, ${splitColumn(sel)} as split, ${votersColumn} as voters
    ${streamSelection(sel)}`;
  for await (const rows of copyBatches(client, query, batch, {
    // Pass 1 reads little per row and the writers are idle meanwhile: the planner's own plan (hash
    // joins) measured faster here than the streaming one (111 s vs 187 s at 1M clips on the busy
    // machine, bench/RESULTS.md); only nested loops are ruled out.
    settings: setBased(sel) ? [NO_NESTED_LOOPS] : [],
  })) {
    yield rows.map(([id, version, labels, voteCount, method, split, voters]) =>
      splitCandidateFromSql({
        id: id!,
        version: Number(version),
        labels: unquotedArray(labels),
        vote_count: Number(voteCount),
        method,
        split: split as SplitCandidate['existingSplit'],
        voters: unquotedArray(voters),
      }),
    );
  }
}

/** `{a,b}` → ['a', 'b'] for arrays whose elements PostgreSQL writes unquoted (tag keys, uuids). */
function unquotedArray(literal: string | null): string[] {
  if (literal === null || literal === '{}') return [];
  if (literal[0] !== '{' || literal[literal.length - 1] !== '}' || literal.includes('"')) {
    throw new Error(`expected an array literal of unquoted elements, got ${literal.slice(0, 80)}`);
  }
  return literal.slice(1, -1).split(',');
}

export async function* streamExportRecords(
  client: CursorClient,
  sel: ClipSelection,
  vectors: VectorSources,
  batch: number,
): AsyncGenerator<ClipExportRecord[]> {
  const withFeatures = vectors.extractorVersion != null;
  const withEmbedding = vectors.embeddingVersionId != null;
  const joined = setBased(sel);
  // Set-based: left joins the planner can merge along the id order; otherwise a lookup per clip.
  const features = !withFeatures
    ? sql`null::real[]`
    : joined
      ? sql`f.vector`
      : sql`(select f.vector from clip_features f where f.clip_id = c.id and f.extractor_version = ${vectors.extractorVersion})`;
  const embedding = !withEmbedding
    ? sql`null::real[]`
    : joined
      ? sql`e.embedding`
      : sql`(select e.embedding from clip_embeddings e where e.clip_id = c.id and e.version_id = ${vectors.embeddingVersionId}::int)`;
  const joins = sql.join(
    [
      withFeatures && joined ? sql`left join clip_features f on f.clip_id = c.id and f.extractor_version = ${vectors.extractorVersion}` : null,
      withEmbedding && joined ? sql`left join clip_embeddings e on e.clip_id = c.id and e.version_id = ${vectors.embeddingVersionId}::int` : null,
    ].filter((j): j is SQL => j !== null),
    sql` `,
  );
  const flat = sql`select c.id, c.sha256, c.title, c.artist, c.licence, c.provenance::text as provenance, c.source, c.duration_s,
           c.label_state, c.vote_count, lv.version, ag.labels, ag.posteriors, ${splitColumn(sel)} as split,
           ${features} as features, ${embedding} as embedding
    ${streamSelection(sel, joins)}
    order by c.id`;
  for await (const rows of cursorBatches<ExportSqlRow>(client, flat, batch, {
    settings: joined ? [STREAM_SETTINGS, NO_NESTED_LOOPS] : [STREAM_SETTINGS],
  })) {
    yield rows.map(exportRecordFromSql);
  }
}
