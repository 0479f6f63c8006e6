import type { DbOrTx } from '@/db/client';
import { selectionFunnel, taxonomyContext, type FunnelGroup } from './repo';
import { SnapshotCountRequestSchema, type SnapshotCount } from './schemas';
import { resolveFilters, type ResolvedFilters } from './service';
import { planTagMapping } from './taxonomy-map';

/**
 * How many rows a snapshot with these filters would hold, and — when none — which filter
 * emptied it. The filters are applied in a fixed order (taxonomy version, states, minimum
 * confidence, licences, sources, dates) to the clips that have labels; the build selects the same
 * clips (a clip labelled under another taxonomy version counts only when its labels can be mapped,
 * as in `buildSnapshot`).
 */
export async function countSnapshotRows(db: DbOrTx, raw: unknown): Promise<SnapshotCount> {
  const { filters: input } = SnapshotCountRequestSchema.parse(raw ?? {});
  const filters = await resolveFilters(db, input);
  const target = filters.taxonomyVersion;
  const { tagsByVersion, mappings } = await taxonomyContext(db);
  const keysByVersion = new Map([...tagsByVersion].map(([v, list]) => [v, list.map((t) => t.key)]));
  const fixedVersion = keysByVersion.size === 1 && keysByVersion.has(target) ? target : undefined;
  const groups = await selectionFunnel(db, { filters, labelVersions: null, fixedVersion });

  const usable = new Map<number, boolean>();
  const versionOk = (version: number) => {
    if (!usable.has(version)) {
      usable.set(
        version,
        version === target || (filters.applyMapping && keysByVersion.has(version) && planTagMapping(version, target, keysByVersion, mappings) !== null),
      );
    }
    return usable.get(version)!;
  };
  return funnel(groups, filters, versionOk);
}

type Step = SnapshotCount['steps'][number];

/** The funnel over the grouped counts. Pure. */
export function funnel(groups: readonly FunnelGroup[], filters: ResolvedFilters, versionOk: (version: number) => boolean): SnapshotCount {
  const target = filters.taxonomyVersion;
  const checks: { filter: Step['filter']; label: string; pass: (g: FunnelGroup) => boolean }[] = [
    {
      filter: 'taxonomy',
      label: filters.applyMapping ? `taxonomy v${target} (older labels mapped)` : `taxonomy v${target} without mapping`,
      pass: (g) => versionOk(g.version),
    },
    { filter: 'states', label: `states ${filters.states.map((s) => s.replace('_', '-')).join(', ')}`, pass: (g) => g.state },
    { filter: 'minConfidence', label: `min confidence ${filters.minConfidence}`, pass: (g) => g.confidence },
  ];
  if (filters.licences) checks.push({ filter: 'licences', label: `licence ${filters.licences.join(' or ')}`, pass: (g) => g.licence });
  if (filters.sources) checks.push({ filter: 'sources', label: `source ${filters.sources.join(' or ')}`, pass: (g) => g.source });
  if (filters.from || filters.to) {
    const what = filters.dateField === 'created' ? 'added' : 'labelled';
    const range = [filters.from ? `from ${filters.from}` : '', filters.to ? `until ${filters.to}` : ''].filter(Boolean).join(' ');
    checks.push({ filter: 'dates', label: `${what} ${range}`, pass: (g) => g.date });
  }

  const labelled = groups.reduce((n, g) => n + g.clips, 0);
  let remaining = [...groups];
  const steps: Step[] = [];
  for (const check of checks) {
    const before = remaining.reduce((n, g) => n + g.clips, 0);
    remaining = remaining.filter(check.pass);
    steps.push({ filter: check.filter, label: check.label, before, after: remaining.reduce((n, g) => n + g.clips, 0) });
  }
  const rows = steps.length ? steps[steps.length - 1].after : labelled;

  let emptyReason: string | null = null;
  let hint: string | null = null;
  if (rows === 0) {
    if (labelled === 0) {
      emptyReason = 'no clip has labels yet: nobody has voted on a clip, and no expert has decided one';
    } else {
      const at = steps.findIndex((s) => s.after === 0 && s.before > 0);
      const step = steps[at];
      const narrowing = steps.slice(0, at).filter((s) => s.after < s.before);
      emptyReason =
        step.before === labelled
          ? `${step.label} leaves 0 of ${labelled} labelled clips`
          : `${step.label} leaves 0 of the ${step.before} clips that ${narrowing.map((s) => s.label).join(' and ')} ` +
            `${narrowing.length > 1 ? 'keep' : 'keeps'} (${labelled} labelled in all)`;
      if (step.filter === 'taxonomy') {
        const versions = [...new Set(groups.map((g) => g.version))].sort((a, b) => a - b);
        hint = filters.applyMapping
          ? `The labelled clips were labelled under taxonomy v${versions.join(', v')}, which no mapping connects to v${target}.`
          : `The labelled clips were labelled under taxonomy v${versions.join(', v')}: map labels from other versions to include them.`;
      } else if (step.filter === 'minConfidence') {
        hint = 'Lower the minimum confidence, or wait for more votes.';
      } else if (step.filter === 'states') {
        hint = 'Include more clip states (e.g. open clips, which still collect votes).';
      }
    }
  }
  return { rows, labelled, taxonomyVersion: target, steps, emptyReason, hint };
}
