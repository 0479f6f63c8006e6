/**
 * A short number input with its label on one row: the figures of a rollout form (share, margin,
 * λ, like rates). The value stays text, so a half-typed "0." is kept as typed; the route's schema
 * checks the number.
 */
export function DecimalField(props: { name: string; label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label className="row" style={{ gap: '0.3rem' }}>
      {props.label}
      <input
        name={props.name}
        inputMode="decimal"
        size={6}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
