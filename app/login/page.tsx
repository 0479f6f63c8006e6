import { LoginForm } from '@/components/login-form';
import { env } from '@/lib/env';
import { safeRedirectPath } from '@/lib/http/safe-redirect';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const params = await searchParams;
  const e = env();
  // Only same-origin relative paths are accepted as a return address (no open redirect; the
  // form checks again before it navigates).
  const callbackUrl = safeRedirectPath(params.callbackUrl);
  return (
    <main className="login">
      <div className="panel stack">
        <h1 style={{ margin: 0 }}>Chorus</h1>
        <p className="muted" style={{ margin: 0 }}>Sign in to label music moods.</p>
        <LoginForm callbackUrl={callbackUrl} github={Boolean(e.GITHUB_ID && e.GITHUB_SECRET)} demo={e.CHORUS_DEMO === '1'} />
      </div>
    </main>
  );
}
