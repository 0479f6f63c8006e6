import type { Db } from '@/db/client';
import { qualificationOverview } from '@/lib/qualification/service';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * /loop's qualification line (server component): whether new contributors take a round, the
 * warning when there is too little gold for one, and where contributors stand.
 */
export async function QualificationLoopSection({ db }: { db: Db }) {
  const o = await qualificationOverview(db);
  return (
    <section className="panel stack" id="qualification" data-testid="loop-qualification">
      <h2 style={{ margin: 0 }}>Qualification</h2>
      {o.warning ? (
        <p className="error" style={{ margin: 0 }} role="status" data-testid="loop-qualification-warning">
          {o.warning}
        </p>
      ) : (
        <p className="muted" style={{ margin: 0 }}>
          {o.active
            ? `New contributors answer ${o.clips} gold clips (of ${o.goldClips}) and need ${pct(o.threshold)} of mood choices right before their votes count.`
            : 'Off (qualificationClips is 0): new contributors vote from their first clip.'}
        </p>
      )}
      <p className="muted" style={{ margin: 0 }}>
        {o.qualified} qualified (rounds passed or granted), {o.inProgress} in a round, {o.failed} failed and not yet passed.
      </p>
    </section>
  );
}
