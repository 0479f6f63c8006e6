import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { auditLog, clips, contributorPauses, jobRuns, users } from '@/db/schema';
import { createUserAsAdmin, updateUserAsAdmin } from '@/lib/auth/service';
import { insertClip } from '@/lib/catalog/repo';
import { escalateClipByHand } from '@/lib/catalog/service';
import { startJobEngine, stopJobEngine } from '@/lib/jobs/runtime';
import { pickStrategy } from '@/lib/model/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings, changeProjectSettingsAudited } from '@/lib/settings/service';
import { retrainJob } from '@/jobs/retrain';
import { requestRetrain } from '@/lib/model/jobs';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';

/**
 * Services that change data for a person and write the audit row: the pair lands together or
 * not at all. The audit insert is made to fail for real (a trigger on audit_log raises), and the
 * change must be gone afterwards; without the trigger the same call lands with its row.
 */
let t: TestDb;
let admin: string;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  admin = (await makeUser(t.handle, 'admin')).user.id;
  // The trigger fails audit inserts while the switch table holds a row (seen by every pooled connection).
  await t.handle.exec(`create table chorus_test_fail_audit (on_ boolean);
    create function chorus_test_fail_audit() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from chorus_test_fail_audit) then raise exception 'audit log unavailable (test)'; end if;
      return new;
    end $$;
    create trigger chorus_test_fail_audit before insert on audit_log for each row execute function chorus_test_fail_audit();`);
});
afterAll(async () => t.close());

/** Runs `fn` while every audit insert fails. */
async function withFailingAudit<T>(fn: () => Promise<T>): Promise<T> {
  await t.handle.exec('insert into chorus_test_fail_audit values (true)');
  try {
    return await fn();
  } finally {
    await t.handle.exec('delete from chorus_test_fail_audit');
  }
}

/** The call fails, and because of the audit insert (drizzle wraps the database error as the cause). */
async function expectAuditFailure(call: Promise<unknown>): Promise<void> {
  const err = (await call.then(
    () => null,
    (e: unknown) => e,
  )) as (Error & { cause?: Error }) | null;
  expect(err, 'the call should have failed').not.toBeNull();
  expect(err!.cause?.message ?? err!.message).toMatch(/audit log unavailable/);
}

async function auditRows(action: string, entityId: string) {
  return t.handle.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)));
}

describe('a failing audit insert rolls the change back', () => {
  it('createUserAsAdmin: no account without its audit row', async () => {
    const email = `new-${randomBytes(3).toString('hex')}@audit.test`;
    const input = { email, name: 'New Person', role: 'contributor' as const, password: 'long enough secret' };
    await expectAuditFailure(withFailingAudit(() => createUserAsAdmin(t.handle.db, admin, input)));
    expect(await t.handle.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);

    const created = await createUserAsAdmin(t.handle.db, admin, input);
    expect((await auditRows('user.create', created.id)).map((r) => r.after)).toEqual([{ email, role: 'contributor' }]);
  });

  it('updateUserAsAdmin: the role, the status and the pause record stay as they were', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    await expectAuditFailure(withFailingAudit(() => updateUserAsAdmin(t.handle.db, admin, user.id, { role: 'expert', status: 'paused' })));
    const [row] = await t.handle.db.select().from(users).where(eq(users.id, user.id));
    expect({ role: row.role, status: row.status }).toEqual({ role: 'contributor', status: 'active' });
    expect(await t.handle.db.select().from(contributorPauses).where(eq(contributorPauses.userId, user.id))).toHaveLength(0);

    await updateUserAsAdmin(t.handle.db, admin, user.id, { status: 'paused' });
    expect(await t.handle.db.select().from(contributorPauses).where(eq(contributorPauses.userId, user.id))).toHaveLength(1);
    expect((await auditRows('user.update', user.id)).map((r) => r.after)).toEqual([{ role: 'contributor', status: 'paused' }]);
  });

  it('changeProjectSettingsAudited: settings and the overlap of open clips unchanged', async () => {
    await changeProjectSettings(t.handle.db, { overlap: 3 });
    const clip = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'overlap clip', status: 'ready', overlapTarget: 3 });
    const change = { actorId: admin, action: 'settings.update' as const, view: (s: object) => s };
    await expectAuditFailure(withFailingAudit(() => changeProjectSettingsAudited(t.handle.db, change, { overlap: 5 })));
    expect((await getProjectSettings(t.handle.db)).overlap).toBe(3);
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, clip.id)))[0].overlapTarget).toBe(3);

    await changeProjectSettingsAudited(t.handle.db, change, { overlap: 5 });
    expect((await getProjectSettings(t.handle.db)).overlap).toBe(5);
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, clip.id)))[0].overlapTarget).toBe(5);
    const [row] = (await auditRows('settings.update', 'project')).slice(-1);
    expect(row).toMatchObject({ actorId: admin, before: { overlap: 3 }, after: { overlap: 5 } });
  });

  it('changeProjectSettingsAudited (strategy): weights unchanged; on success one weight changes and the others are kept', async () => {
    const weights = { uncertainty: 1, disagreement: 0.7, diversity: 0.3, votesNeeded: 0.5, drift: 0.2, feedback: 0.1 };
    await changeProjectSettings(t.handle.db, { priorityWeights: weights });
    const change = { actorId: admin, action: 'settings.strategy' as const, view: pickStrategy };
    await expectAuditFailure(withFailingAudit(() => changeProjectSettingsAudited(t.handle.db, change, { priorityWeights: { diversity: 2 } })));
    expect((await getProjectSettings(t.handle.db)).priorityWeights).toEqual(weights);

    const { after } = await changeProjectSettingsAudited(t.handle.db, change, { priorityWeights: { diversity: 2 } });
    expect(after.priorityWeights).toEqual({ ...weights, diversity: 2 });
    const [row] = (await auditRows('settings.strategy', 'project')).slice(-1);
    expect(row.before).toMatchObject({ priorityWeights: weights });
    expect(row.after).toEqual(after);
  });

  it('escalateClipByHand: the clip keeps its state', async () => {
    const clip = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'escalate me', status: 'ready' });
    await expectAuditFailure(withFailingAudit(() => escalateClipByHand(t.handle.db, admin, clip.id)));
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, clip.id)))[0].labelState).toBe('open');

    await escalateClipByHand(t.handle.db, admin, clip.id);
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, clip.id)))[0].labelState).toBe('disputed');
    expect((await auditRows('clip.escalate', clip.id)).map((r) => r.after)).toEqual([{ labelState: 'disputed' }]);
  });

  it('requestRetrain: the queued job is cancelled (no worker runs here), and says why', async () => {
    await startJobEngine(t.handle, [retrainJob as never]);
    try {
      await expectAuditFailure(withFailingAudit(() => requestRetrain(t.handle.db, admin, { kinds: ['logistic'] })));
      const [run] = await t.handle.db.select().from(jobRuns).where(eq(jobRuns.name, 'retrain'));
      const failedId = run.jobId;
      expect(run).toMatchObject({ state: 'failed', error: 'cancelled: the request could not be recorded in the audit log' });
      const [boss] = await t.handle.query<{ state: string }>('select state from pgboss.job where id = $1', [failedId]);
      expect(boss.state).toBe('cancelled');
      expect(await auditRows('model.retrain', failedId)).toHaveLength(0);

      const id = await requestRetrain(t.handle.db, admin, { kinds: ['logistic'] });
      expect((await auditRows('model.retrain', id)).map((r) => r.after)).toEqual([{ kinds: ['logistic'] }]);
    } finally {
      await stopJobEngine();
    }
  });
});
