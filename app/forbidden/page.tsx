import Link from 'next/link';

export default async function Forbidden({ searchParams }: { searchParams: Promise<{ reason?: string }> }) {
  const { reason } = await searchParams;
  return (
    <main className="login">
      <div className="panel stack">
        <h1 style={{ margin: 0 }}>Not for your role</h1>
        <p className="muted">
          {reason === 'paused'
            ? 'Your account is paused for review by an admin.'
            : 'This page needs a role your account does not have.'}
        </p>
        <Link href="/">Back to your start page</Link>
      </div>
    </main>
  );
}
