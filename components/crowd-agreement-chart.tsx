import type { AgreementPoint } from '@/lib/crowd/schemas';
import { LineChart, type LineSeries } from './charts/line-chart';

const formatDay = (x: number) => {
  const d = new Date(x);
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false })}`;
};

/**
 * Krippendorff's alpha per tag over time (one point per full EM run), with the pooled figure
 * over all tags and the alpha of the votes new in each run's batch.
 */
export function CrowdAgreementChart({
  points,
  measure = 'alpha',
}: {
  points: readonly AgreementPoint[];
  measure?: 'alpha' | 'kappa';
}) {
  const value = (p: AgreementPoint) => p[measure];
  const tags = [...new Set(points.filter((p) => p.scope === 'tag').map((p) => p.tag!))];
  const series: LineSeries[] = [
    ...tags.map((tag) => ({
      name: tag,
      points: points.filter((p) => p.scope === 'tag' && p.tag === tag).map((p) => ({ x: Date.parse(p.computedAt), y: value(p) })),
    })),
    {
      name: 'all tags',
      color: 'var(--text)',
      emphasis: true,
      points: points.filter((p) => p.scope === 'overall').map((p) => ({ x: Date.parse(p.computedAt), y: value(p) })),
    },
  ];
  const batch = points.filter((p) => p.scope === 'batch');
  if (batch.length > 0) {
    series.push({
      name: 'new votes (batch)',
      color: 'var(--muted)',
      dashed: true,
      points: batch.map((p) => ({ x: Date.parse(p.computedAt), y: value(p) })),
    });
  }
  const ys = points.map(value).filter((v): v is number => v !== null);
  const low = Math.min(0, ...ys);
  return (
    <LineChart
      title={`Agreement (${measure}) per tag over time`}
      series={series}
      yDomain={[Math.floor(low * 10) / 10, 1]}
      formatX={formatDay}
      testId="crowd-agreement-chart"
      empty='No agreement figures yet: each full EM run adds a point per tag (it runs after every 200 new votes by default, every ten minutes, or when you press "Re-run EM now").'
    />
  );
}
