export default function Loading() {
  return (
    <section className="panel">
      <p className="muted">Tuning in…</p>
    </section>
  );
}
