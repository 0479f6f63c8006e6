/**
 * How many listener sessions an A/B test needs to find a planted like-rate difference (issue 20,
 * item 2), with the product's pieces: simulated listeners (lib/experiments/simulate), sticky arms
 * (sessionArm), the always-valid test looked at every `--look` sessions (compareArms, verdictOf).
 * The recommender of each arm is a stand-in that serves a track of the listener's taste with
 * probability q and otherwise a random mood's, so P(liked) = 0.1 + 0.7·(q + (1 − q)/6) with the
 * default listener; q is set per arm so the arms' like rates differ by `--diff`.
 *
 *   npx tsx bench/experiments.ts [--diff 0.05] [--control-q 0.3] [--seeds 10] [--look 10] [--max 40000]
 *
 * Prints one line per seed (sessions until the verdict, per arm, the verdict, the observed
 * difference) and the mean ± sd, beside the fixed-horizon plan for the same rates.
 */
import { planExperiment, sessionArm, verdictOf } from '@/lib/experiments/ab';
import { DEFAULT_LISTENER, simulateListener, type ListenerDriver } from '@/lib/experiments/simulate';
import { armOf, compareArms } from '@/lib/experiments/stats';
import { createRng } from '@/lib/util/random';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const diff = Number(args.get('diff') ?? 0.05);
const controlQ = Number(args.get('control-q') ?? 0.3);
const seeds = Number(args.get('seeds') ?? 10);
const look = Number(args.get('look') ?? 10);
const max = Number(args.get('max') ?? 40_000);
const MOODS = 6;
const { likeIfMatch, likeOtherwise } = DEFAULT_LISTENER;
const likeRate = (q: number) => likeOtherwise + (likeIfMatch - likeOtherwise) * (q + (1 - q) / MOODS);
// Solve likeRate(q_T) = likeRate(q_C) + diff for q_T.
const treatmentQ = controlQ + diff / ((likeIfMatch - likeOtherwise) * (1 - 1 / MOODS));

function run(seed: number) {
  const rng = createRng(seed);
  const experiment = { id: seed, share: 0.5, startedAt: new Date(0), stoppedAt: null };
  const tasteOf = new Map<string, number>();
  let taste = 0;
  let next = 0;
  const driver: ListenerDriver = {
    start: async () => {
      const id = `session-${seed}-${next++}-${Math.floor(rng() * 2 ** 32).toString(16)}`;
      tasteOf.set(id, taste);
      return id;
    },
    next: async (sessionId, k) => {
      const q = sessionArm(experiment, { id: sessionId, createdAt: new Date(1) }) === 'treatment' ? treatmentQ : controlQ;
      return Array.from({ length: k }, () => {
        const mood = rng() < q ? tasteOf.get(sessionId)! : Math.floor(rng() * MOODS);
        return `${mood}:${Math.floor(rng() * 1e9)}`;
      });
    },
    react: async () => {},
  };
  const moodOf = (clipId: string) => Number(clipId.split(':')[0]);
  return (async () => {
    const rates = { control: [] as number[], treatment: [] as number[] };
    for (let sessions = 1; sessions <= max; sessions++) {
      taste = Math.floor(rng() * MOODS);
      const s = await simulateListener(driver, moodOf, taste, rng);
      rates[sessionArm(experiment, { id: s.sessionId, createdAt: new Date(1) })!].push(s.likes / s.tracks);
      if (sessions % look === 0) {
        const result = compareArms(armOf(rates.control), armOf(rates.treatment));
        const verdict = verdictOf(result);
        if (verdict !== 'inconclusive') return { sessions, control: rates.control.length, treatment: rates.treatment.length, verdict, result };
      }
    }
    const result = compareArms(armOf(rates.control), armOf(rates.treatment));
    return { sessions: max, control: rates.control.length, treatment: rates.treatment.length, verdict: 'inconclusive (cap)', result };
  })();
}

// An A/A run (--diff 0) has no plan: it counts how often the test wrongly finds a difference.
const plan = diff > 0 ? planExperiment(likeRate(controlQ), diff) : { sessionsPerArm: NaN, totalSessions: NaN };
console.log(
  `planted like rates ${likeRate(controlQ).toFixed(4)} vs ${likeRate(treatmentQ).toFixed(4)} (q ${controlQ} vs ${treatmentQ.toFixed(4)}), ` +
    `${DEFAULT_LISTENER.rounds}×${DEFAULT_LISTENER.k} tracks per session, look every ${look}; fixed-horizon plan ${plan.sessionsPerArm} per arm (${plan.totalSessions} in all)`,
);
const needed: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const r = await run(seed);
  needed.push(r.sessions);
  console.log(
    `seed ${seed}: ${r.sessions} sessions (${r.control}/${r.treatment}) → ${r.verdict}; difference ${(100 * r.result.difference).toFixed(2)} pts ` +
      `[${(100 * r.result.lower).toFixed(2)}, ${(100 * r.result.upper).toFixed(2)}]`,
  );
}
const mean = needed.reduce((a, b) => a + b, 0) / needed.length;
const sd = Math.sqrt(needed.reduce((a, b) => a + (b - mean) ** 2, 0) / (needed.length - 1));
console.log(`verdicts before the cap: ${needed.filter((n) => n < max).length} of ${needed.length}`);
console.log(`sessions until a verdict: mean ${mean.toFixed(0)} ± ${sd.toFixed(0)} (sd), min ${Math.min(...needed)}, max ${Math.max(...needed)}`);
