import { niceTicks, PALETTE } from './palette';

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

export interface BarChartProps {
  bars: readonly Bar[];
  /** Accessible name of the chart. */
  title: string;
  width?: number;
  height?: number;
  format?: (value: number) => string;
  testId?: string;
}

const MARGIN = { top: 20, right: 12, bottom: 28, left: 40 };

/** A small SVG bar chart with the value above each bar. No client JavaScript. */
export function BarChart({ bars, title, width = 480, height = 220, format = (v) => String(v), testId }: BarChartProps) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const ticks = niceTicks(
    0,
    max,
    4,
    bars.every((b) => Number.isInteger(b.value)),
  );
  const top = Math.max(max, ticks[ticks.length - 1] ?? max);
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const slot = innerW / Math.max(1, bars.length);
  const barW = Math.min(64, slot * 0.7);
  const sy = (v: number) => MARGIN.top + innerH - (v / top) * innerH;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-label={title}
      data-testid={testId}
      style={{ maxWidth: width, display: 'block' }}
    >
      {ticks.map((v) => (
        <g key={v}>
          <line
            x1={MARGIN.left}
            x2={width - MARGIN.right}
            y1={sy(v)}
            y2={sy(v)}
            stroke="var(--line)"
            strokeDasharray={v === 0 ? undefined : '2 4'}
          />
          <text x={MARGIN.left - 6} y={sy(v)} dy="0.32em" textAnchor="end" fontSize="11" fill="var(--muted)">
            {format(v)}
          </text>
        </g>
      ))}
      {bars.map((b, i) => {
        const cx = MARGIN.left + slot * i + slot / 2;
        return (
          <g key={b.label} data-bar={b.label} data-value={b.value}>
            <rect
              x={cx - barW / 2}
              y={sy(b.value)}
              width={barW}
              height={Math.max(0, sy(0) - sy(b.value))}
              rx="3"
              fill={b.color ?? PALETTE[i % PALETTE.length]}
            >
              <title>{`${b.label}: ${format(b.value)}`}</title>
            </rect>
            <text x={cx} y={sy(b.value) - 5} textAnchor="middle" fontSize="12" fill="var(--text)">
              {format(b.value)}
            </text>
            <text x={cx} y={height - 8} textAnchor="middle" fontSize="12" fill="var(--muted)">
              {b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
