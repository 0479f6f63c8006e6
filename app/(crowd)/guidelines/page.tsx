import Link from 'next/link';
import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { GuidelineEditor } from '@/components/guideline-editor';
import { GuidelineList } from '@/components/guideline-list';
import { currentUser } from '@/lib/auth/server';
import { listGuidelines } from '@/lib/guidelines/service';

export const dynamic = 'force-dynamic';

/** Every mood's guideline: experts and admins write them here; everyone else reads them. */
export default async function GuidelinesPage() {
  const user = await currentUser();
  if (!user) redirect('/login?callbackUrl=%2Fguidelines');
  const guidelines = await listGuidelines(await getDb());
  const editor = user.role === 'expert' || user.role === 'admin';
  return (
    <div className="stack" data-testid="guidelines-page">
      <section className="panel stack">
        <h1 style={{ margin: 0 }}>Mood guidelines</h1>
        <p className="muted" style={{ margin: 0 }}>
          {editor
            ? 'What each mood means, in plain words, with one to three example clips. Contributors read this on their first visit and with G on the labeling screen. A guideline stays with its mood key across taxonomy versions; gold clips cannot be examples.'
            : 'What each mood means, with examples to listen to. On the labeling screen, G shows this over your clip.'}
        </p>
        {!editor && (
          <div className="row">
            <Link href="/label">Back to labeling</Link>
          </div>
        )}
      </section>
      {editor ? <GuidelineEditor tags={guidelines.tags} /> : <GuidelineList tags={guidelines.tags} />}
    </div>
  );
}
