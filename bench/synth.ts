/**
 * Demo-catalog synthesis speed: milliseconds to render a 30 s clip of each recipe (median of
 * --runs renders after one warm-up render for the JIT and the wavetable cache). Moved here from
 * the unit tests, where a wall-clock bound flaked on a loaded machine.
 *
 *   npx tsx bench/synth.ts [--runs 5]
 */
import { demoCatalog, renderClip } from '../lib/audio/synth';

const argv = process.argv.slice(2);
const at = argv.indexOf('--runs');
const runs = at >= 0 ? Number(argv[at + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${argv[at + 1]}`);

const seen = new Set<string>();
console.log('| recipe | median ms per 30 s clip | real-time factor |\n|---|---:|---:|');
for (const spec of demoCatalog(40, 1)) {
  if (seen.has(spec.recipe.id)) continue;
  seen.add(spec.recipe.id);
  const clip = { ...spec, recipe: { ...spec.recipe, durationS: 30 } };
  renderClip(clip);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    renderClip(clip);
    times.push(performance.now() - started);
  }
  const median = times.sort((a, b) => a - b)[times.length >> 1];
  console.log(`| ${spec.recipe.id} | ${median.toFixed(1)} | ${(30_000 / median).toFixed(0)}× |`);
}
