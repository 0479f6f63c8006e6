import { Frame } from './frame';
import { AXIS, GRID, PALETTE } from './palette';

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
