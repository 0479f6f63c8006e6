import { getDb } from '@/db';
import { ListenKpis } from '@/components/listen-kpis';
import { ListenPlayer } from '@/components/listen-player';
import { currentUser } from '@/lib/auth/server';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Listen · Chorus' };

/** The listener player; engineers and admins also see the recommender KPIs. */
export default async function ListenPage() {
  const [user, taxonomy] = await Promise.all([currentUser(), getDb().then((db) => getActiveTaxonomy(db)).catch(() => null)]);
  const moods = (taxonomy?.tags ?? []).map((t) => ({ key: t.key, label: t.label, description: t.description }));
  const engineer = user?.status === 'active' && (user.role === 'engineer' || user.role === 'admin');
  return (
    <div className="stack">
      <ListenPlayer moods={moods} />
      {engineer ? <ListenKpis /> : null}
    </div>
  );
}
