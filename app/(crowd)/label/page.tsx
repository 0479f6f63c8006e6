import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { Labeler } from '@/components/labeler';
import { QualificationBanner } from '@/components/qualification-banner';
import { currentUser } from '@/lib/auth/server';
import { qualificationStatus } from '@/lib/qualification/service';

export default async function LabelPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // A contributor who has not started their qualification round sees the onboarding page first.
  const user = await currentUser();
  if (user && (await searchParams).start === undefined) {
    const status = await qualificationStatus(await getDb(), user.id);
    if (status.state === 'in_progress' && status.answered === 0) redirect('/onboarding');
  }
  return (
    <>
      <QualificationBanner />
      <Labeler />
    </>
  );
}
