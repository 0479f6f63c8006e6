export default function Loading() {
  return (
    <div className="panel">
      <p className="muted">Loading the loop…</p>
    </div>
  );
}
