import { Frame } from './frame';
import { AXIS, GRID, PALETTE } from './palette';

const VALUE_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** One row per category, one bar per measure (all in [0, 1]): per-tag precision / recall / F1 / AP. */
export function GroupedBars(props: {
  categories: string[];
  measures: { name: string; values: number[]; color?: string }[];
  title: string;
  /** Caption of the value axis under the bars. */
  valueLabel?: string;
  width?: number;
  testId?: string;
}) {
  const width = props.width ?? 620;
  const barH = 6;
  const groupH = props.measures.length * (barH + 1) + 8;
  const m = { left: 84, right: 40, top: 22, bottom: 34 };
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
      {VALUE_TICKS.map((v) => (
        <g key={v} data-tick-x={v}>
          <line x1={m.left + v * pw} x2={m.left + v * pw} y1={m.top - 2} y2={height - m.bottom} stroke={GRID} />
          <text x={m.left + v * pw} y={height - m.bottom + 13} fontSize="10" textAnchor="middle" fill={AXIS}>
            {v}
          </text>
        </g>
      ))}
      <text x={m.left + pw / 2} y={height - 6} fontSize="11" textAnchor="middle" fill={AXIS}>
        {props.valueLabel ?? 'score (0 = worst, 1 = best)'}
      </text>
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
