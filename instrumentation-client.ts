/**
 * Runs in the browser before the app's own code (Next's client instrumentation hook).
 *
 * zod 4 probes whether `new Function` is allowed the first time it builds an object schema;
 * under the pages' strict CSP (proxy.ts: no 'unsafe-eval') the probe is refused and, although
 * zod catches that and falls back, the browser still reports a `securitypolicyviolation`.
 * Telling zod up front to stay jitless skips the probe. This must be set before zod's core
 * module is evaluated, which reads its config from this global.
 */
const holder = globalThis as unknown as { __zod_globalConfig?: Record<string, unknown> };
holder.__zod_globalConfig = { ...(holder.__zod_globalConfig ?? {}), jitless: true };
