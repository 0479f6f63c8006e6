/**
 * A 'ready' embedding version without switching to it (issue 20): a model's embeddings pushed by
 * hand (route and CLI) become a version nobody is served from, which a canary can start from; the
 * active version stays; pruning keeps a running canary's version. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { rescoreCatalog, pushModelEmbeddings } from '@/lib/active/service';
import { activeEmbeddingVersion } from '@/lib/embeddings/repo';
import { auditTrail } from '@/lib/audit/repo';
import { retrain } from '@/lib/model/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { runningCanary, stopCanary } from '@/lib/recommend/canary';
import * as pushRoute from '@/app/api/models/[id]/embeddings/route';
import * as canaryRoute from '@/app/api/models/canary/route';
import * as copyRoute from '@/app/api/models/embeddings/copy-active/route';
import { runCli } from '../helpers/cli';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { buildTestCatalog, type TestCatalog } from './model-catalog';

let t: TestDb;
let catalog: TestCatalog;
let modelId: number;
let engineer: { id: string; token: string };

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await updateProjectSettings(t.handle.db, { modelKind: 'logistic', trainEpochs: 20, goldRate: 0, newContributorGoldRate: 0 });
  catalog = await buildTestCatalog(t.handle.db, { n: 80, seed: 20 });
  const trained = await retrain(t.handle.db, { trigger: 'test' });
  modelId = trained.candidateId;
  await rescoreCatalog(t.handle.db, { catalog: trained.catalog, seed: 1 });
  const e = await makeUser(t.handle, 'engineer');
  engineer = { id: e.user.id, token: e.token };
}, 120_000);
afterAll(async () => t.close());

const versions = () =>
  execRows<{ id: number; status: string; count: number; model_id: number }>(
    t.handle.db,
    sql`select id, status, count, model_id from embedding_versions order by id`,
  );

describe('pushing embeddings without activating them', () => {
  let ready: number;

  it('POST /api/models/{id}/embeddings builds a ready version; the active one keeps serving; audited', async () => {
    const active = await activeEmbeddingVersion(t.handle.db);
    expect(active?.modelId).toBe(modelId);
    const res = await pushRoute.POST(
      request('POST', `/api/models/${modelId}/embeddings`, { token: engineer.token, body: {} }),
      ctx({ id: String(modelId) }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { embeddingVersion: number; status: string; clips: number };
    expect(body).toMatchObject({ modelId, status: 'ready', clips: catalog.n });
    ready = body.embeddingVersion;
    const rows = await versions();
    expect(rows.find((r) => Number(r.id) === ready)).toMatchObject({ status: 'ready', count: catalog.n });
    expect((await activeEmbeddingVersion(t.handle.db))?.id).toBe(active!.id);
    const [{ n }] = await execRows<{ n: number }>(
      t.handle.db,
      sql`select count(*)::int as n from clip_embeddings where version_id = ${ready}`,
    );
    expect(n).toBe(catalog.n);
    const audit = await auditTrail(t.handle.db, 'embedding_version', String(ready));
    expect(audit.map((a) => a.action)).toEqual(['embedding.push']);
    expect(audit[0].actorId).toBe(engineer.id);
  });

  it('the canary panel lists it and a canary starts from it', async () => {
    const res = await canaryRoute.GET(request('GET', '/api/models/canary', { token: engineer.token }), ctx({}));
    const overview = (await res.json()) as { readyVersions: { id: number; modelId: number }[]; pushableModels: { id: number }[] };
    expect(overview.readyVersions.map((v) => v.id)).toEqual([ready]);
    expect(overview.readyVersions[0].modelId).toBe(modelId);
    expect(overview.pushableModels.map((m) => m.id)).toContain(modelId);
    const started = await canaryRoute.POST(
      request('POST', '/api/models/canary', { token: engineer.token, body: { canaryVersion: ready, share: 0.5 } }),
      ctx({}),
    );
    expect(started.status).toBe(201);
    expect((await runningCanary(t.handle.db))?.canaryVersion).toBe(ready);
  });

  it("pruning never deletes a running canary's version", async () => {
    // keep 1: everything but the active version would go, the canary's included, were it not running.
    const out = await pushModelEmbeddings(t.handle.db, { modelId, activate: false }, null, { keepVersions: 1 });
    const ids = (await versions()).map((r) => Number(r.id));
    expect(ids).toContain(ready);
    expect(out.prunedVersions).not.toContain(ready);
    expect((await runningCanary(t.handle.db))?.canaryVersion).toBe(ready);
    await stopCanary(t.handle.db, (await runningCanary(t.handle.db))!.id, engineer.id);
  });

  it('chorus push-embeddings --no-activate leaves a ready version; without it the version becomes active', async () => {
    const before = await activeEmbeddingVersion(t.handle.db);
    const a = await runCli(['push-embeddings', '--no-activate']);
    expect(a.code).toBe(0);
    const out = JSON.parse(a.stdout) as { embeddingVersion: number; status: string; modelId: number };
    expect(out).toMatchObject({ status: 'ready', modelId });
    expect((await activeEmbeddingVersion(t.handle.db))?.id).toBe(before!.id);
    const b = await runCli(['push-embeddings', '--model', String(modelId)]);
    expect(b.code).toBe(0);
    const activated = JSON.parse(b.stdout) as { embeddingVersion: number; status: string };
    expect(activated.status).toBe('active');
    expect((await activeEmbeddingVersion(t.handle.db))?.id).toBe(activated.embeddingVersion);
    expect((await runCli(['push-embeddings', '--model', 'x'])).code).toBe(2);
    const missing = await runCli(['push-embeddings', '--model', '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No model 999/);
  });
});

describe('an A/A copy of the active version', () => {
  it('POST /api/models/embeddings/copy-active makes a ready copy with the same vectors; audited', async () => {
    const active = await activeEmbeddingVersion(t.handle.db);
    const res = await copyRoute.POST(
      request('POST', '/api/models/embeddings/copy-active', { token: engineer.token, body: {} }),
      ctx({}),
    );
    expect(res.status).toBe(201);
    const out = (await res.json()) as { embeddingVersion: number; copiedFrom: number; clips: number };
    expect(out.copiedFrom).toBe(active!.id);
    expect(out.clips).toBe(catalog.n);
    // Same vectors, clip by clip.
    const [{ differ }] = await execRows<{ differ: number }>(
      t.handle.db,
      sql`select count(*)::int as differ from clip_embeddings a full join clip_embeddings b
            on b.clip_id = a.clip_id and b.version_id = ${out.embeddingVersion}
          where a.version_id = ${active!.id} and (b.clip_id is null or a.embedding <> b.embedding)`,
    );
    expect(differ).toBe(0);
    expect((await versions()).find((r) => Number(r.id) === out.embeddingVersion)?.status).toBe('ready');
    expect((await activeEmbeddingVersion(t.handle.db))?.id).toBe(active!.id);
    expect((await auditTrail(t.handle.db, 'embedding_version', String(out.embeddingVersion))).map((a) => a.action)).toEqual([
      'embedding.copy',
    ]);
  });
});
