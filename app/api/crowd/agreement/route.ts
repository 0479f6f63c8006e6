import { getDb } from '@/db';
import { agreementView } from '@/lib/crowd/dashboard';
import { AgreementQuerySchema } from '@/lib/crowd/schemas';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/crowd/agreement', 'GET'), async ({ req }) => {
  const { runs, scope } = parseQuery(req, AgreementQuerySchema);
  return agreementView(await getDb(), runs, scope);
});
