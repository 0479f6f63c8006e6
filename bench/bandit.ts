/**
 * How many listener sessions the exploration bandit (issue 20, item 3) needs before it favours
 * the best ranking arm, with the product's pieces in memory: the live arms (EXPLORATION_ARMS), the
 * live ranker and session vector, lib/experiments/simulate's listeners on a catalog of mood
 * clusters (lib/recommend/simulate-exploration). First each arm alone (its like rate), then per
 * seed a Thompson-sampling run: the session after which P(best arm) stays ≥ --confidence, the best
 * arm's share of the last 200 sessions, and the run's like rate beside the default arm's alone.
 *
 *   npx tsx bench/bandit.ts [--seeds 10] [--sessions 1000] [--spread 0.3] [--confidence 0.9] [--alone 1500]
 */
import { EXPLORATION_ARMS } from '@/lib/experiments/bandit';
import { DEFAULT_LISTENER } from '@/lib/experiments/simulate';
import { sessionsToFavour, simulatedCatalog, simulateExploration, type ExplorationRun } from '@/lib/recommend/simulate-exploration';
import { createRng } from '@/lib/util/random';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const seeds = Number(args.get('seeds') ?? 10);
const sessions = Number(args.get('sessions') ?? 1000);
const spread = Number(args.get('spread') ?? 0.3);
const confidence = Number(args.get('confidence') ?? 0.9);
const alone = Number(args.get('alone') ?? 1500);
const MOODS = 6;
if (!(seeds >= 1 && sessions >= 200 && alone >= 1 && confidence > 0 && confidence < 1)) {
  throw new Error('bench/bandit: --seeds ≥ 1, --sessions ≥ 200, --alone ≥ 1, --confidence in (0, 1)');
}

const catalog = simulatedCatalog(createRng(1), { moods: MOODS, perMood: 30, dim: 16, spread });
const likeRate = (run: ExplorationRun) => run.sessions.reduce((s, x) => s + x.likes, 0) / run.sessions.reduce((s, x) => s + x.tracks, 0);
const meanSd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
};

const started = performance.now();
const rates: number[] = [];
for (let arm = 0; arm < EXPLORATION_ARMS.length; arm++) {
  const run = await simulateExploration(catalog, EXPLORATION_ARMS, { sessions: alone, listener: DEFAULT_LISTENER, rng: createRng(10 + arm), fixedArm: arm, moods: MOODS });
  rates.push(likeRate(run));
  console.log(`alone ${EXPLORATION_ARMS[arm].key}: like rate ${rates[arm].toFixed(3)} over ${alone} sessions`);
}
const best = rates.indexOf(Math.max(...rates));
const defaultArm = EXPLORATION_ARMS.findIndex((a) => a.lambda === 0.7);

const settled: number[] = [];
const shares: number[] = [];
const runRates: number[] = [];
let never = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const run = await simulateExploration(catalog, EXPLORATION_ARMS, { sessions, listener: DEFAULT_LISTENER, rng: createRng(100 + seed), moods: MOODS });
  const at = sessionsToFavour(run, best, EXPLORATION_ARMS.length, confidence);
  const late = run.sessions.slice(-200);
  const share = late.filter((s) => s.arm === best).length / late.length;
  if (at === null) never++;
  else settled.push(at);
  shares.push(share);
  runRates.push(likeRate(run));
  console.log(`seed ${seed}: favours ${EXPLORATION_ARMS[best].key} from session ${at ?? 'never'}; its share of the last 200 ${share.toFixed(3)}; like rate ${likeRate(run).toFixed(3)}`);
}
const s = meanSd(settled);
const sh = meanSd(shares);
const r = meanSd(runRates);
console.log(
  `sessions to favour the best arm (P(best) ≥ ${confidence} from then on): ${s.mean.toFixed(0)} ± ${s.sd.toFixed(0)} over ${settled.length} seeds` +
    (never > 0 ? ` (${never} never within ${sessions})` : '') +
    `; best arm's share of the last 200: ${sh.mean.toFixed(3)} ± ${sh.sd.toFixed(3)}; like rate ${r.mean.toFixed(3)} ± ${r.sd.toFixed(3)} ` +
    `(best alone ${rates[best].toFixed(3)}, default alone ${rates[defaultArm].toFixed(3)}); ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
