/**
 * Plain-language reasons for the numbers on the review screen (issue 14, item 4): why a clip
 * is in the queue, what the model and the crowd are unsure of, how close a neighbour is. The
 * formula stays available (tooltips) for those who want it. Pure functions: the screen passes
 * in what the API sent.
 */

/** What each priority term means, in words (lib/active/policy.ts names the terms). */
const TERM_WORDS: Record<string, string> = {
  uncertainty: 'the model is unsure of it',
  entropy: 'the model is unsure of it',
  margin: 'the model is close to its yes/no threshold',
  disagreement: 'the crowd’s answers disagree',
  crowd: 'the crowd’s answers disagree',
  committee: 'the model’s committee disagrees',
  novelty: 'it is unlike the clips labelled so far',
  diversity: 'it is unlike the clips labelled so far',
  votesNeeded: 'it still needs votes',
  drift: 'it is unlike the clips the model was trained on',
  feedback: 'listeners skip or dislike it',
  coldStart: 'there is no model yet, and it covers new ground',
};

export function termWords(name: string): string {
  return TERM_WORDS[name] ?? name;
}

const percent = (x: number) => `${Math.round(x * 100)} %`;

/**
 * "Mostly because the model is unsure of it (61 % of its priority), then it is unlike the clips
 * labelled so far (18 %)": the terms that carry the priority, largest first; terms under 5 % of
 * the total are left out of the sentence (they stay in the formula).
 */
export function explainPriority(terms: Record<string, number>): string | null {
  const entries = Object.entries(terms).filter(([, v]) => Number.isFinite(v) && v > 0);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total <= 0) return null;
  const shares = entries
    .map(([name, v]) => ({ name, share: v / total }))
    .filter((t) => t.share >= 0.05)
    .sort((a, b) => b.share - a.share);
  // Two terms with the same words (e.g. entropy and uncertainty) read as one.
  const merged: { words: string; share: number }[] = [];
  for (const t of shares) {
    const words = termWords(t.name);
    const same = merged.find((m) => m.words === words);
    if (same) same.share += t.share;
    else merged.push({ words, share: t.share });
  }
  const [first, ...rest] = merged;
  if (merged.length === 1 && first.share > 0.95) return `Because ${first.words}.`;
  const head = `${rest.length ? 'Mostly because' : 'Because'} ${first.words} (${percent(first.share)} of its priority)`;
  const tail = rest
    .map((t, i) => `${i === rest.length - 1 ? (rest.length > 1 ? ', and ' : ', then ') : ', '}${t.words} (${percent(t.share)})`)
    .join('');
  return `${head}${tail}.`;
}

/** "priority 0.511 = uncertainty 0.310 + diversity 0.090 + votesNeeded 0.000", for the tooltip. */
export function priorityFormula(priority: number, terms: Record<string, number>): string {
  const parts = Object.entries(terms)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(3)}`);
  return `priority ${priority.toFixed(3)}${parts.length ? ` = ${parts.join(' + ')}` : ''}`;
}

/** "calm", "calm and dreamy", "calm, dreamy and sad". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * The moods the model cannot decide on: probability within `band` of 0.5, closest first.
 * "The model is unsure about calm (48 %) and dreamy (58 %)." or null when it is sure of all.
 */
export function modelUnsure(
  probs: Record<string, number> | undefined,
  labels: Record<string, string>,
  band = 0.2,
): string | null {
  if (!probs) return null;
  const unsure = Object.entries(probs)
    .filter(([, p]) => Math.abs(p - 0.5) <= band)
    .sort((a, b) => Math.abs(a[1] - 0.5) - Math.abs(b[1] - 0.5))
    .slice(0, 3)
    .map(([tag, p]) => `${(labels[tag] ?? tag).toLowerCase()} (${percent(p)})`);
  return unsure.length ? `The model is unsure about ${joinWords(unsure)}.` : null;
}

/**
 * Where the crowd split: "2 of 3 voters said calm; 1 of 3 said sad." — the tags some voters chose
 * and others did not, most divided first. Null when nobody voted or everyone agreed.
 */
export function crowdSplit(
  perTag: readonly { tag: string; yes: number; no: number }[],
  labels: Record<string, string>,
): string | null {
  const split = perTag
    .filter((t) => t.yes > 0 && t.no > 0)
    .sort((a, b) => Math.abs(a.yes / (a.yes + a.no) - 0.5) - Math.abs(b.yes / (b.yes + b.no) - 0.5))
    .slice(0, 3);
  if (split.length === 0) return null;
  return (
    split
      .map((t, i) => `${t.yes} of ${t.yes + t.no} ${i === 0 ? 'voters said' : 'said'} ${(labels[t.tag] ?? t.tag).toLowerCase()}`)
      .join('; ') + '.'
  );
}

/**
 * A neighbour's distance in words, relative to the nearest one shown (raw feature distances
 * have no unit a person knows): "closest", "about as close", "a bit further", "much further".
 */
export function closeness(distance: number, nearest: number): string {
  if (!(nearest > 0) || distance <= nearest) return 'closest';
  const ratio = distance / nearest;
  if (ratio < 1.15) return 'about as close';
  if (ratio < 1.5) return 'a bit further';
  return 'much further';
}

/**
 * One mood's crowd votes in words, for the expert (contributors never see others' votes):
 * "3 of 4 listeners said sad", "all 2 listeners said sad", "no listener said sad (of 3)",
 * "no votes yet". Yes and no are counts of voters who chose, or left out, the mood.
 */
export function tagVotes(yes: number, no: number, label: string): string {
  const n = yes + no;
  const mood = label.toLowerCase();
  if (n === 0) return 'no votes yet';
  if (yes === 0) return `no listener said ${mood} (of ${n})`;
  if (no === 0) return n === 1 ? `the one listener said ${mood}` : `all ${n} listeners said ${mood}`;
  return `${yes} of ${n} listeners said ${mood}`;
}

/**
 * A probability that a mood fits, in words a reviewer can act on, with the figure kept:
 * "very likely (92 %)". The bands are symmetric around 50 %: at least 80 % very likely, at least
 * 60 % likely, above 40 % undecided, above 20 % unlikely, else very unlikely.
 */
export function likelihoodWords(p: number): string {
  const words = p >= 0.8 ? 'very likely' : p >= 0.6 ? 'likely' : p > 0.4 ? 'undecided' : p > 0.2 ? 'unlikely' : 'very unlikely';
  return `${words} (${percent(p)})`;
}

/**
 * The crowd belief's formula, for the tooltip: the Dawid–Skene posterior of one yes/no mood,
 * each voter weighted by their sensitivity (Se: says yes when it fits) and specificity (Sp: says
 * no when it does not), with the mood's prevalence π as the prior.
 */
export const POSTERIOR_FORMULA =
  'P(fits | votes) = π·∏yes Se·∏no (1−Se) / [π·∏yes Se·∏no (1−Se) + (1−π)·∏yes (1−Sp)·∏no Sp], ' +
  'over the voters who said yes (∏yes) and no (∏no); π is how common the mood is, Se and Sp each voter’s estimated sensitivity and specificity';

/**
 * A voter's reliability (balanced accuracy, 50 % = guessing) in words: "reliable (92 %)",
 * "fairly reliable (75 %)", "often wrong (58 %)", "no better than guessing (50 %)".
 */
export function reliabilityWords(r: number | null): string {
  if (r === null) return 'not rated yet';
  const words = r >= 0.85 ? 'reliable' : r >= 0.7 ? 'fairly reliable' : r > 0.55 ? 'often wrong' : 'no better than guessing';
  return `${words} (${percent(r)})`;
}

/**
 * A contributor's own record on hidden test clips, in words: "You got 4 of 6 mood checks right
 * on 2 test clips (67 %)". Only their own figures: nothing about other people's answers.
 */
export function ownAccuracy(q: { tagChecksRight: number; tagChecks: number; goldAnswered: number }): string {
  if (q.goldAnswered === 0 || q.tagChecks === 0) return 'Not checked yet: a few of the clips are hidden tests.';
  const clips = `${q.goldAnswered} test clip${q.goldAnswered === 1 ? '' : 's'}`;
  return `You got ${q.tagChecksRight} of ${q.tagChecks} mood checks right on ${clips} (${percent(q.tagChecksRight / q.tagChecks)}).`;
}
