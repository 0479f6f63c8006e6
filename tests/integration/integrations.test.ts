import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { auditLog, clips, importedPredictions, webhookDeliveries } from '@/db/schema';
import { createBoss, JobEngine, type JobDefinition } from '@/lib/jobs/engine';
import { listContributorQualification, qualificationFacts } from '@/lib/qualification/repo';
import { deliverWebhookSpec } from '@/lib/webhooks/jobs';
import { WEBHOOK_MAX_ATTEMPTS } from '@/lib/webhooks/schemas';
import { dispatchPending, sweepEvents } from '@/lib/webhooks/service';
import { verifySignature } from '@/lib/webhooks/sign';
import { deliverWebhookJob } from '@/jobs/deliver-webhook';
import * as importRoute from '@/app/api/predictions/import/route';
import * as exportRoute from '@/app/api/predictions/export/route';
import * as webhooksRoute from '@/app/api/admin/webhooks/route';
import * as webhookRoute from '@/app/api/admin/webhooks/[id]/route';
import * as deliveriesRoute from '@/app/api/admin/webhooks/[id]/deliveries/route';
import * as qualificationRoute from '@/app/api/admin/users/[id]/qualification/route';
import { runCli } from '../helpers/cli';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { buildTestCatalog, type TestCatalog } from './model-catalog';

/** Issue 15: pre-annotations (predictions import/export), outgoing webhooks, qualification by hand. */

let t: TestDb;
let catalog: TestCatalog;
let dir: string;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  catalog = await buildTestCatalog(t.handle.db, { n: 60, seed: 5 });
  for (const role of ['contributor', 'engineer', 'admin'] as const) {
    const { user, token } = await makeUser(t.handle, role);
    tokens[role] = token;
    ids[role] = user.id;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-integrations-'));
  // A migrated database and a 60-clip catalog: minutes on a loaded 2-core machine.
}, 300_000);
afterAll(async () => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

async function sha(id: string) {
  const [row] = await t.handle.db.select({ sha256: clips.sha256 }).from(clips).where(eq(clips.id, id));
  return row.sha256;
}
const countImported = async () =>
  Number((await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from imported_predictions`))[0].n);

describe('predictions import and export', () => {
  it('refuses a malformed file with every bad row by line and imports nothing', async () => {
    const [a, b] = catalog.ids;
    const content = [
      'clip,p_happy,p_sad',
      `${a},0.9,0.1`, // 2: fine
      `${b},1.7,0.1`, // 3: not a probability
      `${b},0.2`, // 4: a field short
      `00000000-0000-4000-8000-00000000abcd,0.5,0.5`, // 5: no such clip
      `${a},0.3,0.3`, // 6: clip again
      `${await sha(b)},abc,`, // 7: not a number
    ].join('\n');
    const res = await importRoute.POST(
      request('POST', '/api/predictions/import', { token: tokens.engineer, body: { format: 'csv', content, source: 'm1' } }),
    );
    expect(res.status).toBe(422);
    const problems = (await res.json()).error.details.problems as string[];
    expect(problems.map((p) => Number(/^line (\d+)/.exec(p)?.[1]))).toEqual([3, 4, 6, 7]);
    expect(await countImported()).toBe(0);

    // Clip references are checked once the rows are well-formed: the unknown clip, by its line.
    const second = await importRoute.POST(
      request('POST', '/api/predictions/import', {
        token: tokens.engineer,
        body: { format: 'csv', content: `clip,p_happy\n${a},0.9\n00000000-0000-4000-8000-00000000abcd,0.5\n`, source: 'm1' },
      }),
    );
    expect(second.status).toBe(422);
    expect((await second.json()).error.details.problems).toEqual([
      'line 3: no clip with id or sha256 00000000-0000-4000-8000-00000000abcd',
    ]);

    // An unknown tag column, and a JSONL line that is not JSON.
    const unknown = await importRoute.POST(
      request('POST', '/api/predictions/import', {
        token: tokens.engineer,
        body: { format: 'jsonl', content: `{"clip":"${a}","p_groovy":0.4}\n{"clip":\n`, source: 'm1' },
      }),
    );
    expect(unknown.status).toBe(422);
    const unknownProblems = (await unknown.json()).error.details.problems as string[];
    expect(unknownProblems[0]).toContain('p_groovy');
    expect(unknownProblems[1]).toMatch(/^line 2: not JSON/);
    expect(await countImported()).toBe(0);

    // Contributors may not import.
    const forbidden = await importRoute.POST(
      request('POST', '/api/predictions/import', {
        token: tokens.contributor,
        body: { format: 'csv', content: 'clip,p_happy\n', source: 'x' },
      }),
    );
    expect(forbidden.status).toBe(403);
  });

  it('imports a JSONL file by CLI, seeds the cold-start priorities with its uncertainty, and exports it back', async () => {
    const open = (
      await t.handle.db.select({ id: clips.id }).from(clips).where(eq(clips.labelState, 'open')).orderBy(clips.id)
    ).map((r) => r.id);
    expect(open.length).toBeGreaterThanOrEqual(4);
    const [unsure, sure] = open;
    const lines = [
      JSON.stringify({ clip: unsure, p_happy: 0.5, p_sad: 0.5 }), // entropy 1 bit per tag
      JSON.stringify({ clip: await sha(sure), p_happy: 0.01, p_sad: 0.99, note: 'ignored' }),
    ];
    const file = path.join(dir, 'essentia.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const res = await runCli(['predictions', 'import', file]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ source: 'essentia', created: 2, replaced: 0, rescore: { mode: 'cold-start' } });

    const rows = await t.handle.db.select().from(importedPredictions).orderBy(importedPredictions.clipId);
    expect(rows).toHaveLength(2);
    const byClip = new Map(rows.map((r) => [r.clipId, r]));
    expect(byClip.get(unsure)!.uncertainty).toBeCloseTo(1, 5);
    expect(byClip.get(sure)!.uncertainty).toBeCloseTo(0.0808, 3); // H(0.01) = 0.0808 bits
    expect(byClip.get(sure)!.tagKeys).toEqual(['happy', 'sad']);

    // The uncertainty term of the queue priority is the imported prediction's, for those clips only.
    const terms = new Map(
      (
        await t.handle.db.select({ id: clips.id, terms: clips.priorityTerms }).from(clips).where(eq(clips.labelState, 'open'))
      ).map((r) => [r.id, r.terms as Record<string, number>]),
    );
    expect(terms.get(unsure)!.uncertainty).toBeGreaterThan(0);
    expect(terms.get(unsure)!.uncertainty).toBeGreaterThan(terms.get(sure)!.uncertainty);
    expect(terms.get(open[2])!.uncertainty).toBeUndefined();

    // A second import replaces, and is audited.
    const again = await runCli(['predictions', 'import', file, '--source', 'essentia-v2', '--no-rescore']);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, replaced: 2 });
    const audits = await t.handle.db.select().from(auditLog).where(eq(auditLog.action, 'predictions.import'));
    expect(audits.map((a) => a.entityId)).toEqual(['essentia', 'essentia-v2']);

    // Export of the imported predictions, both formats; CSV leaves a missing tag empty.
    const csv = await exportRoute.GET(
      request('GET', '/api/predictions/export?from=imported&format=csv', { token: tokens.engineer }),
    );
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('clip,p_happy,p_sad');
    expect(text).toContain(`${await sha(unsure)},0.5,0.5`);
    const jsonl = await exportRoute.GET(
      request('GET', '/api/predictions/export?from=imported&format=jsonl', { token: tokens.engineer }),
    );
    const parsed = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toContainEqual({ clip: await sha(sure), p_happy: 0.01, p_sad: 0.99 });
    // The round trip: the export imports again unchanged.
    const back = path.join(dir, 'back.csv');
    expect((await runCli(['predictions', 'export', back, '--from', 'imported'])).code).toBe(0);
    expect(JSON.parse((await runCli(['predictions', 'import', back, '--no-rescore'])).stdout)).toMatchObject({ replaced: 2 });

    // No active model: no model predictions to export.
    const none = await exportRoute.GET(request('GET', '/api/predictions/export', { token: tokens.engineer }));
    expect(none.status).toBe(404);
    expect((await runCli(['predictions', 'export', '--from', 'model'])).code).toBe(1);
    expect((await exportRoute.GET(request('GET', '/api/predictions/export', { token: tokens.contributor }))).status).toBe(403);
  });
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function receiver(answer: (n: number) => number): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = answer(got.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

describe('outgoing webhooks', () => {
  it('signs deliveries, retries a failing receiver through the job engine, and keeps a delivery log', async () => {
    const good = await receiver(() => 204);
    const flaky = await receiver((n) => (n <= 2 ? 503 : 200));
    const down = await receiver(() => 500);
    const engine = new JobEngine(createBoss(t.handle), t.handle);
    try {
      // Registration: admins only, a bad URL or event refused.
      expect(
        (
          await webhooksRoute.POST(
            request('POST', '/api/admin/webhooks', { token: tokens.engineer, body: { url: good.url, events: ['clip.settled'] } }),
          )
        ).status,
      ).toBe(403);
      expect(
        (
          await webhooksRoute.POST(
            request('POST', '/api/admin/webhooks', { token: tokens.admin, body: { url: 'ftp://x/y', events: ['clip.settled'] } }),
          )
        ).status,
      ).toBe(400);
      expect(
        (
          await webhooksRoute.POST(
            request('POST', '/api/admin/webhooks', { token: tokens.admin, body: { url: good.url, events: ['clip.deleted'] } }),
          )
        ).status,
      ).toBe(400);
      const create = async (url: string, events: string[]) => {
        const res = await webhooksRoute.POST(
          request('POST', '/api/admin/webhooks', { token: tokens.admin, body: { url, events } }),
        );
        expect(res.status).toBe(201);
        return (await res.json()) as { id: string; secret: string };
      };
      const hookGood = await create(good.url, ['clip.settled', 'model.promoted', 'snapshot.created']);
      const hookFlaky = await create(flaky.url, ['clip.settled']);
      const hookDown = await create(down.url, ['model.promoted']);
      expect(hookGood.secret).toMatch(/^whsec_/);
      const listed = await (await webhooksRoute.GET(request('GET', '/api/admin/webhooks', { token: tokens.admin }))).json();
      expect(listed.webhooks).toHaveLength(3);
      expect(JSON.stringify(listed)).not.toContain(hookGood.secret);

      // The first sweep sets the watermarks; what happens after it becomes events.
      await sweepEvents(t.handle.db, { lagSeconds: 0 });
      const open = (await t.handle.db.select({ id: clips.id }).from(clips).where(eq(clips.labelState, 'open')).limit(2)).map(
        (r) => r.id,
      );
      await execRows(
        t.handle.db,
        sql`update clips set label_state = 'consensus', state_changed_at = clock_timestamp() where id in (${sql.join(
          open.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      );
      await execRows(
        t.handle.db,
        sql`insert into models (kind, status, feature_version, taxonomy_version, tag_keys, metrics, promoted_at)
            values ('logistic', 'retired', 'v', 1, array['happy'], '{"microF1": 0.61}'::jsonb, clock_timestamp())`,
      );
      await execRows(
        t.handle.db,
        sql`insert into dataset_snapshots (name, version, status, formats, manifest, finished_at)
            values ('moods', 3, 'ready', array['jsonl'], '{"counts": {"rows": 42}, "content_sha256": "abc"}'::jsonb, clock_timestamp()),
                   ('moods', 4, 'building', array['csv'], null, null)`,
      );
      await new Promise((r) => setTimeout(r, 20));
      const created = await sweepEvents(t.handle.db, { lagSeconds: 0 });
      expect(created).toEqual({ 'clip.settled': 2, 'model.promoted': 2, 'snapshot.created': 1 });
      // Nothing twice: a second sweep finds nothing new.
      expect(await sweepEvents(t.handle.db, { lagSeconds: 0 })).toEqual({
        'clip.settled': 0,
        'model.promoted': 0,
        'snapshot.created': 0,
      });

      await engine.start([deliverWebhookJob as JobDefinition<unknown>]);
      await engine.work();
      // Short retry delays for the test; the spec's own are 30 s with backoff.
      const queued = await dispatchPending(t.handle.db, (deliveryId) =>
        engine.enqueue(deliverWebhookSpec, { deliveryId }, { retryDelay: 1, retryBackoff: false }),
      );
      expect(queued).toBe(5);

      const settle = async () => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const rows = await t.handle.db.select().from(webhookDeliveries);
          if (rows.every((r) => r.status === 'delivered' || r.status === 'failed')) return rows;
          if (Date.now() > deadline)
            throw new Error(`deliveries did not settle: ${JSON.stringify(rows.map((r) => [r.status, r.attempts]))}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      const rows = await settle();
      const of = (id: string) => rows.filter((r) => r.webhookId === id);

      // The good receiver: two events, each signed with its secret over the exact body.
      expect(of(hookGood.id).map((r) => [r.status, r.attempts])).toEqual([
        ['delivered', 1],
        ['delivered', 1],
        ['delivered', 1],
      ]);
      expect(good.got).toHaveLength(3);
      for (const g of good.got) {
        expect(verifySignature(hookGood.secret, g.headers['chorus-signature'] as string, g.body)).toBe(true);
        expect(verifySignature(hookFlaky.secret, g.headers['chorus-signature'] as string, g.body)).toBe(false);
        expect(verifySignature(hookGood.secret, g.headers['chorus-signature'] as string, g.body + ' ')).toBe(false);
      }
      const settled = good.got.map((g) => JSON.parse(g.body)).find((b) => b.event === 'clip.settled');
      expect(good.got.find((g) => JSON.parse(g.body).event === 'clip.settled')!.headers['chorus-event']).toBe('clip.settled');
      expect(settled.data.clips.map((c: { clip_id: string }) => c.clip_id).sort()).toEqual([...open].sort());
      expect(settled.data.clips[0]).toMatchObject({ state: 'consensus', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const promoted = good.got.map((g) => JSON.parse(g.body)).find((b) => b.event === 'model.promoted');
      expect(promoted.data).toMatchObject({ kind: 'logistic', metrics: { micro_f1: 0.61 } });
      // Only a built snapshot is an event (the one still building is not).
      const snapshot = good.got.map((g) => JSON.parse(g.body)).find((b) => b.event === 'snapshot.created');
      expect(snapshot.data).toMatchObject({ name: 'moods', version: 3, formats: ['jsonl'], rows: 42, content_sha256: 'abc' });

      // The flaky receiver: two 503s, then delivered on the third attempt; the delivery id is the same every time.
      expect(of(hookFlaky.id).map((r) => [r.status, r.attempts, r.lastStatusCode])).toEqual([['delivered', 3, 200]]);
      expect(new Set(flaky.got.map((g) => g.headers['chorus-delivery'])).size).toBe(1);
      expect(new Set(flaky.got.map((g) => g.body)).size).toBe(1);

      // The receiver that is down: every attempt made, then failed, with the last answer in the log.
      expect(of(hookDown.id).map((r) => [r.status, r.attempts, r.lastStatusCode])).toEqual([
        ['failed', WEBHOOK_MAX_ATTEMPTS, 500],
      ]);
      expect(down.got).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
      const log = await (
        await deliveriesRoute.GET(
          request('GET', `/api/admin/webhooks/${hookDown.id}/deliveries`, { token: tokens.admin }),
          ctx({ id: hookDown.id }),
        )
      ).json();
      expect(log.deliveries[0]).toMatchObject({
        event: 'model.promoted',
        status: 'failed',
        attempts: WEBHOOK_MAX_ATTEMPTS,
        lastError: 'the receiver answered 500',
      });
      const flakyLog = await (
        await deliveriesRoute.GET(
          request('GET', `/api/admin/webhooks/${hookFlaky.id}/deliveries`, { token: tokens.admin }),
          ctx({ id: hookFlaky.id }),
        )
      ).json();
      expect(flakyLog.deliveries[0]).toMatchObject({ status: 'delivered', items: 2 });
      expect(
        (
          await deliveriesRoute.GET(
            request('GET', `/api/admin/webhooks/${hookDown.id}/deliveries`, { token: tokens.engineer }),
            ctx({ id: hookDown.id }),
          )
        ).status,
      ).toBe(403);

      // Switch off and delete: audited.
      const off = await webhookRoute.PATCH(
        request('PATCH', `/api/admin/webhooks/${hookDown.id}`, { token: tokens.admin, body: { active: false } }),
        ctx({ id: hookDown.id }),
      );
      expect((await off.json()).active).toBe(false);
      expect(
        (
          await webhookRoute.DELETE(
            request('DELETE', `/api/admin/webhooks/${hookDown.id}`, { token: tokens.admin }),
            ctx({ id: hookDown.id }),
          )
        ).status,
      ).toBe(200);
      const actions = (await t.handle.db.select().from(auditLog).where(eq(auditLog.entity, 'webhook')))
        .map((a) => a.action)
        .sort();
      expect(actions).toEqual(['webhook.create', 'webhook.create', 'webhook.create', 'webhook.delete', 'webhook.update']);
      expect(JSON.stringify(await t.handle.db.select().from(auditLog).where(eq(auditLog.entity, 'webhook')))).not.toContain(
        'whsec_',
      );
    } finally {
      await engine.stop();
      await Promise.all([good.close(), flaky.close(), down.close()]);
    }
  });
});

describe('qualification by hand', () => {
  it('an admin grants and revokes a contributor’s qualification, audited; others may not', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    const put = (token: string, id: string, body: unknown) =>
      qualificationRoute.PUT(request('PUT', `/api/admin/users/${id}/qualification`, { token, body }), ctx({ id }));
    expect((await put(tokens.engineer, user.id, { qualified: true, note: 'known annotator' })).status).toBe(403);
    expect((await put(tokens.admin, user.id, { qualified: true, note: '' })).status).toBe(400);
    expect((await put(tokens.admin, ids.engineer, { qualified: true, note: 'not a contributor' })).status).toBe(422);
    expect((await qualificationFacts(t.handle.db, user.id))!.qualifiedAt).toBeNull();

    expect((await put(tokens.admin, user.id, { qualified: true, note: 'worked with us on the pilot' })).status).toBe(200);
    expect((await qualificationFacts(t.handle.db, user.id))!.qualifiedAt).not.toBeNull();
    expect((await listContributorQualification(t.handle.db)).find((r) => r.id === user.id)).toMatchObject({
      granted: true,
      lastRound: null,
      qualifiedAt: expect.any(String),
    });
    expect((await put(tokens.admin, user.id, { qualified: true, note: 'again' })).status).toBe(409);

    expect((await put(tokens.admin, user.id, { qualified: false, note: 'answers look random' })).status).toBe(200);
    expect((await qualificationFacts(t.handle.db, user.id))!.qualifiedAt).toBeNull();
    expect((await listContributorQualification(t.handle.db)).find((r) => r.id === user.id)).toMatchObject({
      granted: false,
      qualifiedAt: null,
    });
    expect((await put(tokens.admin, user.id, { qualified: false, note: 'again' })).status).toBe(409);

    const audit = await t.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entity, 'user'), eq(auditLog.entityId, user.id)))
      .orderBy(auditLog.id);
    expect(audit.map((a) => [a.action, a.actorId, (a.after as { note: string }).note])).toEqual([
      ['qualification.grant', ids.admin, 'worked with us on the pilot'],
      ['qualification.revoke', ids.admin, 'answers look random'],
    ]);
  });
});
