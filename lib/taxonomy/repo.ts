import { and, asc, count, desc, eq, gt, gte, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { expertDecisions, tagMappings, tags, taxonomyVersions, users, votes } from '@/db/schema';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import { processWide } from '@/lib/util/process-wide';
import { TtlCache } from '@/lib/util/ttl-cache';
import { applyTaxonomyEdits } from './edit';
import { composeMappings, identityMapping, mappingFromRows, type TagMapping } from './mapping';
import type { CreatedTaxonomyVersion, Tag, Taxonomy, TaxonomyAdminView, TaxonomyEditOp, TaxonomyVersionSummary } from './schemas';

/** One database per process: transactions share the cached value instead of each re-reading it. */
const { activeCache, PROCESS_KEY } = processWide('active-taxonomy-cache', () => ({
  activeCache: new TtlCache<object, Taxonomy>(2000),
  PROCESS_KEY: {},
}));

/** The taxonomy votes are cast under now; cached for two seconds (a new version here invalidates). */
export function getActiveTaxonomy(db: DbOrTx): Promise<Taxonomy> {
  return activeCache.get(PROCESS_KEY, () => loadActiveTaxonomy(db));
}

async function loadActiveTaxonomy(db: DbOrTx): Promise<Taxonomy> {
  const [version] = await db
    .select({ version: taxonomyVersions.version })
    .from(taxonomyVersions)
    .where(eq(taxonomyVersions.isActive, true))
    .orderBy(desc(taxonomyVersions.version))
    .limit(1);
  if (!version) throw new AppError('NOT_FOUND', 'No mood taxonomy has been set up yet');
  return getTaxonomy(db, version.version);
}

export async function getTaxonomy(db: DbOrTx, version: number): Promise<Taxonomy> {
  const rows = await db
    .select({ key: tags.key, label: tags.label, description: tags.description })
    .from(tags)
    .where(eq(tags.taxonomyVersion, version))
    .orderBy(asc(tags.position));
  if (rows.length === 0) throw new AppError('NOT_FOUND', `Taxonomy version ${version} does not exist`);
  return { version, tags: rows };
}

/** Creates a taxonomy version and makes it the active one. */
export async function createTaxonomyVersion(db: DbOrTx, tagList: Tag[], note: string, createdBy?: string): Promise<Taxonomy> {
  activeCache.clear();
  const keys = new Set(tagList.map((t) => t.key));
  if (keys.size !== tagList.length) throw new AppError('UNPROCESSABLE', 'Tag keys must be unique');
  await db.update(taxonomyVersions).set({ isActive: false }).where(eq(taxonomyVersions.isActive, true));
  const [row] = await db.insert(taxonomyVersions).values({ note, isActive: true, createdBy }).returning();
  await db.insert(tags).values(tagList.map((t, position) => ({ ...t, taxonomyVersion: row.version, position })));
  activeCache.clear();
  return { version: row.version, tags: tagList };
}

/** Rejects tags that are not in the taxonomy, naming them. */
export function assertKnownTags(taxonomy: Taxonomy, chosen: readonly string[]): void {
  const known = new Set(taxonomy.tags.map((t) => t.key));
  const unknown = chosen.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new AppError('UNKNOWN_TAG', `Unknown tag${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (taxonomy v${taxonomy.version})`, {
      unknown,
      known: [...known],
    });
  }
}

// ── versions made by editing ───────────────────────────────────────────────────────────────

/**
 * Applies edits to the active version and stores the result as the new active version, with
 * its `tag_mappings` rows (base → new) and an audit row, all in one transaction. Votes keep the
 * version they were cast under; the mapping is how they are read in the new one.
 *
 * Refuses with 409 when `baseVersion` is no longer the active version (another admin got there
 * first): the base row is locked `FOR UPDATE`, so of two concurrent edits of one version the
 * second waits, sees it deactivated and is refused instead of forking the taxonomy.
 * Invalid edits are a 422 naming the change and tag (see `applyTaxonomyEdits`).
 */
export async function createTaxonomyVersionFromEdits(
  db: DbOrTx,
  baseVersion: number,
  ops: readonly TaxonomyEditOp[],
  note: string,
  actorId?: string | null,
): Promise<CreatedTaxonomyVersion> {
  try {
    return await db.transaction(async (tx) => {
      const [base] = await tx
        .select({ version: taxonomyVersions.version, isActive: taxonomyVersions.isActive })
        .from(taxonomyVersions)
        .where(eq(taxonomyVersions.version, baseVersion))
        .for('update');
      if (!base) throw new AppError('NOT_FOUND', `Taxonomy version ${baseVersion} does not exist`);
      if (!base.isActive) {
        const [active] = await tx
          .select({ version: taxonomyVersions.version })
          .from(taxonomyVersions)
          .where(eq(taxonomyVersions.isActive, true))
          .orderBy(desc(taxonomyVersions.version))
          .limit(1);
        throw new AppError(
          'CONFLICT',
          `Taxonomy v${baseVersion} is no longer the active version${active ? ` (v${active.version} is)` : ''}: someone else changed the taxonomy. Reload and apply your changes again.`,
          { baseVersion, activeVersion: active?.version ?? null },
        );
      }
      const edit = applyTaxonomyEdits(await getTaxonomy(tx, baseVersion), ops);
      const created = await createTaxonomyVersion(tx, edit.tags, note, actorId ?? undefined);
      if (edit.rows.length > 0) {
        await tx
          .insert(tagMappings)
          .values(edit.rows.map((r) => ({ fromVersion: baseVersion, fromKey: r.fromKey, toVersion: created.version, toKey: r.toKey })));
      }
      await recordAudit(tx, {
        actorId: actorId ?? null,
        action: 'taxonomy.version.create',
        entity: 'taxonomy_version',
        entityId: String(created.version),
        before: { version: baseVersion },
        after: { version: created.version, note, ops, tags: edit.tags, mapping: edit.mapping },
      });
      return { version: created.version, baseVersion, tags: edit.tags, mapping: edit.mapping };
    });
  } finally {
    // createTaxonomyVersion cleared the cache inside the transaction; a reader in between may
    // have cached the old version again, so clear once more now that the outcome is visible.
    activeCache.clear();
  }
}

/** Every version, newest first, with how many tags it has and how many votes were cast under it. */
export async function listTaxonomyVersions(db: DbOrTx): Promise<TaxonomyVersionSummary[]> {
  const [versions, tagCounts, voteCounts, decisionCounts] = await Promise.all([
    db
      .select({
        version: taxonomyVersions.version,
        note: taxonomyVersions.note,
        isActive: taxonomyVersions.isActive,
        createdAt: taxonomyVersions.createdAt,
        createdById: taxonomyVersions.createdBy,
        createdByName: users.name,
      })
      .from(taxonomyVersions)
      .leftJoin(users, eq(users.id, taxonomyVersions.createdBy))
      .orderBy(desc(taxonomyVersions.version)),
    db.select({ version: tags.taxonomyVersion, n: count() }).from(tags).groupBy(tags.taxonomyVersion),
    db
      .select({ version: votes.taxonomyVersion, n: count() })
      .from(votes)
      .where(inArray(votes.kind, ['vote', 'targeted']))
      .groupBy(votes.taxonomyVersion),
    db.select({ version: expertDecisions.taxonomyVersion, n: count() }).from(expertDecisions).groupBy(expertDecisions.taxonomyVersion),
  ]);
  const byVersion = (rows: { version: number; n: number }[]) => new Map(rows.map((r) => [Number(r.version), Number(r.n)]));
  const [tagN, voteN, decisionN] = [byVersion(tagCounts), byVersion(voteCounts), byVersion(decisionCounts)];
  return versions.map((v) => ({
    version: v.version,
    note: v.note,
    isActive: v.isActive,
    createdAt: v.createdAt.toISOString(),
    createdBy: v.createdById ? { id: v.createdById, name: v.createdByName ?? '' } : null,
    tagCount: tagN.get(v.version) ?? 0,
    voteCount: voteN.get(v.version) ?? 0,
    decisionCount: decisionN.get(v.version) ?? 0,
  }));
}

/** The admin view: every version with counts and the active tags, read uncached; null before any taxonomy exists. */
export async function getTaxonomyAdminView(db: DbOrTx): Promise<TaxonomyAdminView | null> {
  const versions = await listTaxonomyVersions(db);
  const active = versions.find((v) => v.isActive);
  return active ? { active: await getTaxonomy(db, active.version), versions } : null;
}

/**
 * Where each tag of `fromVersion` lands in `toVersion` (old key → new keys; empty: removed),
 * composed step by step from the stored `tag_mappings` rows (v1 → v3 goes through v2). A
 * version's predecessor is the version its mapping rows come from, or else the previous
 * version (written wholesale, mapped by key). Mappings run forward only: labels cast under an
 * older version are carried to a newer one. 404 for a missing version, 422 for a backward or
 * unconnected pair. A handful of small queries; fine per export, not per row.
 */
export async function loadMapping(db: DbOrTx, fromVersion: number, toVersion: number): Promise<Record<string, string[]>> {
  if (fromVersion > toVersion) {
    throw new AppError('UNPROCESSABLE', `Mappings run forward only: labels under v${fromVersion} cannot be carried back to v${toVersion}`);
  }
  const [versionRows, tagRows, rows] = await Promise.all([
    db
      .select({ version: taxonomyVersions.version })
      .from(taxonomyVersions)
      .where(and(gte(taxonomyVersions.version, fromVersion), lte(taxonomyVersions.version, toVersion)))
      .orderBy(asc(taxonomyVersions.version)),
    db
      .select({ version: tags.taxonomyVersion, key: tags.key })
      .from(tags)
      .where(and(gte(tags.taxonomyVersion, fromVersion), lte(tags.taxonomyVersion, toVersion)))
      .orderBy(asc(tags.taxonomyVersion), asc(tags.position)),
    db
      .select({ fromVersion: tagMappings.fromVersion, fromKey: tagMappings.fromKey, toVersion: tagMappings.toVersion, toKey: tagMappings.toKey })
      .from(tagMappings)
      .where(and(gt(tagMappings.toVersion, fromVersion), lte(tagMappings.toVersion, toVersion))),
  ]);
  const versions = versionRows.map((r) => r.version);
  for (const v of [fromVersion, toVersion]) {
    if (!versions.includes(v)) throw new AppError('NOT_FOUND', `Taxonomy version ${v} does not exist`);
  }
  const keysOf = new Map<number, string[]>();
  for (const r of tagRows) {
    if (!keysOf.has(r.version)) keysOf.set(r.version, []);
    keysOf.get(r.version)!.push(r.key);
  }
  if (fromVersion === toVersion) return identityMapping(keysOf.get(fromVersion) ?? []);

  // Walk back from the target to the source, then compose forward.
  const chain = [toVersion];
  while (chain[0] !== fromVersion) {
    const current = chain[0];
    const stored = rows.filter((r) => r.toVersion === current).map((r) => r.fromVersion);
    const previous = stored.length > 0 ? Math.max(...stored) : Math.max(...versions.filter((v) => v < current));
    if (!Number.isFinite(previous) || previous < fromVersion) {
      throw new AppError('UNPROCESSABLE', `No chain of mappings leads from taxonomy v${fromVersion} to v${toVersion}`);
    }
    chain.unshift(previous);
  }
  const steps = chain.slice(1).map((to, i) => {
    const from = chain[i];
    return mappingFromRows(
      keysOf.get(from) ?? [],
      keysOf.get(to) ?? [],
      rows.filter((r) => r.fromVersion === from && r.toVersion === to),
    );
  });
  return composeMappings(...steps);
}

/**
 * {@link loadMapping} from each of some older versions to `toVersion`, for carrying their votes
 * forward; a version no chain of mappings reaches maps to nothing (its votes carry no evidence).
 */
export async function loadMappingsTo(
  db: DbOrTx,
  fromVersions: Iterable<number>,
  toVersion: number,
): Promise<Map<number, TagMapping>> {
  const out = new Map<number, TagMapping>();
  for (const v of new Set(fromVersions)) {
    try {
      out.set(v, await loadMapping(db, v, toVersion));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'UNPROCESSABLE') throw err;
      out.set(v, {});
    }
  }
  return out;
}
