import { niceTicks, PALETTE } from './palette';

export interface LinePoint {
  x: number;
  /** null leaves a gap in the line. */
  y: number | null;
}

export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
  color?: string;
  /** Drawn thicker (e.g. an overall figure among per-tag lines). */
  emphasis?: boolean;
  dashed?: boolean;
}

export interface LineChartProps {
  series: readonly LineSeries[];
  /** Accessible name of the chart. */
  title: string;
  width?: number;
  height?: number;
  /** Fixed y range; by default the data's, widened to include 0. */
  yDomain?: readonly [number, number];
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  testId?: string;
  /** What the chart shows instead while it has no points: say what adds them. */
  empty?: string;
}

const MARGIN = { top: 12, right: 16, bottom: 28, left: 44 };

/**
 * A small SVG line chart: shared x axis, gaps for missing values, a dot per point with a
 * native tooltip, and an HTML legend. No client JavaScript; scales with its container.
 */
export function LineChart({
  series,
  title,
  width = 720,
  height = 260,
  yDomain,
  formatX = String,
  formatY = (y) => y.toFixed(2),
  testId,
  empty = 'No data yet.',
}: LineChartProps) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  if (xs.length === 0 || ys.length === 0) {
    return (
      <p className="muted" data-testid={testId}>
        {empty}
      </p>
    );
  }
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = yDomain ?? [Math.min(0, ...ys), Math.max(...ys) === Math.min(0, ...ys) ? 1 : Math.max(...ys)];
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x1 === x0 ? innerW / 2 : ((x - x0) / (x1 - x0)) * innerW);
  const sy = (y: number) => MARGIN.top + innerH - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0 || 1)) * innerH;
  const yTicks = niceTicks(y0, y1, 5);
  const distinctX = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks = distinctX.length <= 6 ? distinctX : Array.from({ length: 5 }, (_, i) => x0 + ((x1 - x0) * i) / 4);

  return (
    <figure className="chart" data-testid={testId} style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={title}
        style={{ maxWidth: width, display: 'block' }}
      >
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line
              x1={MARGIN.left}
              x2={width - MARGIN.right}
              y1={sy(v)}
              y2={sy(v)}
              stroke="var(--line)"
              strokeDasharray={v === 0 ? undefined : '2 4'}
            />
            <text x={MARGIN.left - 6} y={sy(v)} dy="0.32em" textAnchor="end" fontSize="11" fill="var(--muted)">
              {formatY(v)}
            </text>
          </g>
        ))}
        {xTicks.map((v, i) => (
          <text
            key={`x${i}`}
            x={sx(v)}
            y={height - 8}
            // Labels at the plot's edges grow inwards so they are not clipped.
            textAnchor={xTicks.length > 1 && v === x0 ? 'start' : xTicks.length > 1 && v === x1 ? 'end' : 'middle'}
            fontSize="11"
            fill="var(--muted)"
          >
            {formatX(v)}
          </text>
        ))}
        {series.map((s, k) => {
          const color = s.color ?? PALETTE[k % PALETTE.length];
          const sorted = [...s.points].sort((a, b) => a.x - b.x);
          const segments: LinePoint[][] = [[]];
          for (const p of sorted) {
            if (p.y === null) segments.push([]);
            else segments[segments.length - 1].push(p);
          }
          return (
            <g key={s.name} data-series={s.name}>
              {segments
                .filter((seg) => seg.length > 1)
                .map((seg, i) => (
                  <polyline
                    key={i}
                    fill="none"
                    stroke={color}
                    strokeWidth={s.emphasis ? 3 : 1.5}
                    strokeDasharray={s.dashed ? '6 4' : undefined}
                    points={seg.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y!).toFixed(1)}`).join(' ')}
                  />
                ))}
              {sorted
                .filter((p) => p.y !== null)
                .map((p, i) => (
                  <circle key={i} cx={sx(p.x)} cy={sy(p.y!)} r={s.emphasis ? 3.5 : 2.5} fill={color}>
                    <title>{`${s.name} · ${formatX(p.x)}: ${formatY(p.y!)}`}</title>
                  </circle>
                ))}
            </g>
          );
        })}
      </svg>
      <figcaption className="row" style={{ gap: '0.9rem', fontSize: '0.85em' }}>
        {series.map((s, k) => (
          <span key={s.name} className="row" style={{ gap: '0.35rem' }}>
            <svg width="18" height="8" aria-hidden="true">
              <line
                x1="0"
                x2="18"
                y1="4"
                y2="4"
                stroke={s.color ?? PALETTE[k % PALETTE.length]}
                strokeWidth={s.emphasis ? 3 : 2}
                strokeDasharray={s.dashed ? '4 3' : undefined}
              />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
