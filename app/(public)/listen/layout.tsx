import Link from 'next/link';
import type { ReactNode } from 'react';
import { TopNav } from '@/components/top-nav';
import { currentUser } from '@/lib/auth/server';

export const dynamic = 'force-dynamic';

/**
 * /listen is public: listeners are anonymous. Signed-in staff get their usual navigation;
 * anyone else a plain header. Nothing about the visitor is stored besides an opaque session id.
 */
export default async function ListenLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <>
      {user && user.status === 'active' ? (
        <TopNav user={user} />
      ) : (
        <header className="top">
          <span className="brand">Chorus</span>
          <nav>
            <Link href="/listen">Listen</Link>
          </nav>
          <Link href="/login?callbackUrl=%2Flisten" className="who">
            Sign in
          </Link>
        </header>
      )}
      <main>{children}</main>
    </>
  );
}
