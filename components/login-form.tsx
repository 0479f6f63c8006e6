'use client';

import { signIn } from 'next-auth/react';
import { useState, type FormEvent } from 'react';
import { safeRedirectPath } from '@/lib/http/safe-redirect';

export function LoginForm({ callbackUrl: rawCallbackUrl, github, demo }: { callbackUrl: string; github: boolean; demo: boolean }) {
  // Checked again here, right before the browser navigates: the prop is the page's, but this is
  // where `location.assign` would follow a `/\\host` or `/\t/host` to another site.
  const callbackUrl = safeRedirectPath(rawCallbackUrl);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn('credentials', {
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
      redirect: false,
    });
    setBusy(false);
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
    } else {
      setError('Wrong email or password (after several failures, sign-in slows down).');
    }
  }

  return (
    <form className="stack" onSubmit={onSubmit}>
      <label className="stack">
        Email
        <input name="email" type="email" autoComplete="username" required autoFocus />
      </label>
      <label className="stack">
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      {github && (
        <button type="button" className="secondary" onClick={() => signIn('github', { callbackUrl })}>
          Sign in with GitHub
        </button>
      )}
      {demo && <p className="muted">Demo accounts and their passwords are printed in the server log at start.</p>}
    </form>
  );
}
