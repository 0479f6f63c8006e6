import type { Db } from '@/db/client';
import { goldAccuracyByContributor, goldCoverage } from '@/lib/gold/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { TableRegion } from './table-view';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * /loop's gold section (server component): how much gold there is and how much it is used, and
 * each contributor's accuracy on it per mood (as the spam check and the reliability table judge it),
 * least accurate first — read from the answers themselves, so
 * it is current between EM runs (the reliability table's gold column comes from the last run).
 */
export async function GoldLoopSection({ db }: { db: Db }) {
  const taxonomy = await getActiveTaxonomy(db);
  const [coverage, contributors] = await Promise.all([
    goldCoverage(db, taxonomy.version),
    goldAccuracyByContributor(
      db,
      taxonomy.tags.map((t) => t.key),
      50,
    ),
  ]);
  return (
    <section className="panel stack" id="gold" data-testid="loop-gold">
      <h2 id="loop-gold-heading" style={{ margin: 0 }}>Gold</h2>
      <p className="muted" style={{ margin: 0 }} data-testid="loop-gold-coverage">
        {coverage.goldClips} gold clip{coverage.goldClips === 1 ? '' : 's'} ({coverage.neverServed} never served
        {coverage.olderVersion > 0 ? `, ${coverage.olderVersion} from an earlier taxonomy version` : ''}), served{' '}
        {coverage.served === 1 ? 'once' : `${coverage.served} times`}, {coverage.answers} answer{coverage.answers === 1 ? '' : 's'}.{' '}
        {coverage.promotable} expert-resolved clip
        {coverage.promotable === 1 ? '' : 's'} could become gold (experts: Gold page).
        {coverage.goldClips === 0 ? ' Without gold, the gold-based spam checks have nothing to go on.' : ''}
      </p>
      {contributors.length === 0 ? (
        <p className="muted" style={{ margin: 0 }}>
          No contributor has answered a gold clip yet.
        </p>
      ) : (
        <TableRegion labelledBy="loop-gold-heading">
          <table data-testid="loop-gold-accuracy">
            <thead>
              <tr>
                <th>Contributor</th>
                <th title="Each mood the gold answer fixes, per answer (tolerated moods are free; a yes/no question checks its one mood): the share answered as fixed. Red below the spam check's gold floor (60 %).">
                  Moods right
                </th>
                <th title="Whole answers with every fixed mood as fixed. Harsh on multi-mood clips: 95 % per mood is about 66 % of whole answers on eight moods.">
                  Whole answers right
                </th>
              </tr>
            </thead>
            <tbody>
              {contributors.map((c) => (
                <tr key={c.userId} data-user-id={c.userId}>
                  <td>{c.name}</td>
                  <td className={c.tagAccuracy < 0.6 ? 'error' : undefined}>
                    {pct(c.tagAccuracy)}{' '}
                    <span className="muted">
                      ({c.tagRight} / {c.tagChecks})
                    </span>
                  </td>
                  <td className="muted">
                    {c.correct} / {c.answered}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}
