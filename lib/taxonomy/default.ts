import type { DbOrTx } from '@/db/client';
import { DEMO_TAGS } from '@/lib/audio/synth';
import { createTaxonomyVersion, getActiveTaxonomy } from './repo';

/** The note of the default taxonomy, as the server creates it at boot. */
export const DEFAULT_TAXONOMY_NOTE = 'Default mood taxonomy';

/**
 * Creates the default mood taxonomy when the database has none, as the server does at boot;
 * for CLI commands that need a taxonomy on a database set up without the demo. True when created.
 */
export async function ensureDefaultTaxonomy(db: DbOrTx): Promise<boolean> {
  try {
    await getActiveTaxonomy(db);
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
  }
  await createTaxonomyVersion(
    db,
    DEMO_TAGS.map((t) => ({ ...t })),
    DEFAULT_TAXONOMY_NOTE,
  );
  return true;
}
