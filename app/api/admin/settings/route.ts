import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettingsAudited } from '@/lib/settings/service';
import { ProjectSettingsPatchSchema } from '@/lib/settings/schemas';

export const GET = route(access('/api/admin/settings', 'GET'), async () => getProjectSettings(await getDb()));

export const PATCH = route(access('/api/admin/settings', 'PATCH'), async ({ req, user }) => {
  const patch = await parseBody(req, ProjectSettingsPatchSchema);
  const { after } = await changeProjectSettingsAudited(await getDb(), { actorId: user.id, action: 'settings.update', view: (s) => s }, patch);
  return after;
});
