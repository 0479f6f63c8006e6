export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // First: every request from now on carries its socket address (lib/http/peer.ts) for the per-IP limits.
  const { installPeerStamp } = await import('./lib/http/peer');
  installPeerStamp();
  const { boot } = await import('./lib/boot');
  const { JOBS } = await import('./jobs/registry');
  await boot(JOBS);
}
