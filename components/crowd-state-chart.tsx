import type { LabelState } from '@/db/schema/catalog';
import { BarChart } from './charts/bar-chart';

const ORDER: { state: LabelState; label: string; color: string }[] = [
  { state: 'open', label: 'open', color: '#7c9cff' },
  { state: 'consensus', label: 'consensus', color: '#4cc38a' },
  { state: 'disputed', label: 'disputed', color: '#ef6b6b' },
  { state: 'expert_resolved', label: 'expert-resolved', color: '#f2b84b' },
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
