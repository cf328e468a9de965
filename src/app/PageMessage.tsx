import type { ReactNode } from "react";

/** A centred full-page message: loading, configuration errors, not found. */
export function PageMessage({ title, children, busy }: { title: string; children?: ReactNode; busy?: boolean }) {
  return (
    <main className="page-message" aria-busy={busy || undefined}>
      <div className="page-message-card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
