import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { StrategySettingsPatchSchema } from '@/lib/model/schemas';
import { pickStrategy } from '@/lib/model/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettingsAudited } from '@/lib/settings/service';

export const dynamic = 'force-dynamic';

/** The query strategy, priority weights, retraining and targeted-question settings. */
export const GET = route(access('/api/models/strategy', 'GET'), async () =>
  pickStrategy(await getProjectSettings(await getDb())),
);

/** Changes them (audited like every settings change); the next rescore applies them to the queue. */
export const PATCH = route(access('/api/models/strategy', 'PATCH'), async ({ req, user }) => {
  const patch = await parseBody(req, StrategySettingsPatchSchema);
  const { after } = await changeProjectSettingsAudited(await getDb(), { actorId: user.id, action: 'settings.strategy', view: pickStrategy }, patch);
  return after;
});
