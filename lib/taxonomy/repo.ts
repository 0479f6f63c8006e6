import { asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { tags, taxonomyVersions } from '@/db/schema';
import { AppError } from '@/lib/http/errors';
import { TtlCache } from '@/lib/util/ttl-cache';
import type { Tag, Taxonomy } from './schemas';

const activeCache = new TtlCache<DbOrTx, Taxonomy>(2000);

/** The taxonomy votes are cast under now; cached for two seconds (a new version here invalidates). */
export function getActiveTaxonomy(db: DbOrTx): Promise<Taxonomy> {
  return activeCache.get(db, () => loadActiveTaxonomy(db));
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
