import type { AgreementPoint } from '@/lib/crowd/schemas';
import { TableRegion } from './table-view';

const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/**
 * The latest full EM run's agreement per tag: Fleiss' kappa and Krippendorff's alpha, each tag a
 * yes/no question over the clips with two or more votes, and the mean over tags.
 */
export function CrowdAgreementTable({ points }: { points: readonly AgreementPoint[] }) {
  const latest = points.reduce<string | null>((m, p) => (m === null || p.computedAt > m ? p.computedAt : m), null);
  if (latest === null) return null;
  const run = points.filter((p) => p.computedAt === latest);
  const tags = run.filter((p) => p.scope === 'tag');
  const overall = run.find((p) => p.scope === 'overall');
  return (
    <TableRegion label="Agreement per tag in the latest run">
      <table data-testid="crowd-kappa-table">
        <thead>
          <tr>
            <th>Tag</th>
            <th title="Fleiss' kappa: (observed − chance agreement) / (1 − chance); 1 = unanimous, 0 = chance">Fleiss&apos; κ</th>
            <th title="Krippendorff's alpha (nominal)">α</th>
            <th>Clips with ≥ 2 votes</th>
          </tr>
        </thead>
        <tbody>
          {tags.map((p) => (
            <tr key={p.tag} data-tag={p.tag}>
              <td>{p.tag}</td>
              <td className={p.kappa !== null && p.kappa < 0.2 ? 'error' : undefined}>{fmt(p.kappa)}</td>
              <td className="muted">{fmt(p.alpha)}</td>
              <td>{p.items}</td>
            </tr>
          ))}
          {overall && (
            <tr data-tag="" style={{ fontWeight: 600 }}>
              <td>all tags</td>
              <td title="mean of the tags' kappa">{fmt(overall.kappa)}</td>
              <td className="muted" title="pooled alpha">
                {fmt(overall.alpha)}
              </td>
              <td>{overall.items}</td>
            </tr>
          )}
        </tbody>
      </table>
    </TableRegion>
  );
}
