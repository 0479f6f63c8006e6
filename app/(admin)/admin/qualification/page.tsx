import { getDb } from '@/db';
import { requirePageRole } from '@/lib/auth/server';
import { listContributorQualification } from '@/lib/qualification/repo';
import { QualificationAdmin } from '@/components/qualification-admin';

export const dynamic = 'force-dynamic';

/** Grant or revoke a contributor's qualification by hand, with a note (audited). */
export default async function QualificationPage() {
  await requirePageRole(['admin'], '/admin/qualification');
  const rows = await listContributorQualification(await getDb());
  return (
    <div className="stack">
      <h1 style={{ margin: 0 }}>Qualification</h1>
      <p className="muted" style={{ margin: 0 }}>
        A contributor’s votes count once they pass the qualification round. Grant it to someone you vouch for (their pause after a
        failed round ends too), or revoke it to send them through a fresh round. Each change is in the audit log with your note.
      </p>
      <QualificationAdmin rows={rows} />
    </div>
  );
}
