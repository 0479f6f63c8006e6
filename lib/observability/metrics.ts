import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LABEL_STATES } from '@/db/schema';
import { logger } from './log';

/**
 * Prometheus metrics for operators (GET /api/metrics). One registry per process, kept on
 * globalThis: Next may load this module in several bundles (instrumentation, each route), and
 * two registries would each hold half the counts.
 *
 * What is measured, and where:
 * - `chorus_http_request_duration_seconds{method,route,status_class}` — every API request, in
 *   the route wrapper (lib/http/route.ts); `route` is the template (`/api/clips/[id]/audio`), never
 *   the raw URL, so ids do not explode the label set.
 * - `chorus_queue_depth{state}` — clips per label state, read with one `group by` query on scrape.
 * - `chorus_votes_total{kind}` — answers recorded (lib/queue/service.ts), replays not counted.
 * - `chorus_job_duration_seconds{job,outcome}`, `chorus_job_failures_total{job}` — the job engine.
 * - `chorus_rate_limited_total{limit}` — requests refused with 429.
 * - the prom-client defaults (`process_*`, `nodejs_*`: CPU, memory, event-loop lag, GC).
 */
export interface ChorusMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  votes: Counter<'kind'>;
  jobDuration: Histogram<'job' | 'outcome'>;
  jobFailures: Counter<'job'>;
  rateLimited: Counter<'limit'>;
  queueDepth: Gauge<'state'>;
}

const holder = globalThis as unknown as { __chorusMetrics?: ChorusMetrics };

export function metrics(): ChorusMetrics {
  holder.__chorusMetrics ??= createMetrics();
  return holder.__chorusMetrics;
}

/** One cheap query on scrape: the label-state index makes it an index-only count. */
async function readQueueDepth(): Promise<{ state: string; count: number }[]> {
  const { getDbHandle } = await import('@/db');
  const handle = await getDbHandle();
  return handle.query<{ state: string; count: number }>('select label_state as state, count(*)::int as count from clips group by 1');
}

function createMetrics(): ChorusMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'chorus' });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'chorus_http_request_duration_seconds',
      help: 'API request latency until the response starts (streamed bodies continue after), by route template, method and status class',
      labelNames: ['method', 'route', 'status_class'],
      // 2.5 ms … 10 s: the queue answers in milliseconds, uploads and exports take seconds.
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    votes: new Counter({ name: 'chorus_votes_total', help: 'Answers recorded (votes, skips, flags, targeted), replays excluded', labelNames: ['kind'], registers }),
    jobDuration: new Histogram({
      name: 'chorus_job_duration_seconds',
      help: 'Background job run time by job name and outcome',
      labelNames: ['job', 'outcome'],
      buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 1800],
      registers,
    }),
    jobFailures: new Counter({ name: 'chorus_job_failures_total', help: 'Background job runs that threw (each attempt counts)', labelNames: ['job'], registers }),
    rateLimited: new Counter({ name: 'chorus_rate_limited_total', help: 'Requests refused with 429 by a rate limit', labelNames: ['limit'], registers }),
    queueDepth: new Gauge({
      name: 'chorus_queue_depth',
      help: 'Clips per label state (open clips still collect votes; disputed ones wait for experts)',
      labelNames: ['state'],
      registers,
      async collect() {
        try {
          const rows = await readQueueDepth();
          this.reset();
          // Every state appears, at 0 when empty, so dashboards see "none" rather than "no data".
          for (const state of LABEL_STATES) this.set({ state }, 0);
          for (const row of rows) this.set({ state: row.state }, Number(row.count));
        } catch (err) {
          // A scrape during a database outage still answers with the other metrics.
          logger().warn({ err }, 'queue depth metric unavailable');
        }
      },
    }),
  };
}

/** `404` → `4xx`; anything outside 100–599 → `unknown`. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'unknown';
}
