/**
 * Small SVG charts for the models page (no chart library): line chart, grouped horizontal
 * bars, heat map, reliability diagram. Pure presentational components — no state, no
 * effects — so they render on the server or inside a client component alike. Every chart has a
 * <title>/<desc> and per-mark <title>s, so values are readable on hover and by screen readers.
 */
import type { ReactNode } from 'react';

export const PALETTE = ['#7c9cff', '#4cc38a', '#f2b84b', '#ef6b6b', '#c58cff', '#5fd3e0', '#ff9f6b', '#b8c26a'];

const AXIS = 'var(--muted)';
const GRID = 'var(--line)';

function niceTicks(min: number, max: number, count = 5, integers = false): number[] {
  if (!(max > min)) return [min];
  const raw = Math.max((max - min) / count, integers ? 1 : 0);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toLocaleString('en') : Number.isInteger(v) ? String(v) : v.toFixed(2));

function Frame(props: { width: number; height: number; title: string; desc?: string; children: ReactNode; testId?: string }) {
  return (
    <svg
      viewBox={`0 0 ${props.width} ${props.height}`}
      width="100%"
      style={{ maxWidth: props.width, display: 'block' }}
      role="img"
      aria-label={props.title}
      data-testid={props.testId}
    >
      <title>{props.title}</title>
      {props.desc && <desc>{props.desc}</desc>}
      {props.children}
    </svg>
  );
}

export interface LineSeries {
  name: string;
  points: { x: number; y: number; label?: string }[];
  color?: string;
  dashed?: boolean;
}

/** Lines over a shared numeric x axis (e.g. labels used → F1), with a legend. */
export function LineChart(props: {
  series: LineSeries[];
  title: string;
  xLabel: string;
  yLabel: string;
  yDomain?: [number, number];
  /** Start the x axis at 0 (default) or at the smallest x. */
  xFromZero?: boolean;
  width?: number;
  height?: number;
  testId?: string;
}) {
  const width = props.width ?? 620;
  const legendRows = Math.ceil(props.series.length / 2);
  const height = (props.height ?? 240) + legendRows * 16;
  const m = { left: 44, right: 12, top: 10, bottom: 36 + legendRows * 16 };
  const all = props.series.flatMap((s) => s.points);
  if (all.length === 0) return <p className="muted">No points yet.</p>;
  const xMin = props.xFromZero === false ? Math.min(...all.map((p) => p.x)) : Math.min(0, ...all.map((p) => p.x));
  const xMax = Math.max(...all.map((p) => p.x), xMin + 1);
  const [yMin, yMax] = props.yDomain ?? [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  const yLo = yMax > yMin ? yMin : yMin - 0.5;
  const yHi = yMax > yMin ? yMax : yMax + 0.5;
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => m.top + ph - ((y - yLo) / (yHi - yLo)) * ph;
  return (
    <Frame
      width={width}
      height={height}
      title={props.title}
      desc={`${props.yLabel} against ${props.xLabel}`}
      testId={props.testId}
    >
      {niceTicks(yLo, yHi).map((v) => (
        <g key={`y${v}`}>
          <line x1={m.left} x2={width - m.right} y1={sy(v)} y2={sy(v)} stroke={GRID} />
          <text x={m.left - 6} y={sy(v) + 4} fontSize="10" textAnchor="end" fill={AXIS}>
            {fmt(v)}
          </text>
        </g>
      ))}
      {niceTicks(
        xMin,
        xMax,
        5,
        all.every((p) => Number.isInteger(p.x)),
      ).map((v) => (
        <text key={`x${v}`} x={sx(v)} y={m.top + ph + 14} fontSize="10" textAnchor="middle" fill={AXIS}>
          {fmt(v)}
        </text>
      ))}
      <text x={m.left + pw / 2} y={m.top + ph + 28} fontSize="11" textAnchor="middle" fill={AXIS}>
        {props.xLabel}
      </text>
      <text
        x={12}
        y={m.top + ph / 2}
        fontSize="11"
        textAnchor="middle"
        fill={AXIS}
        transform={`rotate(-90 12 ${m.top + ph / 2})`}
      >
        {props.yLabel}
      </text>
      {props.series.map((s, k) => {
        const color = s.color ?? PALETTE[k % PALETTE.length];
        const pts = [...s.points].sort((a, b) => a.x - b.x);
        return (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '5 4' : undefined}
              points={pts.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}
            />
            {pts.map((p, i) => (
              <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r={3} fill={color}>
                <title>{`${s.name}: ${p.label ? `${p.label}, ` : ''}${props.xLabel} ${fmt(p.x)} → ${props.yLabel} ${p.y.toFixed(3)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
      {props.series.map((s, k) => {
        const color = s.color ?? PALETTE[k % PALETTE.length];
        const x = m.left + (k % 2) * (pw / 2);
        const y = height - legendRows * 16 + Math.floor(k / 2) * 16 + 2;
        return (
          <g key={`legend-${s.name}`}>
            <line
              x1={x}
              x2={x + 18}
              y1={y}
              y2={y}
              stroke={color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '5 4' : undefined}
            />
            <text x={x + 24} y={y + 4} fontSize="11" fill="var(--text)">
              {s.name.length > 42 ? `${s.name.slice(0, 41)}…` : s.name}
            </text>
          </g>
        );
      })}
    </Frame>
  );
}

/** One row per category, one bar per measure (all in [0, 1]): per-tag precision / recall / F1 / AP. */
export function GroupedBars(props: {
  categories: string[];
  measures: { name: string; values: number[]; color?: string }[];
  title: string;
  width?: number;
  testId?: string;
}) {
  const width = props.width ?? 620;
  const barH = 6;
  const groupH = props.measures.length * (barH + 1) + 8;
  const m = { left: 84, right: 40, top: 22, bottom: 8 };
  const height = m.top + m.bottom + groupH * props.categories.length;
  const pw = width - m.left - m.right;
  return (
    <Frame width={width} height={height} title={props.title} testId={props.testId}>
      {props.measures.map((ms, k) => (
        <g key={ms.name}>
          <rect x={m.left + k * 92} y={4} width={10} height={10} fill={ms.color ?? PALETTE[k % PALETTE.length]} />
          <text x={m.left + k * 92 + 14} y={13} fontSize="11" fill="var(--text)">
            {ms.name}
          </text>
        </g>
      ))}
      {[0, 0.25, 0.5, 0.75, 1].map((v) => (
        <line key={v} x1={m.left + v * pw} x2={m.left + v * pw} y1={m.top - 2} y2={height - m.bottom} stroke={GRID} />
      ))}
      {props.categories.map((c, i) => {
        const y0 = m.top + i * groupH;
        return (
          <g key={c}>
            <text x={m.left - 6} y={y0 + groupH / 2} fontSize="11" textAnchor="end" fill="var(--text)">
              {c}
            </text>
            {props.measures.map((ms, k) => {
              const v = Math.max(0, Math.min(1, ms.values[i] ?? 0));
              return (
                <rect
                  key={ms.name}
                  x={m.left}
                  y={y0 + k * (barH + 1)}
                  width={Math.max(0.5, v * pw)}
                  height={barH}
                  fill={ms.color ?? PALETTE[k % PALETTE.length]}
                >
                  <title>{`${c} · ${ms.name} ${(ms.values[i] ?? 0).toFixed(3)}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </Frame>
  );
}

/**
 * Rows × columns of counts, shaded by each row's share (count / rowTotals[row]); the diagonal
 * outlined. Used for the tag confusion: true tag (row) × predicted tag (column).
 */
export function Heatmap(props: {
  rows: string[];
  columns: string[];
  values: number[][];
  rowTotals: number[];
  title: string;
  rowLabel: string;
  columnLabel: string;
  testId?: string;
}) {
  const cell = 40;
  const m = { left: 86, top: 74 };
  const width = m.left + props.columns.length * cell + 12;
  const height = m.top + props.rows.length * cell + 12;
  return (
    <Frame
      width={width}
      height={height}
      title={props.title}
      desc={`rows: ${props.rowLabel}; columns: ${props.columnLabel}`}
      testId={props.testId}
    >
      <text x={m.left} y={12} fontSize="11" fill={AXIS}>
        {props.columnLabel} →
      </text>
      <text x={4} y={m.top - 6} fontSize="11" fill={AXIS}>
        {props.rowLabel} ↓
      </text>
      {props.columns.map((c, j) => (
        <text
          key={c}
          x={m.left + j * cell + cell / 2}
          y={m.top - 6}
          fontSize="10"
          fill="var(--text)"
          transform={`rotate(-45 ${m.left + j * cell + cell / 2} ${m.top - 6})`}
        >
          {c}
        </text>
      ))}
      {props.rows.map((r, i) => (
        <g key={r}>
          <text x={m.left - 6} y={m.top + i * cell + cell / 2 + 4} fontSize="11" textAnchor="end" fill="var(--text)">
            {r} ({props.rowTotals[i]})
          </text>
          {props.columns.map((c, j) => {
            const v = props.values[i]?.[j] ?? 0;
            const share = props.rowTotals[i] > 0 ? v / props.rowTotals[i] : 0;
            return (
              <g key={c}>
                <rect
                  x={m.left + j * cell}
                  y={m.top + i * cell}
                  width={cell - 2}
                  height={cell - 2}
                  fill={i === j ? `rgba(76,195,138,${0.12 + 0.88 * share})` : `rgba(239,107,107,${0.06 + 0.94 * share})`}
                  stroke={i === j ? 'var(--good)' : 'none'}
                >
                  <title>{`true ${r}, predicted ${c}: ${v} of ${props.rowTotals[i]} (${(share * 100).toFixed(0)} %)`}</title>
                </rect>
                {v > 0 && (
                  <text
                    x={m.left + j * cell + cell / 2 - 1}
                    y={m.top + i * cell + cell / 2 + 3}
                    fontSize="10"
                    textAnchor="middle"
                    fill="var(--text)"
                    pointerEvents="none"
                  >
                    {v}
                  </text>
                )}
              </g>
            );
          })}
        </g>
      ))}
    </Frame>
  );
}

export interface ReliabilityBinView {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

/** Reliability diagram: observed positive rate against mean predicted probability per bin, the diagonal, and bin counts. */
export function ReliabilityDiagram(props: {
  bins: ReliabilityBinView[];
  title: string;
  ece?: number;
  compare?: { name: string; bins: ReliabilityBinView[] };
  testId?: string;
}) {
  const size = 260;
  const m = { left: 40, right: 12, top: 12, bottom: 36 };
  const width = m.left + size + m.right;
  const height = m.top + size + m.bottom;
  const sx = (v: number) => m.left + v * size;
  const sy = (v: number) => m.top + size - v * size;
  const maxCount = Math.max(1, ...props.bins.map((b) => b.count));
  const series = (bins: ReliabilityBinView[]) =>
    bins.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedRate !== null) as (ReliabilityBinView & {
      meanPredicted: number;
      observedRate: number;
    })[];
  const main = series(props.bins);
  return (
    <Frame
      width={width}
      height={height}
      title={props.title}
      desc={props.ece !== undefined ? `expected calibration error ${props.ece.toFixed(3)}` : undefined}
      testId={props.testId}
    >
      {[0, 0.25, 0.5, 0.75, 1].map((v) => (
        <g key={v}>
          <line x1={sx(0)} x2={sx(1)} y1={sy(v)} y2={sy(v)} stroke={GRID} />
          <text x={m.left - 6} y={sy(v) + 4} fontSize="10" textAnchor="end" fill={AXIS}>
            {v}
          </text>
          <text x={sx(v)} y={m.top + size + 12} fontSize="10" textAnchor="middle" fill={AXIS}>
            {v}
          </text>
        </g>
      ))}
      <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} stroke={AXIS} strokeDasharray="4 4" />
      {props.bins.map((b, i) => (
        <rect
          key={i}
          x={sx(b.lower) + 1}
          width={Math.max(1, (b.upper - b.lower) * size - 2)}
          y={sy(0) - (b.count / maxCount) * size * 0.2}
          height={(b.count / maxCount) * size * 0.2}
          fill="var(--line)"
          opacity={0.8}
        >
          <title>{`p in [${b.lower.toFixed(2)}, ${b.upper.toFixed(2)}): ${b.count} predictions`}</title>
        </rect>
      ))}
      {props.compare && (
        <polyline
          fill="none"
          stroke={PALETTE[2]}
          strokeWidth={1.5}
          strokeDasharray="3 3"
          points={series(props.compare.bins)
            .map((b) => `${sx(b.meanPredicted)},${sy(b.observedRate)}`)
            .join(' ')}
        />
      )}
      <polyline
        fill="none"
        stroke={PALETTE[0]}
        strokeWidth={2}
        points={main.map((b) => `${sx(b.meanPredicted)},${sy(b.observedRate)}`).join(' ')}
      />
      {main.map((b, i) => (
        <circle
          key={i}
          cx={sx(b.meanPredicted)}
          cy={sy(b.observedRate)}
          r={2 + 4 * Math.sqrt(b.count / maxCount)}
          fill={PALETTE[0]}
        >
          <title>{`mean predicted ${b.meanPredicted.toFixed(3)}, observed ${b.observedRate.toFixed(3)} (${b.count})`}</title>
        </circle>
      ))}
      <text x={m.left + size / 2} y={m.top + size + 26} fontSize="11" textAnchor="middle" fill={AXIS}>
        mean predicted probability (grey bars: how many)
      </text>
      <text
        x={12}
        y={m.top + size / 2}
        fontSize="11"
        textAnchor="middle"
        fill={AXIS}
        transform={`rotate(-90 12 ${m.top + size / 2})`}
      >
        observed rate
      </text>
    </Frame>
  );
}
