import Link from 'next/link';
import { redirect } from 'next/navigation';

export default async function Forbidden({ searchParams }: { searchParams: Promise<{ reason?: string }> }) {
  const { reason } = await searchParams;
  // A paused (or disabled) account gets its own page: which check paused it, and how to appeal.
  if (reason === 'paused') redirect('/paused');
  return (
    <main className="login">
      <div className="panel stack">
        <h1 style={{ margin: 0 }}>Not for your role</h1>
        <p className="muted">This page needs a role your account does not have.</p>
        <Link href="/">Back to your start page</Link>
      </div>
    </main>
  );
}
