import fs from 'node:fs';
import path from 'node:path';
import { getDbHandle } from '@/db';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/log';
import { audioStore } from '@/lib/storage';
import { extractPendingSpec } from '@/lib/features/jobs';
import { runWorkers, startJobEngine, type JobSet } from '@/lib/jobs/runtime';
import { ensureDemoAccounts, ensureTaxonomy, needsSeed, seedDemo, type DemoAccount } from '@/lib/demo/seed';
import { demoHistoryPending, seedDemoHistory } from '@/lib/demo/history';
import { ensureDemoProjects } from '@/lib/demo/projects';

/**
 * Start-up of a web process: migrate, seed the demo catalog on an empty database (and, under
 * `npm start`, its first hours' history: lib/demo/history.ts), print the demo accounts, and
 * start the job engine (with workers in-process for the embedded database,
 * where no second process may open the data folder). `jobs` comes from jobs/registry.ts through
 * instrumentation.ts: lib/ does not import jobs/.
 */
export async function boot(jobs: JobSet): Promise<void> {
  const e = env();
  // First-start progress, printed as it happens (scripts/start.mjs prints the build and "ready").
  console.log('Chorus: applying database migrations…');
  const handle = await getDbHandle();
  console.log(`Chorus: database ready (${handle.mode}).`);
  await ensureTaxonomy(handle.db);
  if (e.CHORUS_DEMO === '1') {
    const fresh = await needsSeed(handle.db);
    if (fresh) {
      console.log(`Chorus: synthesizing ${e.CHORUS_DEMO_CLIPS} demo clips…`);
      const result = await seedDemo(handle.db, audioStore(), {
        clips: e.CHORUS_DEMO_CLIPS,
        onProgress: (done, total) => {
          if (done % 20 === 0 && done < total) console.log(`Chorus: demo clips ${done}/${total}…`);
        },
      });
      console.log(`Chorus: demo catalog ready (${result.clips} clips).`);
    }
    const created = await ensureDemoAccounts(handle.db, e.CHORUS_DEMO_PASSWORD);
    for (const line of await ensureDemoProjects(handle.db)) console.log(`Chorus: ${line}.`);
    // Only a catalog seeded now (or a history an earlier start left half done): never someone's own data.
    if (e.CHORUS_DEMO_HISTORY === '1' && (fresh || (await demoHistoryPending(handle)))) {
      // The history is a demo's garnish: when it fails (say, a second web process started on the
      // same fresh database and is training at the same time), the app starts without it.
      await seedDemoHistory(handle, audioStore(), { log: (line) => console.log(line) }).catch((err: unknown) => {
        console.log(`Chorus: the demo history stopped (${err instanceof Error ? err.message : String(err)}); the next start finishes it.`);
        logger().warn({ err }, 'demo history failed');
      });
    }
    printDemoAccounts(rememberDemoAccounts(created));
  }
  const inProcess = e.CHORUS_WORKERS_INPROCESS ? e.CHORUS_WORKERS_INPROCESS === '1' : handle.mode === 'embedded';
  const engine = await startJobEngine(handle, jobs.all);
  if (inProcess) await runWorkers(engine, jobs);
  // Clips without features (a fresh demo catalog, or an extractor upgrade) are queued at once
  // instead of waiting for the minute sweeper.
  await engine.enqueue(extractPendingSpec, { limit: 1000 });
  logger().info({ db: handle.mode, workers: inProcess ? 'in-process' : 'external' }, 'chorus booted');
}

/** Passwords are only known when created; keep them beside the database so every start can print them. */
function rememberDemoAccounts(created: DemoAccount[]): DemoAccount[] {
  const e = env();
  const dir = e.dataDir.startsWith('memory://') ? path.resolve('.data') : e.dataDir;
  const file = path.join(dir, 'demo-accounts.json');
  let known: DemoAccount[] = [];
  try {
    known = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoAccount[];
  } catch {
    // first start
  }
  const merged = [...known.filter((k) => !created.some((c) => c.email === k.email)), ...created];
  if (created.length > 0) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(merged, null, 2), { mode: 0o600 });
  }
  return merged;
}

function printDemoAccounts(accounts: DemoAccount[]): void {
  if (accounts.length === 0) return;
  const lines = accounts.map((a) => `  ${a.role.padEnd(12)} ${a.email.padEnd(32)} ${a.password}`);
  console.log(['', 'Chorus demo accounts (role, email, password):', ...lines, ''].join('\n'));
}
