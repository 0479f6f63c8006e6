import { getDb } from '@/db';
import { recordAudit } from '@/lib/audit/repo';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { ProjectSettingsPatchSchema } from '@/lib/settings/schemas';

export const GET = route(access('/api/admin/settings', 'GET'), async () => getProjectSettings(await getDb()));

export const PATCH = route(access('/api/admin/settings', 'PATCH'), async ({ req, user }) => {
  const patch = await parseBody(req, ProjectSettingsPatchSchema);
  const db = await getDb();
  const { before, after } = await changeProjectSettings(db, patch);
  await recordAudit(db, { actorId: user.id, action: 'settings.update', entity: 'settings', entityId: 'project', before, after });
  return after;
});
