import { Frame } from './frame';
import { AXIS } from './palette';

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
                  fill={i === j ? 'var(--good)' : 'var(--bad)'}
                  // At most a 50 % tint: the count drawn on the cell in --text stays above 4.5:1 in both themes (4.9:1 on dark green).
                  fillOpacity={0.08 + 0.42 * share}
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
