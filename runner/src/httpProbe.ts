// Whether a dev server answers HTTP yet. A port that is LISTENing is not yet a server that serves: Vite, asked for
// `--port 0`, first listens on a free port for a moment to try it (getAvailableEphemeralPort), closes it, runs its
// plugins' buildStart, and only then listens on that port for real. A preview announced at the first sight of the
// port sent the browser to the proxy while nothing listened, the proxy answered 502 and the frame kept that page
// (runner/test: "announces the preview only once the dev server answers"). So Run says "running" only once a
// request to the port has had an answer.
import { request } from "node:http";

/** How long one probe waits for an answer (a port that accepts and never answers, like Vite's trial one). */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * True when an HTTP request to 127.0.0.1:`port` gets an answer, of any status, or bytes that are not HTTP (the
 * port serves something; the preview shows what the proxy makes of it). False when refused, reset, or silent for
 * `timeoutMs`.
 */
export function answersHttp(port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", method: "GET", headers: { host: `localhost:${port}`, accept: "*/*" } }, (res) => {
      res.resume();
      res.destroy();
      resolve(true);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("no answer")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code?.startsWith("HPE_") === true));
    req.end();
  });
}
