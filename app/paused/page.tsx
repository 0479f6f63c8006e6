import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { AppealForm } from '@/components/appeal-form';
import { SignOutButton } from '@/components/sign-out-button';
import { currentUser, homeFor } from '@/lib/auth/server';
import { currentPause } from '@/lib/pause/repo';
import { resumeIfRetryDue } from '@/lib/qualification/service';
import { describePauseCheck, PAUSE_CHECK_TITLES } from '@/lib/pause/schemas';

export const dynamic = 'force-dynamic';

/** Where a paused account lands: which check paused it, with the numbers, and a way to appeal. */
export default async function PausedPage() {
  const user = await currentUser();
  if (!user) redirect('/login?callbackUrl=%2Fpaused');
  if (user.status === 'active') redirect(homeFor(user.role));
  // A failed qualification round pauses until its retry time; from then on, coming back here starts a fresh round.
  if (user.status === 'paused' && (await resumeIfRetryDue(await getDb(), user.id))) redirect('/label');
  const pause = user.status === 'paused' ? await currentPause(await getDb(), user.id) : null;
  return (
    <main style={{ maxWidth: 640, margin: '3rem auto', padding: '0 1rem' }}>
      <div className="panel stack" data-testid="paused-panel">
        <h1 style={{ margin: 0 }}>{user.status === 'disabled' ? 'Your account is disabled' : 'Your labelling is paused'}</h1>
        {user.status === 'disabled' ? (
          <p className="muted">An admin disabled this account. Ask them if you think this is a mistake.</p>
        ) : (
          <>
            <p style={{ margin: 0 }}>
              Chorus checks every contributor&apos;s answers so the labels stay trustworthy. An admin will look at your account
              and can set it active again; until then no clips are served to you.
            </p>
            {pause ? (
              <>
                <ul className="stack" style={{ paddingLeft: '1.2rem', margin: 0 }} data-testid="pause-reasons">
                  {pause.reason.checks.map((c, i) => (
                    <li key={i} data-check={c.check}>
                      <strong>{PAUSE_CHECK_TITLES[c.check]}.</strong> {describePauseCheck(c)}
                    </li>
                  ))}
                </ul>
                <p className="muted" style={{ margin: 0 }}>
                  Paused <time dateTime={pause.pausedAt}>{new Date(pause.pausedAt).toUTCString()}</time>.
                </p>
                <AppealForm initial={{ appeal: pause.appeal, appealedAt: pause.appealedAt }} />
              </>
            ) : (
              <>
                <p className="muted">No reason was recorded for this pause.</p>
                <AppealForm initial={{ appeal: null, appealedAt: null }} />
              </>
            )}
          </>
        )}
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <SignOutButton />
        </div>
      </div>
    </main>
  );
}
