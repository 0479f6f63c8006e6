import { getDb } from '@/db';
import { ExplorationSwitchSchema } from '@/lib/experiments/schemas';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { explorationOverview } from '@/lib/recommend/exploration';
import { changeProjectSettingsAudited } from '@/lib/settings/service';

export const dynamic = 'force-dynamic';

/** Whether the exploration bandit is on, and each ranking arm's counts and posterior. */
export const GET = route(access('/api/models/exploration', 'GET'), async () => explorationOverview(await getDb()));

/** Turns it on or off (audited like every settings change); answers the overview. */
export const PATCH = route(access('/api/models/exploration', 'PATCH'), async ({ req, user }) => {
  const { enabled } = await parseBody(req, ExplorationSwitchSchema);
  const db = await getDb();
  await changeProjectSettingsAudited(db, { actorId: user.id, action: 'settings.exploration', view: (s) => ({ exploration: s.exploration }) }, { exploration: enabled });
  return explorationOverview(db);
});
