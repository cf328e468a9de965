import { useEffect, useRef, type ReactNode } from "react";

/**
 * A centred full-page message: loading, configuration errors, not found. With `focusTitle` the heading takes
 * focus when the page appears (read out by screen readers; Tab continues to the page's links), so keyboard
 * focus never stays on <body> after the element that had it went away.
 */
export function PageMessage({
  title,
  children,
  busy,
  focusTitle,
}: {
  title: string;
  children?: ReactNode;
  busy?: boolean;
  focusTitle?: boolean;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusTitle) headingRef.current?.focus();
  }, [focusTitle]);
  return (
    <main className="page-message" aria-busy={busy || undefined}>
      <div className="page-message-card">
        <h1 ref={headingRef} tabIndex={focusTitle ? -1 : undefined}>
          {title}
        </h1>
        {children}
      </div>
    </main>
  );
}
