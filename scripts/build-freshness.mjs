// Whether `.next` must be rebuilt: missing, or older than any source the build reads.
// Shared by `npm start` and the e2e server so neither serves a stale build.
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = ['app', 'components', 'lib', 'db', 'jobs', 'public', 'next.config.mjs', 'package.json', 'instrumentation.ts', 'instrumentation-client.ts', 'proxy.ts'];

function newestMtime(entry) {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** @returns {'missing' | 'stale' | 'fresh'} */
export function buildState(root) {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) return 'missing';
  const builtAt = fs.statSync(buildId).mtimeMs;
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  return builtAt < sourcesAt ? 'stale' : 'fresh';
}
