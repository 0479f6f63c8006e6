import type { LabelState } from '@/db/schema/catalog';
import { BarChart } from './charts/bar-chart';

const ORDER: { state: LabelState; label: string; color: string }[] = [
  { state: 'open', label: 'open', color: 'var(--series-1)' },
  { state: 'consensus', label: 'consensus', color: 'var(--series-2)' },
  { state: 'disputed', label: 'disputed', color: 'var(--series-4)' },
  { state: 'expert_resolved', label: 'expert-resolved', color: 'var(--series-3)' },
];

/** How many clips are in each label state. */
export function CrowdStateChart({ states }: { states: Record<LabelState, number> }) {
  return (
    <BarChart
      title="Clips per label state"
      bars={ORDER.map((o) => ({ label: o.label, value: states[o.state] ?? 0, color: o.color }))}
      testId="crowd-state-chart"
    />
  );
}
