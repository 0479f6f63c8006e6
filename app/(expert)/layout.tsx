import type { ReactNode } from 'react';
import { TopNav } from '@/components/top-nav';
import { requirePageRole } from '@/lib/auth/server';

export const dynamic = 'force-dynamic';

export default async function ExpertLayout({ children }: { children: ReactNode }) {
  const user = await requirePageRole(['expert', 'admin'], '/review');
  return (
    <>
      <TopNav user={user} />
      <main>{children}</main>
    </>
  );
}
