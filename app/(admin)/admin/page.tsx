import Link from 'next/link';
import { getDb } from '@/db';
import { listUsers } from '@/lib/auth/repo';
import { requirePageRole } from '@/lib/auth/server';
import { openPauses } from '@/lib/pause/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { UserAdmin } from '@/components/user-admin';
import { UploadPanel } from '@/components/upload-panel';
import { JobsPanel } from '@/components/jobs-panel';
import { SettingsForm } from '@/components/settings-form';
import { TaxonomyEditor } from '@/components/taxonomy-editor';
import { getTaxonomyAdminView } from '@/lib/taxonomy/repo';

export default async function AdminPage() {
  await requirePageRole(['admin'], '/admin');
  const db = await getDb();
  const [users, settings, pauses] = await Promise.all([listUsers(db), getProjectSettings(db), openPauses(db)]);
  const taxonomy = await getTaxonomyAdminView(db);
  return (
    <div className="stack">
      <nav className="row" aria-label="More admin pages">
        <Link href="/admin/projects">Projects</Link>
        <Link href="/admin/audit">Audit log</Link>
        <Link href="/admin/qualification">Qualification</Link>
        <Link href="/admin/webhooks">Webhooks</Link>
      </nav>
      <UploadPanel />
      <JobsPanel />
      <UserAdmin initialUsers={users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }))} initialPauses={pauses} />
      {taxonomy && <TaxonomyEditor initial={taxonomy} />}
      <SettingsForm initial={settings} />
    </div>
  );
}
