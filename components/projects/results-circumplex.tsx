import type { ProjectScore } from '@/lib/projects/schemas';

/**
 * The rated clips on the valence–arousal plane: each at its posterior mean, inside an ellipse of
 * one posterior sd per axis (a wide ellipse = a clip the crowd has not settled). SVG in plane
 * units (−1…1, arousal up), coloured from the theme tokens; it scales to the width it is given.
 */
export function ResultsCircumplex({ scores }: { scores: ProjectScore[] }) {
  const rated = scores.filter((s) => s.valence !== null && s.arousal !== null);
  const unrated = scores.length - rated.length;
  const pad = 0.18;
  const view = `${-1 - pad} ${-1 - pad} ${2 + 2 * pad} ${2 + 2 * pad}`;
  const label = { fontSize: 0.075, fill: 'var(--muted)' } as const;
  return (
    <figure className="stack" style={{ margin: 0, maxWidth: 520, width: '100%' }}>
      <svg viewBox={view} role="img" aria-labelledby="results-plane-title" data-testid="results-circumplex" style={{ width: '100%', height: 'auto' }}>
        <title id="results-plane-title">{`${rated.length} rated clips on the valence–arousal plane, each with its spread`}</title>
        <rect x={-1} y={-1} width={2} height={2} fill="var(--field)" stroke="var(--line)" strokeWidth={0.01} />
        <line x1={-1} y1={0} x2={1} y2={0} stroke="var(--track)" strokeWidth={0.008} />
        <line x1={0} y1={-1} x2={0} y2={1} stroke="var(--track)" strokeWidth={0.008} />
        <text x={0} y={-1.05} textAnchor="middle" style={label}>energetic</text>
        <text x={0} y={1.12} textAnchor="middle" style={label}>calm</text>
        <text x={-1.02} y={0.03} textAnchor="end" style={label} transform="rotate(-90 -1.06 0)">unpleasant</text>
        <text x={1.02} y={0.03} textAnchor="start" style={label} transform="rotate(90 1.06 0)">pleasant</text>
        {rated.map((s) => {
          const x = s.valence as number;
          const y = -(s.arousal as number);
          return (
            <g key={s.clipId}>
              <title>{`${s.title}${s.artist ? ` — ${s.artist}` : ''}: valence ${x.toFixed(2)} ± ${(s.valenceSd ?? 0).toFixed(2)}, arousal ${(-y).toFixed(2)} ± ${(s.arousalSd ?? 0).toFixed(2)}, ${s.answerCount} ratings`}</title>
              <ellipse
                cx={x}
                cy={y}
                rx={Math.min(1, s.valenceSd ?? 0)}
                ry={Math.min(1, s.arousalSd ?? 0)}
                fill="var(--accent)"
                fillOpacity={0.12}
                stroke="var(--accent)"
                strokeOpacity={0.45}
                strokeWidth={0.006}
              />
              <circle cx={x} cy={y} r={0.022} fill="var(--accent)" />
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        Each dot is a clip at its aggregated valence (left to right) and arousal (bottom to top); the shaded ellipse is one standard deviation of
        its estimate on each axis.{unrated === 0 ? '' : unrated === 1 ? ' 1 clip has no rating yet.' : ` ${unrated} clips have no rating yet.`}
      </figcaption>
    </figure>
  );
}
