import Link from 'next/link';

/** A project that does not exist and one that is not the caller's look the same (lib/projects/access.ts). */
export default function ProjectNotFound() {
  return (
    <div className="panel stack" data-testid="project-not-found">
      <h1 style={{ margin: 0 }}>No such project</h1>
      <p className="muted" style={{ margin: 0 }}>
        This project does not exist, or you are not one of its contributors. Ask an admin to add you if you should be.
      </p>
      <Link href="/projects">Your projects</Link>
    </div>
  );
}
