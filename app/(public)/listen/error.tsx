'use client';

export default function ListenError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <section className="panel stack">
      <p className="error">The player could not load: {error.message}</p>
      <div>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </div>
    </section>
  );
}
