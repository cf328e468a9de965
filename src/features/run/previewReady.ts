// Whether the preview answers this browser yet. The runner reports "running" only once the dev server has answered
// a request on its port (runner/src/httpProbe.ts), but the frame's first navigation can still fail to connect to
// the runner itself (Chromium then shows its "refused to connect" page, and a cross-origin frame cannot tell its
// parent that it failed), so the Preview pane asks first: a no-cors request to the preview's own address, from this
// browser, resolves once anything answers there (any HTTP status) and rejects while the connection is refused. The
// frame is mounted only then. A dev server that stops answering later gets the proxy's 502 page, which reloads
// itself (runner/src/server.ts), so the frame never keeps an error page once the server is back.

export interface WaitOptions {
  /** Pause between attempts (ms). */
  intervalMs?: number;
  /** Attempts before giving up (the frame is then shown anyway, with the browser's own error page). */
  attempts?: number;
  /** Told of each failed attempt (tests count them). */
  onRefused?: (attempt: number) => void;
}

/** True once `url` answers; false after `attempts` refusals or when `signal` aborts. */
export async function waitForPreview(url: string, signal: AbortSignal, options: WaitOptions = {}): Promise<boolean> {
  const { intervalMs = 250, attempts = 60, onRefused } = options;
  for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
    try {
      await fetch(url, { mode: "no-cors", cache: "no-store", credentials: "omit", signal });
      return true;
    } catch {
      if (signal.aborted) return false;
      onRefused?.(attempt);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
  return false;
}
