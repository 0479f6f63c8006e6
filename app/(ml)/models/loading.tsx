export default function Loading() {
  return (
    <section className="panel">
      <p className="muted">Loading models, metrics and learning curves…</p>
    </section>
  );
}
