import { getDb } from '@/db';
import { CrowdAggregateButton } from '@/components/crowd-aggregate-button';
import { CrowdAgreementChart } from '@/components/crowd-agreement-chart';
import { CrowdAgreementTable } from '@/components/crowd-agreement-table';
import { CrowdReliabilityTable } from '@/components/crowd-reliability-table';
import { CrowdStateChart } from '@/components/crowd-state-chart';
import { GoldLoopSection } from '@/components/gold-loop-section';
import { QualificationLoopSection } from '@/components/qualification-loop-section';
import { requirePageRole } from '@/lib/auth/server';
import { AGREEMENT_WINDOW_CLIPS, agreementView, annotatorSummaries, reliabilityView, statesView } from '@/lib/crowd/dashboard';

export const dynamic = 'force-dynamic';

/**
 * The loop, for engineers: one section per concern. Crowd quality (clip states, agreement over
 * time, annotator reliability) lives here; model sections (learning curves, calibration) are
 * added as further <section>s below.
 */
export default async function LoopPage() {
  const user = await requirePageRole(['engineer', 'admin'], '/loop');
  const db = await getDb();
  const [states, agreement, reliability] = await Promise.all([
    statesView(db),
    agreementView(db, 50),
    reliabilityView(db, { limit: 100, offset: 0, sort: 'reliability', flagged: false }, user.role),
  ]);
  const fit = states.lastFit;
  const summaries = await annotatorSummaries(
    db,
    reliability.workers.map((w) => w.userId),
  );
  return (
    <div className="stack">
      <h1 style={{ margin: '0 0 0.5rem' }}>The loop</h1>

      <section className="panel stack" id="crowd-states" data-testid="loop-crowd-states">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Clip states</h2>
          <CrowdAggregateButton />
        </div>
        <CrowdStateChart states={states.states} />
        <p className="muted" style={{ margin: 0 }}>
          {states.total} clips. Open clips need votes; consensus clips are confident enough and left the queue; disputed clips
          went to the experts. {states.votesSinceFit} vote{states.votesSinceFit === 1 ? '' : 's'} since the last full EM run (it
          re-runs after {states.emEveryVotes} and every ten minutes).
          {fit && (
            <>
              {' '}
              Last run {new Date(fit.computedAt).toLocaleString()}: {fit.votes} votes, {fit.clips} clips, {fit.workers}{' '}
              annotators, {fit.iterations} iterations{fit.converged ? '' : ' (not converged)'} in {fit.durationMs} ms
              {fit.paused > 0 ? `, ${fit.paused} paused` : ''}.
            </>
          )}
        </p>
      </section>

      <section className="panel stack" id="crowd-agreement">
        <h2 style={{ margin: 0 }}>Agreement per tag</h2>
        <p className="muted" style={{ margin: 0 }}>
          Krippendorff&apos;s alpha of the crowd votes, each tag a yes/no question (1 = unanimous, 0 = chance), one point per EM
          run.
        </p>
        <CrowdAgreementChart points={agreement.points} />
        {agreement.points.length > 0 && (
          <>
            <p className="muted" style={{ margin: 0 }}>
              Fleiss&apos; kappa of the same votes (each tag a yes/no question: the share of agreeing rater pairs beyond what the
              tag&apos;s prevalence gives by chance); below 0.2 is slight agreement (Landis &amp; Koch).
            </p>
            <CrowdAgreementChart points={agreement.points} measure="kappa" />
            <CrowdAgreementTable points={agreement.points} />
          </>
        )}
      </section>

      <section className="panel stack" id="crowd-reliability">
        <h2 style={{ margin: 0 }}>Annotator reliability</h2>
        <p className="muted" style={{ margin: 0 }}>
          From the last EM run. Spam signals (answers faster than the clip, the same answer for everything, reliability or gold
          accuracy surely below the floor) lower an annotator&apos;s weight; past the limit the contributor is paused for an admin
          to review.
        </p>
        <p className="muted" style={{ margin: 0 }}>
          Agreement κ: each annotator&apos;s answers against the other raters of the same clips (Fleiss&apos; kappa taken apart by
          rater; 0 = chance), over the {summaries.window.clips} latest clips with two or more votes (at most{' '}
          {AGREEMENT_WINDOW_CLIPS}). Median time: from the clip on screen to the answer.
        </p>
        <CrowdReliabilityTable
          workers={reliability.workers}
          total={reliability.total}
          annotators={Object.fromEntries(summaries.annotators)}
        />
      </section>

      <GoldLoopSection db={db} />
      <QualificationLoopSection db={db} />
    </div>
  );
}
