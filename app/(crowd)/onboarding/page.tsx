import Link from 'next/link';
import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { GuidelineList } from '@/components/guideline-list';
import { currentUser } from '@/lib/auth/server';
import { listGuidelines } from '@/lib/guidelines/service';
import { qualificationStatus } from '@/lib/qualification/service';
import { getProjectSettings } from '@/lib/settings/repo';

export const dynamic = 'force-dynamic';

const pct = (x: number) => `${Math.round(x * 100)} %`;

/**
 * A new contributor's first page: how labeling works, the qualification round (when they have one
 * to take) and every mood's guideline with playable examples.
 */
export default async function OnboardingPage() {
  const user = await currentUser();
  if (!user) redirect('/login?callbackUrl=%2Fonboarding');
  const db = await getDb();
  const [status, guidelines, settings] = await Promise.all([
    qualificationStatus(db, user.id),
    listGuidelines(db),
    getProjectSettings(db),
  ]);
  const inRound = status.state === 'in_progress';
  return (
    <div className="stack onboarding" data-testid="onboarding">
      <section className="panel stack">
        <h1 style={{ margin: 0 }}>Welcome to Chorus</h1>
        <p style={{ margin: 0 }}>
          You listen to short music clips and tick every mood that fits — as many as fit, or “none of these”. There is no right
          answer to taste, but there is care: listen before you answer, and use the guidelines below when a mood is borderline.
        </p>
        <p className="muted" style={{ margin: 0 }}>
          Keys on the labeling screen: <kbd>1</kbd>–<kbd>9</kbd> moods, <kbd>Enter</kbd> submit, <kbd>Space</kbd> play/pause,{' '}
          <kbd>G</kbd> these guidelines (your clip stays yours), <kbd>?</kbd> every key.
        </p>
      </section>
      {inRound ? (
        <section className="panel stack" data-testid="qualification-intro">
          <h2 style={{ margin: 0 }}>First, a short qualification round</h2>
          <p style={{ margin: 0 }}>
            Your first {status.total === 1 ? 'clip has' : `${status.total} clips have`} moods the experts already settled. Answer them as you would any clip; your later
            answers count once at least {pct(settings.qualificationThreshold)} of your mood choices on them match. A skipped clip
            counts as wrong on every mood.
          </p>
          <p className="muted" style={{ margin: 0 }}>
            {status.answered > 0 ? `You have answered ${status.answered} of ${status.total}. ` : ''}If it does not go well, you
            can take a fresh round after {settings.qualificationRetryHours} h.
          </p>
          <div className="row">
            <Link className="button" href="/label?start=1" data-testid="start-qualification">
              {status.answered > 0 ? 'Continue the qualification round' : 'Start the qualification round'}
            </Link>
          </div>
        </section>
      ) : (
        <section className="panel row">
          <Link className="button" href="/label?start=1" data-testid="start-labeling">
            Start labeling
          </Link>
        </section>
      )}
      <h2 style={{ margin: '0.5rem 0 0' }}>The moods</h2>
      <GuidelineList tags={guidelines.tags} />
    </div>
  );
}
