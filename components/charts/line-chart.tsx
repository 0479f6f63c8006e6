import { Frame } from './frame';
import { AXIS, formatNumber, GRID, niceTicks, PALETTE, valueDomain } from './palette';

export interface LinePoint {
  x: number;
  /** null leaves a gap in the line. */
  y: number | null;
  /** Named in the point's tooltip (e.g. "model #4"). */
  label?: string;
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
  /** Axis captions, drawn under the x ticks and along the y axis when given. */
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Fixed y range; by default the data's, widened to include 0 (see `valueDomain`). */
  yDomain?: readonly [number, number];
  /** Start the x axis at 0 (labels used) rather than at the smallest x (epochs, dates, model ids). */
  xFromZero?: boolean;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  testId?: string;
  /** What the chart shows instead while it has no points: say what adds them. */
  empty?: string;
}

/**
 * A small SVG line chart: shared x axis, gaps for missing values, a dot per point with a native
 * tooltip, axis captions and an HTML legend that wraps on a phone.
 */
export function LineChart({
  series,
  title,
  xLabel,
  yLabel,
  width = 720,
  height = 260,
  yDomain,
  xFromZero = false,
  formatX = formatNumber,
  formatY = formatNumber,
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
  const margin = { top: 12, right: 16, bottom: xLabel ? 42 : 28, left: yLabel ? 58 : 44 };
  const x0 = xFromZero ? Math.min(0, ...xs) : Math.min(...xs);
  const x1 = Math.max(...xs);
  const [y0, y1] = yDomain ?? valueDomain(ys);
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + (x1 === x0 ? innerW / 2 : ((x - x0) / (x1 - x0)) * innerW);
  const sy = (y: number) => margin.top + innerH - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0 || 1)) * innerH;
  const yTicks = niceTicks(y0, y1, 5);
  const distinctX = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks =
    distinctX.length <= 6 && !xFromZero
      ? distinctX
      : niceTicks(
          x0,
          x1,
          5,
          xs.every((x) => Number.isInteger(x)),
        );
  const tooltip = (s: LineSeries, p: LinePoint) =>
    xLabel || yLabel
      ? `${s.name}: ${p.label ? `${p.label}, ` : ''}${xLabel ?? 'x'} ${formatX(p.x)} → ${yLabel ?? 'y'} ${formatY(p.y!)}`
      : `${s.name} · ${formatX(p.x)}: ${formatY(p.y!)}`;

  return (
    <figure className="chart" data-testid={testId} style={{ margin: 0 }}>
      <Frame width={width} height={height} title={title} desc={xLabel && yLabel ? `${yLabel} against ${xLabel}` : undefined}>
        {yTicks.map((v) => (
          <g key={`y${v}`} data-tick-y={v}>
            <line
              x1={margin.left}
              x2={width - margin.right}
              y1={sy(v)}
              y2={sy(v)}
              stroke={GRID}
              strokeDasharray={v === 0 ? undefined : '2 4'}
            />
            <text x={margin.left - 6} y={sy(v)} dy="0.32em" textAnchor="end" fontSize="11" fill={AXIS}>
              {formatY(v)}
            </text>
          </g>
        ))}
        {xTicks.map((v, i) => (
          <text
            key={`x${i}`}
            x={sx(v)}
            y={margin.top + innerH + 16}
            // Labels at the plot's edges grow inwards so they are not clipped.
            textAnchor={xTicks.length > 1 && v === x0 ? 'start' : xTicks.length > 1 && v === x1 ? 'end' : 'middle'}
            fontSize="11"
            fill={AXIS}
          >
            {formatX(v)}
          </text>
        ))}
        {xLabel && (
          <text x={margin.left + innerW / 2} y={height - 6} fontSize="11" textAnchor="middle" fill={AXIS}>
            {xLabel}
          </text>
        )}
        {yLabel && (
          <text
            x={12}
            y={margin.top + innerH / 2}
            fontSize="11"
            textAnchor="middle"
            fill={AXIS}
            transform={`rotate(-90 12 ${margin.top + innerH / 2})`}
          >
            {yLabel}
          </text>
        )}
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
                    strokeWidth={s.emphasis ? 3 : 2}
                    strokeDasharray={s.dashed ? '6 4' : undefined}
                    points={seg.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y!).toFixed(1)}`).join(' ')}
                  />
                ))}
              {sorted
                .filter((p) => p.y !== null)
                .map((p, i) => (
                  <circle key={i} cx={sx(p.x)} cy={sy(p.y!)} r={s.emphasis ? 3.5 : 3} fill={color}>
                    <title>{tooltip(s, p)}</title>
                  </circle>
                ))}
            </g>
          );
        })}
      </Frame>
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
