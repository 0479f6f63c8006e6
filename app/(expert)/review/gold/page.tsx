import { getDb } from '@/db';
import { GoldManager } from '@/components/gold-manager';
import { requirePageRole } from '@/lib/auth/server';
import { goldCoverage, listGoldClips, listPromotable } from '@/lib/gold/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

export const dynamic = 'force-dynamic';

/** Gold clips for experts: coverage, the list with removal, and bulk promotion of expert-resolved clips. */
export default async function GoldPage() {
  await requirePageRole(['expert', 'admin'], '/review/gold');
  const db = await getDb();
  const taxonomy = await getActiveTaxonomy(db);
  const [list, coverage, promotable] = await Promise.all([
    listGoldClips(db, { limit: 500, offset: 0 }),
    goldCoverage(db, taxonomy.version),
    listPromotable(db, taxonomy.version, { limit: 200 }),
  ]);
  const labels = Object.fromEntries(taxonomy.tags.map((t) => [t.key, t.label]));
  return (
    <div className="stack">
      <h1 style={{ margin: 0 }}>Gold clips</h1>
      <p className="muted" style={{ margin: 0 }} data-testid="gold-coverage">
        {coverage.goldClips} gold clip{coverage.goldClips === 1 ? '' : 's'}, served {coverage.served} times, {coverage.answers}{' '}
        answers; {coverage.neverServed} not served yet
        {coverage.olderVersion > 0 ? `; ${coverage.olderVersion} written under an earlier taxonomy version` : ''}. Contributors
        never see which clips are gold.
        {list.total > list.gold.length ? ` Showing the newest ${list.gold.length}; chorus gold export lists all.` : ''}
      </p>
      <GoldManager gold={list.gold} promotable={promotable} labels={labels} />
    </div>
  );
}
